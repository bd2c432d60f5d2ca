"""A shop's return policy, and each return a shopper asks for: its lines, its events, and
the refunds it caused."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Category, Product
from comptoir.core.models import TimeStampedModel
from comptoir.orders.models import Order, OrderLine
from comptoir.payments.models import Payment, Refund
from comptoir.returns.states import ReturnStatus
from comptoir.shops.models import Shop

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class ReturnShippingPayer(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    """The shopper sends the parcel at their own cost (the EU default for a withdrawal)."""
    MERCHANT = "merchant", _("The shop")
    """The shop pays the return (a prepaid label, or the postage refunded)."""


class ReturnPolicy(TimeStampedModel):
    """How a shop takes things back. A shop without a row has the defaults below, which
    follow the EU right of withdrawal."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="return_policy")
    withdrawal_days = models.PositiveSmallIntegerField(
        _("withdrawal period (days after delivery)"), default=14
    )
    return_address = models.TextField(
        _("return address"), blank=True, help_text=_("Where the shopper sends the parcel.")
    )
    instructions = models.TextField(
        _("instructions"),
        blank=True,
        help_text=_("Sent with every approved return: packing, what to write on the parcel..."),
    )
    return_shipping_paid_by = models.CharField(
        _("return shipping paid by"),
        max_length=10,
        choices=ReturnShippingPayer.choices,
        default=ReturnShippingPayer.CUSTOMER,
    )
    refund_shipping_on_full_return = models.BooleanField(
        _("refund the delivery cost when everything comes back"),
        default=True,
        help_text=_(
            "EU withdrawal law: the standard delivery cost is refunded when the whole order "
            "is returned."
        ),
    )

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policies")

    def __str__(self) -> str:
        return str(self.shop)


class NonReturnable(models.Model):
    """A product, or every product of a category, the shop does not take back (hygiene,
    made to measure...). A request for one goes to the merchant instead of being approved."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="non_returnables")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("why"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("non-returnable product")
        verbose_name_plural = _("non-returnable products")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, category__isnull=True)
                | Q(product__isnull=True, category__isnull=False),
                name="non_returnable_product_or_category",
            )
        ]

    def __str__(self) -> str:
        return str(self.product or self.category)


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", _("I changed my mind")
    """A withdrawal without a reason, the shopper's right in the EU."""
    WRONG_SIZE = "wrong_size", _("Wrong size or fit")
    """Fits badly; the product itself is fine."""
    DAMAGED = "damaged", _("Arrived damaged")
    """Broken or spoiled on arrival."""
    DEFECTIVE = "defective", _("Does not work")
    """A fault of the product."""
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    """Differs from its page."""
    WRONG_ITEM = "wrong_item", _("Wrong item received")
    """We sent something else."""
    OTHER = "other", _("Other")
    """Anything else; the shopper's note says what."""


class ReturnRequest(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="returns")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(
        _("status"), max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    note = models.TextField(_("shopper's note"), blank=True)
    # Why the rules did not approve it at once (late, non-returnable...), for the merchant.
    review_reasons = models.JSONField(default=list, blank=True)
    refused_reason = models.TextField(_("why refused"), blank=True)
    # The warehouse's answer to our label request: carrier, tracking, label link.
    label = models.JSONField(_("return label"), default=dict, blank=True)
    refund_amount = models.DecimalField(_("refunded"), **AMOUNT, null=True, blank=True)
    shipping_refunded = models.BooleanField(_("delivery cost refunded"), default=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "status", "-created_at"], name="return_recent")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """Our id for the return, sent to the warehouse as the idempotency key."""
        return f"RET-{self.pk}"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="return_line_once"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


class ReturnEvent(models.Model):
    """One row per thing that happened to a return: who, when, why."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} by {self.actor}"


class ReturnRefund(models.Model):
    """The refund a return caused, per payment it drew on. Unique per (return, payment):
    however often, or however concurrently, "received" is submitted, a return refunds each
    payment once; and a refund belongs to one return."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="return_link")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["return_request", "payment"], name="return_refunds_payment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.return_request_id}: {self.refund_id}"
