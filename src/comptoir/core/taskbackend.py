"""django-tasks-db's database backend, enqueuing with one plain-SQL INSERT.

Every order enqueues its emails, its invoice and its webhooks in the transaction that
causes them (placing, paying): the backend's ``DBTaskResult.objects.create`` cost about
half a millisecond of CPU each, most of it the ORM compiling the INSERT, and the task's
result was built twice. Here the row is written by :func:`comptoir.core.rows.insert`,
with what the library's ``pre_save`` receiver does (no ``run_after``: the far future the
worker reads as "now"), and the result built once. The rows, the signal and the result
returned are the library's own.

``TASKS["default"]["BACKEND"] = "comptoir.core.taskbackend.DatabaseBackend"``.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db import backend as library
from django_tasks_db.compat import normalize_json, task_enqueued


class DatabaseBackend(library.DatabaseBackend):
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        # Models are imported late, as the library does: a backend may be built while
        # the apps load.
        from django_tasks_db.models import DBTaskResult, get_date_max

        from comptoir.core.rows import insert

        row = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=get_date_max() if task.run_after is None else task.run_after,
            backend_name=self.alias,
        )
        insert([row], heard=False)
        return row

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result
