"""Builders for the fulfillment tests: routes, paid orders, signed provider messages."""

from __future__ import annotations

import json
from typing import Any

from comptoir.catalog.models import Variant
from comptoir.checkout.services import place_order
from comptoir.fulfillment.models import FulfillmentRoute, ProductRoute, RouteKind, Transport
from comptoir.fulfillment.signing import signed_headers
from comptoir.orders.models import Order
from comptoir.orders.services import mark_paid
from comptoir.shops.models import Shop
from tests.selling import add_flat_shipping, details, make_cart, make_variant

SECRET = "wms-secret"


def warehouse(shop: Shop, url: str, **fields: Any) -> FulfillmentRoute:
    fields = {
        "name": "Entrepôt Logisti",
        "kind": RouteKind.THIRD_PARTY,
        "transport": Transport.HTTP,
        "endpoint_url": url,
        "secret": SECRET,
        "timeout_seconds": 1,
        "is_default": True,
        **fields,
    }
    return FulfillmentRoute.objects.create(shop=shop, **fields)


def stocked(shop: Shop, sku: str = "TEA", *, stock: int = 100_000, route=None) -> Variant:
    variant = make_variant(shop, sku=sku, stock=stock)
    if route is not None:
        ProductRoute.objects.create(product=variant.product, route=route)
    return variant


def paid_order(shop: Shop, lines: list[tuple[Variant, int]], email: str = "") -> Order:
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    order = place_order(make_cart(shop, lines), details(email or "jeanne@example.org"))
    return mark_paid(order.pk, actor="test")


def signed_post(
    client,
    route: FulfillmentRoute,
    document: dict | bytes,
    *,
    secret: str = "",
    now: float | None = None,
    headers: dict | None = None,
):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    signed = signed_headers(secret or route.secret, body, now=now)
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in {**signed, **(headers or {})}.items()
    }
    return client.post(
        f"/fulfillment/routes/{route.pk}/confirmations/",
        data=body,
        content_type="application/json",
        **extra,
    )
