from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.orders.models import Order
from comptoir.shops.models import Shop

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage off the goods")
    """``value`` percent off the goods; shipping unchanged."""
    FIXED = "fixed", _("Fixed amount off the goods")
    """``value`` off the goods, never below zero."""
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    """Shipping costs nothing; goods unchanged."""


class DiscountCode(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="discount_codes")
    code = models.CharField(_("code"), max_length=60)
    kind = models.CharField(_("kind"), max_length=16, choices=DiscountKind.choices)
    value = models.DecimalField(_("value"), **AMOUNT, default=0)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    minimum_basket = models.DecimalField(_("minimum basket"), **AMOUNT, null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("total uses allowed"), null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(_("uses per customer"), null=True, blank=True)
    # Counted in the transaction that places the order, under a row lock: never past the
    # limit, however many checkouts run at once.
    times_used = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="discount_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountUsage(models.Model):
    code = models.ForeignKey(DiscountCode, on_delete=models.CASCADE, related_name="usages")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="discount_usage")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code_id} for order {self.order_id}"
