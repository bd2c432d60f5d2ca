"""The emails an order owes its customer, each sent exactly once.

:func:`queue` writes an ``OrderNotification`` row (unique per order and key) and enqueues
the sending task in the caller's transaction: the email exists if and only if the change
that causes it was committed, and a replayed webhook finds the row already there.
"""

from __future__ import annotations

import hashlib
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from comptoir.core.mail import send_once
from comptoir.core.retry import Backoff, retrying
from comptoir.core.rows import insert
from comptoir.orders.models import Order, OrderNotification


class Kind(models.TextChoices):
    ORDER_RECEIVED = "order_received"
    PAYMENT_INSTRUCTIONS = "payment_instructions"
    PAYMENT_REMINDER = "payment_reminder"
    PAYMENT_CONFIRMED = "payment_confirmed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    SHIPMENT_SHIPPED = "shipment_shipped"
    RETURN_REQUESTED = "return_requested"
    RETURN_APPROVED = "return_approved"
    RETURN_REFUSED = "return_refused"
    RETURN_RECEIVED = "return_received"
    RETURN_CANCELLED = "return_cancelled"
    ADDRESS_CHANGED = "address_changed"


SUBJECTS = {
    Kind.ORDER_RECEIVED: lambda: _("Order %(number)s received"),
    Kind.PAYMENT_INSTRUCTIONS: lambda: _("Order %(number)s: how to pay"),
    Kind.PAYMENT_REMINDER: lambda: _("Order %(number)s: still awaiting your payment"),
    Kind.PAYMENT_CONFIRMED: lambda: _("Order %(number)s: payment confirmed"),
    Kind.CANCELLED: lambda: _("Order %(number)s cancelled"),
    Kind.REFUNDED: lambda: _("Order %(number)s: refund issued"),
    Kind.SHIPMENT_SHIPPED: lambda: _("Order %(number)s has shipped"),
    Kind.RETURN_REQUESTED: lambda: _("Order %(number)s: return request received"),
    Kind.RETURN_APPROVED: lambda: _("Order %(number)s: your return is approved"),
    Kind.RETURN_REFUSED: lambda: _("Order %(number)s: your return request"),
    Kind.RETURN_RECEIVED: lambda: _("Order %(number)s: we received your return"),
    Kind.RETURN_CANCELLED: lambda: _("Order %(number)s: return cancelled"),
    Kind.ADDRESS_CHANGED: lambda: _("Order %(number)s: delivery address changed"),
}


def queue(
    order: Order,
    kind: str,
    *,
    key: str = "",
    context: dict | None = None,
    new_order: bool = False,
    once: bool = False,
) -> bool:
    """Owe the customer this email; False if it was already owed (same order and key).

    ``new_order``: the order was created in the caller's transaction, so nothing can be
    owed for it yet: no savepoint to catch the duplicate that cannot happen. ``once``: the
    same for a change the caller makes once under the order's lock (the order becoming
    paid); should it ever come twice, the unique key fails the caller's transaction rather
    than send a second email."""
    if new_order or once:
        notification = OrderNotification(
            order=order, kind=kind, key=key or kind, context=context or {}
        )
        insert([notification])  # plain SQL (core.rows): one of every order's statements
        send_order_email.enqueue(notification.pk)
        return True
    try:
        with transaction.atomic():
            notification = OrderNotification.objects.create(
                order=order, kind=kind, key=key or kind, context=context or {}
            )
    except IntegrityError:
        return False
    send_order_email.enqueue(notification.pk)
    return True


#: An email still unsent this long after it was owed, with no attempt waiting in the
#: queue, has lost its task: the worker died mid-send (its task stays "running" for ever).
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 5
#: An SMTP refusal or a network error is retried: 30 s, 1 min, 2 min, 4 min (with jitter).
RETRY_BACKOFF = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=30))


