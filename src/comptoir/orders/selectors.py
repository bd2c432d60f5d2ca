"""Reads of an order worth naming, and what one request already loaded of it.

The payment's return page confirms the payment, screens, invoices and splits the order,
then shows it, all in one request: each step asks for the order's lines, parcels and
documents. They are read once, or kept as written, in Django's prefetch cache of the order
instance, where ``order.lines.all()`` and friends find them without a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from comptoir.orders.models import Order, OrderLine


def remember_related(instance: Any, name: str, objects: Iterable[Any]) -> list[Any]:
    """Keep ``objects`` as ``instance``'s whole ``name`` relation (``order.<name>.all()``),
    as ``prefetch_related`` would: for rows this request has just read or written itself."""
    objects = list(objects)
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
    return objects


def remembered(instance: Any, name: str) -> list[Any] | None:
    """``instance``'s ``name`` relation if this request already holds it, else None."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines with their variants, read once per order instance: the payment
    (stock, invoice, downloads, parcels) and the order page all read them."""
    lines = remembered(order, "lines")
    if lines is not None and all(_variant_loaded(line) for line in lines):
        return lines
    return remember_related(order, "lines", order.lines.select_related("variant").all())


def _variant_loaded(line: OrderLine) -> bool:
    return line.variant_id is None or OrderLine.variant.is_cached(line)
