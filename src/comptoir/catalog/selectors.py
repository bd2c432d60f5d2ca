"""Reads of the catalog worth naming: what the storefront pages show.

Each page is a handful of indexed queries whatever the catalog size. Listing pages work
in two steps: the page's product ids come from the product table alone, sorted and
filtered on its indexed listing fields; then one query brings those products' names,
slugs, prices and cover images in the visitor's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Exists, Field, Model, OuterRef, QuerySet

from comptoir.catalog.models import (
    Brand,
    Category,
    CategoryTranslation,
    Option,
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.core.rows import attach, columns, instance, instances, relate
from comptoir.shops.models import Shop

SORTS = {
    "best": ("-sales_count", "-published_at", "-id"),
    "newest": ("-published_at", "-id"),
    "price": ("min_price", "id"),
    "-price": ("-min_price", "-id"),
}
DEFAULT_SORT = "best"


@dataclass(frozen=True)
class ListingFilters:
    sort: str = DEFAULT_SORT
    brands: tuple[str, ...] = ()
    # option code -> accepted value codes; values of one option are alternatives (OR),
    # different options must all match (AND).
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.brands or self.options or self.min_price is not None or self.max_price is not None
        )


@dataclass
class Facets:
    brands: list[Brand] = field(default_factory=list)
    options: list[tuple[str, str, list[OptionValue]]] = field(default_factory=list)


def card_rows(language: str) -> QuerySet[ProductTranslation]:
    """Translation rows in one language, with what a product card shows."""
    return (
        ProductTranslation.objects.filter(language=language)
        .select_related("product", "product__cover_image")
        .only(
            "name",
            "slug",
            "product_id",
            "product__min_price",
            "product__max_price",
            "product__in_stock",
            "product__allow_backorder",
            "product__kind",
            "product__cover_image__original",
            "product__cover_image__renditions",
            "product__cover_image__alt",
            "product__cover_image__width",
            "product__cover_image__height",
        )
    )


def category_by_slug(shop: Shop, language: str, slug: str) -> CategoryTranslation | None:
    return (
        CategoryTranslation.objects.filter(
            shop=shop, language=language, slug=slug, category__is_active=True
        )
        .select_related("category")
        .first()
    )


def active_products(shop: Shop) -> QuerySet[Product]:
    return Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE)


def category_products(shop: Shop, category: Category, filters: ListingFilters) -> QuerySet[Product]:
    """Active products of the category and its subcategories, filtered and sorted."""
    subtree = Category.objects.filter(path__startswith=category.path, is_active=True)
    products = active_products(shop).filter(category_id__in=subtree.values("pk"))
    return apply_filters(products, filters).order_by(*SORTS[filters.sort])


def apply_filters(products: QuerySet[Product], filters: ListingFilters) -> QuerySet[Product]:
    if filters.brands:
        products = products.filter(brand__slug__in=filters.brands)
    if filters.min_price is not None:
        products = products.filter(max_price__gte=filters.min_price)
    if filters.max_price is not None:
        products = products.filter(min_price__lte=filters.max_price)
    for option_code, value_codes in filters.options:
        products = products.filter(
            Exists(
                Variant.option_values.through.objects.filter(
                    variant__product_id=OuterRef("pk"),
                    optionvalue__option__code=option_code,
                    optionvalue__code__in=value_codes,
                )
            )
        )
    return products


def category_facets(shop: Shop, category: Category) -> Facets:
    """The brands and option values present among the category's active products."""
    products = category_products(shop, category, ListingFilters()).order_by()
    # Semi-joins (IN a subquery) rather than DISTINCT over a join: the database stops at
    # the first product of each brand and never sorts one row per product to deduplicate.
    brands = list(Brand.objects.filter(pk__in=products.values("brand_id")))
    values = (
        OptionValue.objects.filter(
            pk__in=Variant.option_values.through.objects.filter(
                variant__product__in=products
            ).values("optionvalue_id")
        )
        .select_related("option")
        .order_by("option__position", "option__code", "position", "code")
    )
    grouped: dict[str, tuple[str, str, list[OptionValue]]] = {}
    for value in values:
        entry = grouped.setdefault(value.option.code, (value.option.code, value.option.label, []))
        entry[2].append(value)
    return Facets(brands=brands, options=list(grouped.values()))


def category_path(category: Category) -> dict[str, list[CategoryTranslation]]:
    """The category and its ancestors, root first, in every language: one query gives the
    breadcrumb and the page's addresses in the other languages."""
    ids = [int(pk) for pk in category.path.strip("/").split("/") if pk]
    by_language: dict[str, dict[int, CategoryTranslation]] = {}
    for row in CategoryTranslation.objects.filter(category_id__in=ids):
        by_language.setdefault(row.language, {})[row.category_id] = row
    return {
        language: [rows[pk] for pk in ids if pk in rows] for language, rows in by_language.items()
    }


def child_categories(
    shop: Shop, language: str, parent: Category | None
) -> list[CategoryTranslation]:
    return list(
        CategoryTranslation.objects.filter(
            shop=shop, language=language, category__parent=parent, category__is_active=True
        )
        .select_related("category")
        .order_by("category__position", "name")
    )


