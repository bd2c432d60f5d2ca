"""The promise in templates: ``{% product_promise product %}``, ``{% cart_promise lines %}``
and ``{% order_promise order %}`` all ask :mod:`comptoir.promise.services`."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils import timezone

from comptoir.promise import services

register = template.Library()


def _limit_page_cache(context: template.Context, promise: services.Promise) -> None:
    # A page cached at 14:58 saying "dispatched today" must not be served at 15:01.
    request = context.get("request")
    if request is None:
        return
    seconds = max(1, math.floor((promise.valid_until - timezone.now()).total_seconds()))
    request.page_cache_seconds = min(getattr(request, "page_cache_seconds", seconds), seconds)


@register.inclusion_tag("promise/_promise.html", takes_context=True)
def product_promise(context: template.Context, product: Any, can_buy: bool = True) -> dict:
    shop = context.get("shop") or product.shop
    if not can_buy or product.kind != "physical":
        return {"promise": None}
    dispatch = services.load_dispatch(shop)
    lead = services.lead_days_for(dispatch, [product]) or 0
    promise = services.promise_for(shop, lead_days=lead, dispatch=dispatch)
    _limit_page_cache(context, promise)
    return {"promise": promise}


@register.inclusion_tag("promise/_promise.html", takes_context=True)
def cart_promise(context: template.Context, rows: list[dict[str, Any]]) -> dict:
    shop = context["shop"]
    sold = [row["line"] for row in rows if row.get("sold", True)]
    if any(line.variant.backordered(line.quantity) for line in sold):
        return {"promise": None}  # no date for what waits for a delivery
    products = [line.variant.product for line in sold]
    dispatch = services.load_dispatch(shop)
    lead = services.lead_days_for(dispatch, products)
    if lead is None:
        return {"promise": None}
    return {"promise": services.promise_for(shop, lead_days=lead, dispatch=dispatch)}


@register.simple_tag
def order_promise(order: Any) -> str:
    """For emails: the planned date, or "" when nothing ships or payment is awaited
    by transfer or cheque (the date will be set when the money arrives)."""
    if order.promised_dispatch_on is None:
        return ""
    if order.status == "pending_payment" and _is_manual(order.payment_method):
        return ""
    return services.planned_dispatch(order.promised_dispatch_on)


def _is_manual(payment_method: str) -> bool:
    from comptoir.core.exceptions import ComptoirError
    from comptoir.payments.registry import get_provider

    try:
        return bool(get_provider(payment_method).is_manual)
    except ComptoirError:
        return False
