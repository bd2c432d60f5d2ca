"""Background entry points of the promise; each calls one service."""

from django_tasks import task

from comptoir.promise import services


@task()
def raise_missed_promises() -> int:
    return services.raise_missed_promises()
