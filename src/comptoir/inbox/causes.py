"""Is the cause of an open item still there? One check per kind.

An item closes itself when its cause is gone: the overdue payment arrived, the late
order left. Rather than every domain remembering to close items on each of its paths
(paid by webhook, by the merchant, cancelled by the customer, by expiry...), the checks
live here and run periodically over the open items, and at once after a click on the
inbox screen. A kind without a check stays open until its domain or the merchant closes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import close_item
from comptoir.orders.states import OrderStatus


def _payment_overdue_gone(item: InboxItem) -> str | None:
    order = item.order
    if order is None:
        return _("The order no longer exists.")
    if order.status == OrderStatus.PENDING_PAYMENT:
        return None
    if order.status == OrderStatus.CANCELLED:
        return _("The order was cancelled.")
    return _("The payment arrived.")


def _promise_missed_gone(item: InboxItem) -> str | None:
    order = item.order
    if order is None:
        return _("The order no longer exists.")
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        return _("The order has left.")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return _("The order was cancelled.")
    return None


def _email_failed_gone(item: InboxItem) -> str | None:
    from comptoir.orders.models import OrderNotification

    notification_id = int(item.key.partition(":")[2] or 0)
    if OrderNotification.objects.filter(pk=notification_id, sent_at__isnull=False).exists():
        return _("The email was sent.")
    return None


def _fraud_review_gone(item: InboxItem) -> str | None:
    from comptoir.fraud.models import Decision, Screening

    order = item.order
    if order is None:
        return _("The order no longer exists.")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return _("The order was cancelled.")
    decision = Screening.objects.filter(order=order).values_list("decision", flat=True).first()
    if decision == Decision.APPROVED:
        return _("The order was approved.")
    return None


def _ticket_gone(item: InboxItem) -> str | None:
    from comptoir.support.models import Ticket
    from comptoir.support.states import TicketStatus

    ticket_id = int(item.key.partition(":")[2] or 0)
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return _("The ticket no longer exists.")
    if ticket.status == TicketStatus.CLOSED:
        return _("The ticket was closed.")
    if ticket.awaiting_merchant_since is None:
        return _("The customer was answered.")
    return None


def _return_review_gone(item: InboxItem) -> str | None:
    from comptoir.returns.models import ReturnRequest
    from comptoir.returns.states import ReturnStatus

    status = (
        ReturnRequest.objects.filter(pk=int(item.key.partition(":")[2] or 0))
        .values_list("status", flat=True)
        .first()
    )
    if status == ReturnStatus.REQUESTED:
        return None
    return _("The return was decided.")


def _refund_failed_gone(item: InboxItem) -> str | None:
    from comptoir.payments.models import Refund

    refund = Refund.objects.filter(pk=item.key.partition(":")[2]).first()
    if refund is None:
        return _("The refund no longer exists.")
    if refund.status != "failed":
        return _("The refund went through.")
    if refund.asked_again():
        return _("The refund was asked again.")
    from comptoir.payments.services import refundable_amount

    if refundable_amount(refund.payment) < refund.amount:
        return _("The money was refunded another way.")
    return None


#: kind -> check returning why the cause is gone, or None while it is still there.
CAUSE_GONE: dict[str, Callable[[InboxItem], str | None]] = {
    ItemKind.PAYMENT_OVERDUE: _payment_overdue_gone,
    ItemKind.PROMISE_MISSED: _promise_missed_gone,
    ItemKind.EMAIL_FAILED: _email_failed_gone,
    ItemKind.FRAUD_REVIEW: _fraud_review_gone,
    ItemKind.SUPPORT_OVERDUE: _ticket_gone,
    ItemKind.TICKET: _ticket_gone,
    ItemKind.RETURN_REVIEW: _return_review_gone,
    ItemKind.REFUND_FAILED: _refund_failed_gone,
}


def close_if_resolved(item: InboxItem) -> bool:
    check = CAUSE_GONE.get(item.kind)
    if check is None or item.status != ItemStatus.OPEN:
        return False
    with translation.override(item.shop.default_language):  # the merchant reads it
        reason = check(item)
    if reason is None:
        return False
    return close_item(item.shop, kind=item.kind, key=item.key, reason=reason)


def close_resolved_items() -> int:
    """Close every open item whose cause is gone. Returns how many closed. Run periodically."""
    closed = 0
    items = InboxItem.objects.filter(
        status=ItemStatus.OPEN, kind__in=list(CAUSE_GONE)
    ).select_related("shop", "order")
    for item in items.iterator(chunk_size=500):
        closed += close_if_resolved(item)
    return closed
