"""Customers' emails to the shop: read from the support mailbox over IMAP, or posted by
an email service to the signed inbound webhook. Each joins its ticket, once.

The ticket is found by the thread (In-Reply-To / References naming one of its messages),
else by its reference (in the subject, or in the support+T-XXXX@ address written to),
and only when the sender is the ticket's customer: someone else quoting a reference
starts a ticket of their own. Anything else opens a new ticket, answered automatically
like the contact form's. The Message-ID (or a digest of the email) is recorded in the
same transaction, so an email fetched twice or a replayed webhook changes nothing.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from urllib.parse import parse_qs

from django.db import IntegrityError, transaction

from comptoir.core import imap
from comptoir.fulfillment.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature, verify
from comptoir.shops.models import Shop
from comptoir.support import services
from comptoir.support.models import ReceivedEmail, SupportSettings, Ticket, TicketMessage

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"\bT-[A-HJ-NP-Z2-9]{8}\b")
MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
ORDER_NUMBER = re.compile(
    r"(?:commande|order|cde)\s*(?:n[°o]\.?|number|num[ée]ro)?\s*#?\s*(\d{1,9})", re.IGNORECASE
)
QUOTE_START = re.compile(
    r"^(On .{5,200} wrote:|Le .{5,200} a [ée]crit\s?:|-----\s*Original Message|>)", re.MULTILINE
)


@dataclass
class Incoming:
    sender: str
    name: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    # An out-of-office or a bounce (RFC 3834 Auto-Submitted, Precedence: bulk/auto_reply).
    automatic: bool = False


@dataclass(frozen=True)
class Outcome:
    result: str  # "attached", "opened", "duplicate", "ignored"
    ticket: str = ""


def digest(raw: bytes | str) -> str:
    data = raw if isinstance(raw, bytes) else raw.encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def ids_in(value: str) -> list[str]:
    return MESSAGE_IDS.findall(value or "")


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text


def parse(raw: bytes) -> Incoming:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(str(message.get("From") or ""))
    recipients = [
        address
        for _n, address in getaddresses(
            [str(message.get(h) or "") for h in ("To", "Cc", "Delivered-To")]
        )
    ]
    return Incoming(
        sender=sender.lower(),
        name=name,
        subject=str(message.get("Subject") or ""),
        body=plain_text(message),
        message_id=str(message.get("Message-ID") or "").strip() or digest(raw),
        in_reply_to=str(message.get("In-Reply-To") or "").strip(),
        references=ids_in(str(message.get("References") or "")),
        recipients=[r.lower() for r in recipients if r],
        automatic=str(message.get("Auto-Submitted") or "no").strip().lower() != "no"
        or str(message.get("Precedence") or "").strip().lower() in {"bulk", "auto_reply", "junk"},
    )


def without_quote(body: str) -> str:
    """The customer's new words: a reply's quoted history is already in the thread."""
    found = QUOTE_START.search(body)
    text = body[: found.start()] if found and found.start() > 0 else body
    return text.strip() or body.strip()


def find_ticket(shop: Shop, incoming: Incoming) -> Ticket | None:
    thread = [*ids_in(incoming.in_reply_to), *incoming.references]
    ticket = None
    if thread:
        known = (
            TicketMessage.objects.filter(ticket__shop=shop, message_id__in=thread)
            .select_related("ticket")
            .order_by("-pk")
            .first()
        )
        ticket = known.ticket if known else None
    if ticket is None:
        references = REFERENCE.findall(" ".join([incoming.subject, *incoming.recipients]).upper())
        if references:
            ticket = Ticket.objects.filter(shop=shop, reference__in=references).first()
    if ticket is not None and ticket.email != incoming.sender:
        return None  # a reference quoted by someone else is not their thread
    return ticket


def receive(shop: Shop, incoming: Incoming, *, channel: str) -> Outcome:
    """Attach ``incoming`` to its ticket or open one; once per Message-ID."""
    if not incoming.sender:
        return Outcome("ignored")
    own = {services.mail.support_address(shop).lower()}
    if incoming.sender in own:
        return Outcome("ignored")  # our own email coming back (a copy, a bounce loop)
    if incoming.automatic:
        # An out-of-office answering our automatic answer must not start a mail loop.
        return Outcome("ignored")
    if ReceivedEmail.objects.filter(shop=shop, message_id=incoming.message_id[:300]).exists():
        return Outcome("duplicate")
    try:
        with transaction.atomic():
            ticket = find_ticket(shop, incoming)
            if ticket is not None:
                ticket = (
                    Ticket.objects.select_for_update(of=("self",))
                    .select_related("shop")
                    .get(pk=ticket.pk)
                )
                services.add_customer_reply(
                    ticket,
                    body=without_quote(incoming.body),
                    channel=channel,
                    author=incoming.sender,
                    message_id=incoming.message_id,
                    in_reply_to=incoming.in_reply_to,
                    references=" ".join(incoming.references),
                )
                result = "attached"
            else:
                number = ORDER_NUMBER.search(f"{incoming.subject}\n{incoming.body}")
                ticket = services.open_ticket(
                    shop,
                    email=incoming.sender,
                    name=incoming.name,
                    subject=incoming.subject,
                    body=without_quote(incoming.body),
                    channel=channel,
                    order_number=number.group(1) if number else "",
                    language=shop.default_language,
                    message_id=incoming.message_id,
                    in_reply_to=incoming.in_reply_to,
                    references=" ".join(incoming.references),
                )
                result = "opened"
            # Last, in the same transaction: a concurrent copy of this email waits on the
            # unique index and then fails here, undoing its own ticket or message.
            ReceivedEmail.objects.create(
                shop=shop, message_id=incoming.message_id[:300], channel=channel, ticket=ticket
            )
    except IntegrityError:
        return Outcome("duplicate")
    return Outcome(result, ticket.reference)


def receive_raw(shop: Shop, raw: bytes, *, channel: str) -> Outcome:
    return receive(shop, parse(raw), channel=channel)


# -- IMAP ---------------------------------------------------------------------------------


def read_mailbox(setup: SupportSettings) -> int:
    from comptoir.support.states import Channel

    shop = setup.shop
    return imap.read_unseen(
        imap.MailboxSettings.of(setup), lambda raw: receive_raw(shop, raw, channel=Channel.EMAIL)
    )


def read_all() -> int:
    """Every shop's support mailbox; one that cannot be reached is read next period."""
    handled = 0
    for setup in SupportSettings.objects.exclude(imap_host="").select_related("shop"):
        try:
            handled += read_mailbox(setup)
        except Exception:  # one mailbox down must not stop the others
            log.exception("reading the support mailbox of shop %s failed", setup.shop_id)
    return handled


