from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.orders.models import Order

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    """Created; the customer has not finished paying (or a transfer is awaited)."""
    SUCCEEDED = "succeeded", _("Succeeded")
    """The provider confirmed the money is captured."""
    FAILED = "failed", _("Failed")
    """Declined or abandoned; the order may be paid by another attempt."""
    CANCELLED = "cancelled", _("Cancelled")
    """Voided before capture, with its order."""
    DUPLICATE = "duplicate", _("Duplicate, refunded")
    """Captured after another payment of the same order succeeded; refunded in full."""


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=40)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    # The provider's id for this payment (intent, session, transfer reference).
    reference = models.CharField(max_length=120, blank=True, db_index=True)
    refunded_amount = models.DecimalField(**AMOUNT, default=Decimal(0))
    details = models.JSONField(default=dict, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # One successful payment per order, enforced by the database itself.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="succeeded"),
                name="payment_one_success_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"


class Refund(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**AMOUNT)
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    # pending -> succeeded, or failed: the provider refused it, or could not be reached
    # through every attempt (``failure_reason`` says which); a failed refund no longer
    # counts against what can be refunded, and an inbox item asks the merchant.
    status = models.CharField(max_length=16, default="pending")
    failure_reason = models.CharField(max_length=300, blank=True)
    # The failed refund this one asks for again (the inbox's "Try again").
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries"
    )
    created_by = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    # The order lines this refund pays back, as [{"line": <OrderLine id>, "quantity": n}]:
    # its credit note lists them. Empty for a refund of an amount only (a gesture).
    lines = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"refund {self.amount} ({self.status})"

    def asked_again(self) -> bool:
        """Whether a retry of this refund is under way or went through."""
        return self.retries.exclude(status="failed").exists()


class WebhookEvent(models.Model):
    """Each provider event, kept once: a replay finds its row and changes nothing."""

    provider = models.CharField(max_length=40)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
