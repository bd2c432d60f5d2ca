"""Fulfillment use cases: a paid order split into shipments, their transitions with event
rows, the order's status following its parcels, shipped and delivered, re-send.

Sending to providers lives in ``dispatch.py``; messages coming back in ``confirmations.py``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.catalog.models import ProductKind
from comptoir.core.exceptions import ComptoirError
from comptoir.core.rows import attach, columns, insert, instance, relate
from comptoir.fulfillment import carriers
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    ProductRoute,
    RouteKind,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    Supplier,
    Transport,
)
from comptoir.fulfillment.states import ShipmentStatus, can_transition
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import close_item
from comptoir.orders.models import Order
from comptoir.orders.selectors import order_lines
from comptoir.orders.states import OrderStatus
from comptoir.shops.models import Shop


class ShipmentTransitionNotAllowed(ComptoirError):
    pass


class TrackingRefused(ComptoirError):
    """A tracking number that would make the customer follow someone else's parcel."""


def default_route(shop: Shop) -> FulfillmentRoute:
    """The shop's default route; a shop that configured nothing packs its own parcels."""
    route = FulfillmentRoute.objects.filter(shop=shop, is_default=True).first()
    if route is not None:
        return route
    return _create_default_route(shop)


def _create_default_route(shop: Shop) -> FulfillmentRoute:
    try:
        with transaction.atomic():
            return FulfillmentRoute.objects.create(
                shop=shop,
                name=_("Packed by me"),
                kind=RouteKind.SELF_SHIP,
                transport=Transport.NONE,
                is_default=True,
            )
    except IntegrityError:  # another worker created it first
        return FulfillmentRoute.objects.get(shop=shop, is_default=True)


def overridden_routes(product_ids: set[int]) -> dict[int, FulfillmentRoute]:
    """The products that do not ship the shop's default way: their own route, else their
    supplier's."""
    overrides = ProductRoute.objects.filter(product_id__in=product_ids).select_related(
        "route", "supplier__route"
    )
    routes: dict[int, FulfillmentRoute] = {}
    for override in overrides:
        route = override.route or (override.supplier.route if override.supplier else None)
        if route is not None and route.active:
            routes[override.product_id] = route
    return routes


def route_for_products(shop: Shop, product_ids: set[int]) -> dict[int, FulfillmentRoute]:
    """Each product's route: its own override, else its supplier's route, else the default.

    One plain-SQL statement (comptoir.core.rows) reads the overrides and the shop's default
    route together, as :func:`overridden_routes` and :func:`default_route` would: every
    payment splits its order with it."""
    if not product_ids:
        return {}
    select, fields = columns(FulfillmentRoute, "r")
    q = connection.ops.quote_name
    route_table = q(FulfillmentRoute._meta.db_table)
    ids = sorted(product_ids)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT pr.product_id, {select} FROM {q(ProductRoute._meta.db_table)} pr "  # noqa: S608
        f"LEFT JOIN {q(Supplier._meta.db_table)} s ON s.id = pr.supplier_id "
        f"JOIN {route_table} r ON r.id = COALESCE(pr.route_id, s.route_id) "
        f"WHERE pr.product_id IN ({marks}) AND r.active "
        f"UNION ALL SELECT NULL, {select} FROM {route_table} r "
        f"WHERE r.shop_id = %s AND r.is_default"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, shop.pk])
        rows = cursor.fetchall()
    routes: dict[int, FulfillmentRoute] = {}
    fallback = None
    for product_id, *values in rows:
        route = instance(FulfillmentRoute, fields, values)
        if route.shop_id == shop.pk:
            relate(route, "shop", shop)
        if product_id is None:
            fallback = route
        else:
            routes[product_id] = route
    missing = product_ids - routes.keys()
    if missing:
        # None yet: the shop's first paid order makes it.
        routes.update(dict.fromkeys(missing, fallback or _create_default_route(shop)))
    return routes


