"""Background entry points of the inbox; each calls one service."""

from django_tasks import task

from comptoir.inbox import causes


@task()
def close_resolved_items() -> int:
    return causes.close_resolved_items()
