"""Tickets: a customer's question, its messages both ways, and what happened to it."""

from __future__ import annotations

import secrets
from datetime import time

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel
from comptoir.shops.models import Shop
from comptoir.support.states import Channel, Direction, TicketStatus

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing read wrongly aloud


def new_reference() -> str:
    return "T-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


weekday_digits = RegexValidator(
    r"^[1-7]{1,7}$", _("Enter ISO weekday numbers, 1 = Monday to 7 = Sunday, e.g. 12345.")
)


class SupportSettings(models.Model):
    """A shop's support set-up: its first-response promise, the mailbox customers' replies
    land in, and the secret of the inbound-email webhook. A shop without a row has the
    defaults (8 business hours, Monday to Friday, 9:00 to 18:00)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="support_settings")
    first_response_hours = models.PositiveSmallIntegerField(
        _("first response within (business hours)"), default=8
    )
    business_days = models.CharField(
        _("business days"), max_length=7, default="12345", validators=[weekday_digits]
    )
    opens_at = models.TimeField(_("opens at"), default=time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=time(18, 0))
    address = models.EmailField(
        _("support address"),
        blank=True,
        help_text=_(
            "Replies are sent from it; customers answer to it with the ticket reference "
            "(support+T-XXXX@...). Defaults to the shop's contact email."
        ),
    )
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_username = models.CharField(_("IMAP user"), max_length=120, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    inbound_secret = models.CharField(
        _("inbound webhook secret"),
        max_length=100,
        default=new_secret,
        help_text=_("Shared with the email service that posts customers' emails to the shop."),
    )

    class Meta:
        verbose_name = _("support settings")
        verbose_name_plural = _("support settings")

    def __str__(self) -> str:
        return str(self.shop)


class Ticket(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tickets")
    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # Attached only when the number and the email both match: never another customer's.
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    order_number_given = models.CharField(_("order number given"), max_length=20, blank=True)
    # The explainable part: which rule of which intent matched, and the words it matched.
    intent = models.CharField(_("intent"), max_length=20, blank=True)
    intent_rule = models.CharField(_("matched rule"), max_length=60, blank=True)
    intent_match = models.CharField(_("matched words"), max_length=120, blank=True)
    # Set while the merchant owes an answer; the first-response promise is due_at.
    awaiting_merchant_since = models.DateTimeField(null=True, blank=True)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"], name="ticket_status_recent"),
            models.Index(fields=["reply_due_at"], name="ticket_reply_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    author = models.CharField(_("author"), max_length=200)
    body = models.TextField(_("message"))
    # Ours for what we send (<...@...>), theirs for what they send; threads the emails.
    message_id = models.CharField(max_length=300, db_index=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Outgoing only: sent once by the task (send_ticket_email), retried on SMTP errors.
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id}"


class TicketEvent(models.Model):
    """One row per transition of a ticket: who, when, why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} by {self.actor}"


class ReceivedEmail(models.Model):
    """An inbound email taken in, by Message-ID (or a digest of it): the unique row makes a
    replayed webhook or a message fetched twice over IMAP attach once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=300)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "message_id"], name="support_email_once"),
        ]

    def __str__(self) -> str:
        return self.message_id


class CannedReply(models.Model):
    """A reply the merchant reuses. Placeholders: {first_name}, {order_number},
    {tracking_url}, {order_link}, {ticket_reference}, {shop_name}."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {first_name}, {order_number}, {tracking_url}, {order_link}, "
            "{ticket_reference}, {shop_name}."
        ),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title
