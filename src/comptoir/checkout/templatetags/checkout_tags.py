from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(rate: Decimal | str) -> str:
    """A VAT rate stored as a fraction, shown as people read it: 5,5 % / 5.5%."""
    value = (Decimal(str(rate)) * 100).normalize()
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    return number_format(value, places, use_l10n=True)


@register.filter
def country(code: str) -> str:
    from comptoir.customers.addresses import country_name

    return country_name(code or "")
