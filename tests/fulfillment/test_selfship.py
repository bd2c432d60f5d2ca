"""Parcels packed by the merchant: a batch, its pick list and carrier files, and the
tracking numbers pasted back."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail

from comptoir.fulfillment import selfship
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    PackingBatch,
    ProductRoute,
    RouteKind,
    Shipment,
)
from comptoir.orders.models import Order
from tests.fulfillment.helpers import paid_order, stocked
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(shop):
    route = FulfillmentRoute.objects.create(
        shop=shop, name="Chez moi", kind=RouteKind.SELF_SHIP, is_default=True
    )
    tea, mug = stocked(shop, "TEA"), stocked(shop, "MUG")
    ProductRoute.objects.create(product=tea.product, location="B-2")
    ProductRoute.objects.create(product=mug.product, location="A-1")
    orders = [
        paid_order(shop, [(tea, 2), (mug, 1)], "a@example.org"),
        paid_order(shop, [(tea, 1)], "b@example.org"),
    ]
    return route, orders


def test_a_batch_takes_the_waiting_parcels_once_with_a_pick_list_in_shelf_order(packed):
    route, orders = packed
    batch = selfship.create_batch(route, actor="merchant")
    with pytest.raises(selfship.NothingToPack):
        selfship.create_batch(route, actor="merchant")

    assert PackingBatch.objects.count() == 1
    assert set(Shipment.objects.values_list("status", "batch")) == {("dispatched", batch.pk)}
    assert set(Order.objects.values_list("status", flat=True)) == {"fulfilling"}
    rows = [(r.location, r.sku, r.quantity, r.orders) for r in selfship.pick_list(batch)]
    assert rows == [
        ("A-1", "MUG", 1, [orders[0].reference]),
        ("B-2", "TEA", 3, sorted([orders[0].reference, orders[1].reference])),
    ]


@pytest.mark.parametrize(
    ("layout", "reference_column", "weight_column", "weight"),
    [
        ("colissimo", "Reference", "Poids (kg)", "0,750"),
        ("mondial_relay", "Reference expedition", "Poids (g)", "750"),
        ("generic", "reference", "weight_kg", "0,750"),
    ],
)
def test_carrier_files_have_one_row_per_parcel(
    packed, layout, reference_column, weight_column, weight
):
    route, orders = packed
    batch = selfship.create_batch(route, actor="merchant")
    content = selfship.carrier_csv(batch, layout).decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert [r[reference_column] for r in rows] == [o.reference for o in orders]
    assert rows[0][weight_column] == weight  # 3 units of 250 g
    assert {r.get("Code postal") or r.get("postcode") for r in rows} == {"69003"}


def test_pasted_tracking_numbers_ship_the_good_lines_and_name_the_bad_ones(packed):
    route, orders = packed
    batch = selfship.create_batch(route, actor="merchant")
    text = f"{orders[0].reference};6A100\n\n999999;6A101\n{orders[1].reference}\n"
    result = selfship.import_tracking(batch, carrier="colissimo", text=text, actor="merchant")
    assert result.shipped == [orders[0].reference]
    assert result.errors == [
        "Line 3: order 999999 is not in this batch.",
        "Line 4: expected an order number and a tracking number.",
    ]
    batch.refresh_from_db()
    assert batch.shipped_at is None

    fixed = selfship.import_tracking(
        batch, carrier="colissimo", text=f"{orders[1].reference}\t6A102", actor="merchant"
    )
    assert fixed.errors == []
    batch.refresh_from_db()
    assert batch.shipped_at is not None
    run_queued_tasks()
    shipped = [m for m in mail.outbox if m.extra_headers["X-Comptoir-Kind"] == "shipment_shipped"]
    assert sorted(m.to[0] for m in shipped) == ["a@example.org", "b@example.org"]


def test_the_batch_pages_answer_in_the_back_office(packed, admin_client):
    route, orders = packed
    response = admin_client.post(
        "/admin/fulfillment/fulfillmentroute/",
        {"action": "create_batches", "_selected_action": [route.pk]},
        follow=True,
    )
    assert response.status_code == 200
    batch = PackingBatch.objects.get()
    base = f"/admin/fulfillment/packingbatch/{batch.pk}"
    picked = admin_client.get(f"{base}/pick-list/")
    assert picked.status_code == 200
    assert "B-2" in picked.content.decode()
    assert admin_client.get(f"{base}/slips/").status_code == 200
    export = admin_client.get(f"{base}/export/colissimo/")
    assert export["Content-Disposition"] == f'attachment; filename="batch-{batch.pk}-colissimo.csv"'
    assert admin_client.get(f"{base}/export/unknown/").status_code == 404
    assert admin_client.get("/admin/fulfillment/packingbatch/").status_code == 200
    posted = admin_client.post(
        f"{base}/tracking/",
        {
            "carrier": "mondial_relay",
            "numbers": f"{orders[0].reference};MR1\n{orders[1].reference};MR2",
        },
        follow=True,
    )
    assert posted.status_code == 200
    assert set(Shipment.objects.values_list("carrier", "status")) == {("mondial_relay", "shipped")}
