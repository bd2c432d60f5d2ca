"""The task backend writes the rows django-tasks-db's own backend writes, in one INSERT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks.signals import task_enqueued
from django_tasks_db import DatabaseBackend as LibraryBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from comptoir.core.taskbackend import DatabaseBackend

pytestmark = pytest.mark.django_db

COMPARED = ("status", "args_kwargs", "priority", "task_path", "worker_ids", "queue_name",
            "backend_name", "run_after", "started_at", "finished_at", "return_value",
            "exception_class_path", "traceback")  # fmt: skip


@task(priority=3)
def double(n: int, *, note: str = "") -> int:
    return n * 2


def row(result_id):
    found = DBTaskResult.objects.get(pk=result_id)
    return {name: getattr(found, name) for name in COMPARED}


def test_the_configured_backend_is_ours():
    assert type(task_backends["default"]) is DatabaseBackend


def test_enqueue_writes_the_row_the_library_writes(django_assert_num_queries):
    # Given the same task enqueued by the library's backend and by ours
    library = LibraryBackend("default", {"QUEUES": ["default"]})
    theirs = library.enqueue(double, (21,), {"note": "é"})

    with django_assert_num_queries(1):
        ours = double.enqueue(21, note="é")

    # Then both rows hold the same columns, and the result says what the row holds
    assert row(ours.id) == row(theirs.id)
    assert row(ours.id)["run_after"] == get_date_max()
    saved = DBTaskResult.objects.get(pk=ours.id)
    assert ours.status == saved.task_result.status
    assert (ours.args, ours.kwargs) == ([21], {"note": "é"})
    assert ours.enqueued_at == saved.enqueued_at is not None


def test_a_deferred_task_keeps_its_time_and_is_not_ready_before_it():
    later = timezone.now() + timedelta(hours=1)

    result = double.using(run_after=later).enqueue(1)

    assert DBTaskResult.objects.get(pk=result.id).run_after == later
    assert not DBTaskResult.objects.ready().filter(pk=result.id).exists()
    assert DBTaskResult.objects.ready().filter(pk=double.enqueue(2).id).exists()


def test_enqueue_sends_the_signal_once_with_the_result_returned():
    heard = []

    def listen(sender, task_result, **kwargs):
        heard.append(task_result)

    task_enqueued.connect(listen)
    try:
        result = double.enqueue(5)
    finally:
        task_enqueued.disconnect(listen)

    assert heard == [result]
