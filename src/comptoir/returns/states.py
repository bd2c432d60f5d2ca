"""Return statuses and the transitions allowed between them. The table is the rule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    """The shopper asked; outside the rules (late, or a product the shop does not take
    back), so it waits for the merchant in the inbox."""
    APPROVED = "approved", _("Approved")
    """Accepted, by the rules or by the merchant: the shopper has the instructions and the
    address, or a label from the warehouse, and sends the parcel back."""
    REFUSED = "refused", _("Refused")
    """The merchant declined the request; the shopper was told why. Final."""
    RECEIVED = "received", _("Received")
    """The parcel came back: the units are back in stock and the refund is asked of the
    payment provider, in the same transaction."""
    REFUNDED = "refunded", _("Refunded")
    """The provider confirmed every refund of this return. Final."""
    CANCELLED = "cancelled", _("Cancelled")
    """Withdrawn by the shopper or closed by the merchant before the parcel came back."""


S = ReturnStatus
TRANSITIONS: dict[str, set[str]] = {
    S.REQUESTED: {S.APPROVED, S.REFUSED, S.CANCELLED},
    S.APPROVED: {S.RECEIVED, S.CANCELLED},
    S.RECEIVED: {S.REFUNDED},
    S.REFUSED: set(),
    S.REFUNDED: set(),
    S.CANCELLED: set(),
}
#: Returns still holding units of their order lines: they count against what may be
#: returned again.
OPEN_STATES = {S.REQUESTED, S.APPROVED}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())
