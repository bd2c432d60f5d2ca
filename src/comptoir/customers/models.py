from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    """An address book entry of a signed-in customer. Orders keep their own copy."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    company = models.CharField(_("company"), max_length=120, blank=True)
    line1 = models.CharField(_("address"), max_length=120)
    line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(_("country"), max_length=2, default="FR")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.city}"

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in ADDRESS_FIELDS}


ADDRESS_FIELDS = [
    "first_name",
    "last_name",
    "company",
    "line1",
    "line2",
    "postal_code",
    "city",
    "country",
    "phone",
]