def give_up_sending(notification_id: int, *, error: BaseException, attempts: int) -> None:
    """Every attempt failed: the merchant is told, with the address and the error, in the
    inbox (a mistyped address is the usual cause; they can reach the customer otherwise)."""
    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import open_item

    notification = (
        OrderNotification.objects.select_related("order__shop").filter(pk=notification_id).first()
    )
    if notification is None or notification.sent_at is not None:
        return
    order = notification.order
    with translation.override(order.shop.default_language):
        open_item(
            order.shop,
            kind=ItemKind.EMAIL_FAILED,
            key=f"notification:{notification.pk}",
            title=gettext_noop("Order %(number)s: the email to %(email)s could not be sent"),
            title_params={"number": order.number, "email": order.email},
            context={
                "customer": order.email,
                "email": SUBJECTS[Kind(notification.kind)]() % {"number": order.reference},
                "attempts": attempts,
                "last_error": str(error)[:500],
            },
            order=order,
        )


@task()
@retrying(
    retry_on=(smtplib.SMTPException, OSError),
    attempts=MAX_ATTEMPTS,
    backoff=RETRY_BACKOFF,
    on_give_up=give_up_sending,
)
def send_order_email(notification_id: int) -> None:
    deliver(notification_id)


@task()
def retry_unsent_emails() -> int:
    return requeue_unsent()


def requeue_unsent(*, now: datetime | None = None, stale_after: timedelta = STALE_AFTER) -> int:
    """Enqueue again every email owed for longer than ``stale_after`` and still unsent.

    This makes delivery at-least-once: a worker killed after the SMTP server accepted a
    message but before ``sent_at`` was written sends it a second time. Both copies carry
    the same Message-ID, so mail clients show one. Run periodically.
    """
    now = now or timezone.now()
    owed = list(
        OrderNotification.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lte=now - stale_after
        ).values_list("pk", flat=True)
    )
    waiting = set(waiting_attempts()) if owed else set()
    owed = [pk for pk in owed if pk not in waiting]
    for notification_id in owed:
        send_order_email.enqueue(notification_id)
    return len(owed)


def send_again(notification_id: int) -> bool:
    """The merchant asks for another round of attempts (the mail server is fixed).
    False if the email was sent meanwhile."""
    with transaction.atomic():
        updated = OrderNotification.objects.filter(pk=notification_id, sent_at__isnull=True).update(
            attempts=0, last_error=""
        )
        if updated:
            send_order_email.enqueue(notification_id)
    return bool(updated)


def waiting_attempts() -> list[int]:
    """Notifications with an attempt queued (a retry with its backoff): not lost."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        status="READY", task_path=send_order_email.module_path
    ).values_list("args_kwargs", flat=True)
    return [row["args"][0] for row in rows if row.get("args")]


def deliver(notification_id: int) -> bool:
    return send_once(
        OrderNotification.objects.select_related("order", "order__shop"),
        notification_id,
        render_message,
    )


def render_message(notification: OrderNotification) -> EmailMultiAlternatives:
    from comptoir.orders.links import order_status_url

    order = notification.order
    shop = order.shop
    with translation.override(order.language):
        context = {
            "order": order,
            "shop": shop,
            "lines": list(order.lines.all()),
            "status_url": order_status_url(order),
            "extra": notification.context,
            "kind": notification.kind,
        }
        subject = SUBJECTS[Kind(notification.kind)]() % {"number": order.reference}
        text = render_to_string(f"orders/emails/{notification.kind}.txt", context)
        html = render_to_string(f"orders/emails/{notification.kind}.html", context)
    sender = shop.contact_email or settings.DEFAULT_FROM_EMAIL
    message = EmailMultiAlternatives(
        subject=f"{shop.name} — {subject}",
        body=text,
        from_email=sender,
        to=[order.email],
        headers={
            "X-Comptoir-Order": order.reference,
            "X-Comptoir-Kind": notification.kind,
            "Message-ID": message_id(notification),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(notification: OrderNotification) -> str:
    """The same for every sending of one notification, so a re-sent copy is folded into the
    first by the customer's mail client; derived from the order's secret, not revealing it."""
    digest = hashlib.sha256(f"{notification.order.token}:{notification.pk}".encode()).hexdigest()
    return f"<{notification.kind}.{digest[:24]}@comptoir>"
