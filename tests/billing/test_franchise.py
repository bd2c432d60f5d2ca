"""The VAT franchise (art. 293 B du CGI): a seller under it charges no VAT at checkout, and
its invoice carries the mention and no VAT figure; a normal shop is unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from comptoir.billing.models import Document
from comptoir.orders.links import order_status_path
from comptoir.orders.models import Order, OrderNotification
from comptoir.orders.notifications import render_message
from tests.billing.helpers import complete_identity, pay, pdf_text, placed_order
from tests.checkout.test_views import ADD, CHECKOUT, form_data, pay_with_card
from tests.selling import add_flat_shipping, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

MENTION = "TVA non applicable, art. 293 B du CGI"
LINES = (("12.00", "standard", 2), ("8.44", "reduced", 1))


def test_a_franchise_shop_charges_no_vat_and_its_invoice_says_why(en_shop):
    # Given a shop under the franchise, prices entered VAT included (the default)
    complete_identity(en_shop, vat_exempt=True, vat_number="")

    # When an order of two VAT classes with shipping is placed and paid
    order = pay(placed_order(en_shop, lines=LINES))
    run_queued_tasks()

    # Then the price entered is the price paid, with no VAT at any rate
    assert order.total_vat == Decimal("0.00")
    assert order.total == order.total_net == Decimal("32.44") + Decimal("4.90")
    assert order.vat_breakdown == [{"rate": "0", "net": "37.34", "vat": "0.00", "gross": "37.34"}]
    assert sorted(order.lines.values_list("vat_rate", flat=True)) == [Decimal(0)] * 2
    # And the invoice shows the mention, the lines at their price, and no VAT line at all
    text = " ".join(pdf_text(Document.objects.get(order=order).pdf.read()).split())
    assert MENTION in text
    assert "Total: 37.34 EUR" in text
    assert "12.00 EUR" in text and "24.00 EUR" in text and "8.44 EUR" in text
    assert "Shipping: Colissimo" in text
    assert "VAT" not in text.replace(MENTION, "")
    assert "%" not in text.replace("10 %", "")


def test_under_the_franchise_prices_entered_without_vat_are_the_prices_paid(en_shop):
    complete_identity(en_shop, vat_exempt=True, vat_number="")
    en_shop.prices_include_tax = False
    en_shop.save(update_fields=["prices_include_tax"])

    order = placed_order(en_shop, lines=(("10.00", "standard", 1),))

    assert (order.total_net, order.total_vat, order.total) == (
        Decimal("14.90"),
        Decimal("0.00"),
        Decimal("14.90"),
    )


def test_a_normal_shop_still_charges_vat(en_shop):
    complete_identity(en_shop)

    order = pay(placed_order(en_shop, lines=LINES))
    run_queued_tasks()

    assert order.total == Decimal("37.34")
    assert order.total_vat == Decimal("5.11")
    assert {row["rate"] for row in order.vat_breakdown} == {"0.2", "0.055"}
    text = " ".join(pdf_text(Document.objects.get(order=order).pdf.read()).split())
    assert "VAT: 5.11 EUR" in text and "293 B" not in text


def test_an_order_that_charged_vat_before_the_franchise_keeps_it_on_its_invoice(en_shop):
    # Given an order placed (VAT charged) before the merchant switched to the franchise
    complete_identity(en_shop)
    order = placed_order(en_shop, lines=LINES)
    complete_identity(en_shop, vat_exempt=True, vat_number="")

    # When it is paid and invoiced
    pay(order)
    run_queued_tasks()

    # Then the invoice shows the VAT that was charged, and never the mention beside it
    text = " ".join(pdf_text(Document.objects.get(order=order).pdf.read()).split())
    assert "VAT: 5.11 EUR" in text
    assert "293 B" not in text


def test_the_checkout_page_of_a_franchise_shop_shows_the_mention_and_no_vat(shop):
    complete_identity(shop, vat_exempt=True, vat_number="")
    add_flat_shipping(shop, price="4.90", countries="FR,BE,DE")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=50, name="Sencha")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(ADD, {"variant": tea.pk, "quantity": "2"})

    page = client.get(CHECKOUT)

    totals = page.context["totals"]
    assert (totals.total, totals.total_vat) == (Decimal("29.70"), Decimal("0.00"))
    html = page.content.decode()
    assert MENTION in html and "of which VAT" not in html
    # And the order placed from it, paid by card, is invoiced without VAT
    client.post(CHECKOUT, form_data(client))
    client.get(pay_with_card(client).split("testserver", 1)[-1])
    run_queued_tasks()
    order = Order.objects.get()
    assert (order.status, order.total, order.total_vat) == ("paid", Decimal("29.70"), 0)
    assert Document.objects.get(order=order).snapshot["vat_exempt"] is True
    # And the order page and the payment email say it instead of a VAT amount
    status = client.get(order_status_path(order)).content.decode()
    assert MENTION in status
    for language in ("fr", "en"):
        with translation.override(language):
            assert translation.gettext("Total excluding VAT") not in status
    email = render_message(OrderNotification.objects.get(order=order, kind="payment_confirmed"))
    assert MENTION in email.body and MENTION in email.alternatives[0][0]
    assert "of which VAT" not in email.body


def test_the_checkout_page_of_a_normal_shop_shows_the_vat(shop):
    complete_identity(shop)
    add_flat_shipping(shop, price="4.90", countries="FR,BE,DE")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=50, name="Sencha")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(ADD, {"variant": tea.pk, "quantity": "2"})

    page = client.get(CHECKOUT)

    assert page.context["totals"].total_vat == Decimal("4.95")
    html = page.content.decode()
    assert MENTION not in html and "of which VAT" in html
