"""Which shipping methods apply to a basket, and at what price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from comptoir.shipping.models import RateKind, ShippingMethod, ShippingZone
from comptoir.shops.models import Shop


@dataclass(frozen=True)
class ShippingQuote:
    method: ShippingMethod
    price: Decimal

    @property
    def code(self) -> str:
        return self.method.code


def shop_zones(shop: Shop) -> list[ShippingZone]:
    """The shop's zones in the order they are tried, their methods prefetched: a page that
    needs both the countries delivered and the methods for one reads them once."""
    return list(ShippingZone.objects.filter(shop=shop).prefetch_related("methods"))


def zone_for(
    shop: Shop, country: str, *, zones: list[ShippingZone] | None = None
) -> ShippingZone | None:
    """The zone delivering to ``country``; ``zones``: :func:`shop_zones`, already read."""
    country = country.upper()
    fallback = None
    for zone in shop_zones(shop) if zones is None else zones:
        codes = zone.country_codes
        if country in codes:
            return zone
        if "*" in codes and fallback is None:
            fallback = zone
    return fallback


def quote(method: ShippingMethod, *, weight_grams: int, goods_amount: Decimal) -> Decimal | None:
    """The price of ``method`` for this parcel, or None when no band covers it."""
    if method.free_over is not None and goods_amount >= method.free_over:
        return Decimal(0)
    if method.kind == RateKind.FLAT:
        return method.price
    measure = Decimal(weight_grams) if method.kind == RateKind.WEIGHT else goods_amount
    for upper, price in sorted(method.bands, key=lambda band: Decimal(str(band[0]))):
        if measure <= Decimal(str(upper)):
            return Decimal(str(price))
    return None


def available_methods(
    shop: Shop,
    country: str,
    *,
    weight_grams: int,
    goods_amount: Decimal,
    zones: list[ShippingZone] | None = None,
) -> list[ShippingQuote]:
    zone = zone_for(shop, country, zones=zones)
    if zone is None:
        return []
    quotes = []
    for method in zone.methods.all():
        if not method.is_active:
            continue
        price = quote(method, weight_grams=weight_grams, goods_amount=goods_amount)
        if price is not None:
            quotes.append(ShippingQuote(method, price))
    return quotes
