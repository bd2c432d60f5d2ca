"""Background entry points for billing; each calls one service."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from comptoir.billing import services
from comptoir.core.retry import Backoff, retrying


@task()
@retrying(
    # A full disk or an unreachable storage: worth another try. Anything else is a bug.
    retry_on=(OSError,),
    attempts=6,
    backoff=Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=30)),
    lost_after=timedelta(minutes=10),
)
def render_billing_document(document_id: int) -> None:
    services.render_document(document_id)
