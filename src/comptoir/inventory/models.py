from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Variant
from comptoir.orders.models import Order


class ReservationState(models.TextChoices):
    ACTIVE = "active", _("Reserved")
    """Held for an unpaid order until it is paid, cancelled or expires."""
    COMMITTED = "committed", _("Sold")
    """The order was paid: the quantity left the stock on hand."""
    RELEASED = "released", _("Released")
    """The order was cancelled or expired: the quantity is for sale again."""


class Reservation(models.Model):
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    state = models.CharField(
        max_length=12, choices=ReservationState.choices, default=ReservationState.ACTIVE
    )
    # Whether this reservation counted against stock (false for a back-order past zero or
    # an untracked variant), so releasing it gives back exactly what it took.
    held = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "order"], name="reservation_state_order")]

    def __str__(self) -> str:
        return f"{self.quantity} x variant {self.variant_id} ({self.state})"


class StockMovement(models.Model):
    """Every change of stock on hand, with its reason: the stock history of a variant."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="movements")
    delta = models.IntegerField()
    reason = models.CharField(max_length=40)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.delta:+d} variant {self.variant_id} ({self.reason})"