# -- Webhook ------------------------------------------------------------------------------

# What email services call the fields, besides our own names.
ALIASES = {
    "from": ("from", "sender", "From"),
    "subject": ("subject", "Subject"),
    "text": ("text", "body-plain", "body", "TextBody", "stripped-text"),
    "message_id": ("message_id", "Message-Id", "Message-ID", "MessageID"),
    "in_reply_to": ("in_reply_to", "In-Reply-To"),
    "references": ("references", "References"),
    "to": ("to", "recipient", "To"),
}


class Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def pick(data: dict, name: str) -> str:
    for key in ALIASES[name]:
        value = data.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value)
    return ""


def decode_body(body: bytes, content_type: str) -> dict:
    if "json" in content_type:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data
    if "x-www-form-urlencoded" in content_type:
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    raise ValueError(f"unsupported content type {content_type!r}")


def receive_webhook(
    shop: Shop, *, timestamp: str, signature: str, content_type: str, body: bytes
) -> Outcome:
    """An email service's signed POST of one email; raises :class:`Refused`."""
    from comptoir.support.states import Channel

    setup = SupportSettings.objects.filter(shop=shop).first()
    if setup is None:
        raise Refused("support is not set up for this shop", 404)
    try:
        verify(setup.inbound_secret, timestamp=timestamp, signature=signature, body=body)
    except BadSignature as error:
        raise Refused(str(error), 401) from None
    try:
        data = decode_body(body, content_type)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(f"invalid body: {error}", 400) from None
    name, sender = parseaddr(pick(data, "from"))
    if not sender:
        raise Refused("no sender", 400)
    incoming = Incoming(
        sender=sender.lower(),
        name=name,
        subject=pick(data, "subject"),
        body=pick(data, "text"),
        message_id=pick(data, "message_id").strip() or digest(body),
        in_reply_to=pick(data, "in_reply_to").strip(),
        references=ids_in(pick(data, "references")),
        recipients=[a.lower() for _n, a in getaddresses([pick(data, "to")]) if a],
    )
    return receive(shop, incoming, channel=Channel.WEBHOOK)


__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "Refused", "receive_webhook"]
