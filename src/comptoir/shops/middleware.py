from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from comptoir.core.rows import Reused, columns, instances, relate
from comptoir.shops.models import Shop

# The settings rows (one per shop, or none) that come with every shop: every product page
# and basket shows the dispatch promise, and the basket, placing an order and the order
# page read the fraud thresholds, the legal identity (whether the seller charges VAT
# prices every basket) and the self-service rules.
SHOP_RELATED = ("dispatch_rules", "fraud_settings", "seller_identity", "selfservice_rules")


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

    One query per request, in plain SQL (comptoir.core.rows): built by the ORM, the shop and
    its four settings rows cost ten times as much to compile and to turn into objects as
    to fetch.
    """
    if hasattr(request, "shop"):
        return request.shop  # type: ignore[attr-defined,no-any-return]
    host = request.get_host().rsplit(":", 1)[0].lower() if _has_host(request) else ""
    select, _parts = _query()
    with connection.cursor() as cursor:
        if host:
            # The host's own shop, else the default one.
            where = "s.domain = %s OR s.is_default ORDER BY s.is_default LIMIT 2"
            cursor.execute(f"{select} WHERE {where}", [host])
        else:
            cursor.execute(f"{select} WHERE s.is_default LIMIT 1")
        rows = cursor.fetchall()
    request.shop = _shops.get(host, rows)  # type: ignore[attr-defined]
    return request.shop  # type: ignore[attr-defined,no-any-return]


def _build(rows: list[tuple[Any, ...]]) -> Shop | None:
    """The shop of the first row and its settings rows, as ``select_related`` makes them:
    a missing settings row is cached as None (reading it raises, with no query)."""
    if not rows:
        return None
    _select, parts = _query()
    objects = instances(rows[0], [(model, fields) for _name, model, fields in parts])
    built = {name: obj for (name, _model, _fields), obj in zip(parts, objects, strict=True)}
    shop = built.pop("")
    assert isinstance(shop, Shop)
    for name, related in built.items():
        relate(shop, name, related)
        if related is not None:
            relate(related, "shop", shop)
    return shop


_shops: Reused[Shop | None] = Reused(_build)


@cache
def _query() -> tuple[str, list[tuple[str, type[Model], list[Field]]]]:
    """The SELECT ... FROM ... JOIN of every column of the shop (alias s) and of its
    settings rows, and (relation name, model, fields) for each part of a row."""
    quote = connection.ops.quote_name
    select, fields = columns(Shop, "s")
    selects, joins = [select], []
    parts: list[tuple[str, type[Model], list[Field]]] = [("", Shop, fields)]
    for n, name in enumerate(SHOP_RELATED):
        related = Shop._meta.get_field(name).related_model
        select, fields = columns(related, f"r{n}")
        selects.append(select)
        parts.append((name, related, fields))
        column = related._meta.get_field("shop").column
        joins.append(
            f"LEFT JOIN {quote(related._meta.db_table)} r{n} ON r{n}.{quote(column)} = s.id"
        )
    table = quote(Shop._meta.db_table)
    return f"SELECT {', '.join(selects)} FROM {table} s {' '.join(joins)}", parts


def _has_host(request: HttpRequest) -> bool:
    # get_host() raises DisallowedHost for a host outside ALLOWED_HOSTS; let Django's own
    # handling answer 400 later instead of failing here.
    try:
        request.get_host()
    except Exception:
        return False
    return True
