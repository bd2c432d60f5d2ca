"""A guest buys with the sandbox card through a 3-D Secure challenge in a real chromium,
then opens the order-status link from the email read on a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.payments.models import Payment
from tests.browser.test_storefront_browser import (  # noqa: F401 - the fixture
    ARTIFACTS,
    DESKTOP,
    MOBILE,
    browser,
)
from tests.factories import build_catalog
from tests.selling import add_flat_shipping, drain_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def shop_online(live_server, shop, settings):
    settings.COMPTOIR_BASE_URL = live_server.url
    build_catalog(shop, with_images=True)
    add_flat_shipping(shop, price="4.90", countries="FR,BE")
    ARTIFACTS.mkdir(exist_ok=True)
    return live_server.url


def shots(page, name):
    """The same screen on a phone and on a desktop."""
    for label, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"checkout-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(MOBILE)


def test_a_guest_pays_through_3d_secure_and_opens_the_link_from_the_email(
    browser,  # noqa: F811
    shop_online,
    smtp,
):
    context = browser.new_context(viewport=MOBILE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{shop_online}/en/product/ethiopian-coffee/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to basket").click()
    page.wait_for_url(re.compile(r"/en/basket/$"))
    assert page.locator(".basket-line .name").inner_text() == "Ethiopian coffee"
    assert page.locator(".totals .grand td").inner_text() == "€21.90"
    assert page.locator(".basket-link .pill").inner_text().startswith("2")
    shots(page, "basket")

    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("jeanne@example.org")
    page.locator("#id_shipping-first_name").fill("Jeanne")
    page.locator("#id_shipping-last_name").fill("Martin")
    page.locator("#id_shipping-line1").fill("12 rue des Lilas")
    page.locator("#id_shipping-postal_code").fill("69003")
    page.locator("#id_shipping-city").fill("Lyon")
    assert page.locator("[data-billing]").is_hidden()
    page.get_by_label("Card (test mode)").check()
    shots(page, "form")
    page.get_by_role("button", name=re.compile("Place the order")).click()

    page.wait_for_url(re.compile(r"/sandbox-psp/pay/"))
    assert "Pay 21.90 EUR" in page.locator("h1").inner_text()
    page.get_by_label("Card number").fill("4000 0000 0000 3220")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    shots(page, "sandbox-pay")
    page.get_by_role("button", name=re.compile("^Pay")).click()

    page.wait_for_url(re.compile(r"/sandbox-psp/3ds/"))
    shots(page, "3ds")
    page.get_by_role("button", name="Approve").click()

    page.wait_for_url(re.compile(r"/en/order/.+\?return=1"))
    assert "Payment confirmed" in page.locator(".payment-state").inner_text()
    assert page.locator(".order-status strong").inner_text() == "Paid"
    shots(page, "order")

    drain_tasks()  # the emails, and the PSP's webhook to the live server

    order = Order.objects.get()
    assert (order.status, order.total) == ("paid", order.payments.get().amount)
    assert Payment.objects.get().status == "succeeded"
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1
    kinds = sorted(m["X-Comptoir-Kind"] for m in smtp.messages)
    assert kinds == ["order_received", "payment_confirmed"]
    assert OrderNotification.objects.filter(sent_at__isnull=False).count() == 2
    confirmed = next(m for m in smtp.messages if m["X-Comptoir-Kind"] == "payment_confirmed")
    assert confirmed["To"] == "jeanne@example.org"
    text = confirmed.get_body(preferencelist=("plain",)).get_content()
    link = re.search(re.escape(shop_online) + r"/en/order/[^\s\"<>]+", text)[0]

    fresh = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    fresh.goto(link)
    assert fresh.locator("h1").inner_text() == f"Order {order.reference}"
    assert fresh.locator(".order-status strong").inner_text() == "Paid"
    assert "Keep track of your orders" in fresh.content()
    fresh.screenshot(path=str(ARTIFACTS / "checkout-email-link-desktop.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_checkout_works_without_javascript(browser, shop_online):  # noqa: F811
    context = browser.new_context(viewport=MOBILE, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{shop_online}/en/product/japanese-sencha/")
    page.get_by_role("button", name="Add to basket").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("paul@example.org")
    page.locator("#id_shipping-first_name").fill("Paul")
    page.locator("#id_shipping-last_name").fill("Martin")
    page.locator("#id_shipping-line1").fill("1 rue Neuve")
    page.locator("#id_shipping-postal_code").fill("1000")
    page.locator("#id_shipping-city").fill("Bruxelles")
    page.locator("#id_shipping-country").select_option("BE")
    page.get_by_role("button", name="Update the totals").click()
    assert page.locator("#id_shipping-postal_code").input_value() == "1000"
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name=re.compile("Place the order")).click()

    page.wait_for_url(re.compile(r"/en/order/"))
    assert "How to pay" in page.content()
    order = Order.objects.get()
    assert (order.shipping_country, order.payment_method) == ("BE", "bank_transfer")
    context.close()
