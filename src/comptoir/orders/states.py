"""Order statuses and the transitions allowed between them. The table is the rule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    """Placed; stock reserved; waiting for the payment provider's confirmation."""
    PAID = "paid", _("Paid")
    """The provider confirmed the payment; stock decremented; ready to fulfil."""
    FULFILLING = "fulfilling", _("Being prepared")
    """Handed to packing, the warehouse or the supplier."""
    SHIPPED = "shipped", _("Shipped")
    """Every parcel has left; tracking sent to the customer."""
    DELIVERED = "delivered", _("Delivered")
    """The carrier or the provider says the parcel arrived."""
    CANCELLED = "cancelled", _("Cancelled")
    """Will not be fulfilled; reserved or sold stock returned, any payment refunded."""
    REFUNDED = "refunded", _("Refunded")
    """Everything captured was paid back."""
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    """Part of what was captured was paid back; the rest stands."""


S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.FULFILLING, S.SHIPPED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED},
    S.FULFILLING: {S.SHIPPED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED},
    S.SHIPPED: {S.DELIVERED, S.REFUNDED, S.PARTIALLY_REFUNDED},
    S.DELIVERED: {S.REFUNDED, S.PARTIALLY_REFUNDED},
    # Cancelled while nothing has left (orders.services.cancel_order checks the parcels).
    S.PARTIALLY_REFUNDED: {
        S.REFUNDED,
        S.PARTIALLY_REFUNDED,
        S.FULFILLING,
        S.SHIPPED,
        S.DELIVERED,
        S.CANCELLED,
    },
    S.CANCELLED: {S.REFUNDED},
    S.REFUNDED: set(),
}
PAID_STATES = {S.PAID, S.FULFILLING, S.SHIPPED, S.DELIVERED, S.PARTIALLY_REFUNDED}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())
