from __future__ import annotations

import secrets

from django.db import models


def intent_id() -> str:
    return f"pi_{secrets.token_hex(12)}"


class IntentStatus(models.TextChoices):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    """Waiting for a card (again, after a decline)."""
    REQUIRES_ACTION = "requires_action"
    """The card's bank asks for a 3-D Secure challenge."""
    SUCCEEDED = "succeeded"
    """Captured."""
    CANCELED = "canceled"
    """Abandoned by the customer."""


class SandboxIntent(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=intent_id)
    amount = models.PositiveBigIntegerField(help_text="minor units")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=32, choices=IntentStatus.choices, default=IntentStatus.REQUIRES_PAYMENT_METHOD
    )
    metadata = models.JSONField(default=dict)
    return_url = models.URLField(max_length=1000)
    cancel_url = models.URLField(max_length=1000, blank=True)
    webhook_url = models.URLField(max_length=1000, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True)
    three_d_secure = models.CharField(max_length=20, blank=True)
    # Where the card was issued (ISO 3166-1 alpha-2), as a real PSP reports it.
    card_country = models.CharField(max_length=2, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    decline_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class SandboxRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    intent = models.ForeignKey(SandboxIntent, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveBigIntegerField()
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.id} {self.amount}"


class SandboxWebhook(models.Model):
    """Each event the sandbox owes the merchant's endpoint, and whether it got through."""

    id = models.CharField(primary_key=True, max_length=40)
    intent = models.ForeignKey(SandboxIntent, on_delete=models.CASCADE, related_name="webhooks")
    kind = models.CharField(max_length=60)
    payload = models.JSONField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.id} {self.kind}"