def route_kinds(shop_id: int, product_ids: set[int]) -> dict[int, str]:
    """Each product's route kind, read only (a product page must not create the default
    route): what the promise needs for its lead time per route."""
    kinds = {pk: route.kind for pk, route in overridden_routes(product_ids).items()}
    missing = product_ids - kinds.keys()
    if missing:
        default = (
            FulfillmentRoute.objects.filter(shop_id=shop_id, is_default=True)
            .values_list("kind", flat=True)
            .first()
        )
        kinds.update(dict.fromkeys(missing, default or RouteKind.SELF_SHIP))
    return kinds


def first_slot(route: FulfillmentRoute, now: datetime) -> datetime:
    """When a shipment created ``now`` leaves: at once, or at the route's next batch slot
    or cut-off, whichever comes first. The cut-off is on the shop's clock ("before 3 pm")."""
    if route.batch_every_minutes == 0:
        return now
    every = route.batch_every_minutes * 60
    candidates = [datetime.fromtimestamp(ceil(now.timestamp() / every) * every, tz=now.tzinfo)]
    if route.cutoff_time is not None:
        zone = ZoneInfo(route.shop.time_zone) if route.shop_id else UTC
        local = now.astimezone(zone)
        cutoff = local.replace(
            hour=route.cutoff_time.hour,
            minute=route.cutoff_time.minute,
            second=0,
            microsecond=0,
        )
        if cutoff < local:
            cutoff = (cutoff + timedelta(days=1)).replace(
                hour=route.cutoff_time.hour, minute=route.cutoff_time.minute
            )
        candidates.append(cutoff.astimezone(now.tzinfo))
    return min(candidates)


def record_event(
    shipment: Shipment,
    kind: str,
    *,
    actor: str,
    note: str = "",
    data: dict | None = None,
    from_status: str = "",
    to_status: str = "",
) -> ShipmentEvent:
    event = ShipmentEvent(
        shipment=shipment,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )
    insert([event])
    return event


def transition(
    shipment: Shipment, target: str, *, actor: str, note: str = "", data: dict | None = None
) -> Shipment:
    """Move ``shipment`` to ``target`` if the table allows it, with its event row. The
    caller saves the other fields it changed; status is saved here."""
    current = shipment.status
    if not can_transition(current, target):
        raise ShipmentTransitionNotAllowed(
            f"Shipment {shipment.key} cannot go from {current} to {target}."
        )
    shipment.status = target
    shipment.save(update_fields=["status"])
    record_event(
        shipment, "status", actor=actor, note=note, data=data, from_status=current, to_status=target
    )
    return shipment


def split_order(
    order: Order, *, now: datetime | None = None, unsplit: bool = False
) -> list[Shipment]:
    """One shipment per route the order's physical lines take. Call in the transaction that
    marks the order paid: the shipments and their dispatch tasks exist iff it commits.
    Calling it again returns the same shipments.

    ``unsplit``: the caller knows the order has no shipment yet (it releases the order,
    which happens once, under the order's lock): no query to look for them."""
    from comptoir.fulfillment.tasks import dispatch_shipment

    assert transaction.get_connection().in_atomic_block
    if not unsplit:
        existing = list(order.shipments.all())
        if existing:
            return existing
    now = now or timezone.now()
    lines = [
        line
        for line in order_lines(order)
        if line.kind == ProductKind.PHYSICAL and line.variant_id is not None
    ]
    if not lines:
        attach(order, "shipments", [])
        return []
    routes = route_for_products(order.shop, {line.variant.product_id for line in lines})
    by_route: dict[int, list] = defaultdict(list)
    route_of: dict[int, FulfillmentRoute] = {}
    for line in lines:
        route = routes[line.variant.product_id]
        by_route[route.pk].append(line)
        route_of[route.pk] = route
    shipments = []
    for route_id in sorted(by_route):
        route = route_of[route_id]
        pushed = route.kind != RouteKind.SELF_SHIP and route.transport != Transport.NONE
        # Plain-SQL INSERTs (core.rows): every paid order writes these rows.
        shipment = Shipment(
            shop=order.shop,
            order=order,
            route=route,
            next_attempt_at=first_slot(route, now) if pushed else None,
        )
        insert([shipment])
        insert(
            [
                ShipmentLine(
                    shipment=shipment,
                    order_line=line,
                    sku=line.sku,
                    name=f"{line.product_name} {line.variant_label}".strip(),
                    quantity=line.quantity,
                )
                for line in by_route[route_id]
            ]
        )
        record_event(
            shipment,
            "created",
            actor="system",
            to_status=ShipmentStatus.PENDING,
            data={"route": route.name, "lines": len(by_route[route_id])},
        )
        if pushed and route.batch_every_minutes == 0:
            dispatch_shipment.enqueue(shipment.pk)
        shipments.append(shipment)
    # The order's parcels as written: its page, next in the same request, shows them.
    attach(order, "shipments", shipments)
    return shipments


