"""Reading a basket."""

from __future__ import annotations

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
    every basket and checkout request, in three plain-SQL queries (comptoir.core.rows)."""
    sql = _queries()
    with connection.cursor() as cursor:
        # The basket's id as the database stores it (a UUID is text on SQLite).
        cursor.execute(sql.lines, [Cart._meta.pk.get_db_prep_value(cart.pk, connection)])
        rows = cursor.fetchall()
        if not rows:
            return []
        lines = [sql.line(row) for row in rows]
        products = {line.variant.product_id for line in lines}
        variants = {line.variant_id for line in lines}
        cursor.execute(sql.names(len(products)), list(products))
        names = [instance(ProductTranslation, sql.name_fields, row) for row in cursor.fetchall()]
        cursor.execute(sql.values(len(variants)), list(variants))
        values = [
            (row[0], instance(OptionValue, sql.value_fields, row[1:])) for row in cursor.fetchall()
        ]
    for line in lines:
        variant = line.variant
        attach(variant, "option_values", [v for pk, v in values if pk == variant.pk])
        attach(
            variant.product,
            "translations",
            [n for n in names if n.product_id == variant.product_id],
        )
    return lines


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
        self.lines = (
            f"SELECT {select} FROM {quote(CartLine._meta.db_table)} cl "
            f"JOIN {quote(Variant._meta.db_table)} v ON v.id = cl.variant_id "
            f"JOIN {quote(Product._meta.db_table)} p ON p.id = v.product_id "
            f"LEFT JOIN {quote(ProductImage._meta.db_table)} i ON i.id = p.cover_image_id "
            # CartLine's own ordering.
            "WHERE cl.cart_id = %s ORDER BY cl.added_at, cl.id"
        )
        names, self.name_fields = columns(
            ProductTranslation, "t", only=("product", "language", "name", "slug")
        )
        self._names = (
            f"SELECT {names} FROM {quote(ProductTranslation._meta.db_table)} t "
            "WHERE t.product_id IN ({})"
        )
        through = Variant._meta.get_field("option_values").remote_field.through
        values, self.value_fields = columns(OptionValue, "o")
        self._values = (
            f"SELECT vo.{quote(through._meta.get_field('variant').column)}, {values} "
            f"FROM {quote(through._meta.db_table)} vo "
            f"JOIN {quote(OptionValue._meta.db_table)} o "
            f"ON o.id = vo.{quote(through._meta.get_field('optionvalue').column)} "
            f"WHERE vo.{quote(through._meta.get_field('variant').column)} IN ({{}}) "
            # OptionValue's own ordering.
            "ORDER BY o.option_id, o.position, o.code"
        )

    def names(self, count: int) -> str:
        return self._names.format(", ".join(["%s"] * count))

    def values(self, count: int) -> str:
        return self._values.format(", ".join(["%s"] * count))

    def line(self, row: tuple[Any, ...]) -> CartLine:
        line, variant, product, image = instances(row, [(m, f) for m, _s, f in self.parts])
        relate(line, "variant", variant)  # type: ignore[arg-type]
        relate(variant, "product", product)  # type: ignore[arg-type]
        relate(product, "cover_image", image)  # type: ignore[arg-type]
        return line  # type: ignore[return-value]


@cache
def _queries() -> _Queries:
    return _Queries()
