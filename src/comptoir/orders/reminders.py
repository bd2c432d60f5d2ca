"""Bank transfers and cheques: remind the customer, then cancel the order if the money
never came. Card orders expire by ``reserved_until`` instead (services.expire_unpaid_orders);
a manual order's ``reserved_until`` is its cancellation date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

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
                queued += notifications.queue(
                    order, notifications.Kind.PAYMENT_REMINDER, context=instructions
                )
    return queued
