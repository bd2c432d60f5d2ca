from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from comptoir.core.models import PeriodicRun


@task()
def prune_periodic_runs() -> int:
    """Forget claims older than a week; the table stays small."""
    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = PeriodicRun.objects.filter(started_at__lt=cutoff).delete()
    return deleted


@task()
def requeue_lost_tasks() -> int:
    from comptoir.core.retry import requeue_lost_tasks as requeue

    return requeue()


@task()
def purge_rate_counters() -> int:
    from comptoir.core.ratelimit import purge_expired

    return purge_expired()
