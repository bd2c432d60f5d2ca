"""Background entry points of the inbox; each calls one service."""

from django_tasks import task

from comptoir.inbox import causes, digest


@task()
def close_resolved_items() -> int:
    return causes.close_resolved_items()


@task()
def send_due_digests() -> int:
    return digest.send_due_digests()
