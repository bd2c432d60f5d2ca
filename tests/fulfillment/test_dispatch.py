"""Paid orders pushed to a warehouse that fails, hangs and answers slowly: each reaches it
exactly once (counted at the stand-in by distinct shipments), past the retry budget the
merchant is asked, and a re-send closes the question."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from comptoir.fulfillment import dispatch
from comptoir.fulfillment.models import Shipment, ShipmentEvent
from comptoir.fulfillment.services import resend
from comptoir.inbox.models import InboxItem
from comptoir.orders.models import Order
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def drive_until_done(rounds: int = 20) -> None:
    """Run the queued dispatch tasks, then the periodic sweep an hour later each round, so
    every backoff has passed, until nothing is due."""
    run_queued_tasks()
    later = timezone.now()
    for _ in range(rounds):
        later += timedelta(hours=3)
        if not dispatch.due_queryset(later).exists():
            return
        dispatch.dispatch_due_shipments(now=later)
    raise AssertionError("shipments still due after every round")


def test_every_paid_order_reaches_a_flaky_warehouse_exactly_once(shop):
    with Fake3PL() as wms:
        # Given a warehouse that fails, hangs, takes an order after our timeout, and is slow
        route = warehouse(shop, wms.url)
        wms.plan = ["500", "timeout", "late", "slow", "500", "ok", "500", "slow"]
        tea = stocked(shop, "TEA")

        # When 8 orders are paid and the workers do their job
        orders = [paid_order(shop, [(tea, 1)], f"c{i}@example.org") for i in range(8)]
        drive_until_done()

    # Then the warehouse holds exactly one shipment per order, with the right content
    keys = {s.key for s in Shipment.objects.all()}
    assert set(wms.shipments) == keys
    assert len(keys) == 8
    assert {doc["order"] for doc in wms.shipments.values()} == {o.reference for o in orders}
    assert {doc["lines"][0]["sku"] for doc in wms.shipments.values()} == {"TEA"}
    # ...it was asked more often than that (retries), always signed, always the same key
    assert len(wms.requests) > 8
    assert all(r.signature_ok for r in wms.requests)
    per_key = Counter(r.key for r in wms.requests)
    assert set(per_key) == keys
    # And every shipment is dispatched, its order being prepared, no merchant involved
    assert set(Shipment.objects.values_list("status", flat=True)) == {"dispatched"}
    assert set(Order.objects.values_list("status", flat=True)) == {"fulfilling"}
    assert InboxItem.objects.count() == 0
    shipment = Shipment.objects.get(order=orders[0])
    assert shipment.provider_reference == f"WMS-{shipment.key}"
    assert shipment.route == route
    failed_attempts = ShipmentEvent.objects.filter(kind="attempt_failed").count()
    assert failed_attempts == sum(per_key.values()) - 8 - wms.plan.count("late")


@override_settings(COMPTOIR_DISPATCH_RETRY_SECONDS=10)
def test_past_the_retry_budget_the_merchant_is_asked_and_a_resend_closes_it(shop):
    with Fake3PL() as wms:
        # Given a warehouse down for the whole retry budget of 3 attempts
        warehouse(shop, wms.url, max_attempts=3)
        wms.plan = ["500"] * 3
        order = paid_order(shop, [(stocked(shop, "TEA"), 1)])
        run_queued_tasks()
        shipment = Shipment.objects.get()
        # The retry waits 5 to 10 s, then 10 to 20 s (exponential, with jitter)
        first_wait = shipment.next_attempt_at - timezone.now()
        assert timedelta(seconds=4) <= first_wait <= timedelta(seconds=10)
        assert dispatch.dispatch_due_shipments(now=timezone.now()) == 0

        # When the retries run out
        drive_until_done()

        # Then the shipment failed and one inbox item tells the merchant why
        shipment.refresh_from_db()
        assert (shipment.status, shipment.attempts) == ("failed", 3)
        assert "HTTP 500" in shipment.last_error
        item = InboxItem.objects.get()
        assert (item.kind, item.status, item.order_id) == ("dispatch_failed", "open", order.pk)
        assert item.key == f"shipment:{shipment.pk}"
        assert "3 attempts failed" in item.detail
        assert wms.shipments == {}

        # When the warehouse is back and the merchant re-sends
        resend(shipment.pk, actor="merchant")
        run_queued_tasks()

    # Then it reached the warehouse once and the item closed itself
    shipment.refresh_from_db()
    assert shipment.status == "dispatched"
    assert list(wms.shipments) == [shipment.key]
    item.refresh_from_db()
    assert item.status == "closed"
    assert item.closed_reason == "Sent on attempt 1"


def test_a_refused_shipment_is_not_retried_and_asks_the_merchant(shop):
    with Fake3PL() as wms:
        warehouse(shop, wms.url)
        wms.plan = ["400"]
        paid_order(shop, [(stocked(shop, "TEA"), 1)])
        run_queued_tasks()
    shipment = Shipment.objects.get()
    assert (shipment.status, shipment.attempts) == ("failed", 1)
    assert shipment.last_error == 'HTTP 400: {"error": "unknown SKU"}'
    assert InboxItem.objects.filter(kind="dispatch_failed", status="open").count() == 1
    assert len(wms.requests) == 1


def test_a_wrong_secret_is_refused_by_the_warehouse_and_nothing_is_recorded_there(shop):
    with Fake3PL(secret="the-right-one") as wms:
        warehouse(shop, wms.url, secret="a-wrong-one")
        paid_order(shop, [(stocked(shop, "TEA"), 1)])
        run_queued_tasks()
    assert wms.shipments == {}
    assert [r.status for r in wms.requests] == [401]
    assert Shipment.objects.get().status == "failed"
