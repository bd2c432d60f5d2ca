"""Reads of an order worth naming, and what one request already loaded of it.

The payment's return page confirms the payment, screens, invoices and splits the order,
then shows it, all in one request: each step asks for the order's lines, parcels and
documents. They are read once, or kept as written, in Django's prefetch cache of the order
instance, where ``order.lines.all()`` and friends find them without a query.
"""

from __future__ import annotations

from django.db import connection

from comptoir.catalog.models import Variant
from comptoir.core.rows import attach, columns, instances, relate, remembered
from comptoir.orders.models import Order, OrderLine


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines with their variants, read once per order instance: the payment
    (stock, invoice, downloads, parcels) and the order page all read them."""
    lines = remembered(order, "lines")
    if lines is not None and all(_variant_loaded(line) for line in lines):
        return lines
    lines = _lines_with_variants(order)
    attach(order, "lines", lines)
    return lines


def _lines_with_variants(order: Order) -> list[OrderLine]:
    """``order.lines.select_related("variant")``, in plain SQL (comptoir.core.rows): every
    payment reads them."""
    line_select, line_fields = columns(OrderLine, "l")
    variant_select, variant_fields = columns(Variant, "v")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {line_select}, {variant_select} "  # noqa: S608
            f"FROM {quote(OrderLine._meta.db_table)} l "
            f"LEFT JOIN {quote(Variant._meta.db_table)} v ON v.id = l.variant_id "
            f"WHERE l.order_id = %s ORDER BY l.id",
            [order.pk],
        )
        rows = cursor.fetchall()
    parts = [(OrderLine, line_fields), (Variant, variant_fields)]
    lines = []
    for row in rows:
        line, variant = instances(row, parts)
        assert isinstance(line, OrderLine)
        relate(line, "order", order)
        relate(line, "variant", variant)
        lines.append(line)
    return lines


def _variant_loaded(line: OrderLine) -> bool:
    return line.variant_id is None or OrderLine.variant.is_cached(line)
