"""Ticket use cases: open one (and answer it at once when the shop knows the answer),
take the shopper's "did this help?", hand it to the merchant, the merchant's reply, a
customer's reply, closing, and the watch over the first-response promise.

Every status change goes through :func:`transition`, which checks the table in
``states.py`` and writes a ``TicketEvent``. Emails are outgoing ``TicketMessage`` rows
whose sending task is enqueued in the same transaction (support.mail).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.core.exceptions import ComptoirError
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import close_item, open_item
from comptoir.inbox.texts import freeze
from comptoir.orders.links import order_status_url
from comptoir.orders.models import Order
from comptoir.promise.services import shop_time_zone
from comptoir.shops.models import Shop
from comptoir.support import answers, mail
from comptoir.support.hours import BusinessHours, add_business_hours
from comptoir.support.intents import recognise
from comptoir.support.models import CannedReply, Ticket, TicketEvent, TicketMessage
from comptoir.support.states import Channel, Direction, TicketStatus, can_transition

SYSTEM = "system"


class TransitionNotAllowed(ComptoirError):
    pass


def transition(ticket: Ticket, target: str, *, actor: str, kind: str, note: str = "") -> None:
    """Move ``ticket`` to ``target`` if the table allows it, with its event row."""
    current = ticket.status
    if not can_transition(current, target):
        raise TransitionNotAllowed(
            f"Ticket {ticket.reference} cannot go from {current} to {target}."
        )
    ticket.status = target
    ticket.closed_at = timezone.now() if target == TicketStatus.CLOSED else None
    ticket.save(update_fields=["status", "closed_at", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        from_status=current,
        to_status=target,
        actor=actor[:200],
        note=note,
    )


def record_event(ticket: Ticket, kind: str, *, actor: str, note: str = "") -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor[:200], note=note)


def find_order(shop: Shop, *, number: str, email: str) -> Order | None:
    """The order with this number *and* this email, or None: a number alone (or an
    email alone) never shows anyone an order."""
    digits = re.sub(r"\D", "", number or "")
    if not digits or not email or len(digits) > 9:
        return None
    return (
        Order.objects.select_related("shop")
        .filter(shop=shop, number=int(digits), email__iexact=email.strip())
        .first()
    )


def business_hours(shop: Shop) -> BusinessHours:
    setup = mail.settings_for(shop)
    return BusinessHours(
        time_zone=shop_time_zone(shop),
        weekdays=frozenset(int(d) for d in setup.business_days),
        opens=setup.opens_at,
        closes=setup.closes_at,
    )


def reply_due(shop: Shop, since: datetime) -> datetime:
    hours = mail.settings_for(shop).first_response_hours
    return add_business_hours(since, hours, business_hours(shop))


def add_message(
    ticket: Ticket,
    *,
    direction: str,
    channel: str,
    author: str,
    body: str,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket,
        direction=direction,
        channel=channel,
        author=author[:200],
        body=body,
        message_id=(message_id or mail.new_message_id(ticket))[:300],
        in_reply_to=in_reply_to[:300],
        references=references,
    )
    if direction == Direction.OUT:
        mail.queue_email(message)
    return message


def last_inbound(ticket: Ticket) -> TicketMessage | None:
    return ticket.messages.filter(direction=Direction.IN).order_by("-created_at", "-pk").first()


def thread_text(ticket: Ticket, *, limit: int = 6) -> str:
    """The last messages, oldest first, as the inbox item shows them."""
    messages = list(ticket.messages.order_by("-created_at", "-pk")[:limit])[::-1]
    return "\n\n".join(
        f"{'>' if m.direction == Direction.IN else '<'} {m.author}: {m.body[:600]}"
        for m in messages
    )


def send_to_merchant(ticket: Ticket, *, reason: str) -> None:
    """The merchant owes an answer: the ticket's inbox item shows the thread, and the
    first-response promise starts (unless it is already running). ``reason`` is a msgid
    (``gettext_noop``): the inbox shows it in the reader's language."""
    now = timezone.now()
    if ticket.awaiting_merchant_since is None:
        ticket.awaiting_merchant_since = now
        ticket.reply_due_at = reply_due(ticket.shop, now)
        ticket.save(update_fields=["awaiting_merchant_since", "reply_due_at", "updated_at"])
    record_event(ticket, "sent_to_merchant", actor=SYSTEM, note=_(reason))
    open_item(
        ticket.shop,
        kind=ItemKind.TICKET,
        key=f"ticket:{ticket.pk}",
        title=gettext_noop("Question from %(email)s"),
        title_params={"email": ticket.email},
        detail=thread_text(ticket),
        context={
            "customer": ticket.email,
            "reason": freeze(reason),
            "intent": ticket.intent_rule or "-",
            "reply_due": timezone.localtime(ticket.reply_due_at).strftime("%Y-%m-%d %H:%M")
            if ticket.reply_due_at
            else "-",
            "thread_url": mail.admin_thread_path(ticket),
        },
        order=ticket.order,
    )