def sync_order_status(order: Order, *, actor: str) -> Order:
    """The order follows its parcels: being prepared once one left for a warehouse or a
    supplier, shipped when every parcel left, delivered when every parcel arrived."""
    from comptoir.orders import services as orders

    states = [s for s in order.shipments.values_list("status", flat=True) if s != "cancelled"]
    if not states:
        return order
    S = ShipmentStatus
    if all(s == S.DELIVERED for s in states):
        target = OrderStatus.DELIVERED
    elif all(s in (S.SHIPPED, S.DELIVERED) for s in states):
        target = OrderStatus.SHIPPED
    elif any(s in (S.DISPATCHED, S.SHIPPED, S.DELIVERED) for s in states):
        target = OrderStatus.FULFILLING
    else:
        return order
    path = {
        OrderStatus.FULFILLING: [OrderStatus.FULFILLING],
        OrderStatus.SHIPPED: [OrderStatus.SHIPPED],
        OrderStatus.DELIVERED: [OrderStatus.SHIPPED, OrderStatus.DELIVERED],
    }[target]
    for step in path:
        if order.status == step:
            continue
        if not orders.can_transition(order.status, step):
            return order  # refunded, cancelled...: the parcels do not change that
        orders.transition(order, step, actor=actor)
    return order


def lock(shipment_id: int) -> tuple[Order, Shipment]:
    """Lock the order, then the shipment: always in that order, so two messages about the
    same order never deadlock."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    from comptoir.orders.services import lock_order

    order = lock_order(order_id)
    shipment = (
        Shipment.objects.select_for_update(of=("self",)).select_related("route").get(pk=shipment_id)
    )
    return order, shipment


@transaction.atomic
def mark_shipped(
    shipment_id: int,
    *,
    carrier: str,
    tracking_number: str,
    actor: str,
    now: datetime | None = None,
) -> Shipment:
    """The parcel left: carrier and tracking recorded, the customer emailed the link, once.
    Again with the same number changes nothing; with another number it is refused."""
    from comptoir.orders import notifications

    order, shipment = lock(shipment_id)
    tracking_number = tracking_number.strip()
    code = carriers.normalise(carrier)
    if shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        if shipment.tracking_number == tracking_number:
            return shipment
        raise TrackingRefused(
            _("Shipment %(key)s already left with tracking number %(number)s.")
            % {"key": shipment.key, "number": shipment.tracking_number}
        )
    if not tracking_number:
        raise TrackingRefused(_("The tracking number is missing."))
    taken = (
        Shipment.objects.filter(carrier=code, tracking_number=tracking_number)
        .exclude(pk=shipment.pk)
        .first()
    )
    if taken is not None:
        raise TrackingRefused(
            _("Tracking number %(number)s is already used by shipment %(key)s.")
            % {"number": tracking_number, "key": taken.key}
        )
    shipment.carrier = code
    shipment.carrier_name = carrier.strip()[:80]
    shipment.tracking_number = tracking_number
    shipment.tracking_url = carriers.tracking_url(code, tracking_number)
    shipment.shipped_at = now or timezone.now()
    shipment.next_attempt_at = None
    shipment.save(
        update_fields=[
            "carrier",
            "carrier_name",
            "tracking_number",
            "tracking_url",
            "shipped_at",
            "next_attempt_at",
        ]
    )
    transition(
        shipment,
        ShipmentStatus.SHIPPED,
        actor=actor,
        data={"carrier": code, "tracking_number": tracking_number},
    )
    close_item(
        shipment.shop,
        kind=ItemKind.DISPATCH_FAILED,
        key=f"shipment:{shipment.pk}",
        reason="the provider confirmed the shipment",
    )
    notifications.queue(
        order,
        notifications.Kind.SHIPMENT_SHIPPED,
        key=f"shipped:{shipment.pk}",
        context={
            "carrier": carriers.Carrier(code).label if code != "other" else shipment.carrier_name,
            "tracking_number": tracking_number,
            "tracking_url": shipment.tracking_url,
        },
    )
    sync_order_status(order, actor=actor)
    return shipment


@transaction.atomic
def mark_delivered(shipment_id: int, *, actor: str, now: datetime | None = None) -> Shipment:
    order, shipment = lock(shipment_id)
    if shipment.status == ShipmentStatus.DELIVERED:
        return shipment
    shipment.delivered_at = now or timezone.now()
    shipment.save(update_fields=["delivered_at"])
    transition(shipment, ShipmentStatus.DELIVERED, actor=actor)
    sync_order_status(order, actor=actor)
    return shipment


def deliver_overdue(*, now: datetime | None = None) -> int:
    """Shipped parcels with no news for their route's delay count as delivered. Periodic."""
    now = now or timezone.now()
    delivered = 0
    candidates = Shipment.objects.filter(status=ShipmentStatus.SHIPPED).values_list(
        "pk", "shipped_at", "route__delivered_after_days"
    )
    for pk, shipped_at, days in candidates.iterator():
        if shipped_at is None or shipped_at + timedelta(days=days) > now:
            continue
        mark_delivered(pk, actor="system", now=now)
        delivered += 1
    return delivered


