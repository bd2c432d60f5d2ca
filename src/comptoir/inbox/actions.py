"""The one-click actions of the inbox screen, per kind of item.

Each action is a thin caller of a domain service, like an admin action. Every item also
offers "Mark as handled". Another domain adds its kind's actions to ``ACTIONS`` (e.g.
"retry the dispatch" for DISPATCH_FAILED).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.exceptions import ComptoirError
from comptoir.inbox.models import InboxItem, ItemKind
from comptoir.orders.states import OrderStatus


@dataclass(frozen=True)
class Action:
    code: str
    label: Any  # lazy translation
    # (item, actor) -> message for the merchant; raises ComptoirError to refuse.
    run: Callable[[InboxItem, str], str]
    style: str = ""  # "danger" for what cannot be undone
    confirm: Any = ""  # a question asked before a destructive click


def mark_payment_received(item: InboxItem, actor: str) -> str:
    from comptoir.payments import services as payments
    from comptoir.payments.models import PaymentStatus

    order = item.order
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        raise ComptoirError(_("This order is no longer awaiting payment."))
    payment = order.payments.filter(status=PaymentStatus.PENDING).order_by("-created_at").first()
    if payment is None:
        raise ComptoirError(_("This order has no pending payment to confirm."))
    payments.confirm_payment(str(payment.pk), amount=None, currency=order.currency, actor=actor)
    return _("Order %(number)s marked as paid.") % {"number": order.number}


def cancel_order(item: InboxItem, actor: str) -> str:
    from comptoir.orders import services as orders

    if item.order is None:
        raise ComptoirError(_("This item has no order."))
    orders.cancel_order(item.order_id, actor=actor, reason=_("cancelled from the inbox"))
    return _("Order %(number)s cancelled.") % {"number": item.order.number}


def send_email_again(item: InboxItem, actor: str) -> str:
    from comptoir.orders import notifications

    notification_id = int(item.key.partition(":")[2] or 0)
    if not notifications.send_again(notification_id):
        raise ComptoirError(_("This email was already sent."))
    return _("The email will be sent again in a moment.")


def approve_held_order(item: InboxItem, actor: str) -> str:
    from comptoir.fraud import services as fraud

    if item.order is None:
        raise ComptoirError(_("This item has no order."))
    fraud.approve_held_order(item.order_id, actor=actor)
    return _("Order %(number)s approved; it ships.") % {"number": item.order.reference}


def cancel_held_order(item: InboxItem, actor: str) -> str:
    from comptoir.fraud import services as fraud

    if item.order is None:
        raise ComptoirError(_("This item has no order."))
    fraud.cancel_held_order(item.order_id, actor=actor)
    return _("Order %(number)s cancelled and refunded.") % {"number": item.order.reference}


def close_ticket(item: InboxItem, actor: str) -> str:
    from comptoir.support import services as support

    ticket = support.close_ticket(int(item.key.partition(":")[2] or 0), actor=actor)
    return _("Ticket %(reference)s closed.") % {"reference": ticket.reference}


def approve_return(item: InboxItem, actor: str) -> str:
    from comptoir.returns import services as returns

    request = returns.approve_return(int(item.key.partition(":")[2] or 0), actor=actor)
    return _("Return %(key)s approved; the customer is told by email.") % {"key": request.key}


def refuse_return(item: InboxItem, actor: str) -> str:
    from comptoir.returns import services as returns

    request = returns.refuse_return(
        int(item.key.partition(":")[2] or 0),
        actor=actor,
    )
    return _("Return %(key)s refused; the customer is told by email.") % {"key": request.key}


def retry_refund(item: InboxItem, actor: str) -> str:
    from comptoir.payments import services as payments

    refund, found = payments.retry_refund(item.key.partition(":")[2], actor=actor)
    if found:
        return _(
            "The payment provider had made this refund of %(amount)s after all: it is "
            "recorded, and nothing more is paid."
        ) % {"amount": refund.amount}
    return _("The refund of %(amount)s is asked again of the payment provider.") % {
        "amount": refund.amount
    }


ACTIONS: dict[str, list[Action]] = {
    ItemKind.REFUND_FAILED: [
        Action("retry_refund", gettext_lazy("Try the refund again"), retry_refund),
    ],
    ItemKind.FRAUD_REVIEW: [
        Action("approve", gettext_lazy("Approve and ship"), approve_held_order),
        Action(
            "cancel",
            gettext_lazy("Cancel and refund"),
            cancel_held_order,
            style="danger",
            confirm=gettext_lazy("Cancel this order and refund the customer?"),
        ),
    ],
    ItemKind.PAYMENT_OVERDUE: [
        Action("paid", gettext_lazy("Mark payment received"), mark_payment_received),
        Action(
            "cancel",
            gettext_lazy("Cancel the order"),
            cancel_order,
            style="danger",
            confirm=gettext_lazy("Cancel this order? The customer is told by email."),
        ),
    ],
    ItemKind.EMAIL_FAILED: [
        Action("resend", gettext_lazy("Send again"), send_email_again),
    ],
    ItemKind.TICKET: [
        Action("close_ticket", gettext_lazy("Close the ticket"), close_ticket),
    ],
    ItemKind.SUPPORT_OVERDUE: [
        Action("close_ticket", gettext_lazy("Close the ticket"), close_ticket),
    ],
    ItemKind.RETURN_REVIEW: [
        Action("approve", gettext_lazy("Approve the return"), approve_return),
        Action(
            "refuse",
            gettext_lazy("Refuse the return"),
            refuse_return,
            style="danger",
            confirm=gettext_lazy("Refuse this return? The customer is told by email."),
        ),
    ],
    ItemKind.PROMISE_MISSED: [
        Action(
            "cancel",
            gettext_lazy("Cancel and refund"),
            cancel_order,
            style="danger",
            confirm=gettext_lazy("Cancel this order and refund the customer?"),
        ),
    ],
}


def actions_for(item: InboxItem) -> list[Action]:
    return ACTIONS.get(item.kind, [])
