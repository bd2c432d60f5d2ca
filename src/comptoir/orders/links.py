"""The guest's order-status link: unguessable (the order's random token) and signed, so a
link copied with a typo or forged is refused without touching the database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Field, Model
from django.urls import reverse
from django.utils.translation import override

from comptoir.core.rows import columns, instances, relate
from comptoir.orders.models import Order
from comptoir.shops.models import Shop

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
    try:
        token = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    query = _token_query(with_signals)
    params = [str(token)] + ([shop.pk] if shop is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(query.sql + (" AND o.shop_id = %s" if shop is not None else ""), params)
        row = cursor.fetchone()
    if row is None:
        return None
    order, *signals = instances(row, query.parts)
    assert isinstance(order, Order)
    if shop is not None:
        relate(order, "shop", shop)
    if with_signals:
        relate(order, "fraud_signals", signals[0])
    return order


@dataclass(frozen=True)
class _TokenQuery:
    sql: str
    parts: list[tuple[type[Model], list[Field]]]


@cache
def _token_query(with_signals: bool) -> _TokenQuery:
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