def product_by_slug(shop: Shop, language: str, slug: str) -> ProductTranslation | None:
    """The product page's main row (the translation, its product, brand and category),
    with everything the page shows read along, as ``select_related`` and
    ``prefetch_related`` would give them: the variants with their option values, the
    product's options, its images, and its slugs in every language. Six plain-SQL
    queries (comptoir.core.rows): building the ORM's six cost more than running them."""
    sql = _product_page()
    with connection.cursor() as cursor:
        cursor.execute(sql.main, [shop.pk, language, slug, ProductStatus.ACTIVE])
        row = cursor.fetchone()
        if row is None:
            return None
        translation, product, brand, category = instances(row, sql.main_parts)
        pk = product.pk  # type: ignore[union-attr]
        found = {}
        for name, query, build in sql.related:
            cursor.execute(query, [pk])
            found[name] = [build(r) for r in cursor.fetchall()]
    assert isinstance(translation, ProductTranslation) and isinstance(product, Product)
    relate(translation, "product", product)
    relate(product, "brand", brand)
    relate(product, "category", category)
    variants = found["variants"]
    for variant in variants:
        relate(variant, "product", product)
        attach(variant, "option_values", [v for (pk, v) in found["values"] if pk == variant.pk])
    attach(product, "variants", variants)
    options = []
    for product_option, option in found["options"]:
        relate(product_option, "product", product)
        relate(product_option, "option", option)
        options.append(product_option)
    attach(product, "product_options", options)
    images = found["images"]
    for image in images:
        relate(image, "product", product)
    attach(product, "images", images)
    attach(product, "translations", found["slugs"])
    return translation


@dataclass(frozen=True)
class _ProductPage:
    main: str
    main_parts: list[tuple[type[Model], list[Field]]]
    # (name, SQL taking the product's id, what one of its rows becomes)
    related: list[tuple[str, str, Callable[[Sequence[Any]], Any]]]


@cache
def _product_page() -> _ProductPage:
    quote = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    parts = {
        # The searchable text stays behind (it is never shown).
        "t": columns(
            ProductTranslation,
            "t",
            only=[
                f.name
                for f in ProductTranslation._meta.concrete_fields
                if f.name not in ("search_name", "search_body")
            ],
        ),
        "p": columns(Product, "p"),
        "b": columns(Brand, "b"),
        "c": columns(Category, "c"),
    }
    main = (
        f"SELECT {', '.join(select for select, _f in parts.values())} "
        f"FROM {table(ProductTranslation)} t JOIN {table(Product)} p ON p.id = t.product_id "
        f"LEFT JOIN {table(Brand)} b ON b.id = p.brand_id "
        f"LEFT JOIN {table(Category)} c ON c.id = p.category_id "
        "WHERE t.shop_id = %s AND t.language = %s AND t.slug = %s AND p.status = %s"
    )
    main_parts = [
        (ProductTranslation, parts["t"][1]),
        (Product, parts["p"][1]),
        (Brand, parts["b"][1]),
        (Category, parts["c"][1]),
    ]
    variant_select, variant_fields = columns(Variant, "v")
    value_select, value_fields = columns(OptionValue, "o")
    through = Variant._meta.get_field("option_values").remote_field.through
    variant_column = quote(through._meta.get_field("variant").column)
    value_column = quote(through._meta.get_field("optionvalue").column)
    po_select, po_fields = columns(ProductOption, "po")
    option_select, option_fields = columns(Option, "op")
    image_select, image_fields = columns(ProductImage, "i")
    slug_select, slug_fields = columns(
        ProductTranslation, "t", only=["product", "language", "slug"]
    )
    related: list[tuple[str, str, Callable[[Sequence[Any]], Any]]] = [
        (
            "variants",
            f"SELECT {variant_select} FROM {table(Variant)} v WHERE v.product_id = %s "
            "ORDER BY v.position, v.id",
            lambda row: instance(Variant, variant_fields, row),
        ),
        (
            "values",
            f"SELECT vo.{variant_column}, {value_select} FROM {quote(through._meta.db_table)} vo "
            f"JOIN {table(OptionValue)} o ON o.id = vo.{value_column} "
            f"JOIN {table(Variant)} v ON v.id = vo.{variant_column} "
            "WHERE v.product_id = %s ORDER BY o.option_id, o.position, o.code",
            # (the variant's id, the value)
            lambda row: (row[0], instance(OptionValue, value_fields, row[1:])),
        ),
        (
            "options",
            f"SELECT {po_select}, {option_select} FROM {table(ProductOption)} po "
            f"JOIN {table(Option)} op ON op.id = po.option_id "
            "WHERE po.product_id = %s ORDER BY po.position, po.id",
            lambda row: instances(row, [(ProductOption, po_fields), (Option, option_fields)]),
        ),
        (
            "images",
            f"SELECT {image_select} FROM {table(ProductImage)} i WHERE i.product_id = %s "
            "ORDER BY i.position, i.id",
            lambda row: instance(ProductImage, image_fields, row),
        ),
        (
            "slugs",
            f"SELECT {slug_select} FROM {table(ProductTranslation)} t WHERE t.product_id = %s",
            lambda row: instance(ProductTranslation, slug_fields, row),
        ),
    ]
    return _ProductPage(main, main_parts, related)


def home_rows(shop: Shop, language: str, *, limit: int = 8) -> dict[str, list[ProductTranslation]]:
    products = active_products(shop)
    featured = products.filter(is_featured=True).order_by(*SORTS["best"])
    newest = products.order_by(*SORTS["newest"])
    return {
        "featured": products_in_order(
            shop, language, list(featured.values_list("pk", flat=True)[:limit])
        ),
        "newest": products_in_order(
            shop, language, list(newest.values_list("pk", flat=True)[:limit])
        ),
    }


def products_in_order(
    shop: Shop, language: str, product_ids: Sequence[int]
) -> list[ProductTranslation]:
    """Card rows for ``product_ids``, in that order. The ids come from a query that already
    kept the shop's active products; this one only looks up their translations, by the
    (product, language) unique index."""
    if not product_ids:
        return []
    found = {row.product_id: row for row in card_rows(language).filter(product_id__in=product_ids)}
    return [found[pk] for pk in product_ids if pk in found]
