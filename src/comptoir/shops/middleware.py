from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from comptoir.shops.models import Shop

# The settings rows (one per shop, or none) that come with every shop: every product page
# and basket shows the dispatch promise, and the basket, placing an order and the order
# page read the fraud thresholds, the legal identity (whether the seller charges VAT
# prices every basket) and the self-service rules.
SHOP_RELATED = ("dispatch_rules", "fraud_settings", "seller_identity", "selfservice_rules")
# Per host name: the raw rows this process last built a shop from, and that shop.
_loaded: dict[str, tuple[list[tuple[Any, ...]], Shop | None]] = {}
_LOADED_MAX = 64


class ShopMiddleware:
    """Sets ``request.shop`` from the host name, falling back to the default shop.

    One indexed query per request: it also brings the catalog version that keys the page
    cache, so a change made on another server is seen at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if resolve_shop(request) is None and not request.path.startswith(("/admin/", "/static/")):
            body = render_to_string("storefront/no_shop.html", request=None)
            return HttpResponse(body, status=503)
        return self.get_response(request)


def resolve_shop(request: HttpRequest) -> Shop | None:
    """The shop the request's host name belongs to (else the default shop), looked up once
    per request and kept on it as ``request.shop``, with its settings rows.

    One query per request, in plain SQL: built by the ORM, the shop and its four settings
    rows cost ten times as much to compile and to turn into objects as to fetch. When the
    rows are the very ones this process last built a shop from, the request gets a copy of
    that shop; any change, made anywhere, changes the rows and the shop is built anew.
    """
    if hasattr(request, "shop"):
        return request.shop  # type: ignore[attr-defined,no-any-return]
    host = request.get_host().rsplit(":", 1)[0].lower() if _has_host(request) else ""
    query = _query()
    with connection.cursor() as cursor:
        cursor.execute(query.by_host if host else query.default, [host] if host else [])
        rows = cursor.fetchall()
    known = _loaded.get(host)
    if known is None or known[0] != rows:
        if len(_loaded) >= _LOADED_MAX:
            _loaded.clear()
        known = _loaded[host] = (rows, query.build(rows[0]) if rows else None)
    # A copy per request: what one request sets on its shop never reaches another.
    request.shop = copy.deepcopy(known[1])  # type: ignore[attr-defined]
    return request.shop  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class _ShopQuery:
    by_host: str
    default: str
    # (relation name or "" for the shop, model, its fields in the order of the columns)
    parts: list[tuple[str, type[Model], list[Field]]]

    def build(self, row: tuple[Any, ...]) -> Shop:
        """The shop and its settings rows from one row, as ``select_related`` makes them:
        a missing settings row is cached as None (reading it raises, with no query)."""
        objects: dict[str, Model | None] = {}
        start = 0
        for name, model, fields in self.parts:
            values = list(row[start : start + len(fields)])
            start += len(fields)
            if values[0] is None and name:  # the settings row's primary key: no row
                objects[name] = None
                continue
            for index, field in enumerate(fields):
                col = field.get_col(model._meta.db_table)
                for convert in connection.ops.get_db_converters(col) + field.get_db_converters(
                    connection
                ):
                    values[index] = convert(values[index], col, connection)
            objects[name] = model.from_db(connection.alias, [f.attname for f in fields], values)
        shop = objects.pop("")
        assert isinstance(shop, Shop)
        for name, related in objects.items():
            Shop._meta.get_field(name).set_cached_value(shop, related)  # type: ignore[union-attr]
            if related is not None:
                related._meta.get_field("shop").set_cached_value(related, shop)
        return shop


@cache
def _query() -> _ShopQuery:
    quote = connection.ops.quote_name
    parts: list[tuple[str, type[Model], list[Field]]] = [
        ("", Shop, list(Shop._meta.concrete_fields))
    ]
    joins = []
    for n, name in enumerate(SHOP_RELATED):
        related = Shop._meta.get_field(name).related_model
        parts.append((name, related, list(related._meta.concrete_fields)))
        column = related._meta.get_field("shop").column
        joins.append(
            f"LEFT JOIN {quote(related._meta.db_table)} r{n} ON r{n}.{quote(column)} = s.id"
        )
    # The related rows' primary key first: NULL when the row is missing.
    for part in parts:
        part[2].sort(key=lambda f: not f.primary_key)
    aliases = ["s"] + [f"r{n}" for n in range(len(SHOP_RELATED))]
    columns = ", ".join(
        f"{alias}.{quote(field.column)}"
        for alias, (_name, _model, fields) in zip(aliases, parts, strict=True)
        for field in fields
    )
    select = f"SELECT {columns} FROM {quote(Shop._meta.db_table)} s {' '.join(joins)} WHERE "
    return _ShopQuery(
        # Same choice of shop as ever: the host's own, else the default one.
        by_host=select + "s.domain = %s OR s.is_default ORDER BY s.is_default LIMIT 2",
        default=select + "s.is_default LIMIT 1",
        parts=parts,
    )


def _has_host(request: HttpRequest) -> bool:
    # get_host() raises DisallowedHost for a host outside ALLOWED_HOSTS; let Django's own
    # handling answer 400 later instead of failing here.
    try:
        request.get_host()
    except Exception:
        return False
    return True