def open_ticket(
    shop: Shop,
    *,
    email: str,
    body: str,
    channel: str,
    name: str = "",
    subject: str = "",
    order_number: str = "",
    order: Order | None = None,
    language: str = "fr",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> Ticket:
    """A new question. Answered at once when its intent is recognised and its order found
    (number and email matching, or the order page the shopper came from); otherwise the
    merchant's. ``order`` is for callers that already proved the shopper owns it."""
    with transaction.atomic():
        if order is None and order_number:
            order = find_order(shop, number=order_number, email=email)
        if order is not None and order.shop_id != shop.pk:
            order = None
        recognised = recognise(f"{subject}\n{body}")
        ticket = Ticket.objects.create(
            shop=shop,
            channel=channel,
            name=name[:120],
            email=email.strip().lower(),
            language=language,
            subject=subject[:200],
            order=order,
            order_number_given=order_number[:20],
            intent=recognised.intent if recognised else "",
            intent_rule=recognised.rule if recognised else "",
            intent_match=recognised.matched if recognised else "",
        )
        TicketEvent.objects.create(
            ticket=ticket, kind="opened", to_status=TicketStatus.OPEN, actor=ticket.email
        )
        add_message(
            ticket,
            direction=Direction.IN,
            channel=channel,
            author=ticket.email,
            body=body,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
        )
        if recognised is not None:
            record_event(
                ticket,
                "recognised",
                actor=SYSTEM,
                note=f"{recognised.rule}: {recognised.matched!r}",
            )
        with translation.override(shop.default_language):  # the merchant reads the reason
            if recognised is None:
                send_to_merchant(ticket, reason=gettext_noop("No common question recognised."))
            elif order is None:
                send_to_merchant(
                    ticket, reason=gettext_noop("No order found for this number and email.")
                )
        if recognised is not None and order is not None:
            answer_automatically(ticket)
    return ticket


def answer_automatically(ticket: Ticket) -> TicketMessage:
    assert ticket.order is not None
    with translation.override(ticket.language):
        body = answers.compose(ticket.intent, ticket.order, name=ticket.first_name)
    question = last_inbound(ticket)
    message = add_message(
        ticket,
        direction=Direction.OUT,
        channel=Channel.AUTO,
        author=SYSTEM,
        body=body,
        in_reply_to=question.message_id if question else "",
    )
    transition(
        ticket, TicketStatus.ANSWERED, actor=SYSTEM, kind="answered", note=ticket.intent_rule
    )
    return message


def record_feedback(ticket_id: int, *, helped: bool) -> Ticket:
    """The shopper's "did this answer your question?": yes closes the ticket, no hands it
    to the merchant. Only an automatically answered ticket asks; a second click is refused."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("shop").get(pk=ticket_id)
        )
        if ticket.status != TicketStatus.ANSWERED:
            raise ComptoirError(_("This question has already been settled."))
        if helped:
            transition(ticket, TicketStatus.CLOSED, actor=ticket.email, kind="helped", note="yes")
        else:
            transition(ticket, TicketStatus.OPEN, actor=ticket.email, kind="not_helped", note="no")
            with translation.override(ticket.shop.default_language):
                send_to_merchant(ticket, reason=gettext_noop("The automatic answer did not help."))
    return ticket


def add_customer_reply(
    ticket: Ticket,
    *,
    body: str,
    channel: str,
    author: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> TicketMessage:
    """The customer wrote again: the message joins the thread, the ticket (re)opens and
    goes to the merchant. Call inside a transaction."""
    message = add_message(
        ticket,
        direction=Direction.IN,
        channel=channel,
        author=author or ticket.email,
        body=body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    if ticket.status != TicketStatus.OPEN:
        kind = "reopened" if ticket.status == TicketStatus.CLOSED else "customer_replied"
        transition(ticket, TicketStatus.OPEN, actor=message.author, kind=kind)
    with translation.override(ticket.shop.default_language):
        send_to_merchant(ticket, reason=gettext_noop("The customer replied."))
    return message


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(ticket: Ticket) -> dict[str, str]:
    order = ticket.order
    return {
        "first_name": ticket.first_name,
        "name": ticket.name,
        "order_number": order.reference if order else "",
        "tracking_url": answers.first_tracking_url(order),
        "order_link": order_status_url(order) if order else "",
        "ticket_reference": ticket.reference,
        "shop_name": ticket.shop.name,
    }


def render_placeholders(text: str, ticket: Ticket) -> str:
    """Fill {first_name}, {order_number}... by name only: no attribute or index lookup
    as str.format would allow ("{order.__class__}"); an unknown name is left as typed."""
    values = placeholders(ticket)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def reply_as_merchant(
    ticket_id: int, *, body: str, actor: str, canned_reply_id: int | None = None
) -> TicketMessage:
    """The merchant's reply, emailed threaded; the promise is kept and the inbox items of
    the ticket close themselves."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("shop", "order")
            .get(pk=ticket_id)
        )
        if not body.strip() and canned_reply_id:
            canned = CannedReply.objects.filter(pk=canned_reply_id, shop=ticket.shop).first()
            if canned is None:
                raise ComptoirError(_("This canned reply does not exist."))
            body = canned.body
        if not body.strip():
            raise ComptoirError(_("Write a reply or choose a canned reply."))
        question = last_inbound(ticket)
        message = add_message(
            ticket,
            direction=Direction.OUT,
            channel=Channel.MERCHANT,
            author=actor,
            body=render_placeholders(body, ticket),
            in_reply_to=question.message_id if question else "",
        )
        now = timezone.now()
        ticket.first_response_at = ticket.first_response_at or now
        ticket.awaiting_merchant_since = None
        ticket.reply_due_at = None
        ticket.save(update_fields=["first_response_at", "awaiting_merchant_since", "reply_due_at"])
        if ticket.status == TicketStatus.WAITING:
            record_event(ticket, "merchant_replied", actor=actor)
        else:
            transition(ticket, TicketStatus.WAITING, actor=actor, kind="merchant_replied")
        close_ticket_items(ticket, reason=_("Replied by %(who)s") % {"who": actor})
    return message


