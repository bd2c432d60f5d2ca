from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel
from comptoir.shops.models import Shop


class ItemKind(models.TextChoices):
    """What needs the merchant. The column holds no choices, so a domain adds a kind here
    without a migration."""

    DISPATCH_FAILED = "dispatch_failed", _("Dispatch failed")
    PROMISE_MISSED = "promise_missed", _("Dispatch promise missed")
    PAYMENT_OVERDUE = "payment_overdue", _("Manual payment overdue")
    MESSAGE_REJECTED = "message_rejected", _("Provider message rejected")
    STOCK_MISMATCH = "stock_mismatch", _("Stock mismatch")
    EMAIL_FAILED = "email_failed", _("Email not delivered")
    FRAUD_REVIEW = "fraud_review", _("Order held for fraud review")
    LEGAL_IDENTITY_INCOMPLETE = "legal_identity_incomplete", _("Legal identity incomplete")
    TICKET = "ticket", _("Customer question")
    SUPPORT_OVERDUE = "support_overdue", _("Question unanswered past the promise")
    RETURN_REVIEW = "return_review", _("Return to review")
    REFUND_FAILED = "refund_failed", _("Refund failed")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    """Waiting for the merchant, or for its cause to go away."""
    CLOSED = "closed", _("Closed")
    """Handled by the merchant, or closed by itself when its cause was gone."""


class InboxItem(TimeStampedModel):
    """One thing that needs a human. At most one open item per (shop, kind, key): raising the
    same cause again refreshes the open item instead of piling up duplicates."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="inbox_items")
    kind = models.CharField(_("kind"), max_length=40)
    # What the item is about, stable across raises: "shipment:42", "order:1007", ...
    key = models.CharField(max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    title = models.CharField(_("title"), max_length=250)
    detail = models.TextField(_("detail"), blank=True)
    # What the merchant needs to decide, shown on the item's page (attempts, last error, ...).
    context = models.JSONField(default=dict, blank=True)
    # The title and detail untranslated (inbox/texts.py), shown in the reader's language;
    # ``title`` and ``detail`` keep them as written when raised, for search and old items.
    texts = models.JSONField(default=dict, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbox_items",
    )
    raised_count = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(_("why it closed"), max_length=250, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "key"],
                condition=Q(status="open"),
                name="inbox_one_open_item_per_cause",
            )
        ]
        indexes = [models.Index(fields=["shop", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        from comptoir.inbox.texts import render

        return render(self.texts["title"]) if self.texts.get("title") else self.title

    @property
    def shown_detail(self) -> str:
        from comptoir.inbox.texts import render

        return render(self.texts["detail"]) if self.texts.get("detail") else self.detail

    @property
    def kind_label(self) -> str:
        try:
            return str(ItemKind(self.kind).label)
        except ValueError:
            return self.kind


class DigestRun(models.Model):
    """The daily digest of one shop for one day: the unique row makes it go out once,
    however many workers look at the clock at the same time."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="digest_once_per_shop_and_day"),
        ]

    def __str__(self) -> str:
        return f"digest {self.shop_id} {self.day}"
