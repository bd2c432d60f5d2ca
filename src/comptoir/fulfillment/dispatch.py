"""Sending shipments to warehouses and suppliers, exactly once as seen by the provider.

The database drives everything, so a killed worker loses nothing:

1. **claim**: in a short transaction, due shipments (``next_attempt_at`` passed) are locked
   (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE transaction
   holds the write lock), counted one attempt more and leased: ``next_attempt_at`` moves to
   the end of the lease. Nobody else claims them until it ends.
2. **send** outside any transaction, with the shipment's key as ``Idempotency-Key``.
3. **record**: dispatched; or the error and the next attempt, with exponential backoff and
   jitter; or, past the route's retry budget, failed with an inbox item for the merchant.

A worker killed between 1 and 3 leaves a leased shipment that becomes due when the lease
ends and is sent again with the same key. Delivery is therefore at-least-once, and the
provider's de-duplication by ``Idempotency-Key`` makes it exactly once at the provider.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.core.retry import Backoff
from comptoir.fulfillment import services
from comptoir.fulfillment.models import RouteKind, Shipment, Transport
from comptoir.fulfillment.states import DUE_STATES, ShipmentStatus
from comptoir.fulfillment.transports import PermanentError, send_shipment
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import close_item, open_item

log = logging.getLogger(__name__)

PUSHED_TRANSPORTS = (Transport.HTTP, Transport.SFTP, Transport.EMAIL)
FILE_TRANSPORTS = (Transport.SFTP, Transport.EMAIL)
CLAIM_CHUNK = 10
FILE_BATCH = 5_000


def retry_base() -> float:
    return float(getattr(settings, "COMPTOIR_DISPATCH_RETRY_SECONDS", 30))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min... capped at 2 h, with the project's jitter (core.retry): a
    provider coming back from an outage is not hit by every retry in the same second."""
    policy = Backoff(base=timedelta(seconds=retry_base()), cap=timedelta(hours=2))
    return policy.delay(max(attempts, 1))


def lease(shipment: Shipment, *, position: int = 0) -> timedelta:
    """Longer than this worker may take to reach the shipment (those claimed before it in
    the same chunk go first) and send it, so nobody else claims it while a live worker
    holds it; short enough that a dead worker's shipment leaves again soon."""
    return timedelta(seconds=shipment.route.timeout_seconds * (position + 2) + 30)


def due_queryset(now: datetime):
    queryset = Shipment.objects.filter(
        status__in=DUE_STATES,
        next_attempt_at__lte=now,
        route__transport__in=PUSHED_TRANSPORTS,
    ).exclude(route__kind=RouteKind.SELF_SHIP)
    return queryset.order_by("next_attempt_at", "pk")


def claim(
    *,
    now: datetime | None = None,
    ids: list[int] | None = None,
    limit: int = 1,
    route_id: int | None = None,
    transports: tuple[str, ...] = PUSHED_TRANSPORTS,
    one_send: bool = False,
) -> list:
    """Lease up to ``limit`` due shipments (of ``ids``, of one route, if given) to this
    worker. ``one_send``: they leave together in one file, so they share one lease."""
    now = now or timezone.now()
    with transaction.atomic():
        queryset = due_queryset(now).filter(route__transport__in=transports)
        if ids is not None:
            queryset = queryset.filter(pk__in=ids)
        if route_id is not None:
            queryset = queryset.filter(route_id=route_id)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        claimed = list(queryset.select_related("route")[:limit])
        for position, shipment in enumerate(claimed):
            shipment.attempts += 1
            shipment.next_attempt_at = now + lease(shipment, position=0 if one_send else position)
            shipment.save(update_fields=["attempts", "next_attempt_at"])
            if shipment.status == ShipmentStatus.PENDING:
                services.transition(shipment, ShipmentStatus.DISPATCHING, actor="system")
            services.record_event(
                shipment, "attempt", actor="system", data={"attempt": shipment.attempts}
            )
    return claimed


def record_success(shipment_id: int, *, reference: str = "", now: datetime | None = None) -> None:
    with transaction.atomic():
        order, shipment = services.lock(shipment_id)
        if shipment.status not in (ShipmentStatus.DISPATCHING, ShipmentStatus.FAILED):
            # Shipped already (the confirmation overtook us) or cancelled: nothing to do.
            services.record_event(shipment, "acknowledged", actor="system", data={"ref": reference})
            return
        shipment.dispatched_at = now or timezone.now()
        shipment.next_attempt_at = None
        shipment.last_error = ""
        shipment.provider_reference = reference[:120]
        shipment.save(
            update_fields=["dispatched_at", "next_attempt_at", "last_error", "provider_reference"]
        )
        services.transition(
            shipment, ShipmentStatus.DISPATCHED, actor="system", data={"ref": reference}
        )
        close_item(
            shipment.shop,
            kind=ItemKind.DISPATCH_FAILED,
            key=f"shipment:{shipment.pk}",
            reason=str(_("Sent on attempt %(n)s") % {"n": shipment.attempts}),
        )
        services.sync_order_status(order, actor="system")


