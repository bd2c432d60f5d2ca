"""A worker killed with SIGKILL in the middle of a task: the task stays "running" in the
queue; once it has been so for longer than its ``lost_after``, the periodic sweep gives it
its next attempt, once, however many sweeps run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.core.retry import requeue_lost_tasks
from comptoir.inbox.models import InboxItem
from tests.core import jobs
from tests.reliability.test_crashes import environment
from tests.selling import run_in_threads
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_whose_worker_was_killed_gets_its_next_attempt_once(shop):
    # Given a task whose first attempt hangs, and a worker killed while running it
    jobs.hangs_first_time.enqueue(shop.pk, "lost", 60)
    worker = subprocess.Popen(
        [sys.executable, "-m", "comptoir", "worker", "--interval", "0.05", "--no-scheduler"],
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not InboxItem.objects.filter(kind="test_attempt").exists():
            assert time.monotonic() < deadline, "the worker never started the task"
            assert worker.poll() is None, "the worker died on its own"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert DBTaskResult.objects.get().status == "RUNNING"

    # When the sweep runs before lost_after, then after it from two workers at once
    early = requeue_lost_tasks()
    later = timezone.now() + timedelta(minutes=11)
    sweeps = run_in_threads([lambda: requeue_lost_tasks(now=later)] * 2, workers=2)
    ran = run_queued_tasks()

    # Then the lost attempt is recorded as such, and the second attempt ran once
    assert early == 0
    assert sorted(sweeps) == [0, 1]
    assert ran == 1
    rows = list(
        DBTaskResult.objects.order_by("enqueued_at").values_list("status", "exception_class_path")
    )
    assert rows == [("FAILED", "comptoir.core.retry.WorkerLost"), ("SUCCESSFUL", "")]
    assert InboxItem.objects.filter(kind="test_attempt").count() == 2
    assert requeue_lost_tasks(now=later) == 0


def test_a_task_lost_on_its_last_attempt_gives_up(shop):
    # Given the last attempt of a task, "running" for an hour on a worker that is gone
    jobs.hangs_first_time.enqueue(shop.pk, "last", 0, attempt=2)
    DBTaskResult.objects.update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1), worker_ids=["gone"]
    )

    # When the sweep runs
    assert requeue_lost_tasks() == 1

    # Then no attempt is left and the give-up hook ran
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert list(InboxItem.objects.filter(kind="test_gave_up").values_list("title", flat=True)) == [
        "2: WorkerLost"
    ]


def test_tasks_without_lost_after_are_left_alone(shop):
    jobs.record_once.enqueue(shop.pk, "plain")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(days=1))

    assert requeue_lost_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"
