"""A shop: one storefront with its own domain, languages, currency, catalog and orders.

Several of our merchants run two or three shops from one install, so every catalog and
order row belongs to a shop from day one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))
language_list = RegexValidator(
    r"^[a-z]{2}(,[a-z]{2})*$", _("Enter language codes separated by commas, e.g. fr,en.")
)


def check_vat_overrides(value: object) -> None:
    from comptoir.taxes.rates import check_overrides

    check_overrides(value)


class Shop(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    domain = models.CharField(
        _("domain"),
        max_length=253,
        blank=True,
        help_text=_(
            "Host name the shop answers on, e.g. boutique.example.fr. Leave blank "
            "for the default shop."
        ),
    )
    is_default = models.BooleanField(
        _("default shop"),
        default=False,
        help_text=_("Answers on every host name that no other shop claims."),
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    languages = models.CharField(
        _("languages"), max_length=60, default="fr,en", validators=[language_list]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    prices_include_tax = models.BooleanField(
        _("prices include VAT"),
        default=True,
        help_text=_("Prices are entered VAT included, as is usual in France."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    contact_email = models.EmailField(_("contact email"), blank=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    logo = models.ImageField(_("logo"), upload_to="shops/logos/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#2f5d50", validators=[hex_colour]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#b5562b", validators=[hex_colour]
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        default="FR",
        help_text=_("Where the shop is established: its VAT applies to domestic sales."),
    )
    oss_registered = models.BooleanField(
        _("registered for the EU One-Stop Shop"),
        default=False,
        help_text=_("Charge the customer's country VAT on sales to other EU countries."),
    )
    vat_overrides = models.JSONField(
        _("VAT rates that differ from the built-in table"),
        default=dict,
        blank=True,
        validators=[check_vat_overrides],
        help_text=_(
            "Only when a rate changed before Comptoir was updated. Per country and VAT "
            'class, in percent: {"FR": {"reduced": "5.5"}, "DE": {"standard": "19"}}. '
            "Classes: standard, intermediate, reduced, super_reduced."
        ),
    )
    low_stock_threshold = models.PositiveIntegerField(
        _("low stock threshold"),
        default=5,
        help_text=_("Below this quantity the storefront says the stock is low."),
    )
    # Bumped in the same transaction as every catalog change; part of every page-cache
    # key, so a change is visible on the very next request on every server.
    catalog_version = models.PositiveBigIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="shop_unique_domain"
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="shop_single_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]
