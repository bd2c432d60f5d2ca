"""Periodic jobs that run once per period, however many workers are running.

Each worker's scheduler thread wakes up every few seconds and, for each job whose period
has begun, tries to insert a ``PeriodicRun`` row for (job, period). The unique constraint
lets exactly one insert succeed; that worker enqueues the job's task, in the same
transaction. The task itself is idempotent, so a period run twice by hand changes nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from comptoir.core.models import PeriodicRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: str  # dotted path of a django-tasks Task


JOBS = [
    Job("orders.expire_unpaid", timedelta(minutes=1), "comptoir.orders.tasks.expire_unpaid"),
    Job(
        "orders.remind_manual_payments",
        timedelta(hours=1),
        "comptoir.orders.tasks.remind_manual_payments",
    ),
    Job(
        "orders.retry_unsent_emails",
        timedelta(minutes=10),
        "comptoir.orders.notifications.retry_unsent_emails",
    ),
    Job(
        "fulfillment.dispatch_due",
        timedelta(minutes=1),
        "comptoir.fulfillment.tasks.dispatch_due",
    ),
    Job(
        "fulfillment.pick_up_provider_files",
        timedelta(minutes=5),
        "comptoir.fulfillment.tasks.pick_up_provider_files",
    ),
    Job(
        "fulfillment.deliver_overdue",
        timedelta(hours=1),
        "comptoir.fulfillment.tasks.deliver_overdue",
    ),
    Job("periodic.prune", timedelta(days=1), "comptoir.core.tasks.prune_periodic_runs"),
]


def period_key(job: Job, now: datetime) -> str:
    seconds = int(job.every.total_seconds())
    start = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(start, tz=UTC).isoformat(timespec="minutes")


def schedule_due(now: datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Enqueue every job whose current period nobody has claimed yet. Returns their names."""
    now = now or timezone.now()
    started = []
    for job in jobs or JOBS:
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=job.name, period=period_key(job, now))
                import_string(job.task).enqueue()
        except IntegrityError:
            continue
        started.append(job.name)
    return started


class Scheduler(threading.Thread):
    """The thread a worker runs beside its task loop."""

    def __init__(self, interval: float = 15.0) -> None:
        super().__init__(name="comptoir-scheduler", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                for name in schedule_due():
                    log.debug("periodic job %s enqueued", name)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("periodic scheduling failed; retrying")
            finally:
                close_old_connections()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
