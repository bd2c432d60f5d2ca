"""The merchant clears the "needs you" inbox from a phone, in a real chromium: an overdue
bank transfer is marked received in one click, and the item leaves the open list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from comptoir.inbox.models import InboxItem, ItemStatus
from comptoir.orders.reminders import remind_and_cancel_manual_payments
from comptoir.orders.states import OrderStatus
from tests.browser.test_storefront_browser import (  # noqa: F401 - the fixture
    ARTIFACTS,
    DESKTOP,
    MOBILE,
    browser,
)
from tests.inbox.test_producers import order_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_merchant_marks_an_overdue_transfer_received_from_a_phone(
    browser,  # noqa: F811
    live_server,
    shop,
):
    # Given an overdue bank transfer in the inbox, and the merchant signed in on a phone
    order = order_for(shop, payment_method="bank_transfer")
    remind_and_cancel_manual_payments(now=timezone.now() + timedelta(days=4))
    item = InboxItem.objects.get()
    get_user_model().objects.create_superuser("patronne", "p@example.org", "un mot de passe")
    context = browser.new_context(viewport=MOBILE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "patronne")
    page.fill("#id_password", "un mot de passe")
    page.click("input[type=submit]")

    # When they follow the banner of the back-office home to the inbox
    page.click(".inbox-banner a")
    card = page.locator(f"#item-{item.pk}")
    card.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox-mobile.png"), full_page=True)
    button = card.get_by_role("button", name="Mark payment received")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= MOBILE["width"]
    assert box["height"] >= 40  # a thumb-sized target
    button.click()

    # Then the order is paid, the item closed, and the inbox says nothing waits
    page.wait_for_selector(".messagelist .success")
    assert page.locator(f"#item-{item.pk}").count() == 0
    assert "Nothing needs you" in page.content()
    order.refresh_from_db()
    item.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert item.status == ItemStatus.CLOSED
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin/inbox/inboxitem/?status=closed")
    assert page.locator(f"#item-{item.pk}").count() == 1
    assert errors == []
    context.close()
