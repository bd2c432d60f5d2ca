"""Retries with exponential backoff: one mechanism, on the database queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.core.retry import Backoff
from comptoir.inbox.models import InboxItem
from tests.core import jobs
from tests.factories import ShopFactory
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_the_backoff_doubles_up_to_its_cap_with_jitter_between_half_and_all():
    backoff = Backoff(base=timedelta(seconds=30), factor=2, cap=timedelta(minutes=5))

    ceilings = [backoff.ceiling(n).total_seconds() for n in range(1, 7)]

    assert ceilings == [30, 60, 120, 240, 300, 300]
    assert backoff.delay(3, rand=lambda: 0.0) == timedelta(seconds=60)
    assert backoff.delay(3, rand=lambda: 1.0) == timedelta(seconds=120)
    assert backoff.delay(3, rand=lambda: 0.5) == timedelta(seconds=90)
    with pytest.raises(ValueError, match="from 1"):
        backoff.ceiling(0)


def rows(kind: str, key: str) -> int:
    return InboxItem.objects.filter(kind=kind, key=key).count()


def test_a_task_failing_twice_is_retried_and_succeeds_on_the_third_attempt():
    shop = ShopFactory.create()

    jobs.flaky.enqueue(shop.pk, "a", 2)
    ran = run_queued_tasks()

    assert ran == 3
    assert rows("test_attempt", "a") == 3
    assert rows("test_gave_up", "a") == 0
    results = list(
        DBTaskResult.objects.order_by("enqueued_at").values_list("status", "args_kwargs")
    )
    assert [status for status, _ in results] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert [kw["kwargs"] for _, kw in results] == [{}, {"attempt": 2}, {"attempt": 3}]


def test_after_the_last_attempt_the_give_up_hook_runs_once():
    shop = ShopFactory.create()

    jobs.flaky.enqueue(shop.pk, "b", 99)
    ran = run_queued_tasks()

    assert ran == 4
    assert rows("test_attempt", "b") == 4
    assert list(InboxItem.objects.filter(kind="test_gave_up").values_list("title", flat=True)) == [
        "4: down (4)"
    ]
    assert DBTaskResult.objects.filter(status="FAILED").count() == 4


def test_the_next_attempt_waits_for_its_backoff():
    shop = ShopFactory.create()
    before = timezone.now()

    jobs.slow_retry.enqueue(shop.pk, "c")
    assert run_queued_tasks() == 1

    # the retry is queued an hour away (between half and all of it), not ready now
    waiting = DBTaskResult.objects.get(status="READY")
    assert timedelta(minutes=30) <= waiting.run_after - before <= timedelta(hours=1, seconds=5)
    assert run_queued_tasks() == 0

    # when the hour has passed, twice: the second and last attempts run, then it stops
    for _ in range(2):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        assert run_queued_tasks() == 1
    assert rows("test_attempt", "c") == 3
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3


def test_an_error_that_is_not_retryable_fails_at_once():
    shop = ShopFactory.create()

    jobs.buggy.enqueue(shop.pk, "d")

    assert run_queued_tasks() == 1
    assert rows("test_attempt", "d") == 1
    failed = DBTaskResult.objects.get()
    assert (failed.status, failed.exception_class_path) == ("FAILED", "builtins.ValueError")
