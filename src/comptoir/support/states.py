"""Ticket statuses and the transitions allowed between them. The table is the rule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    """Waiting for an answer: just written, or sent to the merchant (no intent recognised,
    no order found, the automatic answer did not help, or the customer wrote again)."""
    ANSWERED = "answered", _("Answered automatically")
    """The shopper was answered at once with their own data; waiting for "did this help?"."""
    WAITING = "waiting", _("Waiting on customer")
    """The merchant replied; the next move is the customer's."""
    CLOSED = "closed", _("Closed")
    """Settled: the answer helped, or the merchant closed it. A customer reply reopens it."""


S = TicketStatus
TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.ANSWERED, S.WAITING, S.CLOSED},
    S.ANSWERED: {S.OPEN, S.WAITING, S.CLOSED},
    S.WAITING: {S.OPEN, S.CLOSED},
    S.CLOSED: {S.OPEN},
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")


class Channel(models.TextChoices):
    FORM = "form", _("Contact form")
    ORDER_PAGE = "order_page", _("Order page")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Inbound email webhook")
    AUTO = "auto", _("Automatic answer")
    MERCHANT = "merchant", _("Merchant")
