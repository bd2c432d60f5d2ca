"""A guest finds their order with its number and email in a real chromium, sees where it
stands, and cancels it through the confirmation page; screenshots on a phone and a desktop."""

from __future__ import annotations

import pytest

from comptoir.fulfillment.models import Shipment
from comptoir.fulfillment.services import mark_shipped
from comptoir.orders.models import Order
from comptoir.payments.models import Refund
from tests.browser.test_storefront_browser import (  # noqa: F401 - the fixture
    ARTIFACTS,
    DESKTOP,
    MOBILE,
    browser,
)
from tests.fulfillment.helpers import stocked
from tests.orders.test_selfservice import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shots(page, name: str) -> None:
    for label, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"selfservice-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(MOBILE)


def test_a_guest_finds_the_order_and_cancels_it(browser, live_server, shop, settings):  # noqa: F811
    settings.COMPTOIR_BASE_URL = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    # Given a paid order (packed by the merchant, not in a batch yet), and a shipped one
    order = paid_order(shop, stocked(shop, "TEA"))
    shipped = paid_order(shop, stocked(shop, "COFFEE"), email="paul@example.org")
    mark_shipped(
        Shipment.objects.get(order=shipped).pk,
        carrier="colissimo",
        tracking_number="6A12345678901",
        actor="merchant",
    )
    context = browser.new_context(viewport=MOBILE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The shipped one first: its page shows the parcel and the carrier's link
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("link", name="Where is my order?").click()
    page.get_by_label("Order number").fill(shipped.reference)
    page.get_by_label("Email used for the order").fill("paul@example.org")
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_selector(".tracking")
    assert page.locator(".status-words").inner_text() == "Your order is on its way."
    link = page.get_by_role("link", name="Track the parcel")
    assert "laposte.fr" in link.get_attribute("href")
    assert page.locator(".timeline li").count() == 3
    shots(page, "shipped")

    # When the guest looks up the other order with a wrong email, then the right one
    page.goto(f"{live_server.url}/en/where-is-my-order/")
    page.get_by_label("Order number").fill(order.reference)
    page.get_by_label("Email used for the order").fill("someone@example.org")
    page.get_by_role("button", name="Find my order").click()
    assert "We found no order with this number and this email." in page.inner_text(".alert")
    page.get_by_label("Email used for the order").fill(order.email)
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_selector(".tracking")
    shots(page, "paid")

    # ...asks to cancel, sees the confirmation, and confirms
    page.get_by_role("link", name="Cancel my order").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Cancel order {order.reference}?"
    shots(page, "cancel-confirm")
    page.get_by_role("button", name="Yes, cancel my order").click()
    page.wait_for_selector(".messages")

    # Then the order page says it is cancelled, and so does the database, refunded once
    assert "Your order is cancelled and your payment is being refunded." in page.inner_text(
        ".messages"
    )
    assert page.locator(".status-words").inner_text() == "This order was cancelled."
    shots(page, "cancelled")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Refund.objects.filter(payment__order=order).count() == 1
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert errors == []
    context.close()
