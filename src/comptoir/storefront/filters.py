"""Parsing of listing query strings into ``ListingFilters``; bad input raises BadQuery."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.http import QueryDict
from django.utils.translation import gettext as _

from comptoir.catalog.selectors import DEFAULT_SORT, SORTS, ListingFilters

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_VALUES = 40
MAX_PAGE = 10_000
MAX_PRICE = Decimal("1000000")


class BadQuery(ValueError):
    """The query string cannot be understood; the message says which parameter and why."""


def parse_page(query: QueryDict) -> int:
    raw = query.get("page", "1")
    # isdigit() alone accepts "²" and other digits int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadQuery(
            _("The page number must be a whole number from 1 to %(max)s.") % {"max": MAX_PAGE}
        )
    return int(raw)


def parse_listing_filters(query: QueryDict) -> ListingFilters:
    sort = query.get("sort", DEFAULT_SORT) or DEFAULT_SORT
    if sort not in SORTS:
        raise BadQuery(_("Unknown sort order: %(sort)s.") % {"sort": sort[:40]})
    brands = tuple(dict.fromkeys(query.getlist("brand")))
    options: dict[str, list[str]] = {}
    for raw in query.getlist("o"):
        code, sep, value = raw.partition(":")
        if not sep or not CODE_RE.match(code) or not CODE_RE.match(value):
            raise BadQuery(_("Unknown filter value: %(value)s.") % {"value": raw[:80]})
        options.setdefault(code, []).append(value)
    if len(brands) + sum(len(v) for v in options.values()) > MAX_VALUES:
        raise BadQuery(_("Too many filters at once."))
    for brand in brands:
        if not CODE_RE.match(brand):
            raise BadQuery(_("Unknown brand: %(brand)s.") % {"brand": brand[:80]})
    return ListingFilters(
        sort=sort,
        brands=brands,
        options=tuple((code, tuple(values)) for code, values in sorted(options.items())),
        min_price=_price(query, "min_price"),
        max_price=_price(query, "max_price"),
    )


def _price(query: QueryDict, name: str) -> Decimal | None:
    raw = (query.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadQuery(_("The price %(value)s is not a number.") % {"value": raw[:20]}) from None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        raise BadQuery(_("The price %(value)s is out of range.") % {"value": raw[:20]})
    return value