@transaction.atomic
def resend(shipment_id: int, *, actor: str, now: datetime | None = None) -> Shipment:
    """The merchant asks to send a shipment again: a fresh retry budget, due now. It goes
    with the same idempotency key, so a provider that already has it keeps one parcel."""
    from comptoir.fulfillment.tasks import dispatch_shipment

    _order, shipment = lock(shipment_id)
    route = shipment.route
    if route.kind == RouteKind.SELF_SHIP or route.transport == Transport.NONE:
        raise ShipmentTransitionNotAllowed(
            _("Shipment %(key)s is packed by you; there is nothing to send.")
            % {"key": shipment.key}
        )
    if shipment.status not in (
        ShipmentStatus.PENDING,
        ShipmentStatus.DISPATCHING,
        ShipmentStatus.DISPATCHED,
        ShipmentStatus.FAILED,
    ):
        raise ShipmentTransitionNotAllowed(
            _("Shipment %(key)s is %(status)s; it cannot be sent again.")
            % {"key": shipment.key, "status": shipment.get_status_display()}
        )
    now = now or timezone.now()
    if shipment.status != ShipmentStatus.DISPATCHING:
        transition(shipment, ShipmentStatus.DISPATCHING, actor=actor, note="re-send")
    else:
        record_event(shipment, "resend", actor=actor)
    shipment.attempts = 0
    shipment.next_attempt_at = now
    shipment.save(update_fields=["attempts", "next_attempt_at"])
    dispatch_shipment.enqueue(shipment.pk)
    return shipment


def cancel_shipments(order: Order, *, actor: str) -> int:
    """The order was cancelled: every parcel not yet gone is cancelled with it. Those
    already shipped stay as they are (a return, not a cancellation)."""
    cancelled = 0
    for shipment in order.shipments.select_for_update().order_by("pk"):
        if can_transition(shipment.status, ShipmentStatus.CANCELLED):
            shipment.next_attempt_at = None
            shipment.save(update_fields=["next_attempt_at"])
            transition(shipment, ShipmentStatus.CANCELLED, actor=actor)
            close_item(
                shipment.shop,
                kind=ItemKind.DISPATCH_FAILED,
                key=f"shipment:{shipment.pk}",
                reason="the order was cancelled",
            )
            cancelled += 1
    return cancelled
