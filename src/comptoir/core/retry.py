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
pick it up; a worker killed mid-attempt leaves the task "running" and is the job of the
caller's periodic sweep (e.g. notifications.requeue_unsent).
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
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


def retrying(
    *,
    retry_on: tuple[type[BaseException], ...] = (RetryLater,),
    attempts: int = 5,
    backoff: Backoff = DEFAULT_BACKOFF,
    on_give_up: Callable[..., Any] | None = None,
) -> Callable[[F], F]:
    """Decorate a task's function (under ``@task()``) to retry it with backoff."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

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

        return wrapper  # type: ignore[return-value]

    return decorate
