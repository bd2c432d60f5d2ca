"""A shopper buys through the real pages (basket, checkout, sandbox card, return) and the
order gets exactly one invoice, downloadable from the page they land on."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from comptoir.billing.models import Document
from comptoir.orders.models import Order
from comptoir.sandbox_psp.models import SandboxIntent
from tests.billing.helpers import complete_identity, pdf_text
from tests.selling import CHECKOUT_FORM, add_flat_shipping, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_a_checkout_paid_by_card_gets_exactly_one_invoice(en_shop):
    complete_identity(en_shop)
    add_flat_shipping(en_shop, price="4.90", countries="FR")
    tea = make_variant(en_shop, sku="SENCHA", price="12.40", stock=5, name="Sencha")
    with override("en"):
        checkout, add = reverse("checkout:checkout"), reverse("cart:add")
    client = Client()
    assert client.post(add, {"variant": tea.pk, "quantity": "2"}).status_code == 303
    page = client.get(checkout)
    cart = page.context["cart"]
    placed = client.post(
        checkout,
        {
            "email": "jeanne@example.org",
            **CHECKOUT_FORM,
            "cart": str(cart.pk),
            "cart_version": str(cart.version),
            "quoted": page.context["quoted"],
            "action": "place",
        },
    )
    assert placed.status_code == 303
    intent = SandboxIntent.objects.get()
    paid = client.post(
        f"/sandbox-psp/pay/{intent.id}/",
        {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "Jeanne"},
    )
    back = paid["Location"].split("testserver", 1)[-1]

    # The shopper's browser comes back (twice: a reload), then the workers run
    pages = [client.get(back), client.get(back)]
    run_queued_tasks()

    order = Order.objects.get()
    assert order.status == "paid"
    invoice = Document.objects.get()
    assert (invoice.order, invoice.reference, invoice.total) == (order, "F000001", order.total)
    assert order.events.filter(kind="invoice_issued").count() == 1
    status = client.get(back.split("?", 1)[0])
    (link,) = re.findall(r'href="(/billing/[^"]+)"', status.content.decode())
    assert [p.status_code for p in pages] == [200, 200]
    response = client.get(link)
    text = " ".join(pdf_text(b"".join(response.streaming_content)).split())
    assert "Sencha" in text and "Total incl. VAT: 29.70 EUR" in text
    # The buyer as typed in the checkout form (first and last name, postal code)
    assert "Billed to Jeanne Martin 12 rue des Lilas 69003 Lyon FR jeanne@example.org" in text
    assert "Delivered to" not in text
