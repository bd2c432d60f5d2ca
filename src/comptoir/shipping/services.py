"""Which shipping methods apply to a basket, and at what price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field

from comptoir.core.rows import Reused, columns, instance
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
    """The shop's zones in the order they are tried, each with its methods in order
    (``zone.method_list``): a page that needs both the countries delivered and the
    methods for one reads them once. One plain-SQL query (comptoir.core.rows): the
    checkout reads them on every request."""
    with connection.cursor() as cursor:
        cursor.execute(_zones_query()[0], [shop.pk])
        rows = cursor.fetchall()
    return _zones.get(shop.pk, rows)


def _build_zones(rows: list[tuple[Any, ...]]) -> list[ShippingZone]:
    _select, zone_fields, method_fields = _zones_query()
    zones: dict[int, ShippingZone] = {}
    for row in rows:
        zone_pk = row[0]
        if zone_pk not in zones:
            zone = instance(ShippingZone, zone_fields, row[: len(zone_fields)])
            zone.method_list = []  # type: ignore[union-attr]
            zones[zone_pk] = zone  # type: ignore[assignment]
        method = instance(ShippingMethod, method_fields, row[len(zone_fields) :])
        if method is not None:
            method.zone = zones[zone_pk]  # type: ignore[attr-defined]
            zones[zone_pk].method_list.append(method)  # type: ignore[attr-defined]
    return list(zones.values())


_zones: Reused[list[ShippingZone]] = Reused(_build_zones)


@cache
def _zones_query() -> tuple[str, list[Field], list[Field]]:
    quote = connection.ops.quote_name
    zone_columns, zone_fields = columns(ShippingZone, "z")
    method_columns, method_fields = columns(ShippingMethod, "m")
    # The models' own orderings: zones by (position, pk), methods by (position, pk).
    select = (
        f"SELECT {zone_columns}, {method_columns} "
        f"FROM {quote(ShippingZone._meta.db_table)} z "
        f"LEFT JOIN {quote(ShippingMethod._meta.db_table)} m ON m.zone_id = z.id "
        "WHERE z.shop_id = %s ORDER BY z.position, z.id, m.position, m.id"
    )
    return select, zone_fields, method_fields


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
    for method in zone.method_list:  # type: ignore[attr-defined]
        if not method.is_active:
            continue
        price = quote(method, weight_grams=weight_grams, goods_amount=goods_amount)
        if price is not None:
            quotes.append(ShippingQuote(method, price))
    return quotes
