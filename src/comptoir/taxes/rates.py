"""VAT rates per VAT class and destination country.

French rates for domestic sales; for cross-border B2C sales inside the EU under the
One-Stop Shop (OSS), the rate of the customer's country. Each country's rates are mapped
onto the four French classes by use: "reduced" is the rate of everyday food and books,
"super-reduced" the lowest rate, "intermediate" the middle one. Rates change: this table
is the default, and a shop can override any rate in ``Shop.vat_overrides`` (checked by
:func:`check_overrides`): a rate that changes is a setting, not a release.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.catalog.models import VatClass

# country: (standard, intermediate, reduced, super-reduced), in percent.
EU_RATES: dict[str, tuple[str, str, str, str]] = {
    "AT": ("20", "13", "10", "10"),
    "BE": ("21", "12", "6", "6"),
    "BG": ("20", "9", "9", "9"),
    "CY": ("19", "9", "5", "5"),
    "CZ": ("21", "12", "12", "12"),
    "DE": ("19", "7", "7", "7"),
    "DK": ("25", "25", "25", "25"),
    "EE": ("24", "13", "9", "9"),
    "ES": ("21", "10", "10", "4"),
    "FI": ("25.5", "14", "10", "10"),
    "FR": ("20", "10", "5.5", "2.1"),
    "GR": ("24", "13", "6", "6"),
    "HR": ("25", "13", "5", "5"),
    "HU": ("27", "18", "5", "5"),
    "IE": ("23", "13.5", "9", "4.8"),
    "IT": ("22", "10", "5", "4"),
    "LT": ("21", "9", "5", "5"),
    "LU": ("17", "14", "8", "3"),
    "LV": ("21", "12", "5", "5"),
    "MT": ("18", "7", "5", "5"),
    "NL": ("21", "9", "9", "9"),
    "PL": ("23", "8", "5", "5"),
    "PT": ("23", "13", "6", "6"),
    "RO": ("21", "11", "11", "11"),
    "SE": ("25", "12", "6", "6"),
    "SI": ("22", "9.5", "5", "5"),
    "SK": ("23", "19", "5", "5"),
}
CLASS_INDEX = {
    VatClass.STANDARD: 0,
    VatClass.INTERMEDIATE: 1,
    VatClass.REDUCED: 2,
    VatClass.SUPER_REDUCED: 3,
}
HUNDRED = Decimal(100)


def is_eu(country: str) -> bool:
    return country.upper() in EU_RATES


def vat_rate(
    vat_class: str,
    *,
    destination: str,
    origin: str = "FR",
    oss: bool = True,
    overrides: dict[str, dict[str, str]] | None = None,
    franchise: bool = False,
) -> Decimal:
    """The VAT rate as a fraction (``Decimal("0.055")``) for a sale to ``destination``.

    Outside the EU, exports carry no VAT. Inside, the destination's rate applies when the
    shop declares through the OSS, the origin's rate otherwise. A seller under the VAT
    franchise (``franchise``, art. 293 B du CGI) charges none at all: the price it
    entered is the price paid, whichever basis the shop enters prices on.
    """
    if franchise or vat_class == VatClass.ZERO:
        return Decimal(0)
    destination, origin = destination.upper(), origin.upper()
    if not is_eu(destination):
        return Decimal(0)
    country = destination if oss else origin
    override = (overrides or {}).get(country, {}).get(vat_class)
    if override is not None:
        return Decimal(str(override)) / HUNDRED
    rates = EU_RATES.get(country, EU_RATES["FR"])
    return Decimal(rates[CLASS_INDEX[VatClass(vat_class)]]) / HUNDRED


def check_overrides(value: Any) -> None:
    """``{"FR": {"reduced": "5.5"}, ...}``: EU countries, VAT classes, rates in percent
    from 0 to 99.99 with at most two decimals. Raises ValidationError naming each entry
    that is not."""
    if not isinstance(value, dict):
        raise ValidationError(_('Enter the rates as {"FR": {"reduced": "5.5"}}.'))
    classes = [str(c) for c in CLASS_INDEX]
    errors = []
    for country, rates in value.items():
        if country not in EU_RATES:
            errors.append(_("%(country)s is not an EU country code.") % {"country": country})
            continue
        if not isinstance(rates, dict):
            errors.append(
                _('%(country)s: enter its rates as {"standard": "20"}.') % {"country": country}
            )
            continue
        for vat_class, rate in rates.items():
            where = f"{country}.{vat_class}"
            if vat_class not in classes:
                errors.append(
                    _("%(where)s: the VAT class must be one of %(classes)s.")
                    % {"where": where, "classes": ", ".join(classes)}
                )
                continue
            try:
                # A number typed in the JSON (5.5) reads as written, as vat_rate reads it.
                number = (
                    Decimal(str(rate))
                    if isinstance(rate, str | int | float) and not isinstance(rate, bool)
                    else None
                )
            except InvalidOperation:
                number = None
            if (
                number is None
                or not number.is_finite()
                or not Decimal(0) <= number < HUNDRED
                or number != number.quantize(Decimal("0.01"))
            ):
                errors.append(
                    _("%(where)s: %(rate)r is not a rate in percent such as 20 or 5.5.")
                    % {"where": where, "rate": rate}
                )
    if errors:
        raise ValidationError(errors)
