"""Emails to the customer about a ticket, threaded, each sent once.

An outgoing ``TicketMessage`` is written with the change that causes it and the sending
task is enqueued in the same transaction. The email carries the message's own Message-ID
(the same on every attempt, so a re-sent copy folds into the first), In-Reply-To and
References pointing at the thread, the ticket reference in the subject, and a Reply-To
with the reference in it: whichever the customer's mail client keeps, their reply finds
its ticket (support.inbound).
"""

from __future__ import annotations

import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from comptoir.core.mail import send_once
from comptoir.core.retry import Backoff, retrying
from comptoir.shops.models import Shop
from comptoir.support.models import SupportSettings, Ticket, TicketMessage
from comptoir.support.states import Channel

TICKET_SALT = "comptoir.support-ticket"
MAX_ATTEMPTS = 5
RETRY_BACKOFF = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=30))


def mail_domain(shop: Shop) -> str:
    address = support_address(shop)
    return address.rpartition("@")[2] or "comptoir"


def new_message_id(ticket: Ticket) -> str:
    return f"<{ticket.reference}.{secrets.token_hex(8)}@{mail_domain(ticket.shop)}>"


def settings_for(shop: Shop) -> SupportSettings:
    """The shop's support settings, or the unsaved defaults."""
    try:
        return shop.support_settings
    except SupportSettings.DoesNotExist:
        return SupportSettings(shop=shop)


def support_address(shop: Shop) -> str:
    return settings_for(shop).address or shop.contact_email or settings.DEFAULT_FROM_EMAIL


def reply_to_address(ticket: Ticket) -> str:
    """support+T-XXXXXXXX@domain: a reply that lost its headers and subject still finds
    the ticket, through the address it was sent to."""
    local, _at, domain = support_address(ticket.shop).partition("@")
    return f"{local}+{ticket.reference}@{domain}" if domain else support_address(ticket.shop)


def ticket_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.reference, salt=TICKET_SALT, compress=False)


def ticket_from_token(value: str) -> Ticket | None:
    try:
        reference = signing.loads(value, salt=TICKET_SALT)
    except signing.BadSignature:
        return None
    return Ticket.objects.select_related("shop", "order").filter(reference=reference).first()


def ticket_url(ticket: Ticket) -> str:
    shop = ticket.shop
    base = f"https://{shop.domain}" if shop.domain else settings.COMPTOIR_BASE_URL.rstrip("/")
    with translation.override(ticket.language):
        return base + reverse("support:ticket", kwargs={"token": ticket_token(ticket)})


def subject_for(ticket: Ticket) -> str:
    subject = ticket.subject or _("Your question")
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} [{ticket.reference}]"


def thread_headers(message: TicketMessage) -> dict[str, str]:
    """In-Reply-To the message answered; References the whole thread before it."""
    earlier = list(
        message.ticket.messages.filter(pk__lt=message.pk).values_list("message_id", flat=True)
    )
    headers = {"Message-ID": message.message_id}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if earlier:
        headers["References"] = " ".join(earlier[-20:])
    return headers


def queue_email(message: TicketMessage) -> None:
    """Send ``message`` after the caller's transaction commits (the task row is part of it)."""
    send_ticket_email.enqueue(message.pk)


def render_email(message: TicketMessage) -> EmailMessage:
    ticket = message.ticket
    shop = ticket.shop
    with translation.override(ticket.language):
        body = message.body
        if message.channel == Channel.AUTO:
            body += "\n\n" + _("Did this answer your question? Tell us in one click: %(link)s") % {
                "link": ticket_url(ticket)
            }
        body += "\n\n-- \n" + shop.name
        subject = f"{shop.name} — {subject_for(ticket)}"
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=support_address(shop),
        to=[ticket.email],
        reply_to=[reply_to_address(ticket)],
        headers={
            **thread_headers(message),
            "X-Comptoir-Ticket": ticket.reference,
            # RFC 3834: well-behaved out-of-office replies do not answer an automatic answer.
            **({"Auto-Submitted": "auto-replied"} if message.channel == Channel.AUTO else {}),
        },
    )


def deliver(message_pk: int) -> bool:
    """Send one outgoing message unless it was sent already. True if sent now."""
    return send_once(
        TicketMessage.objects.select_related("ticket", "ticket__shop"), message_pk, render_email
    )


def give_up_sending(message_pk: int, *, error: BaseException, attempts: int) -> None:
    from django.utils.translation import gettext_noop

    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import open_item

    message = TicketMessage.objects.select_related("ticket__shop").filter(pk=message_pk).first()
    if message is None or message.sent_at is not None:
        return
    ticket = message.ticket
    # The customer was not reached: the merchant owes them an answer again, so the item
    # stays open (inbox.causes) until a reply goes through or the ticket is closed.
    from comptoir.support.services import reply_due

    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk, awaiting_merchant_since__isnull=True).update(
        awaiting_merchant_since=now, reply_due_at=reply_due(ticket.shop, now)
    )
    open_item(
        ticket.shop,
        # The ticket's own item (not EMAIL_FAILED, whose actions resend order emails).
        kind=ItemKind.TICKET,
        key=f"ticket:{ticket.pk}",
        title=gettext_noop("Ticket %(reference)s: the email to %(email)s could not be sent"),
        title_params={"reference": ticket.reference, "email": ticket.email},
        detail=message.body[:2000],
        context={
            "customer": ticket.email,
            "attempts": attempts,
            "last_error": str(error)[:500],
            "thread_url": admin_thread_path(ticket),
        },
        order=ticket.order,
    )


def admin_thread_path(ticket: Ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


@task()
@retrying(
    retry_on=(smtplib.SMTPException, OSError),
    attempts=MAX_ATTEMPTS,
    backoff=RETRY_BACKOFF,
    on_give_up=give_up_sending,
)
def send_ticket_email(message_pk: int) -> None:
    deliver(message_pk)
