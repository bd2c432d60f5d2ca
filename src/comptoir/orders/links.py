"""The guest's order-status link: unguessable (the order's random token) and signed, so a
link copied with a typo or forged is refused without touching the database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Field, Model
from django.urls import reverse
from django.utils.translation import override

from comptoir.core.rows import columns, instances, relate
from comptoir.orders.models import Order
from comptoir.shops.models import Shop

if TYPE_CHECKING:
    from comptoir.payments.models import Payment

SALT = "comptoir.order-status"


def order_status_token(order: Order) -> str:
    return signing.dumps(order.token, salt=SALT, compress=False)


def order_from_token(
    value: str, shop: Shop | None = None, *, with_signals: bool = False
) -> Order | None:
    """The order the signed link names, if it is ``shop``'s (any shop's without one). The
    shop given is set on it (the request's comes with its settings rows), and with
    ``with_signals`` its fraud signals are read along. One plain-SQL query
    (comptoir.core.rows): every order page starts with it."""
    found = _read(value, shop, with_signals=with_signals, with_payment=False)
    return found[0] if found is not None else None


def order_and_payment_from_token(
    value: str, shop: Shop | None = None, *, with_signals: bool = False
) -> tuple[Order, Payment | None] | None:
    """:func:`order_from_token`, and the order's latest payment (None if it has none) read
    in the same query, with its order set: what the order page shows."""
    return _read(value, shop, with_signals=with_signals, with_payment=True)


def _read(
    value: str, shop: Shop | None, *, with_signals: bool, with_payment: bool
) -> tuple[Order, Payment | None] | None:
    try:
        token = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    query = _token_query(with_signals, with_payment)
    params = [str(token)] + ([shop.pk] if shop is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(query.sql + (" AND o.shop_id = %s" if shop is not None else ""), params)
        row = cursor.fetchone()
    if row is None:
        return None
    order, *others = instances(row, query.parts)
    assert isinstance(order, Order)
    if shop is not None:
        relate(order, "shop", shop)
    if with_signals:
        relate(order, "fraud_signals", others.pop(0))
    payment = others.pop(0) if with_payment else None
    if payment is not None:
        relate(payment, "order", order)
    return order, payment  # type: ignore[return-value]


@dataclass(frozen=True)
class _TokenQuery:
    sql: str
    parts: list[tuple[type[Model], list[Field]]]


@cache
def _token_query(with_signals: bool, with_payment: bool = False) -> _TokenQuery:
    quote = connection.ops.quote_name
    select, fields = columns(Order, "o")
    parts: list[tuple[type[Model], list[Field]]] = [(Order, fields)]
    join = ""
    if with_signals:
        signals = Order._meta.get_field("fraud_signals").related_model
        signal_select, signal_fields = columns(signals, "sig")
        select += ", " + signal_select
        parts.append((signals, signal_fields))
        join = f" LEFT JOIN {quote(signals._meta.db_table)} sig ON sig.order_id = o.id"
    if with_payment:
        payments = Order._meta.get_field("payments").related_model
        table = quote(payments._meta.db_table)
        payment_select, payment_fields = columns(payments, "p")
        select += ", " + payment_select
        parts.append((payments, payment_fields))
        # The latest one, as ``order.payments.order_by("-created_at").first()``.
        join += (
            f" LEFT JOIN {table} p ON p.id = (SELECT p2.id FROM {table} p2 "  # noqa: S608
            f"WHERE p2.order_id = o.id ORDER BY p2.created_at DESC LIMIT 1)"
        )
    return _TokenQuery(
        f"SELECT {select} FROM {quote(Order._meta.db_table)} o{join} WHERE o.token = %s", parts
    )


def shop_base_url(order: Order) -> str:
    if order.shop.domain:
        return f"https://{order.shop.domain}"
    return settings.COMPTOIR_BASE_URL.rstrip("/")


def order_status_path(order: Order) -> str:
    with override(order.language):
        return reverse("orders:status", kwargs={"token": order_status_token(order)})


def order_status_url(order: Order) -> str:
    return shop_base_url(order) + order_status_path(order)