def close_ticket(ticket_id: int, *, actor: str) -> Ticket:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("shop").get(pk=ticket_id)
        )
        if ticket.status == TicketStatus.CLOSED:
            raise ComptoirError(_("This ticket is already closed."))
        ticket.awaiting_merchant_since = None
        ticket.reply_due_at = None
        ticket.save(update_fields=["awaiting_merchant_since", "reply_due_at"])
        transition(ticket, TicketStatus.CLOSED, actor=actor, kind="closed")
        close_ticket_items(ticket, reason=_("Ticket closed by %(who)s") % {"who": actor})
    return ticket


def close_ticket_items(ticket: Ticket, *, reason: str) -> None:
    for kind in (ItemKind.TICKET, ItemKind.SUPPORT_OVERDUE):
        close_item(ticket.shop, kind=kind, key=f"ticket:{ticket.pk}", reason=reason)


def raise_overdue(*, now: datetime | None = None) -> int:
    """Open an inbox item for every ticket whose first-response promise has passed with
    no reply. Safe to run again: the item is refreshed, not duplicated."""
    now = now or timezone.now()
    overdue = Ticket.objects.filter(
        status=TicketStatus.OPEN,
        awaiting_merchant_since__isnull=False,
        reply_due_at__lte=now,
    ).select_related("shop", "order")
    raised = 0
    for ticket in overdue.iterator(chunk_size=200):
        open_item(
            ticket.shop,
            kind=ItemKind.SUPPORT_OVERDUE,
            key=f"ticket:{ticket.pk}",
            title=gettext_noop("No answer yet to %(email)s (%(reference)s)"),
            title_params={"email": ticket.email, "reference": ticket.reference},
            detail=thread_text(ticket, limit=2),
            context={
                "customer": ticket.email,
                "reply_due": timezone.localtime(ticket.reply_due_at).strftime("%Y-%m-%d %H:%M")
                if ticket.reply_due_at
                else "-",
                "thread_url": mail.admin_thread_path(ticket),
            },
            order=ticket.order,
        )
        raised += 1
    return raised
