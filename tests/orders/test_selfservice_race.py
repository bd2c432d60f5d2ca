"""The shopper cancels while a dispatch worker sends the parcel: the order ends either
cancelled and refunded with nothing at the warehouse, or at the warehouse and not
refunded; never both. Real threads, each with its own connection, and a real 3PL."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from comptoir.fulfillment import dispatch
from comptoir.fulfillment.models import Shipment
from comptoir.orders.models import Order
from comptoir.orders.selfservice import SelfServiceRefused, cancel_by_shopper
from comptoir.payments.models import Refund
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import stocked, warehouse
from tests.orders.test_selfservice import paid_order
from tests.selling import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_cancellation_while_the_warehouse_holds_the_request(shop):
    with Fake3PL() as wms:
        # Given a paid order whose parcel a worker is sending: the warehouse recorded it
        # and has not answered yet
        warehouse(shop, wms.url, timeout_seconds=5)
        order = paid_order(shop, stocked(shop, "TEA"))
        shipment = Shipment.objects.get()
        wms.stall_mode = "after"

        def work() -> None:
            try:
                dispatch.dispatch_one(shipment.pk)
            finally:
                connections.close_all()

        worker = threading.Thread(target=work)
        worker.start()
        assert wms.stalled.wait(timeout=10), "the worker never reached the warehouse"

        # When the shopper cancels meanwhile
        with pytest.raises(SelfServiceRefused, match="already being prepared"):
            cancel_by_shopper(order.pk)
        wms.release.set()
        worker.join(timeout=15)

    # Then nothing was cancelled nor refunded; the warehouse has the parcel
    order.refresh_from_db()
    assert order.status == "paid"
    assert Refund.objects.count() == 0
    assert list(wms.shipments) == [shipment.key]
    assert Shipment.objects.get().status == "dispatching"  # its answer is retried


def test_a_cancel_racing_the_dispatch_ends_one_way_or_the_other(shop):
    with Fake3PL() as wms:
        # Given 6 paid orders for the warehouse
        warehouse(shop, wms.url, timeout_seconds=5)
        tea = stocked(shop, "TEA")
        orders = [paid_order(shop, tea, email=f"r{i}@example.org") for i in range(6)]
        shipments = {s.order_id: s.pk for s in Shipment.objects.all()}

        # When, for each, the worker sends it and the shopper cancels at the same moment
        outcomes = []
        for order in orders:
            outcomes.append(
                run_in_threads(
                    [
                        lambda pk=shipments[order.pk]: dispatch.dispatch_one(pk),
                        lambda pk=order.pk: cancel_by_shopper(pk),
                    ],
                    workers=2,
                )
            )

    # Then each order is either at the warehouse or cancelled and refunded, never both
    for order, (sent, cancelled) in zip(orders, outcomes, strict=True):
        order.refresh_from_db()
        shipment = Shipment.objects.get(order=order)
        at_warehouse = shipment.key in wms.shipments
        refunds = Refund.objects.filter(payment__order=order).count()
        if at_warehouse:
            assert sent is True
            assert isinstance(cancelled, SelfServiceRefused)
            assert (order.status, shipment.status, refunds) == ("fulfilling", "dispatched", 0)
        else:
            assert sent is False
            assert isinstance(cancelled, Order)
            assert (order.status, shipment.status, refunds) == ("cancelled", "cancelled", 1)
    assert len(wms.requests) == len(wms.shipments)
