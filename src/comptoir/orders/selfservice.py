"""What shoppers do on their own order page: find it by number and email, see where it
stands, cancel it or change its delivery address while nobody has started on it.

"Handed over" is the line: a shipment leaves ``pending`` when a dispatch worker claims it
for a warehouse or a supplier, or when the merchant puts it in a packing batch. Both take
the shipment's row lock to do so; the shopper's actions lock the order, then its shipments
(the order of ``fulfillment.services.lock``) and decide under those locks. So a claim that
won is seen as handed over and the shopper is refused; a shopper who won leaves a cancelled
shipment (no longer due) or the new address (read by the payload at send time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from comptoir.catalog.models import ProductKind
from comptoir.core import ratelimit
from comptoir.core.exceptions import ComptoirError
from comptoir.core.rows import remembered
from comptoir.customers.addresses import country_name
from comptoir.fulfillment import carriers
from comptoir.fulfillment.models import Shipment
from comptoir.fulfillment.states import ShipmentStatus
from comptoir.orders import notifications
from comptoir.orders import services as orders
from comptoir.orders.models import (
    Order,
    SelfServiceLimit,
    SelfServiceRules,
)
from comptoir.orders.states import OrderStatus
from comptoir.shops.models import Shop

ACTOR = "customer"

#: "Where is my order?" attempts allowed per client IP and per session in the window.
LOOKUP_WINDOW = timedelta(minutes=15)
DEFAULT_LOOKUP_LIMIT = 10


class SelfServiceRefused(ComptoirError):
    pass


# --- finding an order ---------------------------------------------------------------------


def lookup_limit() -> int:
    return int(getattr(settings, "COMPTOIR_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT))


def allow_lookup(*, ip: str, session_key: str, now: datetime | None = None) -> bool:
    """Count this attempt against the client's IP and session; False once either went
    past the limit in the window. Counted before deciding, in one atomic statement, so
    two requests at once both see each other. Keys are hashed: no IP address is stored."""
    keys = [
        "lookup:" + salted_hmac("comptoir.lookup", key, algorithm="sha256").hexdigest()
        for key in (f"ip:{ip}" if ip else "", f"session:{session_key}" if session_key else "")
        if key
    ]
    if not keys:
        return False
    hits = ratelimit.hit(keys, window=LOOKUP_WINDOW, now=now)
    return all(n <= lookup_limit() for n in hits.values())


def parse_number(value: str) -> int:
    """ "#000123", "000123" and "123" name order 123; anything else no order (0)."""
    digits = value.strip().lstrip("#").strip()
    return int(digits) if digits.isdigit() and len(digits) <= 9 else 0


def find_order(shop: Shop, *, number: str, email: str) -> Order | None:
    """The order with this number and email, else None, whichever of the two was wrong:
    one query and one comparison either way, so neither answer nor timing tells which."""
    order = Order.objects.filter(shop=shop, number=parse_number(number)).first()
    expected = order.email if order is not None else "nobody@invalid"
    matches = constant_time_compare(expected.strip().lower(), email.strip().lower())
    return order if order is not None and matches else None


# --- what the shopper may do --------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    allowed: bool
    reason: str = ""


def rules_for(shop: Shop | int) -> SelfServiceRules:
    """The shop's rules, or the defaults (unsaved) for a shop that set none. Given the
    shop itself, read once per shop instance (the request's shop brings them along)."""
    if isinstance(shop, int):
        found = SelfServiceRules.objects.filter(shop_id=shop).first()
        return found or SelfServiceRules(shop_id=shop)
    try:
        return shop.selfservice_rules
    except SelfServiceRules.DoesNotExist:
        return SelfServiceRules(shop=shop)


def handed_over(order: Order, shipments: list[Shipment], lines: list | None = None) -> bool:
    """Someone started on the order: a parcel left ``pending`` or sits in a packing batch,
    or downloads were granted with the payment."""
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        return True
    for shipment in shipments:
        if shipment.status == ShipmentStatus.CANCELLED:
            continue
        if shipment.status != ShipmentStatus.PENDING or shipment.batch_id is not None:
            return True
    if order.status != OrderStatus.PAID:
        return False
    lines = list(order.lines.all()) if lines is None else lines
    return any(line.kind != ProductKind.PHYSICAL for line in lines)


def _offer(
    order: Order,
    shipments: list[Shipment],
    limit: str,
    within_hours: int | None,
    *,
    what: str,
    lines: list | None = None,
) -> Offer:
    closed = {
        OrderStatus.CANCELLED: _("This order is cancelled."),
        OrderStatus.REFUNDED: _("This order was refunded."),
        OrderStatus.SHIPPED: _("This order has already left."),
        OrderStatus.DELIVERED: _("This order was delivered."),
    }
    if order.status in closed:
        return Offer(False, closed[order.status])
    if limit == SelfServiceLimit.NEVER:
        message = (
            _("To cancel this order, please write to us.")
            if what == "cancel"
            else _("To change the delivery address, please write to us.")
        )
        return Offer(False, message)
    if limit == SelfServiceLimit.UNTIL_PAID and order.status != OrderStatus.PENDING_PAYMENT:
        message = (
            _("Your payment is confirmed: to cancel this order, please write to us.")
            if what == "cancel"
            else _("Your payment is confirmed: to change the delivery address, please write to us.")
        )
        return Offer(False, message)
    if handed_over(order, shipments, lines):
        message = (
            _("Your order is already being prepared for dispatch: it can no longer be cancelled.")
            if what == "cancel"
            else _(
                "Your order is already being prepared for dispatch: its delivery address can "
                "no longer be changed. Please write to us."
            )
        )
        return Offer(False, message)
    if within_hours is not None and timezone.now() > order.created_at + timedelta(
        hours=within_hours
    ):
        return Offer(
            False,
            _("Orders can be changed here within %(hours)s hours; please write to us.")
            % {"hours": within_hours},
        )
    if what == "address" and order.pickup_point:
        return Offer(
            False,
            _("This order goes to a pickup point; to change it, please write to us."),
        )
    return Offer(True)


def cancel_offer(
    order: Order,
    *,
    shipments: list[Shipment] | None = None,
    rules: SelfServiceRules | None = None,
    lines: list | None = None,
) -> Offer:
    rules = rules or rules_for(order.shop_id)
    shipments = list(order.shipments.all()) if shipments is None else shipments
    return _offer(
        order, shipments, rules.cancel_until, rules.within_hours, what="cancel", lines=lines
    )


def address_offer(
    order: Order,
    *,
    shipments: list[Shipment] | None = None,
    rules: SelfServiceRules | None = None,
    lines: list | None = None,
) -> Offer:
    rules = rules or rules_for(order.shop_id)
    shipments = list(order.shipments.all()) if shipments is None else shipments
    limit = rules.address_change_until
    return _offer(order, shipments, limit, rules.within_hours, what="address", lines=lines)


def lock_with_shipments(order_id: int) -> tuple[Order, list[Shipment]]:
    """The order, then its shipments in primary-key order: the lock order of fulfillment
    (``services.lock``), so the shopper and a dispatch worker never deadlock."""
    order = orders.lock_order(order_id)
    shipments = list(Shipment.objects.select_for_update().filter(order=order).order_by("pk"))
    return order, shipments


# --- the shopper's actions ----------------------------------------------------------------


@transaction.atomic
def cancel_by_shopper(order_id: int, *, actor: str = ACTOR) -> Order:
    """The shopper cancels: refused once anything was handed over; otherwise the order's
    own cancellation (stock back, refund, email), under the same locks as the check."""
    order, shipments = lock_with_shipments(order_id)
    offer = cancel_offer(order, shipments=shipments)
    if not offer.allowed:
        raise SelfServiceRefused(offer.reason)
    return orders.cancel_order(order.pk, actor=actor, reason="cancelled by the customer")


@transaction.atomic
def change_shipping_address(order_id: int, *, address: dict[str, str], actor: str = ACTOR) -> Order:
    """The shopper corrects where the parcel goes, before it is handed over. The parcel
    waiting for its route carries the order's address when it is sent, so it goes to the
    new one. The country stays: the shipping price and the VAT were charged for it."""
    order, shipments = lock_with_shipments(order_id)
    offer = address_offer(order, shipments=shipments)
    if not offer.allowed:
        raise SelfServiceRefused(offer.reason)
    country = order.shipping_country or order.shipping_address.get("country", "")
    if country and address.get("country") != country:
        raise SelfServiceRefused(
            _("The new address must be in %(country)s: the shipping was charged for it.")
            % {"country": country_name(country)}
        )
    old = dict(order.shipping_address)
    if old == address:
        return order
    order.shipping_address = address
    order.save(update_fields=["shipping_address"])
    event = orders.record_event(
        order, "shipping_address_changed", actor=actor, data={"old": old, "new": address}
    )
    from comptoir.fulfillment.services import record_event as record_shipment_event

    for shipment in shipments:
        if shipment.status == ShipmentStatus.PENDING:
            record_shipment_event(shipment, "address_changed", actor=actor)
    notifications.queue(
        order,
        notifications.Kind.ADDRESS_CHANGED,
        key=f"address_changed:{event.pk}",
        context={"address": address},
    )
    return order


# --- what the order page shows ------------------------------------------------------------

STATUS_WORDS = {
    OrderStatus.PENDING_PAYMENT: lambda: _("We are waiting for your payment."),
    OrderStatus.PAID: lambda: _("Your payment is confirmed; we are getting your order ready."),
    OrderStatus.FULFILLING: lambda: _("Your order is being prepared for dispatch."),
    OrderStatus.SHIPPED: lambda: _("Your order is on its way."),
    OrderStatus.DELIVERED: lambda: _("Your order was delivered."),
    OrderStatus.CANCELLED: lambda: _("This order was cancelled."),
    OrderStatus.REFUNDED: lambda: _("This order was refunded."),
    OrderStatus.PARTIALLY_REFUNDED: lambda: _("Part of this order was refunded."),
}

EVENT_WORDS = {
    OrderStatus.PAID: lambda: _("Payment confirmed"),
    OrderStatus.FULFILLING: lambda: _("Handed over for preparation"),
    OrderStatus.SHIPPED: lambda: _("Shipped"),
    OrderStatus.DELIVERED: lambda: _("Delivered"),
    OrderStatus.CANCELLED: lambda: _("Order cancelled"),
    OrderStatus.REFUNDED: lambda: _("Refunded"),
    OrderStatus.PARTIALLY_REFUNDED: lambda: _("Partly refunded"),
}


@dataclass(frozen=True)
class Parcel:
    status: str
    words: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[tuple[str, int]]


@dataclass(frozen=True)
class Moment:
    at: datetime
    title: str
    detail: str = ""


def carrier_label(shipment: Shipment) -> str:
    if shipment.carrier and shipment.carrier != carriers.Carrier.OTHER:
        return str(carriers.Carrier(shipment.carrier).label)
    return shipment.carrier_name


def parcel_words(shipment: Shipment) -> str:
    if shipment.status == ShipmentStatus.DELIVERED:
        return _("Delivered")
    if shipment.status == ShipmentStatus.SHIPPED:
        return _("On its way")
    if shipment.status == ShipmentStatus.CANCELLED:
        return _("Cancelled")
    return _("Being prepared")


def parcels(shipments: list[Shipment]) -> list[Parcel]:
    return [
        Parcel(
            status=shipment.status,
            words=parcel_words(shipment),
            carrier=carrier_label(shipment),
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url
            or carriers.tracking_url(shipment.carrier, shipment.tracking_number),
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
            # Which parcel holds what says something only when there are several.
            lines=[(line.name, line.quantity) for line in shipment.lines.all()]
            if len(shipments) > 1
            else [],
        )
        for shipment in shipments
        if shipment.status != ShipmentStatus.CANCELLED
    ]


def timeline(order: Order, shipments: list[Shipment]) -> list[Moment]:
    """What happened that the shopper cares about, newest first: no attempts, retries or
    internal notes. A parcel's own "shipped" says more (carrier, number) than the order's."""
    from comptoir.fulfillment.models import ShipmentEvent

    moments = [Moment(order.created_at, _("Order placed"))]
    left = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    parcel_events = (
        list(
            ShipmentEvent.objects.filter(
                shipment__in=[s for s in shipments if s.status in left],
                kind="status",
                to_status__in=left,
            )
        )
        if any(s.status in left for s in shipments)
        else []
    )
    by_id = {s.pk: s for s in shipments}
    for event in parcel_events:
        shipment = by_id[event.shipment_id]
        if event.to_status == ShipmentStatus.SHIPPED:
            title = (
                _("Parcel handed to %(carrier)s") % {"carrier": carrier_label(shipment)}
                if carrier_label(shipment)
                else _("Parcel shipped")
            )
            detail = (
                _("Tracking number %(number)s") % {"number": shipment.tracking_number}
                if shipment.tracking_number
                else ""
            )
            moments.append(Moment(event.created_at, title, detail))
        else:
            moments.append(Moment(event.created_at, _("Parcel delivered")))
    covered = {OrderStatus.SHIPPED, OrderStatus.DELIVERED} if parcel_events else set()
    for event in order.events.filter(kind__in=("status", "shipping_address_changed")):
        if event.kind == "shipping_address_changed":
            moments.append(Moment(event.created_at, _("Delivery address changed")))
        elif event.to_status in EVENT_WORDS and event.to_status not in covered:
            moments.append(Moment(event.created_at, EVENT_WORDS[event.to_status]()))
    return sorted(moments, key=lambda moment: moment.at, reverse=True)


def promise_words(order: Order) -> str:
    """The dispatch day promised, while it is still ahead of the parcel."""
    from comptoir.promise.services import planned_dispatch

    waiting = order.status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.FULFILLING,
    )
    if order.promised_dispatch_on is None or not waiting:
        return ""
    return planned_dispatch(order.promised_dispatch_on)


def status_context(order: Order, *, lines: list | None = None) -> dict[str, Any]:
    """What the guest order page and the account's order page show above the lines: three
    queries (the shop's rules, the parcels, the order's events), four once a parcel left."""
    from comptoir.orders.links import order_status_token

    shipments = remembered(order, "shipments")
    if shipments is None:
        shipments = list(order.shipments.order_by("pk"))
    if len(shipments) > 1:
        prefetch_related_objects(shipments, "lines")
    rules = rules_for(order.shop)
    return {
        "token": order_status_token(order),
        "status_words": STATUS_WORDS[OrderStatus(order.status)](),
        "promise_words": promise_words(order),
        "parcels": parcels(shipments),
        "timeline": timeline(order, shipments),
        "cancel_offer": cancel_offer(order, shipments=shipments, rules=rules, lines=lines),
        "address_offer": address_offer(order, shipments=shipments, rules=rules, lines=lines),
    }
