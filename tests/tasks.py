"""Running queued background tasks inside a test.

``comptoir worker --batch`` is the real thing, but the database worker closes connections
that are inside a transaction — which every non-transactional pytest-django test is. This
runs the same Worker.run_task on each ready task, in order, without that housekeeping.
Tests marked ``django_db(transaction=True)`` can call the real command instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks(limit: int = 1000, *, skip: Iterable[str] = ()) -> int:
    """Run every ready task, in order, and say how many ran. ``skip`` names tasks (their
    dotted paths) a test leaves queued because it is not about them: a PDF drawn for each of
    a property test's examples, say."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        ready = DBTaskResult.objects.ready().filter(backend_name="default")
        result = ready.exclude(task_path__in=list(skip)).first()
        if result is None:
            return ran
        result.claim("tests")
        worker.run_task(result)
        ran += 1
    raise AssertionError(f"more than {limit} tasks queued: a task probably enqueues itself")
