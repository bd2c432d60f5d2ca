"""Background entry points for fraud screening; each calls one service."""

from django_tasks import task

from comptoir.fraud import services


@task()
def purge_expired() -> int:
    return services.purge_expired()
