from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import ProductKind, Variant
from comptoir.orders.states import OrderStatus
from comptoir.shops.models import Shop

AMOUNT = {"max_digits": 12, "decimal_places": 2}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OrderCounter(models.Model):
    """The last order number given in a shop. Incremented in the order's own transaction,
    so a rolled-back order gives its number back and numbers have no gaps."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"shop {self.shop_id}: {self.last_number}"


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    # Empty only inside the transaction placing the order: the number is its last write,
    # taken as late as possible (orders.services.number_order); never empty once committed.
    number = models.PositiveIntegerField(_("number"), null=True)
    status = models.CharField(
        _("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    # Secret of the guest order-status link; the link itself is signed on top.
    token = models.CharField(max_length=64, default=new_token, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    currency = models.CharField(_("currency"), max_length=3)
    prices_include_tax = models.BooleanField(default=True)
    shipping_address = models.JSONField(_("shipping address"), default=dict)
    billing_address = models.JSONField(_("billing address"), default=dict)
    shipping_country = models.CharField(max_length=2, blank=True, db_index=True)
    shipping_method = models.CharField(_("shipping method"), max_length=120, blank=True)
    shipping_method_code = models.CharField(max_length=60, blank=True)
    pickup_point = models.JSONField(_("pickup point"), default=dict, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=40)
    discount_code = models.CharField(_("discount code"), max_length=60, blank=True)
    goods_amount = models.DecimalField(**AMOUNT, default=Decimal(0))
    discount_amount = models.DecimalField(**AMOUNT, default=Decimal(0))
    shipping_amount = models.DecimalField(**AMOUNT, default=Decimal(0))
    total_net = models.DecimalField(**AMOUNT, default=Decimal(0))
    total_vat = models.DecimalField(**AMOUNT, default=Decimal(0))
    total = models.DecimalField(_("total"), **AMOUNT, default=Decimal(0))
    vat_breakdown = models.JSONField(default=list)
    refunded_amount = models.DecimalField(**AMOUNT, default=Decimal(0))
    reserved_until = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The day the shop promised the parcel would leave (comptoir.promise); None when
    # nothing ships. Watched: a paid order still unshipped after it raises an inbox item.
    promised_dispatch_on = models.DateField(_("promised dispatch"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="order_unique_number"),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"], name="order_status_recent")
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def reference(self) -> str:
        return f"{self.number:06d}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, related_name="order_lines"
    )
    kind = models.CharField(
        max_length=16, choices=ProductKind.choices, default=ProductKind.PHYSICAL
    )
    product_name = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=200, blank=True)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**AMOUNT)
    amount = models.DecimalField(**AMOUNT)
    discount = models.DecimalField(**AMOUNT, default=Decimal(0))
    vat_rate = models.DecimalField(max_digits=6, decimal_places=4)
    weight_grams = models.PositiveIntegerField(default=0)
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """One row per thing that happened to an order: who, when, why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.CharField(
        max_length=120, help_text="customer, system, provider:sandbox, or the merchant's login"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} by {self.actor}"


class OrderNotification(models.Model):
    """An email owed to the customer about an order, written with the change that causes
    it. The unique key makes a second "payment confirmed" for the same order impossible."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=80)
    context = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "key"], name="notification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for order {self.order_id}"


class SelfServiceLimit(models.TextChoices):
    """Up to which point a shopper may change an order on their own."""

    NEVER = "never", _("Never: the shopper writes to us")
    """The action is not offered; the shopper asks the shop."""
    UNTIL_PAID = "until_paid", _("Until the payment is confirmed")
    """Only while the order awaits its payment: nothing was committed yet."""
    UNTIL_HANDED_OVER = (
        "until_handed_over",
        _("Until a parcel is handed to the warehouse, the supplier or a packing batch"),
    )
    """While every parcel still waits for its route: nobody has started on it."""


class SelfServiceRules(models.Model):
    """What a shop lets its customers do on their order page without writing to it. A shop
    without a row gets the defaults: both allowed until a parcel is handed over."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, primary_key=True, related_name="selfservice_rules"
    )
    cancel_until = models.CharField(
        _("shopper may cancel"),
        max_length=20,
        choices=SelfServiceLimit.choices,
        default=SelfServiceLimit.UNTIL_HANDED_OVER,
    )
    address_change_until = models.CharField(
        _("shopper may change the delivery address"),
        max_length=20,
        choices=SelfServiceLimit.choices,
        default=SelfServiceLimit.UNTIL_HANDED_OVER,
    )
    within_hours = models.PositiveIntegerField(
        _("only within (hours after the order)"),
        null=True,
        blank=True,
        help_text=_("Empty: no time limit besides the point above."),
    )

    class Meta:
        verbose_name = _("self-service rules")
        verbose_name_plural = _("self-service rules")

    def __str__(self) -> str:
        return str(self.shop)
