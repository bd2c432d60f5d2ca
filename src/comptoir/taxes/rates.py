"""VAT rates per VAT class and destination country.

French rates for domestic sales; for cross-border B2C sales inside the EU under the
One-Stop Shop (OSS), the rate of the customer's country. Each country's rates are mapped
onto the four French classes by use: "reduced" is the rate of everyday food and books,
"super-reduced" the lowest rate, "intermediate" the middle one. Rates change: this table
is the default, and a shop can override any rate in ``Shop.vat_overrides``.
"""

from __future__ import annotations

from decimal import Decimal

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
        return Decimal(override) / HUNDRED
    rates = EU_RATES.get(country, EU_RATES["FR"])
    return Decimal(rates[CLASS_INDEX[VatClass(vat_class)]]) / HUNDRED
