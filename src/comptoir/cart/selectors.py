"""Reading a basket."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from comptoir.cart.models import Cart, CartLine
from comptoir.catalog.models import OptionValue, Product, ProductImage, ProductTranslation, Variant
from comptoir.core.rows import attach, columns, instance, instances, relate
from comptoir.shops.models import Shop


def open_cart(shop: Shop, cart_id: object) -> Cart | None:
    """The shop's basket ``cart_id`` if it is still open (not ordered). In plain SQL: every
    basket and checkout request reads it."""
    try:
        pk = Cart._meta.pk.to_python(cart_id)
    except ValidationError:
        return None
    select, fields = columns(Cart, "c")
    table = connection.ops.quote_name(Cart._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {table} c "
            "WHERE c.id = %s AND c.shop_id = %s AND c.order_id IS NULL",
            [Cart._meta.pk.get_db_prep_value(pk, connection), shop.pk],
        )
        row = cursor.fetchone()
    return instance(Cart, fields, row) if row else None  # type: ignore[return-value]


def basket_rows(cart: Cart) -> list[CartLine]:
    """The basket's lines in order, each with its variant, the variant's option values,
    its product, the product's cover image and its names in every language (no
    descriptions), as ``select_related`` and ``prefetch_related`` would give them: read on
    every basket and checkout request, in one plain-SQL query (comptoir.core.rows), the
    names and option values of each line as two JSON arrays beside its columns."""
    sql = _queries()
    with connection.cursor() as cursor:
        # The basket's id as the database stores it (a UUID is text on SQLite).
        cursor.execute(sql.lines, [Cart._meta.pk.get_db_prep_value(cart.pk, connection)])
        rows = cursor.fetchall()
    lines = []
    for row in rows:
        line = sql.line(row[:-2])
        variant = line.variant
        names, values = (_json(value) for value in row[-2:])
        attach(
            variant.product,
            "translations",
            [instance(ProductTranslation, sql.name_fields, name) for name in names],
        )
        options = [instance(OptionValue, sql.value_fields, value) for value in values]
        if connection.vendor != "postgresql":
            # OptionValue's own ordering (PostgreSQL's aggregate is ordered by its
            # collation; SQLite's binary one is Python's).
            options.sort(key=lambda o: (o.option_id, o.position, o.code))  # type: ignore[attr-defined]
        attach(variant, "option_values", options)
        lines.append(line)
    return lines


def _json(value: Any) -> list[list[Any]]:
    """A JSON array column: decoded by psycopg (``json``), text on SQLite, NULL for an
    empty aggregate on PostgreSQL."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


class _Queries:
    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.parts = [
            (CartLine, *columns(CartLine, "cl")),
            (Variant, *columns(Variant, "v")),
            (Product, *columns(Product, "p")),
            (ProductImage, *columns(ProductImage, "i")),
        ]
        select = ", ".join(part[1] for part in self.parts)
        names, self.name_fields = columns(
            ProductTranslation, "t", only=("product", "language", "name", "slug")
        )
        values, self.value_fields = columns(OptionValue, "o")
        through = Variant._meta.get_field("option_values").remote_field.through
        variant_column = quote(through._meta.get_field("variant").column)
        value_column = quote(through._meta.get_field("optionvalue").column)
        # A JSONField inside a JSON array: as its text, which its converter decodes.
        labels = f"o.{quote(OptionValue._meta.get_field('labels').column)}"
        if connection.vendor == "postgresql":
            values = values.replace(labels, f"{labels}::text")
            names_agg = f"json_agg(json_build_array({names}))"
            values_agg = (
                f"json_agg(json_build_array({values}) ORDER BY o.option_id, o.position, o.code)"
            )
        else:
            names_agg = f"json_group_array(json_array({names}))"
            values_agg = f"json_group_array(json_array({values}))"
        self.lines = (
            f"SELECT {select}, "
            f"(SELECT {names_agg} FROM {quote(ProductTranslation._meta.db_table)} t "
            "WHERE t.product_id = p.id), "
            f"(SELECT {values_agg} FROM {quote(through._meta.db_table)} vo "
            f"JOIN {quote(OptionValue._meta.db_table)} o ON o.id = vo.{value_column} "
            f"WHERE vo.{variant_column} = v.id) "
            f"FROM {quote(CartLine._meta.db_table)} cl "
            f"JOIN {quote(Variant._meta.db_table)} v ON v.id = cl.variant_id "
            f"JOIN {quote(Product._meta.db_table)} p ON p.id = v.product_id "
            f"LEFT JOIN {quote(ProductImage._meta.db_table)} i ON i.id = p.cover_image_id "
            # CartLine's own ordering.
            "WHERE cl.cart_id = %s ORDER BY cl.added_at, cl.id"
        )

    def line(self, row: tuple[Any, ...]) -> CartLine:
        line, variant, product, image = instances(row, [(m, f) for m, _s, f in self.parts])
        relate(line, "variant", variant)  # type: ignore[arg-type]
        relate(variant, "product", product)  # type: ignore[arg-type]
        relate(product, "cover_image", image)  # type: ignore[arg-type]
        return line  # type: ignore[return-value]


@cache
def _queries() -> _Queries:
    return _Queries()