def record_failure(
    shipment_id: int, *, error: str, permanent: bool = False, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("route", "order")
            .get(pk=shipment_id)
        )
        if shipment.status != ShipmentStatus.DISPATCHING:
            return
        shipment.last_error = error[:2000]
        exhausted = permanent or shipment.attempts >= shipment.route.max_attempts
        services.record_event(
            shipment,
            "attempt_failed",
            actor="system",
            note=error[:500],
            data={"attempt": shipment.attempts},
        )
        if not exhausted:
            shipment.next_attempt_at = now + backoff(shipment.attempts)
            shipment.save(update_fields=["last_error", "next_attempt_at"])
            from comptoir.fulfillment.tasks import dispatch_shipment

            dispatch_shipment.using(run_after=shipment.next_attempt_at).enqueue(shipment.pk)
            return
        shipment.next_attempt_at = None
        shipment.save(update_fields=["last_error", "next_attempt_at"])
        services.transition(shipment, ShipmentStatus.FAILED, actor="system", note=error[:500])
        open_item(
            shipment.shop,
            kind=ItemKind.DISPATCH_FAILED,
            key=f"shipment:{shipment.pk}",
            title=gettext_noop("Order %(order)s did not reach %(route)s"),
            title_params={"order": shipment.order.reference, "route": shipment.route.name},
            detail=gettext_noop(
                "%(attempts)s attempts failed. Last error: %(error)s. Check the provider's "
                "settings, then re-send the shipment."
            ),
            detail_params={"attempts": shipment.attempts, "error": error[:300]},
            context={"shipment": shipment.pk, "attempts": shipment.attempts, "error": error[:500]},
            order=shipment.order,
        )


def send_claimed(shipments: list[Shipment]) -> int:
    """Send what this worker leased; returns how many went through."""
    sent = 0
    for shipment in shipments:
        try:
            reference = send_shipment(shipment)
        except PermanentError as error:
            record_failure(shipment.pk, error=str(error), permanent=True)
        except Exception as error:  # noqa: BLE001 - every failure is recorded and retried
            log.info("dispatch of %s failed: %s", shipment.key, error)
            record_failure(shipment.pk, error=f"{type(error).__name__}: {error}")
        else:
            record_success(shipment.pk, reference=reference)
            sent += 1
    return sent


def dispatch_one(shipment_id: int, *, now: datetime | None = None) -> bool:
    claimed = claim(now=now, ids=[shipment_id])
    return bool(claimed) and send_claimed(claimed) == 1


def dispatch_due_shipments(*, now: datetime | None = None, limit: int = 10_000) -> int:
    """Send every due shipment: batches at their slot, retries, leases of dead workers."""
    from comptoir.fulfillment.transports import send_file_batch

    now_or_later = now  # None: each claim takes the clock at that moment
    sent = 0
    file_routes = (
        due_queryset(now or timezone.now())
        .filter(route__transport__in=FILE_TRANSPORTS)
        .values_list("route_id", flat=True)
        .distinct()
    )
    for route_id in sorted(set(file_routes)):
        # One file per route and slot, whatever the number of orders in it.
        batch = claim(
            now=now_or_later,
            route_id=route_id,
            limit=FILE_BATCH,
            transports=FILE_TRANSPORTS,
            one_send=True,
        )
        if not batch:
            continue
        try:
            send_file_batch(batch)
        except Exception as error:  # noqa: BLE001 - recorded per shipment and retried
            for shipment in batch:
                record_failure(shipment.pk, error=f"{type(error).__name__}: {error}")
        else:
            for shipment in batch:
                record_success(shipment.pk)
            sent += len(batch)
    handled = 0
    while handled < limit:
        claimed = claim(now=now_or_later, limit=CLAIM_CHUNK, transports=(Transport.HTTP,))
        if not claimed:
            break
        handled += len(claimed)
        sent += send_claimed(claimed)
    return sent


def payload(shipment: Shipment) -> bytes:
    """The JSON a warehouse receives for one shipment."""
    order = shipment.order
    document = {
        "shipment_id": shipment.key,
        "order": order.reference,
        "shop": shipment.shop.code,
        "created_at": shipment.created_at.isoformat(),
        "email": order.email,
        "shipping_method": order.shipping_method_code or order.shipping_method,
        "ship_to": order.shipping_address,
        "pickup_point": order.pickup_point or None,
        "lines": [
            {"sku": line.sku, "name": line.name, "quantity": line.quantity}
            for line in shipment.lines.all()
        ],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
