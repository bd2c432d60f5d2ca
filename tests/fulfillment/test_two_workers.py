"""Two real worker processes on PostgreSQL share the dispatch of 200 paid orders (the
bench does 10,000): each shipment reaches the warehouse once, and each periodic job was
enqueued once per period although both workers run the scheduler."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from comptoir.core.models import PeriodicRun
from comptoir.core.periodic import JOBS
from comptoir.fulfillment.models import Shipment
from comptoir.orders.models import OrderEvent
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.reliability.test_crashes import environment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
ORDERS = 200


def test_two_workers_dispatch_200_orders_once_each(shop):
    with Fake3PL() as wms:
        # Given 200 paid orders for the warehouse, their dispatch tasks queued
        warehouse(shop, wms.url)
        tea = stocked(shop, "TEA")
        for i in range(ORDERS):
            paid_order(shop, [(tea, 1)], f"w{i}@example.org")
        env = environment(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")

        # When two workers, each with its scheduler, run until every shipment is dispatched
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "comptoir", "worker", "--interval", "0.05"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        started = time.monotonic()
        try:
            # A guard against a hang, not a speed check: give up only when no shipment
            # has been dispatched for a minute (a loaded machine is slow, not stuck).
            waiting, progressed = ORDERS, started
            while time.monotonic() - progressed < 60:
                left = Shipment.objects.exclude(status="dispatched").count()
                if left == 0:
                    break
                if left < waiting:
                    waiting, progressed = left, time.monotonic()
                time.sleep(0.5)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
        elapsed = time.monotonic() - started

    # Then every order reached the warehouse, each exactly once, by one request each
    assert Shipment.objects.filter(status="dispatched").count() == ORDERS
    assert len(wms.shipments) == ORDERS
    assert Counter(wms.arrivals.values()) == {1: ORDERS}
    assert set(Shipment.objects.values_list("attempts", flat=True)) == {1}
    assert OrderEvent.objects.filter(to_status="fulfilling").count() == ORDERS
    # And both workers took part
    workers_seen = {
        worker_id
        for ids in DBTaskResult.objects.filter(
            task_path="comptoir.fulfillment.tasks.dispatch_shipment"
        ).values_list("worker_ids", flat=True)
        for worker_id in ids
    }
    assert len(workers_seen) == 2
    # And each periodic job was claimed and enqueued once for its period, not once a worker
    # (a run crossing a minute boundary has two periods of the one-minute jobs)
    runs = dict(PeriodicRun.objects.values_list("name").annotate(n=Count("pk")))
    assert set(runs) == {job.name for job in JOBS}
    for job in JOBS:
        periods = runs[job.name]
        assert periods <= 1 + int(elapsed // job.every.total_seconds()) + 1, job.name
        assert DBTaskResult.objects.filter(task_path=job.task).count() == periods, job.name
