"""Tasks for the retry and worker tests. Each run leaves a row (a closed inbox item,
which has no uniqueness), so a test counts exactly how many times a job ran."""

from __future__ import annotations

import time
from datetime import timedelta

from django_tasks import task

from comptoir.core.retry import Backoff, RetryLater, retrying
from comptoir.inbox.models import InboxItem, ItemStatus

NOW = Backoff(base=timedelta(0))
LATER = Backoff(base=timedelta(hours=1), cap=timedelta(hours=1))


def record(shop_id: int, kind: str, key: str, title: str = "") -> int:
    InboxItem.objects.create(
        shop_id=shop_id, kind=kind, key=key, title=title, status=ItemStatus.CLOSED
    )
    return InboxItem.objects.filter(shop_id=shop_id, kind=kind, key=key).count()


def gave_up(shop_id: int, key: str, fail_times: int, *, error: BaseException, attempts: int):
    record(shop_id, "test_gave_up", key, f"{attempts}: {error}")


@task()
@retrying(retry_on=(RetryLater, ConnectionError), attempts=4, backoff=NOW, on_give_up=gave_up)
def flaky(shop_id: int, key: str, fail_times: int) -> int:
    """Fails ``fail_times`` times, then succeeds."""
    runs = record(shop_id, "test_attempt", key)
    if runs <= fail_times:
        raise ConnectionError(f"down ({runs})")
    return runs


@task()
@retrying(attempts=3, backoff=LATER)
def slow_retry(shop_id: int, key: str) -> None:
    record(shop_id, "test_attempt", key)
    raise RetryLater("not yet")


@task()
@retrying(retry_on=(ConnectionError,), attempts=5, backoff=NOW)
def buggy(shop_id: int, key: str) -> None:
    record(shop_id, "test_attempt", key)
    raise ValueError("a bug is not retried")


@task()
def record_once(shop_id: int, key: str, seconds: float = 0.0) -> None:
    """The two-worker test's job: one row per run, after a little work."""
    time.sleep(seconds)
    record(shop_id, "test_job", key)


@task()
def periodic_tick(shop_id: int = 0) -> None:
    from comptoir.shops.models import Shop

    shop = Shop.objects.order_by("pk").first()
    if shop is not None:
        record(shop.pk, "test_tick", "tick")


def gave_up_lost(shop_id: int, key: str, seconds: float, *, error: BaseException, attempts: int):
    record(shop_id, "test_gave_up", key, f"{attempts}: {type(error).__name__}")


@task()
@retrying(attempts=2, backoff=NOW, lost_after=timedelta(minutes=10), on_give_up=gave_up_lost)
def hangs_first_time(shop_id: int, key: str, seconds: float) -> int:
    """The first attempt hangs for ``seconds`` (long enough to be killed)."""
    runs = record(shop_id, "test_attempt", key)
    if runs == 1:
        time.sleep(seconds)
    return runs
