"""A dropship supplier gets a purchase order by email (CSV attached, one signed link per
parcel) and says the parcel left by following its link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from comptoir.fulfillment import dispatch
from comptoir.fulfillment.models import FulfillmentRoute, RouteKind, Shipment, Transport
from tests.fulfillment.helpers import paid_order, stocked
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_a_supplier_gets_its_purchase_order_and_confirms_through_the_signed_link(shop):
    # Given a supplier who ships from its own stock, sent purchase orders by email
    route = FulfillmentRoute.objects.create(
        shop=shop,
        name="Théières du Japon",
        kind=RouteKind.DROPSHIP,
        transport=Transport.EMAIL,
        email="commandes@theieres.example",
        is_default=True,
    )
    pot = stocked(shop, "POT-1")
    order = paid_order(shop, [(pot, 2)], "client@example.org")

    # When the dispatch runs
    run_queued_tasks()

    # Then the supplier got one email with the parcel, the CSV and a link
    po = [m for m in mail.outbox if m.to == ["commandes@theieres.example"]]
    assert len(po) == 1
    shipment = Shipment.objects.get()
    assert shipment.status == "dispatched"
    assert "2 × POT-1" in po[0].body
    assert "12 rue des Lilas" in po[0].body
    (name, content, mimetype) = po[0].attachments[0]
    assert mimetype == "text/csv"
    assert shipment.key in (content if isinstance(content, str) else content.decode("utf-8-sig"))
    link = re.search(r"https?://\S+/fulfillment/supplier/\S+/", po[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()

    # A tampered link is refused
    assert client.get("/" + path[:-3] + "xx/").status_code == 404

    # When the supplier opens the link, forgets the number, then gives it
    assert client.get("/" + path).status_code == 200
    missing = client.post("/" + path, {"carrier": "colissimo", "tracking_number": ""})
    assert missing.status_code == 200
    assert Shipment.objects.get().status == "dispatched"
    done = client.post("/" + path, {"carrier": "colissimo", "tracking_number": "6A555"})
    again = client.post("/" + path, {"carrier": "colissimo", "tracking_number": "6A555"})

    # Then the parcel is shipped, once, and the customer told once
    assert (done.status_code, again.status_code) == (200, 200)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == ("shipped", "6A555")
    run_queued_tasks()
    shipped = [m for m in mail.outbox if m.to == ["client@example.org"] and "6A555" in m.body]
    assert len(shipped) == 1
    order.refresh_from_db()
    assert order.status == "shipped"
    assert dispatch.due_queryset(shipment.created_at).count() == 0
    assert list(route.received_messages.order_by("pk").values_list("channel", "outcome")) == [
        ("link", "accepted"),
        ("link", "duplicate"),
    ]


def test_a_warehouse_taking_email_gets_one_csv_per_slot(shop):
    # Given a 3PL that takes its orders as a CSV file by email, every 30 minutes
    FulfillmentRoute.objects.create(
        shop=shop,
        name="Logisti par e-mail",
        kind=RouteKind.THIRD_PARTY,
        transport=Transport.EMAIL,
        email="import@logisti.example",
        batch_every_minutes=30,
        is_default=True,
    )
    tea = stocked(shop, "TEA")
    for i in range(4):
        paid_order(shop, [(tea, 1)], f"e{i}@example.org")
    slot = max(Shipment.objects.values_list("next_attempt_at", flat=True))

    # When the periodic dispatch runs at the slot, and again
    assert dispatch.dispatch_due_shipments(now=slot) == 4
    assert dispatch.dispatch_due_shipments(now=slot) == 0

    # Then one email carries the 4 shipments in one CSV file
    sent = [m for m in mail.outbox if m.to == ["import@logisti.example"]]
    assert len(sent) == 1
    (name, content, _mimetype) = sent[0].attachments[0]
    text = content if isinstance(content, str) else content.decode("utf-8-sig")
    assert name.endswith("-4.csv")
    assert sorted(line.split(";")[0] for line in text.strip().splitlines()[1:]) == sorted(
        s.key for s in Shipment.objects.all()
    )
    assert set(Shipment.objects.values_list("status", flat=True)) == {"dispatched"}
