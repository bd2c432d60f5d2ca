"""Confirmation and stock files a provider sends as email attachments, read over IMAP.

Each unseen message is read by ``core.imap`` (seen only once applied); its CSV attachments go
through ``files.apply_file``, the code that applies the files picked up by SFTP; only then is
the message marked seen. Its Message-ID is recorded as an accepted ``ReceivedMessage``, so a
message fetched again (a crash before it was marked seen, a client marking it unseen)
changes nothing. A message from anyone but the route's expected sender is refused, kept
and shown in the inbox: anyone can send an email, and a forged "shipped" would email a
customer a wrong tracking number.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage
from email.utils import parseaddr

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.core import imap
from comptoir.fulfillment import files
from comptoir.fulfillment.confirmations import already_applied, digest, log_rejected
from comptoir.fulfillment.models import Channel, FulfillmentRoute, Outcome, ReceivedMessage
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import open_item

log = logging.getLogger(__name__)

KIND = "email"


def read_mailbox(route: FulfillmentRoute) -> int:
    """Apply every unseen message of the route's mailbox; returns how many were handled.
    Raises when the server cannot be reached: everything stays unseen for the next poll."""
    return imap.read_unseen(
        imap.MailboxSettings.of(route, timeout=route.timeout_seconds),
        lambda raw: receive_email(route, raw),
    )


def receive_email(route: FulfillmentRoute, raw: bytes) -> str:
    """One email: refused, already applied, or its attachments applied. Returns the outcome."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("Message-ID") or "").strip() or digest(raw)
    dedupe_key = f"email:{message_id}"[:200]
    sender = parseaddr(str(message.get("From") or ""))[1].lower()
    headers = {
        "From": str(message.get("From") or "")[:300],
        "Subject": str(message.get("Subject") or "")[:300],
        "Message-ID": message_id[:300],
    }
    expected = route.imap_sender.strip().lower()
    if not expected or sender != expected:
        error = _("Sender %(sender)s is not the expected %(expected)s") % {
            "sender": sender or "?",
            "expected": expected or "?",
        }
        kept = log_rejected(
            route, Channel.EMAIL, dedupe_key=dedupe_key, error=error, headers=headers
        )
        ReceivedMessage.objects.filter(pk=kept.pk).update(kind=KIND)
        open_item(
            route.shop,
            kind=ItemKind.MESSAGE_REJECTED,
            key=f"email:{route.pk}:{message_id[:120]}",
            title=gettext_noop("An email to %(route)s was refused"),
            title_params={"route": route.name},
            detail=error,
            context={"route": route.pk, "message": kept.pk, "subject": headers["Subject"]},
        )
        return Outcome.REJECTED
    if already_applied(route, dedupe_key):
        ReceivedMessage.objects.create(
            shop=route.shop,
            route=route,
            channel=Channel.EMAIL,
            kind=KIND,
            dedupe_key=dedupe_key,
            outcome=Outcome.DUPLICATE,
            headers=headers,
        )
        return Outcome.DUPLICATE
    names = []
    for name, content in attachments(message):
        # Each row (and each stock snapshot) is de-duplicated on its own as well, so a
        # crash between two attachments re-applies nothing on the next poll.
        files.apply_file(route, name, content, channel=Channel.EMAIL)
        names.append(name)
    ReceivedMessage.objects.create(
        shop=route.shop,
        route=route,
        channel=Channel.EMAIL,
        kind=KIND,
        dedupe_key=dedupe_key,
        outcome=Outcome.ACCEPTED,
        headers=headers,
        body=", ".join(names) if names else _("no CSV attachment"),
    )
    return Outcome.ACCEPTED


def attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    found = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if not name.lower().endswith(".csv") and part.get_content_type() != "text/csv":
            continue
        content = part.get_payload(decode=True) or b""
        found.append((safe_name(name) or "attachment.csv", content))
    return found


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name.rsplit("/", 1)[-1])[:120]


def read_all() -> int:
    """Every active route with a mailbox; one that cannot be reached is retried next period."""
    handled = 0
    for route in FulfillmentRoute.objects.filter(active=True).exclude(imap_host=""):
        try:
            handled += read_mailbox(route)
        except Exception:  # one provider down must not stop the others
            log.exception("reading the mailbox of route %s failed", route.pk)
    return handled
