"""Background entry points of returns: each takes an id and calls one service."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from comptoir.core.retry import Backoff, retrying
from comptoir.fulfillment.transports import PermanentError

#: A warehouse that is down is asked again: 30 s, 1 min, 2 min... up to 6 attempts.
LABEL_BACKOFF = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=30))


def give_up_label(return_id: int, *, error: BaseException, attempts: int) -> None:
    from comptoir.returns import services

    services.label_failed(return_id, error=f"{attempts} attempts: {error}")


@task()
@retrying(
    retry_on=(OSError, RuntimeError), attempts=6, backoff=LABEL_BACKOFF, on_give_up=give_up_label
)
def request_return_label(return_id: int) -> None:
    from comptoir.returns import labels, services
    from comptoir.returns.models import ReturnRequest

    request = ReturnRequest.objects.select_related("order__shop").get(pk=return_id)
    if request.label:
        services.record_label(return_id, label=request.label)
        return
    route = labels.label_route(request)
    if route is None:
        services.label_failed(return_id, error="no warehouse route any more")
        return
    try:
        label = labels.ask_for_label(request, route)
    except PermanentError as error:
        services.label_failed(return_id, error=str(error))
        return
    services.record_label(return_id, label=label)


@task()
def settle_return(return_id: int) -> None:
    from comptoir.returns import services

    services.settle_return(return_id)


@task()
def settle_received_returns() -> int:
    from comptoir.returns import services

    return services.settle_received_returns()
