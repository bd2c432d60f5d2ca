"""Every write to the catalog goes through these functions.

Each one runs in one transaction, keeps the denormalised listing fields of the product
(prices, stock flag, cover image, search text) in step, and bumps the shop's catalog
version so cached pages are invalidated on every server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from comptoir.catalog.models import (
    MAX_OPTIONS_PER_PRODUCT,
    Brand,
    Category,
    CategoryTranslation,
    Option,
    OptionValue,
    Product,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Tag,
    Variant,
)
from comptoir.catalog.text import html_to_text, make_slug, normalize_for_search, sanitize_html
from comptoir.core.exceptions import ComptoirError
from comptoir.core.money import quantize
from comptoir.seo.services import record_slug_change
from comptoir.shops.models import Shop
from comptoir.shops.services import bump_catalog_version


@dataclass
class TranslationInput:
    name: str
    slug: str = ""
    description: str = ""
    meta_title: str = ""
    meta_description: str = ""


@dataclass
class VariantInput:
    sku: str
    price: Decimal
    options: Mapping[str, str] = field(default_factory=dict)  # option code -> value code
    gtin: str = ""
    compare_at_price: Decimal | None = None
    weight_grams: int | None = None
    track_stock: bool = True
    stock_quantity: int = 0


# --- categories ---------------------------------------------------------------------------


@transaction.atomic
def create_category(
    shop: Shop,
    *,
    translations: Mapping[str, TranslationInput],
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    if parent is not None and parent.shop_id != shop.pk:
        raise ComptoirError("The parent category belongs to another shop.")
    category = Category.objects.create(shop=shop, parent=parent, position=position)
    update_category_path(category)
    save_category_translations(category, translations)
    bump_catalog_version(shop.pk)
    return category


def update_category_path(category: Category) -> None:
    """Recompute the materialised path of ``category`` and of its whole subtree."""
    parent = category.parent
    if parent is not None and f"/{category.pk}/" in parent.path:
        raise ComptoirError("A category cannot be placed inside its own subtree.")
    old_path = category.path
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.depth = category.path.count("/") - 2
    Category.objects.filter(pk=category.pk).update(path=category.path, depth=category.depth)
    if old_path and old_path != category.path:
        for child in Category.objects.filter(path__startswith=old_path).exclude(pk=category.pk):
            child.path = category.path + child.path[len(old_path) :]
            child.depth = child.path.count("/") - 2
            child.save(update_fields=["path", "depth"])


def save_category_translations(
    category: Category, translations: Mapping[str, TranslationInput]
) -> None:
    old_slugs = dict(category.translations.values_list("language", "slug"))
    for language, data in translations.items():
        slug = unique_slug(
            CategoryTranslation,
            category.shop_id,
            language,
            data.slug or data.name,
            exclude=Q(category=category),
        )
        CategoryTranslation.objects.update_or_create(
            category=category,
            language=language,
            defaults={
                "shop_id": category.shop_id,
                "name": data.name.strip(),
                "slug": slug,
                "description": sanitize_html(data.description),
                "meta_title": data.meta_title[:70],
                "meta_description": data.meta_description[:160],
            },
        )
        record_slug_change(
            category.shop,
            kind="category",
            language=language,
            old_slug=old_slugs.get(language, ""),
            new_slug=slug,
        )


# --- products -----------------------------------------------------------------------------


@transaction.atomic
def create_product(
    shop: Shop,
    *,
    translations: Mapping[str, TranslationInput],
    variants: Sequence[VariantInput],
    category: Category | None = None,
    brand: Brand | None = None,
    tags: Iterable[str] = (),
    status: str = ProductStatus.ACTIVE,
    **fields: object,
) -> Product:
    if not translations:
        raise ComptoirError("A product needs a name in at least one language.")
    if not variants:
        raise ComptoirError("A product needs at least one variant with a SKU and a price.")
    if category is not None and category.shop_id != shop.pk:
        raise ComptoirError("The category belongs to another shop.")
    product = Product.objects.create(
        shop=shop,
        category=category,
        brand=brand,
        status=status,
        published_at=timezone.now() if status == ProductStatus.ACTIVE else None,
        **fields,
    )
    option_codes = _option_codes(variants)
    options = ensure_options(shop, option_codes, variants)
    ProductOption.objects.bulk_create(
        ProductOption(product=product, option=options[code], position=i)
        for i, code in enumerate(option_codes)
    )
    for position, data in enumerate(variants):
        add_variant(product, data, position=position, options=options)
    if tags:
        product.tags.set(ensure_tags(shop, tags))
    save_product_translations(product, translations)
    refresh_product_listing(product)
    bump_catalog_version(shop.pk)
    return product


def add_variant(
    product: Product,
    data: VariantInput,
    *,
    position: int = 0,
    options: Mapping[str, Option] | None = None,
) -> Variant:
    currency = product.shop.currency
    variant = Variant(
        shop_id=product.shop_id,
        product=product,
        sku=data.sku.strip(),
        gtin=normalize_gtin(data.gtin),
        price=quantize(data.price, currency),
        compare_at_price=(
            quantize(data.compare_at_price, currency) if data.compare_at_price else None
        ),
        weight_grams=data.weight_grams,
        track_stock=data.track_stock,
        stock_quantity=data.stock_quantity,
        position=position,
    )
    variant.full_clean(exclude=["product", "shop"], validate_unique=False)
    if Variant.objects.filter(shop_id=product.shop_id, sku=variant.sku).exists():
        raise ComptoirError(f"The SKU {variant.sku} is already used by another variant.")
    variant.save()
    if data.options:
        options = options or ensure_options(product.shop, list(data.options), [data])
        values = [
            OptionValue.objects.get(option=options[code], code=make_slug(value, 80))
            for code, value in data.options.items()
        ]
        variant.option_values.set(values)
    return variant


def save_product_translations(
    product: Product, translations: Mapping[str, TranslationInput]
) -> None:
    brand = product.brand.name if product.brand else ""
    skus = " ".join(product.variants.values_list("sku", flat=True))
    tags = " ".join(product.tags.values_list("name", flat=True))
    old_slugs = dict(product.translations.values_list("language", "slug"))
    for language, data in translations.items():
        if not data.name.strip():
            raise ComptoirError(f"The product name in {language} is empty.")
        slug = unique_slug(
            ProductTranslation,
            product.shop_id,
            language,
            data.slug or data.name,
            exclude=Q(product=product),
        )
        description = sanitize_html(data.description)
        ProductTranslation.objects.update_or_create(
            product=product,
            language=language,
            defaults={
                "shop_id": product.shop_id,
                "name": data.name.strip()[:200],
                "slug": slug,
                "description": description,
                "meta_title": data.meta_title[:70],
                "meta_description": data.meta_description[:160],
                "search_name": normalize_for_search(f"{data.name} {brand}"),
                "search_body": normalize_for_search(f"{html_to_text(description)} {tags} {skus}"),
            },
        )
        record_slug_change(
            product.shop,
            kind="product",
            language=language,
            old_slug=old_slugs.get(language, ""),
            new_slug=slug,
        )


def refresh_product_listing(product: Product) -> None:
    """Recompute the listing fields that live on the product row."""
    prices = product.variants.aggregate(low=Min("price"), high=Max("price"))
    in_stock = (
        product.allow_backorder
        or product.variants.filter(
            Q(track_stock=False) | Q(stock_quantity__gt=F("reserved_quantity"))
        ).exists()
    )
    cover = product.images.order_by("position", "pk").first()
    Product.objects.filter(pk=product.pk).update(
        min_price=prices["low"] or Decimal("0.00"),
        max_price=prices["high"] or Decimal("0.00"),
        in_stock=in_stock,
        cover_image=cover,
        # .update() skips auto_now: the sitemaps' lastmod must still see the change.
        updated_at=timezone.now(),
    )
    product.refresh_from_db(fields=["min_price", "max_price", "in_stock", "cover_image"])


@transaction.atomic
def set_product_status(product: Product, *, status: str) -> Product:
    if status not in ProductStatus.values:
        raise ComptoirError(f"Unknown status {status!r}.")
    product.status = status
    if status == ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = timezone.now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    bump_catalog_version(product.shop_id)
    return product


@transaction.atomic
def product_changed(product: Product) -> None:
    """Called by the back office after it saved a product and its inlines."""
    translations = {
        t.language: TranslationInput(
            name=t.name,
            slug=t.slug,
            description=t.description,
            meta_title=t.meta_title,
            meta_description=t.meta_description,
        )
        for t in product.translations.all()
    }
    save_product_translations(product, translations)
    if product.status == ProductStatus.ACTIVE and product.published_at is None:
        Product.objects.filter(pk=product.pk).update(published_at=timezone.now())
    refresh_product_listing(product)
    bump_catalog_version(product.shop_id)


# --- shared helpers -----------------------------------------------------------------------


def unique_slug(
    model: type[ProductTranslation] | type[CategoryTranslation],
    shop_id: int,
    language: str,
    wanted: str,
    *,
    exclude: Q,
) -> str:
    """``wanted`` slugified, with -2, -3... appended until unique in the shop and language."""
    base = make_slug(wanted, 200)
    taken = set(
        model.objects.filter(shop_id=shop_id, language=language, slug__startswith=base)
        .exclude(exclude)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def normalize_gtin(raw: str) -> str:
    """Digits only; a GTIN whose check digit is wrong is refused rather than stored."""
    value = (raw or "").strip().replace(" ", "")
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ComptoirError(f"{raw!r} is not a GTIN: 8, 12, 13 or 14 digits are expected.")
    if gtin_check_digit(value[:-1]) != int(value[-1]):
        raise ComptoirError(f"{raw!r} is not a valid GTIN: its check digit is wrong.")
    return value


def gtin_check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def ensure_tags(shop: Shop, names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag, _ = Tag.objects.get_or_create(
            shop=shop, slug=make_slug(name, 100), defaults={"name": name.strip()}
        )
        tags.append(tag)
    return tags


def ensure_brand(shop: Shop, name: str) -> Brand:
    brand, _ = Brand.objects.get_or_create(
        shop=shop, slug=make_slug(name, 140), defaults={"name": name.strip()}
    )
    return brand


def ensure_options(
    shop: Shop, codes: Sequence[str], variants: Sequence[VariantInput]
) -> dict[str, Option]:
    """Create the options and values the variants name, reusing the shop's existing ones."""
    options: dict[str, Option] = {}
    for code in codes:
        option, _ = Option.objects.get_or_create(
            shop=shop, code=make_slug(code, 50), defaults={"labels": {"fr": code, "en": code}}
        )
        options[code] = option
        for variant in variants:
            value = variant.options.get(code)
            if value:
                OptionValue.objects.get_or_create(
                    option=option,
                    code=make_slug(value, 80),
                    defaults={"labels": {"fr": value, "en": value}},
                )
    return options


def _option_codes(variants: Sequence[VariantInput]) -> list[str]:
    codes: list[str] = []
    for variant in variants:
        for code in variant.options:
            if code not in codes:
                codes.append(code)
    if len(codes) > MAX_OPTIONS_PER_PRODUCT:
        raise ComptoirError(
            f"A product varies along at most {MAX_OPTIONS_PER_PRODUCT} options; "
            f"these variants use {len(codes)}: {', '.join(codes)}."
        )
    seen: set[tuple[str, ...]] = set()
    for variant in variants:
        key = tuple(make_slug(variant.options.get(code, ""), 80) for code in codes)
        if key in seen:
            if not codes:
                raise ComptoirError(
                    "Variants without options cannot be told apart: give each one a value "
                    "of an option such as size or colour."
                )
            raise ComptoirError(f"Two variants have the same options: {', '.join(key)}.")
        seen.add(key)
    return codes
