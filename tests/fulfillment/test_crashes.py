"""A worker killed with SIGKILL while the warehouse holds its request, before or after the
warehouse recorded the shipment. After a restart each order is at the warehouse exactly
once: the lease makes the shipment due again, and the retry carries the same key."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.fulfillment import dispatch
from comptoir.fulfillment.models import Shipment
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.reliability.test_crashes import environment

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "comptoir", "worker", "--batch", "--interval", "0"],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_worker_killed_mid_dispatch_leaves_one_shipment_per_order(shop, moment):
    with Fake3PL() as wms:
        # Given 3 paid orders for a warehouse that will hold the first request it gets,
        # having recorded the shipment or not
        warehouse(shop, wms.url, timeout_seconds=5)
        tea = stocked(shop, "TEA")
        orders = [paid_order(shop, [(tea, 1)], f"k{i}@example.org") for i in range(3)]
        wms.stall_mode = moment
        env = environment(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        worker = subprocess.Popen(
            [sys.executable, "-m", "comptoir", "worker", "--interval", "0.05", "--no-scheduler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # When the worker is killed while the warehouse holds its request
            assert wms.stalled.wait(timeout=30), "the worker never reached the warehouse"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        wms.release.set()
        held = Shipment.objects.get(status="dispatching", attempts=1)
        assert held.next_attempt_at > timezone.now()  # leased: nobody takes it yet
        assert len(wms.shipments) == (1 if moment == "after" else 0)

        # And a new worker runs the queue, then the periodic sweep once the lease is over
        run_worker(env)
        assert dispatch.dispatch_due_shipments(now=timezone.now()) == 0  # still leased
        swept = dispatch.dispatch_due_shipments(now=held.next_attempt_at + timedelta(seconds=1))

    # Then the held shipment went again, with the same key, and every order is at the
    # warehouse exactly once
    assert swept == 1
    assert len(wms.shipments) == 3
    assert {doc["order"] for doc in wms.shipments.values()} == {o.reference for o in orders}
    assert wms.arrivals[held.key] == 2
    assert sorted(wms.arrivals.values()) == [1, 1, 2]
    assert set(Shipment.objects.values_list("status", flat=True)) == {"dispatched"}
    held.refresh_from_db()
    assert held.attempts == 2
