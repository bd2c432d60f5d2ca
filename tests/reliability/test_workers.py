"""Two real `comptoir worker` processes on one database queue: every job runs once, and a
periodic job runs once per period, whichever worker sees it first."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from comptoir.core.models import PeriodicRun
from comptoir.inbox.models import InboxItem
from tests.core import jobs
from tests.reliability.test_crashes import environment

pytestmark = pytest.mark.django_db(transaction=True)

JOBS = 200


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "comptoir",
            "worker",
            "--interval",
            "0.05",
            "--scheduler-interval",
            "0.2",
        ],
        env={**environment(), "DJANGO_SETTINGS_MODULE": "tests.worker_settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until_started(worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the worker logs that its loop starts: the jobs are queued after both do, so
    neither gets the whole queue for itself while the other is still importing Django."""
    deadline = time.monotonic() + timeout
    assert worker.stderr is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([worker.stderr], [], [], 0.5)
        if ready:
            line = worker.stderr.readline()
            if not line:
                break
            if b"Starting worker" in line:
                return
    raise AssertionError(f"the worker did not start (exit code {worker.poll()})")


def stop(worker: subprocess.Popen[bytes]) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        _, stderr = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, stderr = worker.communicate()
    return stderr.decode(errors="replace")


def test_two_workers_share_the_queue_and_periodic_jobs_run_once_per_period(shop):
    # Given two workers started side by side
    workers = [start_worker(), start_worker()]
    try:
        for worker in workers:
            wait_until_started(worker)

        # When 200 jobs are queued, each leaving one row per run after 10 ms of work, and
        # the workers run until the queue is empty, and a few seconds more for the
        # two-second periodic job
        for n in range(JOBS):
            jobs.record_once.enqueue(shop.pk, f"job:{n}", 0.01)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and all(w.poll() is None for w in workers):
            if (
                DBTaskResult.objects.filter(
                    task_path__endswith="record_once", status="SUCCESSFUL"
                ).count()
                == JOBS
            ):
                break
            time.sleep(0.2)
        time.sleep(5)
    finally:
        errors = [stop(worker) for worker in workers]

    # Then every job ran exactly once, and both workers took a share
    runs = Counter(InboxItem.objects.filter(kind="test_job").values_list("key", flat=True))
    assert len(runs) == JOBS, errors
    assert set(runs.values()) == {1}
    done = DBTaskResult.objects.filter(task_path__endswith="record_once")
    assert done.filter(status="SUCCESSFUL").count() == JOBS
    by_worker = Counter(ids[0] for ids in done.values_list("worker_ids", flat=True))
    assert len(by_worker) == 2, by_worker
    assert all(len(ids) == 1 for ids in done.values_list("worker_ids", flat=True))

    # And the periodic job ran once in each period both workers saw: as many ticks as
    # claimed periods, at least three of them
    periods = PeriodicRun.objects.filter(name="test.tick").count()
    ticks_enqueued = DBTaskResult.objects.filter(task_path__endswith="periodic_tick").count()
    ticks = InboxItem.objects.filter(kind="test_tick").count()
    finished = DBTaskResult.objects.filter(
        task_path__endswith="periodic_tick", status="SUCCESSFUL"
    ).count()
    assert periods >= 3
    assert ticks_enqueued == periods
    assert ticks == finished
    assert periods - 1 <= ticks <= periods  # the last period's tick may still be queued
