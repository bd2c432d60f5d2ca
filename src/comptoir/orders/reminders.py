"""Bank transfers and cheques: remind the customer, then cancel the order if the money
never came. Card orders expire by ``reserved_until`` instead (services.expire_unpaid_orders);
a manual order's ``reserved_until`` is its cancellation date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_noop

from comptoir.orders import notifications
from comptoir.orders.models import Order
from comptoir.orders.states import OrderStatus
from comptoir.payments.registry import providers


def remind_and_cancel_manual_payments(*, now: datetime | None = None) -> int:
    """Queue one reminder per overdue manual order. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    for code, provider in providers().items():
        if not provider.is_manual:
            continue
        due = now - timedelta(days=provider.remind_after_days)  # type: ignore[attr-defined]
        orders = Order.objects.filter(
            status=OrderStatus.PENDING_PAYMENT, payment_method=code, created_at__lte=due
        ).exclude(notifications__kind=notifications.Kind.PAYMENT_REMINDER)
        for order in orders:
            with transaction.atomic():
                instructions = (
                    order.notifications.filter(kind=notifications.Kind.PAYMENT_INSTRUCTIONS)
                    .values_list("context", flat=True)
                    .first()
                    or {}
                )
                if notifications.queue(
                    order, notifications.Kind.PAYMENT_REMINDER, context=instructions
                ):
                    queued += 1
                    raise_overdue_payment(order, reminded_at=now, method=provider.label)
    return queued


def raise_overdue_payment(order: Order, *, reminded_at: datetime, method: str | Promise) -> None:
    """The customer is reminded: the merchant sees the order in the inbox, to check the
    bank account or cancel. The item closes itself when the money arrives or the order is
    cancelled (inbox.causes). Title and detail are shown in the reader's language."""
    from comptoir.core.money import Money
    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import open_item
    from comptoir.inbox.texts import label

    def when(moment: datetime | None) -> str:
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""

    with translation.override(order.shop.default_language):
        open_item(
            order.shop,
            kind=ItemKind.PAYMENT_OVERDUE,
            key=f"order:{order.pk}",
            title=gettext_noop("Order %(number)s: %(total)s by %(method)s not received"),
            title_params={
                "number": order.number,
                "total": Money(order.total, order.currency),
                "method": label(method, lower=True),
            },
            detail=gettext_noop(
                "The customer was reminded. Check your bank account or your cheques, then "
                "mark the payment received or cancel the order."
            ),
            detail_params={},
            context={
                "customer": order.email,
                "placed_on": when(order.created_at),
                "reminded_on": when(reminded_at),
                "cancels_on": when(order.reserved_until),
            },
            order=order,
        )
