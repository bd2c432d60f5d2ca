"""Postal addresses as French and other European shoppers write them: the countries a shop
delivers to, their names, and the shape of their postal codes."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.shops.models import Shop

if TYPE_CHECKING:
    from comptoir.shipping.models import ShippingZone

COUNTRY_NAMES = {
    "FR": _("France"),
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "HR": _("Croatia"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "DE": _("Germany"),
    "GR": _("Greece"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LV": _("Latvia"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SK": _("Slovakia"),
    "SI": _("Slovenia"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
    "MC": _("Monaco"),
    "AD": _("Andorra"),
    "CH": _("Switzerland"),
    "GB": _("United Kingdom"),
    "NO": _("Norway"),
    "IS": _("Iceland"),
    "LI": _("Liechtenstein"),
}

# Postal code shapes; any other country gets the generic rule below.
POSTAL_CODES = {
    "FR": r"\d{5}",
    "MC": r"980\d{2}",
    "DE": r"\d{5}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "FI": r"\d{5}",
    "EE": r"\d{5}",
    "HR": r"\d{5}",
    "GR": r"\d{3} ?\d{2}",
    "SE": r"\d{3} ?\d{2}",
    "CZ": r"\d{3} ?\d{2}",
    "SK": r"\d{3} ?\d{2}",
    "BE": r"\d{4}",
    "LU": r"(L-)?\d{4}",
    "AT": r"\d{4}",
    "DK": r"\d{4}",
    "HU": r"\d{4}",
    "BG": r"\d{4}",
    "CY": r"\d{4}",
    "SI": r"\d{4}",
    "CH": r"\d{4}",
    "NO": r"\d{4}",
    "LI": r"\d{4}",
    "IS": r"\d{3}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "PT": r"\d{4}-\d{3}",
    "PL": r"\d{2}-\d{3}",
    "RO": r"\d{6}",
    "LT": r"(LT-)?\d{5}",
    "LV": r"(LV-)?\d{4}",
    "MT": r"[A-Z]{3} ?\d{4}",
    "IE": r"[A-Z0-9]{3} ?[A-Z0-9]{4}",
    "AD": r"AD\d{3}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
}
GENERIC_POSTAL_CODE = r"[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]"


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code.upper(), code.upper()))


def normalise_postal_code(country: str, value: str) -> str | None:
    """The postal code tidied (upper case, single spaces), or None if it cannot be one."""
    text = re.sub(r"\s+", " ", value.strip().upper())
    pattern = POSTAL_CODES.get(country.upper(), GENERIC_POSTAL_CODE)
    return text if re.fullmatch(pattern, text) else None


def delivery_countries(
    shop: Shop, *, zones: list[ShippingZone] | None = None
) -> list[tuple[str, str]]:
    """The countries of the shop's shipping zones, the shop's own first; a catch-all zone
    (``*``) opens every country we know. ``zones``: the shop's, when the caller read them."""
    from comptoir.shipping.models import ShippingZone

    codes: list[str] = []
    for zone in ShippingZone.objects.filter(shop=shop) if zones is None else zones:
        for code in zone.country_codes:
            if code == "*":
                codes.extend(COUNTRY_NAMES)
            elif code not in codes:
                codes.append(code)
    if not codes:
        codes = [shop.country]
    return list(_named(tuple(dict.fromkeys(codes)), shop.country, get_language()))


def all_countries(shop: Shop) -> list[tuple[str, str]]:
    return list(_named(tuple(COUNTRY_NAMES), shop.country, get_language()))


@lru_cache(maxsize=256)
def _named(codes: tuple[str, ...], home: str, language: str | None) -> tuple[tuple[str, str], ...]:
    """(code, name) in ``language``, the shop's own country first, then by name: every
    checkout page shows the list of every country, named and sorted the same way."""
    ordered = sorted(codes, key=lambda c: (c != home, country_name(c)))
    return tuple((code, country_name(code)) for code in ordered)
