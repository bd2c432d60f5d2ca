"""Retries with exponential backoff for background tasks: one mechanism for the project.

The database queue (django-tasks-db) runs a task once and marks it failed if it raises; it
has no retry of its own. A task that talks to the outside world (SMTP, a 3PL's API, a
supplier's SFTP) declares what is worth retrying::

    @task()
    @retrying(retry_on=(SMTPException, OSError), attempts=6, on_give_up=give_up_sending)
    def send_order_email(notification_id: int) -> None: ...

When the task raises one of ``retry_on``, the same task is enqueued again with
``run_after = now + backoff(attempt)`` and the next attempt number (a keyword argument
the wrapper adds and removes), then the error is raised so this run is recorded as
failed, with its traceback. After the last attempt, ``on_give_up(*args, error=...,
attempts=..., **kwargs)`` is called (open an inbox item, mark the row failed) and the
error is raised. Any other exception is a bug: it fails the task at once, no retry.

The next attempt is a new row of the queue, so it survives a restart and any worker may
pick it up. A worker killed mid-attempt leaves its task "running" for ever: a task that
declares ``lost_after`` is then given its next attempt by the periodic
:func:`requeue_lost_tasks` once it has been running that long (order emails have their
own sweep instead, notifications.requeue_unsent). Such a task must be idempotent: the
killed attempt may have done part or all of its work.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ATTEMPT = "attempt"  # the keyword argument carrying the attempt number, 1 for the first


class RetryLater(Exception):  # noqa: N818 - it is a request, not an error
    """Raise from a task to ask for another attempt (a 503, a lock held elsewhere)."""


@dataclass(frozen=True)
class Backoff:
    """``base * factor**(attempt-1)`` capped at ``cap``, with "equal jitter": the delay is
    drawn between half and all of that, so retries of many tasks that failed together
    (the SMTP server was down) do not come back together."""

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)

    def ceiling(self, attempt: int) -> timedelta:
        if attempt < 1:
            raise ValueError("attempts are counted from 1")
        seconds = self.base.total_seconds() * self.factor ** min(attempt - 1, 60)
        return timedelta(seconds=min(seconds, self.cap.total_seconds()))

    def delay(self, attempt: int, *, rand: Callable[[], float] = random.random) -> timedelta:
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + ceiling / 2 * rand()


DEFAULT_BACKOFF = Backoff()


class WorkerLost(Exception):  # noqa: N818 - recorded as the lost attempt's error
    """The worker running this attempt stopped answering (killed, machine lost)."""


@dataclass(frozen=True)
class RetryPolicy:
    retry_on: tuple[type[BaseException], ...]
    attempts: int
    backoff: Backoff
    on_give_up: Callable[..., Any] | None
    lost_after: timedelta | None


def retrying(
    *,
    retry_on: tuple[type[BaseException], ...] = (RetryLater,),
    attempts: int = 5,
    backoff: Backoff = DEFAULT_BACKOFF,
    on_give_up: Callable[..., Any] | None = None,
    lost_after: timedelta | None = None,
) -> Callable[[F], F]:
    """Decorate a task's function (under ``@task()``) to retry it with backoff."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    policy = RetryPolicy(retry_on, attempts, backoff, on_give_up, lost_after)

    def decorate(func: F) -> F:
        task_path = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT, 1))
            try:
                return func(*args, **kwargs)
            except retry_on as error:
                if attempt >= attempts:
                    log.warning("%s gave up after %s attempts: %s", task_path, attempt, error)
                    if on_give_up is not None:
                        on_give_up(*args, error=error, attempts=attempt, **kwargs)
                    raise
                run_after = timezone.now() + backoff.delay(attempt)
                task = import_string(task_path)
                # Committed before this run is marked failed: a worker dying in between
                # loses nothing.
                with transaction.atomic():
                    task.using(run_after=run_after).enqueue(
                        *args, **kwargs, **{ATTEMPT: attempt + 1}
                    )
                log.info(
                    "%s attempt %s failed (%s); next at %s", task_path, attempt, error, run_after
                )
                raise

        wrapper.retry_policy = policy  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def requeue_lost_tasks(*, now: datetime | None = None) -> int:
    """Give the next attempt to every task that declared ``lost_after`` and has been
    "running" longer than that: its worker died. The lost row is marked failed under a row
    lock in the same transaction, so two workers sweeping at once requeue it once.
    Returns how many were requeued (or given up). Run periodically."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    requeued = 0
    running = DBTaskResult.objects.filter(status="RUNNING").values_list(
        "pk", "task_path", "started_at"
    )
    for pk, task_path, started_at in list(running):
        policy = _policy_of(task_path)
        if policy is None or policy.lost_after is None:
            continue
        if started_at is None or started_at > now - policy.lost_after:
            continue
        with transaction.atomic():
            row = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status="RUNNING")
                .first()
            )
            if row is None:
                continue  # finished meanwhile, or another sweeper has it
            error = WorkerLost(f"running since {started_at.isoformat()} on {row.worker_ids}")
            row.set_failed(error)
            args = list(row.args_kwargs.get("args", []))
            kwargs = dict(row.args_kwargs.get("kwargs", {}))
            attempt = int(kwargs.pop(ATTEMPT, 1))
            if attempt >= policy.attempts:
                log.warning("%s lost on its last attempt; giving up", task_path)
                if policy.on_give_up is not None:
                    policy.on_give_up(*args, error=error, attempts=attempt, **kwargs)
            else:
                import_string(task_path).enqueue(*args, **kwargs, **{ATTEMPT: attempt + 1})
        requeued += 1
    return requeued


def _policy_of(task_path: str) -> RetryPolicy | None:
    try:
        task = import_string(task_path)
    except ImportError:
        return None
    return getattr(getattr(task, "func", None), "retry_policy", None)
