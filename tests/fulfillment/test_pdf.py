"""Packing slips and purchase orders as PDF, read back with a real PDF text extractor."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from comptoir.fulfillment import pdf, selfship
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    ProductRoute,
    RouteKind,
    Shipment,
    Transport,
)
from comptoir.orders.models import Order
from tests.fulfillment.helpers import paid_order, stocked
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Hélène Dupré",
    "line1": "12 rue de l'Église",
    "line2": "Bâtiment Œ",
    "postcode": "69003",
    "city": "Lyon",
    "country": "FR",
}


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def with_address(order: Order) -> Order:
    order.shipping_address = {**order.shipping_address, **ADDRESS}
    order.save(update_fields=["shipping_address"])
    return order


@pytest.fixture
def batch(shop):
    shop.default_language = "fr"
    shop.save(update_fields=["default_language"])
    route = FulfillmentRoute.objects.create(
        shop=shop, name="Chez moi", kind=RouteKind.SELF_SHIP, is_default=True
    )
    tea, mug = stocked(shop, "TEA-1"), stocked(shop, "MUG-7")
    ProductRoute.objects.create(product=tea.product, location="B-2")
    first = with_address(paid_order(shop, [(tea, 3), (mug, 1)], "a@example.org"))
    second = paid_order(shop, [(mug, 5)], "b@example.org")
    return selfship.create_batch(route, actor="merchant"), first, second


def test_packing_slips_have_one_page_per_parcel_in_the_shop_language(batch):
    batch, first, second = batch

    pages = pages_of(pdf.render_packing_slips(batch=batch))

    assert len(pages) == 2
    text = " ".join(pages[0].split())
    assert f"Commande {first.reference}" in text
    assert first.reference not in pages[1]
    assert second.reference in pages[1]
    assert "Hélène Dupré" in text
    assert "12 rue de l'Église" in text
    assert "Bâtiment Œ" in text
    assert "TEA-1" in text and "MUG-7" in text
    # the tea's quantity sits on its row, before the mug's, with its shelf
    assert "TEA-1" in text.split("MUG-7")[0]
    assert " 3 B-2" in text
    assert "MUG-7" in pages[1] and " 5" in pages[1]


def test_without_the_dejavu_font_french_still_prints_in_helvetica(batch, monkeypatch):
    batch, first, _ = batch
    monkeypatch.setattr(pdf, "FONT_DIRS", ())

    content = pdf.render_packing_slips(batch=batch)

    assert b"Helvetica" in content
    text = " ".join(pages_of(content)[0].split())
    assert "Hélène Dupré" in text
    assert "Bâtiment Œ" in text
    assert first.reference in text


def test_the_back_office_downloads_the_slips_as_pdf(batch, admin_client):
    batch, first, _ = batch
    base = f"/admin/fulfillment/packingbatch/{batch.pk}"

    listing = admin_client.get("/admin/fulfillment/packingbatch/")
    response = admin_client.get(f"{base}/slips.pdf")

    assert f'href="{base}/slips.pdf"' in listing.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="packing-slips-{batch.pk}.pdf"'
    )
    assert first.reference in pages_of(response.content)[0]
    assert admin_client.get("/admin/fulfillment/packingbatch/999999/slips.pdf").status_code == 404


def test_the_supplier_gets_the_purchase_order_as_csv_and_pdf(shop):
    # Given a dropship supplier with its own references for our products
    FulfillmentRoute.objects.create(
        shop=shop,
        name="Théières du Japon",
        kind=RouteKind.DROPSHIP,
        transport=Transport.EMAIL,
        email="commandes@theieres.example",
        is_default=True,
    )
    pot, cup = stocked(shop, "POT-1"), stocked(shop, "CUP-2")
    ProductRoute.objects.create(product=pot.product, supplier_sku="TJ-9001")
    order = with_address(paid_order(shop, [(pot, 2), (cup, 4)], "client@example.org"))

    # When the dispatch runs
    run_queued_tasks()

    # Then its one email carries the CSV and the PDF of the same parcel
    (message,) = [m for m in mail.outbox if m.to == ["commandes@theieres.example"]]
    assert [(a[0].rsplit(".", 1)[1], a[2]) for a in message.attachments] == [
        ("csv", "text/csv"),
        ("pdf", "application/pdf"),
    ]
    assert message.attachments[0][0][:-4] == message.attachments[1][0][:-4]
    shipment = Shipment.objects.get()
    (page,) = pages_of(message.attachments[1][1])
    text = " ".join(page.split())
    assert shipment.key in text
    assert order.reference in text
    assert "Théières du Japon" in text
    assert "Hélène Dupré" in text and "12 rue de l'Église" in text and "69003 Lyon" in text
    assert "TJ-9001 POT-1" in text and "CUP-2 CUP-2" in text
    assert "TJ-9001 POT-1" in text and " 2 " in text.split("TJ-9001")[1][:60]
    assert " 4" in text.split("CUP-2 CUP-2")[1][:60]
