"""Order use cases: numbering, transitions with their event rows, payment, cancellation.

Every transition goes through :func:`transition`, which checks the table in ``states.py``
and writes an ``OrderEvent``. Side effects (emails) are tasks enqueued in the same
transaction, so they happen if and only if the change is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core import rows
from comptoir.core.counters import take_next
from comptoir.core.exceptions import ComptoirError
from comptoir.orders.models import Order, OrderCounter, OrderEvent
from comptoir.orders.states import PAID_STATES, OrderStatus, can_transition
from comptoir.shops.models import Shop


class TransitionNotAllowed(ComptoirError):
    pass


def next_order_number(shop: Shop) -> int:
    """The shop's next order number; call inside the transaction that creates the order.

    The counter's row stays locked until that transaction ends: every order of the shop
    waits for it. :func:`number_order` takes it as the last step instead."""
    return take_next(OrderCounter, shop_id=shop.pk)


def number_order(order: Order) -> int:
    """Give ``order``, created without a number in this transaction, the shop's next one.

    Call it as late as possible before the transaction commits: the shop's counter row is
    locked from here to the commit, and every other order of the shop waits for it, so
    the time it is held bounds how many orders a shop takes per second. Numbers still have
    no gaps: a rolled-back order gives its number back with the rest.
    """
    connection = transaction.get_connection()
    assert connection.in_atomic_block
    if connection.vendor != "postgresql":
        # SQLite's whole transaction holds the database's one write lock anyway: no row
        # lock to shorten, and no UPDATE inside a WITH.
        order.number = next_order_number(order.shop)
        Order.objects.filter(pk=order.pk).update(number=order.number)
        return order.number
    counter = connection.ops.quote_name(OrderCounter._meta.db_table)
    table = connection.ops.quote_name(Order._meta.db_table)
    # One statement: increment the counter (taking its row lock) and write the number.
    sql = (
        f"WITH taken AS (UPDATE {counter} SET last_number = last_number + 1 "  # noqa: S608
        f"WHERE shop_id = %s RETURNING last_number) "
        f"UPDATE {table} SET number = taken.last_number FROM taken "
        f"WHERE {table}.id = %s RETURNING taken.last_number"
    )
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(sql, [order.shop_id, order.pk])
            row = cursor.fetchone()
            if row is not None:
                order.number = int(row[0])
                return order.number
            # The shop's first order: make its counter, then increment it as above.
            OrderCounter.objects.get_or_create(shop_id=order.shop_id)
    raise AssertionError("the order counter could not be incremented")


# The events recorded inside ``events_written_together``, not yet written.
_held_events: ContextVar[list[OrderEvent] | None] = ContextVar("held_events", default=None)


@contextmanager
def events_written_together() -> Iterator[None]:
    """Order events recorded inside are written in one INSERT as the block ends, in the
    order they were recorded, rather than one INSERT each (a payment records four). Use
    it inside a transaction, around code that records events and does not read them: an
    exception discards them with the rest of the transaction."""
    assert transaction.get_connection().in_atomic_block
    if _held_events.get() is not None:  # already inside one: its end writes them
        yield
        return
    held: list[OrderEvent] = []
    token = _held_events.set(held)
    try:
        yield
    finally:
        _held_events.reset(token)
    if held:
        rows.insert(held)


def record_event(
    order: Order,
    kind: str,
    *,
    actor: str,
    note: str = "",
    data: dict | None = None,
    from_status: str = "",
    to_status: str = "",
) -> OrderEvent:
    event = OrderEvent(
        order=order,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )
    held = _held_events.get()
    if held is None:
        rows.insert([event])  # plain SQL (core.rows): every order writes a few
    else:
        held.append(event)
    return event


def transition(
    order: Order, target: str, *, actor: str, note: str = "", data: dict | None = None
) -> Order:
    """Move ``order`` to ``target`` if the table allows it, with its event row."""
    current = order.status
    if not can_transition(current, target):
        # Read by the merchant (an admin action, the inbox): the statuses as they see them.
        raise TransitionNotAllowed(
            _("Order %(number)s cannot go from “%(current)s” to “%(target)s”.")
            % {
                "number": order.reference,
                "current": OrderStatus(current).label,
                "target": OrderStatus(target).label,
            }
        )
    order.status = target
    now = timezone.now()
    fields = ["status"]
    if target == OrderStatus.PAID and order.paid_at is None:
        order.paid_at, fields = now, [*fields, "paid_at"]
    if target == OrderStatus.CANCELLED:
        order.cancelled_at, fields = now, [*fields, "cancelled_at"]
    order.save(update_fields=fields)
    record_event(
        order, "status", actor=actor, note=note, data=data, from_status=current, to_status=target
    )
    return order


def lock_order(order_id: int) -> Order:
    # FOR NO KEY UPDATE (PostgreSQL): as exclusive as FOR UPDATE between lockers, but it
    # lets a transaction that rewrote a shipment twice (a dispatch claim) run its deferred
    # foreign-key check (FOR KEY SHARE on this order) at COMMIT. With FOR UPDATE, a
    # cancellation holding the order and waiting for that shipment deadlocked with it.
    # Only the order's row: locking the joined shop row too made every payment and
    # cancellation of a shop wait for the one before it.
    return (
        Order.objects.select_for_update(no_key=True, of=("self",))
        .select_related("shop")
        .get(pk=order_id)
    )


@transaction.atomic
def mark_paid(order_id: int, *, actor: str, note: str = "") -> Order:
    """The payment is confirmed: stock leaves the shelves, the customer is told. Once."""
    return mark_locked_order_paid(lock_order(order_id), actor=actor, note=note)


def mark_locked_order_paid(
    order: Order, *, actor: str, note: str = "", attempt: Any = None
) -> Order:
    """:func:`mark_paid` for an order its caller already locked in its transaction (the
    payment confirmation does): the same, without locking and reading it a second time.
    ``attempt``: the card attempt that paid it, as just recorded (the screening reads it)."""
    from comptoir.billing.services import issue_invoice
    from comptoir.fraud import services as fraud
    from comptoir.fraud.models import Decision
    from comptoir.inventory import services as inventory
    from comptoir.orders import notifications
    from comptoir.promise.services import confirm_promise

    assert transaction.get_connection().in_atomic_block
    if order.status in PAID_STATES or order.paid_at is not None:
        return order
    transition(order, OrderStatus.PAID, actor=actor, note=note)
    confirm_promise(order)
    inventory.commit(order)
    # Screened before anything is fulfilled, in this same transaction: no worker can see
    # the order paid and unscreened, and a cancellation commits with the payment or not at
    # all (the refund's call to the provider is a task, enqueued here, run after commit).
    # An order cancelled as fraud is no sale: it gets no invoice.
    screening = fraud.screen_order(order, attempt=attempt)
    if screening.decision == Decision.CANCELLED:
        return cancel_order(order.pk, actor=fraud.ACTOR, reason="fraud screening")
    # Numbered in this transaction: a payment rolled back gives its number back.
    issue_invoice(order, actor=actor)
    # Once: an order is paid once (the early return above), under its lock.
    notifications.queue(order, notifications.Kind.PAYMENT_CONFIRMED, once=True)
    if screening.decision == Decision.APPROVED:
        # Downloads and parcels; a held order gets them when the merchant approves it.
        fraud.release_order(order)
    return order


@transaction.atomic
def cancel_order(order_id: int, *, actor: str, reason: str = "") -> Order:
    """Cancel an order: reserved stock released, sold stock put back, payment refunded."""
    from comptoir.fulfillment.services import cancel_shipments
    from comptoir.inventory import services as inventory
    from comptoir.orders import notifications
    from comptoir.payments import services as payments

    order = lock_order(order_id)
    if order.status == OrderStatus.CANCELLED:
        return order
    if has_left(order):
        # Its goods are with the carrier or the customer: the stock must not come back.
        raise ComptoirError(
            _(
                "Part of order %(number)s has already left: refund what did not ship, and "
                "take back what did, instead of cancelling."
            )
            % {"number": order.reference}
        )
    was_paid = order.status in PAID_STATES
    transition(order, OrderStatus.CANCELLED, actor=actor, note=reason)
    cancel_shipments(order, actor=actor)
    inventory.release(order)
    if was_paid:
        for line in order.lines.all():
            remaining = line.quantity - line.refunded_quantity
            if line.variant_id and remaining:
                inventory.put_back(order, line.variant_id, remaining, reason="cancelled")
        payments.refund_remaining(order, actor=actor, reason=reason or "order cancelled")
    else:
        payments.void_pending(order)
    from comptoir.discounts.services import release_usage

    release_usage(order)
    notifications.queue(order, notifications.Kind.CANCELLED)
    return order


def has_left(order: Order) -> bool:
    """Whether a parcel of the order has left (shipped or delivered)."""
    from comptoir.fulfillment.states import ShipmentStatus

    return order.shipments.filter(
        status__in=(ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    ).exists()


def expire_unpaid_orders(*, now=None) -> int:
    """Cancel card orders whose reservation ran out unpaid. Run periodically."""
    now = now or timezone.now()
    expired = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PENDING_PAYMENT, reserved_until__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = lock_order(order_id)
            if order.status != OrderStatus.PENDING_PAYMENT:
                continue  # paid or cancelled meanwhile, by another worker or the customer
            cancel_order(order_id, actor="system", reason="payment not received in time")
        expired += 1
    return expired


def reservation_deadline(minutes: int) -> timezone.datetime:
    return timezone.now() + timedelta(minutes=minutes)
