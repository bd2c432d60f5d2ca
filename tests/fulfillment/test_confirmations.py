"""Shipment confirmations coming back by signed webhook: applied once, the customer
emailed once, everything else rejected with a reason, logged, and nothing lost."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comptoir.fulfillment.models import ReceivedMessage, Shipment
from comptoir.fulfillment.services import deliver_overdue
from comptoir.inbox.models import InboxItem
from comptoir.orders.models import OrderNotification
from tests.fulfillment.helpers import paid_order, signed_post, stocked, warehouse
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped_setup(shop):
    route = warehouse(shop, "http://127.0.0.1:9/", batch_every_minutes=60)
    tea = stocked(shop, "TEA")
    orders = [paid_order(shop, [(tea, 1)], f"c{i}@example.org") for i in range(2)]
    shipments = [Shipment.objects.get(order=o) for o in orders]
    return route, orders, shipments


def confirmation(shipment: Shipment, tracking: str = "6A12345678901", **extra) -> dict:
    return {
        "message_id": f"msg-{shipment.pk}-{tracking}",
        "shipment_id": shipment.key,
        "status": "shipped",
        "carrier": "La Poste",
        "tracking_number": tracking,
        **extra,
    }


def test_a_confirmation_ships_the_order_and_emails_the_tracking_link_once(shipped_setup):
    route, orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    # When the warehouse confirms the first shipment, then replays the same message
    first = signed_post(client, route, confirmation(shipments[0]))
    replay = signed_post(client, route, confirmation(shipments[0]))
    run_queued_tasks()

    # Then the shipment is shipped with its carrier, number and tracking link
    assert (first.status_code, first.json()["outcome"]) == (200, "accepted")
    assert (replay.status_code, replay.json()["outcome"]) == (200, "duplicate")
    shipment = Shipment.objects.get(pk=shipments[0].pk)
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        "shipped",
        "colissimo",
        "6A12345678901",
    )
    assert shipment.tracking_url == (
        "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    )
    orders[0].refresh_from_db()
    assert orders[0].status == "shipped"
    # And the customer got exactly one email with the link
    shipped_mails = [
        m for m in mail.outbox if m.extra_headers["X-Comptoir-Kind"] == "shipment_shipped"
    ]
    assert len(shipped_mails) == 1
    assert shipped_mails[0].to == ["c0@example.org"]
    assert shipment.tracking_url in shipped_mails[0].body
    assert OrderNotification.objects.filter(kind="shipment_shipped").count() == 1
    # And both messages are logged, one applied
    assert list(ReceivedMessage.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_logged(shipped_setup):
    route, _orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    forged = signed_post(client, route, confirmation(shipments[0]), secret="not-the-secret")
    stale = signed_post(client, route, confirmation(shipments[0]), now=time.time() - 3600)
    unsigned = client.post(
        f"/fulfillment/routes/{route.pk}/confirmations/",
        data=json.dumps(confirmation(shipments[0])),
        content_type="application/json",
    )

    assert [r.status_code for r in (forged, stale, unsigned)] == [401, 401, 401]
    assert forged.json()["detail"] == "signature does not match the body"
    assert "outside the 300 s tolerance" in stale.json()["detail"]
    assert "missing X-Comptoir-Timestamp" in unsigned.json()["detail"]
    assert Shipment.objects.get(pk=shipments[0].pk).status == "pending"
    assert ReceivedMessage.objects.filter(outcome="rejected").count() == 3
    # One inbox item for the route's signature problem, not three
    item = InboxItem.objects.get()
    assert (item.kind, item.key, item.raised_count) == (
        "message_rejected",
        f"signature:{route.pk}",
        3,
    )
    # Nothing lost: the bodies are kept as received
    assert ReceivedMessage.objects.filter(body__contains=shipments[0].key).count() == 3


def test_an_unknown_order_is_rejected_into_the_inbox(shipped_setup):
    route, _orders, _shipments = shipped_setup
    response = signed_post(
        Client(HTTP_ACCEPT_LANGUAGE="en"),
        route,
        {"message_id": "m-1", "order": "999999", "carrier": "DPD", "tracking_number": "X1"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "order: unknown order 999999"
    item = InboxItem.objects.get()
    assert item.kind == "message_rejected"
    assert "999999" in item.context["body"]
    assert ReceivedMessage.objects.get().outcome == "rejected"


def test_a_tracking_number_already_used_by_another_parcel_is_rejected(shipped_setup):
    route, orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_post(client, route, confirmation(shipments[0], tracking="SAME-1"))

    # When the warehouse confirms the second order with the first one's tracking number
    response = signed_post(client, route, confirmation(shipments[1], tracking="SAME-1"))

    # Then it is refused, the second customer is not sent someone else's parcel link
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Tracking number SAME-1 is already used by shipment {shipments[0].key}."
    )
    assert Shipment.objects.get(pk=shipments[1].pk).status == "pending"
    assert OrderNotification.objects.filter(kind="shipment_shipped").count() == 1
    assert InboxItem.objects.filter(kind="message_rejected", status="open").count() == 1

    # And a corrected message for it is then applied
    fixed = signed_post(client, route, confirmation(shipments[1], tracking="OTHER-2"))
    assert fixed.status_code == 200
    assert Shipment.objects.get(pk=shipments[1].pk).tracking_number == "OTHER-2"


def test_a_second_tracking_number_for_a_shipped_parcel_is_rejected(shipped_setup):
    route, _orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_post(client, route, confirmation(shipments[0], tracking="FIRST"))
    response = signed_post(client, route, confirmation(shipments[0], tracking="SECOND"))
    assert response.status_code == 409
    assert Shipment.objects.get(pk=shipments[0].pk).tracking_number == "FIRST"


def test_malformed_messages_name_the_field(shipped_setup):
    route, _orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    no_tracking = signed_post(client, route, {"shipment_id": shipments[0].key, "carrier": "UPS"})
    not_json = signed_post(client, route, b"shipped!")
    assert (no_tracking.status_code, no_tracking.json()["detail"]) == (
        400,
        "tracking_number: missing",
    )
    assert not_json.status_code == 400
    assert not_json.json()["detail"].startswith("invalid JSON")
    assert ReceivedMessage.objects.filter(outcome="rejected").count() == 2


def test_delivered_when_the_provider_says_so_or_after_the_route_delay(shipped_setup):
    route, orders, shipments = shipped_setup
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_post(client, route, confirmation(shipments[0], tracking="T-1"))
    signed_post(client, route, confirmation(shipments[1], tracking="T-2"))

    # The provider reports the first delivered
    delivered = signed_post(
        client,
        route,
        confirmation(shipments[0], tracking="T-1", status="delivered", message_id="d-1"),
    )
    assert delivered.status_code == 200
    assert Shipment.objects.get(pk=shipments[0].pk).status == "delivered"
    orders[0].refresh_from_db()
    assert orders[0].status == "delivered"

    # The second counts as delivered after the route's 7 days, not before
    assert deliver_overdue(now=timezone.now() + timedelta(days=6)) == 0
    assert deliver_overdue(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    orders[1].refresh_from_db()
    assert orders[1].status == "delivered"
    assert deliver_overdue(now=timezone.now() + timedelta(days=8)) == 0
