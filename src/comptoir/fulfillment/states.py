"""Shipment statuses and the transitions allowed between them. The table is the rule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    """Created from a paid order; waiting for its route's next dispatch (now, the next batch
    slot, or the merchant's packing batch)."""
    DISPATCHING = "dispatching", _("Dispatching")
    """Claimed by a worker, or waiting for a retry after a failed attempt. A worker killed
    mid-dispatch leaves it here; it becomes due again when its lease runs out."""
    DISPATCHED = "dispatched", _("Dispatched")
    """The warehouse or the supplier acknowledged it (or the merchant is packing it)."""
    SHIPPED = "shipped", _("Shipped")
    """The parcel left, with its carrier and tracking number; the customer was told."""
    DELIVERED = "delivered", _("Delivered")
    """The provider said it arrived, or the route's delay after shipping ran out."""
    FAILED = "failed", _("Failed")
    """Every attempt of the retry budget failed; an inbox item asks the merchant to re-send."""
    CANCELLED = "cancelled", _("Cancelled")
    """The order was cancelled before the parcel left."""


S = ShipmentStatus
TRANSITIONS: dict[str, set[str]] = {
    # Packed by the merchant, a parcel goes from waiting straight to shipped.
    S.PENDING: {S.DISPATCHING, S.DISPATCHED, S.SHIPPED, S.CANCELLED},
    S.DISPATCHING: {S.DISPATCHING, S.DISPATCHED, S.FAILED, S.CANCELLED},
    # A confirmation may come back before our own acknowledgement was recorded (the worker
    # died after the warehouse took it): shipped straight from dispatching or failed is real.
    S.DISPATCHED: {S.DISPATCHING, S.SHIPPED, S.CANCELLED},
    S.FAILED: {S.DISPATCHING, S.CANCELLED, S.SHIPPED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}
TRANSITIONS[S.DISPATCHING] |= {S.SHIPPED}

#: Shipments a worker may claim for (re)sending.
DUE_STATES = {S.PENDING, S.DISPATCHING}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())
