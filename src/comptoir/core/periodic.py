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

from django.conf import settings
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
        "promise.raise_missed",
        timedelta(minutes=15),
        "comptoir.promise.tasks.raise_missed_promises",
    ),
    Job("inbox.close_resolved", timedelta(minutes=5), "comptoir.inbox.tasks.close_resolved_items"),
    # Looks every quarter of an hour; each shop's digest goes out once a day, after
    # COMPTOIR_DIGEST_HOUR in the shop's time zone (inbox.digest).
    Job("inbox.daily_digest", timedelta(minutes=15), "comptoir.inbox.tasks.send_due_digests"),
    Job("core.purge_rate_counters", timedelta(hours=1), "comptoir.core.tasks.purge_rate_counters"),
    Job("tasks.requeue_lost", timedelta(minutes=5), "comptoir.core.tasks.requeue_lost_tasks"),
    # Regenerates only the shops whose catalog changed since their last feed.
    Job("seo.refresh_feeds", timedelta(minutes=15), "comptoir.seo.tasks.refresh_feeds"),
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
        "fulfillment.read_provider_mailboxes",
        timedelta(minutes=5),
        "comptoir.fulfillment.tasks.read_provider_mailboxes",
    ),
    Job(
        "fulfillment.deliver_overdue",
        timedelta(hours=1),
        "comptoir.fulfillment.tasks.deliver_overdue",
    ),
    Job(
        "support.read_mailboxes",
        timedelta(minutes=5),
        "comptoir.support.tasks.read_support_mailboxes",
    ),
    Job(
        "support.raise_overdue",
        timedelta(minutes=5),
        "comptoir.support.tasks.raise_overdue_tickets",
    ),
    Job("periodic.prune", timedelta(days=1), "comptoir.core.tasks.prune_periodic_runs"),
    Job("returns.settle", timedelta(minutes=5), "comptoir.returns.tasks.settle_received_returns"),
]


def configured_jobs() -> list[Job]:
    """``JOBS``, unless settings.COMPTOIR_PERIODIC_JOBS replaces them with
    ``(name, seconds, task path)`` triples (a deployment with its own schedule, the
    two-worker test's two-second job)."""
    configured = getattr(settings, "COMPTOIR_PERIODIC_JOBS", None)
    if not configured:
        return JOBS
    return [Job(name, timedelta(seconds=seconds), path) for name, seconds, path in configured]


def period_key(job: Job, now: datetime) -> str:
    seconds = int(job.every.total_seconds())
    start = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(start, tz=UTC).isoformat(
        timespec="minutes" if seconds % 60 == 0 else "seconds"
    )


def schedule_due(now: datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Enqueue every job whose current period nobody has claimed yet. Returns their names."""
    now = now or timezone.now()
    started = []
    for job in jobs or configured_jobs():
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
