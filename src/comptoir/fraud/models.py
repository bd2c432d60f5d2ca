"""What fraud screening remembers: the signals of each order and payment attempt, the
shop's thresholds, the blocks set after bursts of declines, the payment-step counters,
and one screening row per paid order with its score and its reasons."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.orders.models import Order
from comptoir.shops.models import Shop

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class FraudSettings(models.Model):
    """A shop's thresholds. Made with the defaults below the first time a shop is screened;
    the merchant tunes them in the admin."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="fraud_settings")
    review_score = models.PositiveIntegerField(
        _("hold for review from score"),
        default=30,
        help_text=_("An order scoring at least this is paid but not shipped until approved."),
    )
    cancel_score = models.PositiveIntegerField(
        _("cancel and refund from score"),
        default=80,
        help_text=_("An order scoring at least this is cancelled and refunded at once."),
    )
    high_value_amount = models.DecimalField(
        _("high value from"),
        **AMOUNT,
        default=Decimal("300.00"),
        help_text=_("A customer's first order of at least this amount scores points."),
    )
    velocity_minutes = models.PositiveIntegerField(_("velocity window (minutes)"), default=60)
    velocity_orders = models.PositiveIntegerField(
        _("orders allowed in the window"),
        default=3,
        help_text=_("Per email, IP address, browser session and card."),
    )
    velocity_attempts = models.PositiveIntegerField(
        _("payment attempts allowed in the window"),
        default=5,
        help_text=_("Per email, IP address, browser session and card."),
    )
    decline_minutes = models.PositiveIntegerField(_("declines window (minutes)"), default=30)
    throttle_after_declines = models.PositiveIntegerField(
        _("throttle after declines"),
        default=3,
        help_text=_("Declined payments from one IP, session or card before a short pause."),
    )
    throttle_minutes = models.PositiveIntegerField(_("throttle for (minutes)"), default=10)
    block_after_declines = models.PositiveIntegerField(
        _("block after declines"),
        default=6,
        help_text=_("Declined payments from one IP, session or card before a long block."),
    )
    block_minutes = models.PositiveIntegerField(_("block for (minutes)"), default=24 * 60)
    payment_step_minutes = models.PositiveIntegerField(
        _("payment step rate window (minutes)"), default=10
    )
    payment_steps_per_ip = models.PositiveIntegerField(
        _("payment steps per IP address in the window"), default=30
    )
    payment_steps_per_session = models.PositiveIntegerField(
        _("payment steps per session in the window"), default=10
    )
    forwarder_patterns = models.TextField(
        _("freight forwarder addresses"),
        blank=True,
        help_text=_(
            "One per line: a piece of an address (street, postcode, name) known to be a "
            "parcel forwarder. Case does not matter. Added to a few well-known ones."
        ),
    )
    rule_points = models.JSONField(
        _("points per rule"),
        default=dict,
        blank=True,
        help_text=_('Overrides of the default points, e.g. {"disposable_email": 40}.'),
    )

    class Meta:
        verbose_name = _("fraud settings")
        verbose_name_plural = _("fraud settings")

    def __str__(self) -> str:
        return str(self.shop)


class OrderSignals(models.Model):
    """Who placed the order, as the checkout saw it. The session key is kept hashed: it is
    only ever compared, and a stored key would let anyone reading the table take over the
    shopper's session."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="fraud_signals")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    ip_country = models.CharField(max_length=2, blank=True)
    # Why the country is blank: no geolocation database, address not found, ...
    ip_country_note = models.CharField(max_length=120, blank=True)
    session_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "email", "created_at"]),
            models.Index(fields=["shop", "ip", "created_at"]),
            models.Index(fields=["shop", "session_hash", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"signals of {self.order_id}"


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    """The provider captured the money."""
    DECLINED = "declined", _("Declined")
    """The card was refused (by the bank, or failed 3-D Secure)."""


class PaymentAttempt(models.Model):
    """One card attempt reported by the provider, with the order's signals copied in so the
    velocity and card-testing queries read one table."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fraud_attempts")
    payment_id = models.UUIDField(null=True, blank=True)
    provider = models.CharField(max_length=40)
    # Provider event id for a decline, the provider's payment reference for a success: a
    # success is reported twice (webhook and the shopper's return) and counts once.
    dedupe_key = models.CharField(max_length=240, unique=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices)
    decline_code = models.CharField(max_length=60, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True)
    card_country = models.CharField(max_length=2, blank=True)
    three_d_secure = models.CharField(max_length=30, blank=True)
    liability_shift = models.BooleanField(null=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    session_hash = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "ip", "created_at"]),
            models.Index(fields=["shop", "session_hash", "created_at"]),
            models.Index(fields=["shop", "card_fingerprint", "created_at"]),
            models.Index(fields=["shop", "email", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.outcome} for {self.order_id}"


class BlockScope(models.TextChoices):
    IP = "ip", _("IP address")
    SESSION = "session", _("Browser session")
    CARD = "card", _("Card")


class BlockLevel(models.TextChoices):
    THROTTLE = "throttle", _("Throttled")
    """A short pause after a few declines: the payment step answers 429 until it ends."""
    BLOCK = "block", _("Blocked")
    """A long stop after a burst of declines (card testing); a paid order scores high."""


class Block(models.Model):
    """A pause set on an IP address, a session or a card after declines. Expired rows stay
    as history; the merchant lifts one early by shortening or deleting it in the admin."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(_("scope"), max_length=10, choices=BlockScope.choices)
    value = models.CharField(_("value"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=BlockLevel.choices)
    until = models.DateTimeField(_("until"))
    declines = models.PositiveIntegerField(_("declines seen"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "scope", "value", "until"])]

    def __str__(self) -> str:
        return f"{self.level} {self.scope} {self.value}"


class Decision(models.TextChoices):
    """What the screening of a paid order decided, and what became of a held order.

    APPROVED -> (none); HELD -> APPROVED (the merchant approves) or CANCELLED (the merchant
    cancels); CANCELLED -> (none). Each change writes an order event."""

    APPROVED = "approved", _("Approved")
    """Low score, or approved by the merchant: shipped as usual."""
    HELD = "held", _("Held for review")
    """Paid, nothing shipped; an inbox item asks the merchant to approve or cancel."""
    CANCELLED = "cancelled", _("Cancelled and refunded")
    """Cancelled and refunded, at once by the score or by the merchant after review."""


DECISION_TRANSITIONS: dict[str, set[str]] = {
    Decision.APPROVED: set(),
    Decision.HELD: {Decision.APPROVED, Decision.CANCELLED},
    Decision.CANCELLED: set(),
}


class Screening(models.Model):
    """The screening of one paid order: its score, its reasons, what was decided."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="fraud_screening")
    score = models.IntegerField(_("score"))
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    # The decision the score made, kept when the merchant later decides otherwise.
    automatic_decision = models.CharField(max_length=12, choices=Decision.choices)
    # [{"rule", "points", "message" (untranslated msgid), "params"}], translated when shown.
    reasons = models.JSONField(default=list)
    decided_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fraud screening")
        verbose_name_plural = _("fraud screenings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.score} ({self.decision})"
