from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import pick_label
from comptoir.shops.models import Shop

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class ShippingZone(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="shipping_zones")
    name = models.CharField(_("name"), max_length=80)
    countries = models.CharField(
        _("countries"),
        max_length=400,
        help_text=_("ISO codes separated by commas, e.g. FR,MC; * for every other country."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def country_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.countries.split(",") if c.strip()]


class RateKind(models.TextChoices):
    FLAT = "flat", _("Flat rate")
    """One price whatever the basket."""
    WEIGHT = "weight", _("By weight")
    """Price from the band the parcel's weight falls in."""
    PRICE = "price", _("By basket value")
    """Price from the band the basket's value falls in."""


class ShippingMethod(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    code = models.SlugField(_("code"), max_length=60)
    labels = models.JSONField(_("name"), default=dict, help_text=_('e.g. {"fr": "Colissimo"}'))
    kind = models.CharField(
        _("rate"), max_length=10, choices=RateKind.choices, default=RateKind.FLAT
    )
    price = models.DecimalField(_("price"), **AMOUNT, default=Decimal(0))
    # [[upper bound, price], ...] ascending; grams for weight, currency for basket value.
    bands = models.JSONField(_("bands"), default=list, blank=True)
    free_over = models.DecimalField(
        _("free from"),
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_("Basket value from which shipping is free."),
    )
    is_pickup = models.BooleanField(
        _("pickup point"), default=False, help_text=_("The customer chooses a relay point.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="shipping_method_code"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick_label(self.labels, fallback=self.code)
