"""Reads of the catalog worth naming: what the storefront pages show.

Each page is a handful of indexed queries whatever the catalog size: listing pages read
``ProductTranslation`` rows joined to their product, so names, slugs, prices and cover
images arrive in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from comptoir.catalog.models import (
    Brand,
    Category,
    CategoryTranslation,
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.shops.models import Shop

SORTS = {
    "best": ("-product__sales_count", "-product__published_at", "product_id"),
    "newest": ("-product__published_at", "-product_id"),
    "price": ("product__min_price", "product_id"),
    "-price": ("-product__min_price", "-product_id"),
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
        return bool(self.brands or self.options or self.min_price is not None
                    or self.max_price is not None)


@dataclass
class Facets:
    brands: list[Brand] = field(default_factory=list)
    options: list[tuple[str, str, list[OptionValue]]] = field(default_factory=list)


def listing_rows(shop: Shop, language: str) -> QuerySet[ProductTranslation]:
    """Active products of the shop in one language, with what a product card shows."""
    return ProductTranslation.objects.filter(
        shop=shop, language=language, product__status=ProductStatus.ACTIVE
    ).select_related("product", "product__cover_image").only(
        "name", "slug", "product_id", "product__min_price", "product__max_price",
        "product__in_stock", "product__allow_backorder", "product__kind",
        "product__cover_image__original", "product__cover_image__renditions",
        "product__cover_image__alt", "product__cover_image__width",
        "product__cover_image__height",
    )


def category_by_slug(shop: Shop, language: str, slug: str) -> CategoryTranslation | None:
    return (
        CategoryTranslation.objects.filter(
            shop=shop, language=language, slug=slug, category__is_active=True
        )
        .select_related("category")
        .first()
    )


def subtree_ids(category: Category) -> list[int]:
    return list(
        Category.objects.filter(path__startswith=category.path, is_active=True).values_list(
            "pk", flat=True
        )
    )


def category_listing(
    shop: Shop, language: str, category_ids: Sequence[int], filters: ListingFilters
) -> QuerySet[ProductTranslation]:
    rows = listing_rows(shop, language).filter(product__category_id__in=category_ids)
    return apply_filters(rows, filters).order_by(*SORTS[filters.sort])


def apply_filters(
    rows: QuerySet[ProductTranslation], filters: ListingFilters
) -> QuerySet[ProductTranslation]:
    if filters.brands:
        rows = rows.filter(product__brand__slug__in=filters.brands)
    if filters.min_price is not None:
        rows = rows.filter(product__max_price__gte=filters.min_price)
    if filters.max_price is not None:
        rows = rows.filter(product__min_price__lte=filters.max_price)
    for option_code, value_codes in filters.options:
        rows = rows.filter(
            Exists(
                Variant.option_values.through.objects.filter(
                    variant__product_id=OuterRef("product_id"),
                    optionvalue__option__code=option_code,
                    optionvalue__code__in=value_codes,
                )
            )
        )
    return rows


def category_facets(shop: Shop, category_ids: Sequence[int]) -> Facets:
    """The brands and option values present among the category's active products."""
    products = Product.objects.filter(
        shop=shop, status=ProductStatus.ACTIVE, category_id__in=category_ids
    )
    # Semi-joins (IN a subquery) rather than DISTINCT over a join: the database stops at
    # the first product of each brand and never sorts one row per product to deduplicate.
    brands = list(Brand.objects.filter(shop=shop, pk__in=products.values("brand_id")))
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


def category_path(category: Category, language: str) -> list[CategoryTranslation]:
    """The translations of the category and its ancestors, root first."""
    ids = [int(pk) for pk in category.path.strip("/").split("/") if pk]
    rows = {
        row.category_id: row
        for row in CategoryTranslation.objects.filter(category_id__in=ids, language=language)
    }
    return [rows[pk] for pk in ids if pk in rows]


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
    """The product page's main row, with everything it shows prefetched."""
    return (
        ProductTranslation.objects.filter(
            shop=shop, language=language, slug=slug, product__status=ProductStatus.ACTIVE
        )
        .select_related("product", "product__brand", "product__category")
        .prefetch_related(
            Prefetch(
                "product__variants",
                queryset=Variant.objects.prefetch_related(
                    Prefetch("option_values", queryset=OptionValue.objects.only(
                        "id", "option_id", "code", "labels", "position"))
                ),
            ),
            Prefetch(
                "product__product_options",
                queryset=ProductOption.objects.select_related("option").order_by("position"),
            ),
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "pk")),
            Prefetch(
                "product__translations",
                queryset=ProductTranslation.objects.only("product_id", "language", "slug"),
            ),
        )
        .first()
    )


def home_rows(shop: Shop, language: str, *, limit: int = 8) -> dict[str, list[ProductTranslation]]:
    rows = listing_rows(shop, language)
    return {
        "featured": list(rows.filter(product__is_featured=True).order_by(*SORTS["best"])[:limit]),
        "newest": list(rows.order_by(*SORTS["newest"])[:limit]),
    }


def products_in_order(
    shop: Shop, language: str, product_ids: Sequence[int]
) -> list[ProductTranslation]:
    """Listing rows for ``product_ids``, in that order (search results)."""
    found = {row.product_id: row for row in listing_rows(shop, language).filter(
        product_id__in=product_ids)}
    return [found[pk] for pk in product_ids if pk in found]
