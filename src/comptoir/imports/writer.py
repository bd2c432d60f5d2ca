"""Writing validated product records to the catalog, a batch at a time.

A batch of a few hundred records costs a handful of queries: the existing SKUs and
legacy keys of the whole batch are fetched at once, new rows go in with ``bulk_create``
and existing rows are changed with ``bulk_update``. Every denormalised field (prices,
stock flag, search text) is computed exactly as ``comptoir.catalog.services`` computes it,
so an imported product cannot be told from one made in the back office.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Max, ProtectedError, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.catalog.models import (
    MAX_OPTIONS_PER_PRODUCT,
    Brand,
    Category,
    CategoryTranslation,
    Option,
    OptionValue,
    Product,
    ProductImage,
    ProductKind,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Tag,
    Variant,
    VatClass,
)
from comptoir.catalog.services import (
    TranslationInput,
    create_category,
    normalize_gtin,
    refresh_product_listing,
    unique_slug,
)
from comptoir.catalog.text import html_to_text, make_slug, normalize_for_search, sanitize_html
from comptoir.core.exceptions import ComptoirError
from comptoir.core.money import currency_precision, quantize
from comptoir.imports.bulk import insert_rows, select_in
from comptoir.imports.models import LegacyKey, PendingImage
from comptoir.imports.records import Issue, ProductRecord, VariantRecord
from comptoir.imports.redirects import RedirectBatch
from comptoir.seo.models import RedirectSource
from comptoir.shops.models import Shop

MAX_PRICE = Decimal("9999999999.99")
# ``ProductStatus.values`` builds a new list on every access: once per record, in an import.
PRODUCT_STATUSES = frozenset(ProductStatus.values)


def _same(value: object) -> object:
    return value


@lru_cache(maxsize=65536)
def cached_slug(value: str, max_length: int = 200) -> str:
    """Option values, tags and brands repeat on every other row: slug each once."""
    return make_slug(value, max_length)


# The column each platform names for a field, so that an error points at the right cell.
COLUMNS = {
    "shopify": {"name": "Title", "sku": "Variant SKU", "price": "Variant Price",
                "compare": "Variant Compare At Price", "stock": "Variant Inventory Qty",
                "gtin": "Variant Barcode", "options": "Option1 Value", "handle": "Handle"},
    "woocommerce": {"name": "Name", "sku": "SKU", "price": "Regular price",
                    "compare": "Regular price", "stock": "Stock",
                    "gtin": "GTIN, UPC, EAN, or ISBN", "options": "Attribute 1 value(s)",
                    "handle": "SKU"},
    "prestashop": {"name": "Name *", "sku": "Reference #", "price": "Price tax excluded",
                   "compare": "Price tax excluded", "stock": "Quantity", "gtin": "EAN13",
                   "options": "Value (Value:Position)*", "handle": "Product ID"},
    "comptoir": {"name": "name", "sku": "sku", "price": "price", "compare": "compare_at_price",
                 "stock": "stock_quantity", "gtin": "gtin", "options": "option1_value",
                 "handle": "handle"},
}  # fmt: skip


def validate_record(record: ProductRecord, platform: str) -> None:
    """The checks every platform shares; problems are added to ``record.issues``."""
    col = COLUMNS[platform]
    if record.attach_to_legacy_id:  # a PrestaShop combinations file
        col = {**col, "sku": "Reference", "price": "Impact on price", "gtin": "EAN13"}
    add = record.issues.append
    named = any(i.column == col["name"] for i in record.issues)
    if not record.attach_to_legacy_id and not record.name.strip() and not named:
        add(Issue(record.line, col["name"], _("The product name is missing.")))
    if len(record.name) > 200:
        add(Issue(record.line, col["name"], _("The name is longer than 200 characters.")))
    if not record.variants:
        add(Issue(record.line, col["price"], _("The product has no variant with a price.")))
    skus: set[str] = set()
    combos: set[tuple[str, ...]] = set()
    names: list[str] = []
    for variant in record.variants:
        if not variant.sku:
            if not any(i.line == variant.line and i.column == col["sku"] for i in record.issues):
                add(Issue(variant.line, col["sku"], _("The SKU is missing.")))
        elif len(variant.sku) > 64:
            add(Issue(variant.line, col["sku"], _("The SKU is longer than 64 characters.")))
        elif variant.sku in skus:
            add(
                Issue(
                    variant.line,
                    col["sku"],
                    _("The SKU %(sku)s is used twice in this file.") % {"sku": variant.sku},
                )
            )
        skus.add(variant.sku)
        if variant.price is not None and not record.attach_to_legacy_id and variant.price < 0:
            add(Issue(variant.line, col["price"], _("The price cannot be negative.")))
        if variant.price is not None and abs(variant.price) > MAX_PRICE:
            add(Issue(variant.line, col["price"], _("The price is too large.")))
        if variant.compare_at_price is not None and not (
            0 <= variant.compare_at_price <= MAX_PRICE
        ):
            add(Issue(variant.line, col["compare"], _("The former price cannot be negative.")))
            variant.compare_at_price = None
        if variant.stock_quantity < 0:
            # Shops oversell; a negative stock is kept (the model allows it) but reported.
            add(
                Issue(
                    variant.line,
                    col["stock"],
                    _("The stock is negative (%(stock)s): more was sold than was in stock.")
                    % {"stock": variant.stock_quantity},
                    warning=True,
                )
            )
        if variant.gtin:
            try:
                variant.gtin = normalize_gtin(variant.gtin)
            except ComptoirError as exc:
                add(Issue(variant.line, col["gtin"], str(exc) + " " + _("It was left out."), True))
                variant.gtin = ""
        if variant.weight_grams is not None and not 0 <= variant.weight_grams <= 2_000_000_000:
            add(Issue(variant.line, "", _("The weight is out of range."), True))
            variant.weight_grams = None
        key = tuple([cached_slug(v, 80) for v in variant.options.values()])
        for name in variant.options:
            if name not in names:
                names.append(name)
        if key in combos and len(record.variants) > 1:
            add(
                Issue(
                    variant.line,
                    col["options"],
                    _("Two variants of this product have the same options."),
                )
            )
        combos.add(key)
    if len(names) > MAX_OPTIONS_PER_PRODUCT:
        add(
            Issue(
                record.line,
                col["options"],
                _("A product varies along at most 3 options; this one uses %(count)s.")
                % {"count": len(names)},
            )
        )


@dataclass
class WriteCounts:
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    redirects_created: int = 0
    images_queued: int = 0
    # Old addresses of products that are not on sale (draft, archived): a 301 to a page
    # that answers 404 helps nobody, so they are listed for the merchant instead.
    not_redirected: list[str] = field(default_factory=list)


class CatalogWriter:
    """Writes batches of valid records for one shop and one import job."""

    def __init__(self, shop: Shop, *, platform: str, job_id: int | None = None) -> None:
        self.shop = shop
        self.platform = platform
        self.job_id = job_id
        self.languages = [
            code for code in (shop.languages or shop.default_language).split(",") if code
        ] or [shop.default_language]
        self.language = shop.default_language
        if self.language not in self.languages:
            self.languages.insert(0, self.language)
        self.counts = WriteCounts()
        # Products written by this run have ids above the watermark (or are in
        # ``updated_ids``): meeting one again means the file names it twice.
        self.watermark = Product.objects.filter(shop=shop).aggregate(m=Max("pk"))["m"] or 0
        self.updated_ids: set[int] = set()
        self.load_caches()
        with translation.override(self.language):
            self.product_prefix = reverse("storefront:product", kwargs={"slug": "x"})[:-2]
            self.category_prefix = reverse("storefront:category", kwargs={"slug": "x"})[:-2]

    def load_caches(self) -> None:
        """The shop's categories, brands, tags and options by key, as the database has
        them (again after a batch was rolled back)."""
        shop = self.shop
        self.category_ids: dict[tuple[str, ...], int] = {}
        self.brand_ids = dict(Brand.objects.filter(shop=shop).values_list("slug", "pk"))
        self.tag_ids = dict(Tag.objects.filter(shop=shop).values_list("slug", "pk"))
        self.options: dict[str, tuple[int, dict[str, int]]] = {}
        for option in Option.objects.filter(shop=shop).prefetch_related("values"):
            self.options[option.code] = (option.pk, {v.code: v.pk for v in option.values.all()})
        self.redirects = RedirectBatch(shop)

    # --- lookups -------------------------------------------------------------------------

    def product_path(self, slug: str) -> str:
        return f"{self.product_prefix}{slug}/"

    def _category_id(self, path: list[str]) -> int | None:
        """The category for ``["Clothing", "T-shirts"]``, created level by level if new."""
        known = self.category_ids.get(tuple(path))
        if known is not None:  # nearly every product of a file: no walk down the levels
            return known
        parent_id: int | None = None
        for depth in range(1, len(path) + 1):
            key = tuple(path[:depth])
            if key in self.category_ids:
                parent_id = self.category_ids[key]
                continue
            name = path[depth - 1][:150]
            existing = (
                CategoryTranslation.objects.filter(
                    shop=self.shop, language=self.language, name=name, category__parent_id=parent_id
                )
                .values_list("category_id", flat=True)
                .first()
            )
            if existing is None:
                parent = Category.objects.get(pk=parent_id) if parent_id else None
                category = create_category(
                    self.shop,
                    parent=parent,
                    translations={code: TranslationInput(name=name) for code in self.languages},
                )
                existing = category.pk
                if self.platform == "woocommerce":
                    old = "/product-category/" + "/".join(make_slug(p) for p in key) + "/"
                    slug = CategoryTranslation.objects.get(
                        category=category, language=self.language
                    ).slug
                    self._redirect(old, f"{self.category_prefix}{slug}/")
            self.category_ids[key] = parent_id = existing
        return parent_id

    def _brand_id(self, name: str) -> int | None:
        if not name:
            return None
        slug = cached_slug(name, 140)
        if slug not in self.brand_ids:
            brand, _created = Brand.objects.get_or_create(
                shop=self.shop, slug=slug, defaults={"name": name[:120]}
            )
            self.brand_ids[slug] = brand.pk
        return self.brand_ids[slug]

    def _tag_ids(self, names: list[str]) -> list[int]:
        ids = []
        for name in names:
            slug = cached_slug(name, 100)
            if slug not in self.tag_ids:
                tag, _created = Tag.objects.get_or_create(
                    shop=self.shop, slug=slug, defaults={"name": name[:80]}
                )
                self.tag_ids[slug] = tag.pk
            ids.append(self.tag_ids[slug])
        return list(dict.fromkeys(ids))

    def _value_ids(self, options: dict[str, str]) -> tuple[list[int], list[int]]:
        """(option ids, value ids) for {name: value}, creating what the shop lacks."""
        option_ids, value_ids = [], []
        for name, value in options.items():
            code = cached_slug(name, 50)
            if code not in self.options:
                option, _created = Option.objects.get_or_create(
                    shop=self.shop, code=code, defaults={"labels": {"fr": name, "en": name}}
                )
                self.options[code] = (option.pk, {})
            option_id, values = self.options[code]
            value_code = cached_slug(value, 80)
            if value_code not in values:
                row, _created = OptionValue.objects.get_or_create(
                    option_id=option_id,
                    code=value_code,
                    defaults={"labels": {"fr": value, "en": value}, "position": len(values)},
                )
                values[value_code] = row.pk
            option_ids.append(option_id)
            value_ids.append(values[value_code])
        return option_ids, value_ids

    def _redirect(self, old_path: str, new_path: str) -> None:
        self.redirects.add(old_path, new_path, RedirectSource.IMPORT)

    def _product_redirects(self, record: ProductRecord, new_path: str) -> None:
        for old in record.old_paths:
            if record.status == ProductStatus.ACTIVE:
                self._redirect(old, new_path)
            elif len(self.counts.not_redirected) < 1000:
                self.counts.not_redirected.append(old)

    # --- writing -------------------------------------------------------------------------

    def write(self, records: list[ProductRecord]) -> list[Issue]:
        """Create or update the products of ``records``; returns the conflicts found
        against the database (their records are skipped)."""
        issues: list[Issue] = []
        col = COLUMNS[self.platform]
        records = [r for r in records if not r.attach_to_legacy_id] + self._attach(
            [r for r in records if r.attach_to_legacy_id], issues
        )
        skus = [v.sku for r in records for v in r.variants]
        by_sku = dict(
            select_in(
                "SELECT sku, product_id FROM catalog_variant WHERE shop_id = %s",
                [self.shop.pk],
                "sku",
                skus,
            )
        )
        keys = [r.handle for r in records]
        by_key = dict(
            select_in(
                'SELECT "key", product_id FROM imports_legacykey '
                "WHERE shop_id = %s AND platform = %s AND kind = 'handle'",
                [self.shop.pk, self.platform],
                '"key"',
                keys,
            )
        )
        if self.platform == "comptoir":
            for key, product_id in select_in(
                "SELECT slug, product_id FROM catalog_producttranslation "
                "WHERE shop_id = %s AND language = %s",
                [self.shop.pk, self.language],
                "slug",
                keys,
            ):
                by_key.setdefault(key, product_id)
        new, existing = [], []
        seen_skus: dict[str, int] = {}
        seen_handles: set[str] = set()
        for record in records:
            product_id = by_key.get(record.handle) or next(
                (by_sku[v.sku] for v in record.variants if v.sku in by_sku), None
            )
            conflict = None
            for variant in record.variants:
                owner = by_sku.get(variant.sku)
                if variant.sku in seen_skus or (owner is not None and owner != product_id):
                    conflict = Issue(
                        variant.line,
                        col["sku"],
                        _("The SKU %(sku)s already belongs to another product.")
                        % {"sku": variant.sku},
                    )
                seen_skus[variant.sku] = record.line
            if record.handle in seen_handles or (
                product_id is not None
                and (product_id > self.watermark or product_id in self.updated_ids)
            ):
                conflict = Issue(
                    record.line,
                    col["handle"],
                    _("The product %(key)s appears twice in this file.") % {"key": record.handle},
                )
            if conflict:
                issues.append(conflict)
                continue
            seen_handles.add(record.handle)
            if product_id is None:
                new.append(record)
            else:
                existing.append((product_id, record))
        if new:
            self._create(new)
        if existing:
            self._update(existing, by_sku)
        self.counts.redirects_created += self.redirects.flush()
        return issues

    def _attach(self, records: list[ProductRecord], issues: list[Issue]) -> list[ProductRecord]:
        """Variant-only records (PrestaShop combinations) become records of the product
        their legacy id names, with the prices made absolute."""
        if not records:
            return []
        keys = {
            key.key: key
            for key in LegacyKey.objects.filter(
                shop=self.shop,
                platform=self.platform,
                kind="product",
                key__in=[r.attach_to_legacy_id for r in records],
            ).select_related("product")
        }
        attached = []
        for record in records:
            key = keys.get(record.attach_to_legacy_id)
            if key is None or key.product is None:
                issues.append(
                    Issue(
                        record.line,
                        "Product ID*",
                        _("No product with the id %(id)s was imported from PrestaShop yet.")
                        % {"id": record.attach_to_legacy_id},
                    )
                )
                continue
            base = key.base_price or Decimal(0)
            for variant in record.variants:
                variant.price = max(Decimal(0), base + (variant.price or Decimal(0)))
            # The single variant of the products file stood for the whole product; the
            # combinations replace it (unless an order already points at it).
            for variant in key.product.variants.filter(
                option_values__isnull=True, order_lines__isnull=True
            ):
                try:
                    with transaction.atomic():
                        variant.delete()
                except ProtectedError:
                    pass  # an order line points at it: it stays
            translation_row = key.product.translations.filter(language=self.language).first()
            record.handle = f"ps-{record.attach_to_legacy_id}"
            record.name = translation_row.name if translation_row else record.handle
            record.slug = translation_row.slug if translation_row else ""
            record.status = key.product.status
            record.description = translation_row.description if translation_row else ""
            record.meta_title = translation_row.meta_title if translation_row else ""
            record.meta_description = translation_row.meta_description if translation_row else ""
            record.brand = key.product.brand.name if key.product.brand else ""
            record.keep_category = True
            record.existing_category_id = key.product.category_id
            attached.append(record)
        return attached

    def _variant(self, record: ProductRecord, data: VariantRecord, position: int) -> Variant:
        currency = self.shop.currency
        return Variant(
            shop_id=self.shop.pk,
            sku=data.sku,
            gtin=data.gtin,
            price=quantize(data.price or Decimal(0), currency),
            compare_at_price=(
                quantize(data.compare_at_price, currency) if data.compare_at_price else None
            ),
            weight_grams=data.weight_grams,
            track_stock=data.track_stock,
            stock_quantity=data.stock_quantity,
            position=position,
        )

    def _product_fields(self, record: ProductRecord) -> dict[str, object]:
        if record.keep_category:
            category_id = record.existing_category_id
        elif record.category_path:
            category_id = self._category_id(record.category_path)
        else:
            category_id = None
        status = record.status if record.status in PRODUCT_STATUSES else ProductStatus.DRAFT
        return {
            "status": status,
            "category_id": category_id,
            "brand_id": self._brand_id(record.brand),
            "allow_backorder": record.allow_backorder,
        }

    def _translation_fields(self, record: ProductRecord, skus: str) -> dict[str, str]:
        description = sanitize_html(record.description)
        name = record.name.strip()[:200]
        tags = " ".join(record.tags)
        return {
            "name": name,
            "description": description,
            "meta_title": record.meta_title[:70],
            "meta_description": record.meta_description[:160],
            "search_name": normalize_for_search(f"{name} {record.brand}"),
            "search_body": normalize_for_search(f"{html_to_text(description)} {tags} {skus}"),
        }

    def _create(self, records: list[ProductRecord]) -> None:
        """New products as plain multi-row INSERTs: building a model instance and
        preparing each field through the ORM cost more than the database's own work."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        currency = self.shop.currency
        shop_id = self.shop.pk
        # Enum members are looked up through a descriptor, and sqlite3 binds one only after
        # looking for an adapter in vain: their plain values, once per batch.
        physical, standard = ProductKind.PHYSICAL.value, VatClass.STANDARD.value
        active, pending = ProductStatus.ACTIVE.value, PendingImage.Status.PENDING.value
        # Likewise a bool (not exactly an int) and a Decimal (Django's adapter: ``str``):
        # for SQLite, the flags as 0/1 and the amounts as their text, what sqlite3 binds
        # for them after its registry look-up, per value.
        if connection.vendor == "sqlite":
            flag, amount, no = int, str, 0
        else:
            flag, amount, no = bool, _same, False
        # The amounts are validated Decimals: rounded as ``quantize`` rounds them, without
        # its checks and its exponent built again on every call.
        minor = Decimal(1).scaleb(-currency_precision(currency))
        zero = Decimal(0)
        product_rows, variant_rows = [], []
        prices_of: list[list[Decimal]] = []
        for record in records:
            fields = self._product_fields(record)
            prices = [
                (v.price or zero).quantize(minor, rounding=ROUND_HALF_UP) for v in record.variants
            ]
            prices_of.append(prices)
            in_stock = record.allow_backorder or any(
                not v.track_stock or v.stock_quantity > 0 for v in record.variants
            )
            product_rows.append((
                shop_id, physical, fields["status"], fields["category_id"],
                fields["brand_id"], standard, no, flag(fields["allow_backorder"]),
                now if fields["status"] == active else None,
                amount(min(prices)), amount(max(prices)), 0, flag(in_stock), now, now,
            ))  # fmt: skip
        product_ids = insert_rows(
            Product,
            ["shop", "kind", "status", "category", "brand", "vat_class", "is_featured",
             "allow_backorder", "published_at", "min_price", "max_price", "sales_count",
             "in_stock", "created_at", "updated_at"],
            product_rows,
            returning=True,
        )  # fmt: skip
        for record, product_id, prices in zip(records, product_ids, prices_of, strict=True):
            for position, data in enumerate(record.variants):
                compare = data.compare_at_price
                variant_rows.append((
                    shop_id, product_id, data.sku, data.gtin, amount(prices[position]),
                    amount(compare.quantize(minor, rounding=ROUND_HALF_UP)) if compare else None,
                    data.weight_grams, flag(data.track_stock), data.stock_quantity, 0, position,
                    now, now,
                ))  # fmt: skip
        variant_ids = insert_rows(
            Variant,
            ["shop", "product", "sku", "gtin", "price", "compare_at_price", "weight_grams",
             "track_stock", "stock_quantity", "reserved_quantity", "position", "created_at",
             "updated_at"],
            variant_rows,
            returning=True,
        )  # fmt: skip
        links, product_options, tag_links, keys, images, translations = [], [], [], [], [], []
        slugs = self._unique_slugs(records)
        ids = iter(variant_ids)
        for record, product_id, slug in zip(records, product_ids, slugs, strict=True):
            seen_options: list[int] = []
            skus = []
            for data in record.variants:
                variant_id = next(ids)
                skus.append(data.sku)
                option_ids, value_ids = self._value_ids(data.options)
                links += [(variant_id, v) for v in value_ids]
                seen_options += [o for o in option_ids if o not in seen_options]
            product_options += [(product_id, o, i) for i, o in enumerate(seen_options)]
            tag_links += [(product_id, t) for t in self._tag_ids(record.tags)]
            keys += self._key_rows(record, product_id, shop_id)
            images += [
                (self.job_id, product_id, image.url[:1000], image.alt[:200], i,
                 pending, "")
                for i, image in enumerate(record.images)
                if image.url.startswith(("http://", "https://"))
            ]  # fmt: skip
            fields = self._translation_fields(record, " ".join(skus))
            for language in self.languages:
                translations.append((
                    product_id, shop_id, language, fields["name"], slug[language],
                    fields["description"], fields["meta_title"], fields["meta_description"],
                    fields["search_name"], fields["search_body"],
                ))  # fmt: skip
            self._product_redirects(record, self.product_path(slug[self.language]))
        through = Variant.option_values.through
        insert_rows(through, ["variant", "optionvalue"], links)
        insert_rows(ProductOption, ["product", "option", "position"], product_options)
        insert_rows(Product.tags.through, ["product", "tag"], tag_links)
        insert_rows(
            LegacyKey,
            ["shop", "platform", "kind", "key", "product", "base_price"],
            keys,
            ignore_conflicts=True,
        )
        insert_rows(
            PendingImage,
            ["job", "product", "url", "alt", "position", "status", "error"],
            images,
        )
        self.counts.images_queued += len(images)
        insert_rows(
            ProductTranslation,
            ["product", "shop", "language", "name", "slug", "description", "meta_title",
             "meta_description", "search_name", "search_body"],
            translations,
        )  # fmt: skip
        self.counts.products_created += len(product_ids)
        self.counts.variants_created += len(variant_ids)

    def _key_rows(
        self, record: ProductRecord, product_id: int, shop_id: int
    ) -> list[tuple[object, ...]]:
        base = record.variants[0].price if len(record.variants) == 1 else None
        pairs = [("handle", record.handle), *record.legacy_keys]
        platform = self.platform
        return [
            (shop_id, platform, kind, key[:200], product_id, base)
            for kind, key in dict.fromkeys(pairs)
            if key
        ]

    def _keys(self, record: ProductRecord, product_id: int) -> list[LegacyKey]:
        base = record.variants[0].price if len(record.variants) == 1 else None
        pairs = [("handle", record.handle), *record.legacy_keys]
        return [
            LegacyKey(
                shop_id=self.shop.pk,
                platform=self.platform,
                kind=kind,
                key=key[:200],
                product_id=product_id,
                base_price=base,
            )
            for kind, key in dict.fromkeys(pairs)
            if key
        ]

    def _queue_images(self, images: list[PendingImage]) -> None:
        if images:
            PendingImage.objects.bulk_create(images)
            self.counts.images_queued += len(images)

    def _unique_slugs(self, records: list[ProductRecord]) -> list[dict[str, str]]:
        """One slug per record and language, unique in the shop: the wanted slug when it is
        free, else the catalog's own -2, -3... suffixing."""
        wanted = [make_slug(r.slug or r.name, 200) for r in records]
        taken: set[tuple[str, str]] = set()
        # A query per language: each slug is then one probe of the (shop, language, slug)
        # index; with ``language IN (...)`` PostgreSQL read the shop's whole range of it.
        for language in self.languages:
            taken.update(
                select_in(
                    "SELECT language, slug FROM catalog_producttranslation "
                    "WHERE shop_id = %s AND language = %s",
                    [self.shop.pk, language],
                    "slug",
                    list(dict.fromkeys(wanted)),
                )
            )
        result: list[dict[str, str]] = []
        used: set[tuple[str, str]] = set()
        for slug in wanted:
            per_language = {}
            for language in self.languages:
                candidate = slug
                if (language, candidate) in taken or (language, candidate) in used:
                    candidate = unique_slug(
                        ProductTranslation, self.shop.pk, language, slug, exclude=Q(pk__in=[])
                    )
                    n = 2
                    while (language, candidate) in used:
                        candidate = f"{slug}-{n}"
                        n += 1
                used.add((language, candidate))
                per_language[language] = candidate
            result.append(per_language)
        return result

    def _update(self, pairs: list[tuple[int, ProductRecord]], by_sku: dict[str, int]) -> None:
        ids = [product_id for product_id, _record in pairs]
        products = Product.objects.in_bulk(ids)
        existing_variants: dict[str, Variant] = {
            v.sku: v for v in Variant.objects.filter(product_id__in=ids)
        }
        translations: dict[int, list[ProductTranslation]] = defaultdict(list)
        for row in ProductTranslation.objects.filter(product_id__in=ids):
            translations[row.product_id].append(row)
        image_urls = set(
            ProductImage.objects.filter(product_id__in=ids).values_list("product_id", "source_url")
        ) | set(PendingImage.objects.filter(product_id__in=ids).values_list("product_id", "url"))
        changed_products, changed_variants, changed_translations = [], [], []
        new_variants: list[tuple[VariantRecord, Variant]] = []
        images, keys = [], []
        for product_id, record in pairs:
            product = products[product_id]
            for name, value in self._product_fields(record).items():
                setattr(product, name, value)
            if product.status == ProductStatus.ACTIVE and product.published_at is None:
                product.published_at = timezone.now()
            changed_products.append(product)
            for position, data in enumerate(record.variants):
                variant = existing_variants.get(data.sku)
                fresh = self._variant(record, data, position)
                if variant is None:
                    fresh.product_id = product_id
                    new_variants.append((data, fresh))
                    continue
                for name in ("gtin", "price", "compare_at_price", "weight_grams",
                             "track_stock", "stock_quantity"):  # fmt: skip
                    setattr(variant, name, getattr(fresh, name))
                changed_variants.append(variant)
            fields = self._translation_fields(record, " ".join(v.sku for v in record.variants))
            present = {row.language for row in translations[product_id]}
            for row in translations[product_id]:
                for name, value in fields.items():
                    setattr(row, name, value)
                changed_translations.append(row)
            for language in self.languages:
                if language not in present:
                    slug = unique_slug(
                        ProductTranslation, self.shop.pk, language, record.slug or record.name,
                        exclude=Q(product_id=product_id),
                    )  # fmt: skip
                    ProductTranslation.objects.create(
                        product_id=product_id, shop_id=self.shop.pk, language=language,
                        slug=slug, **fields,
                    )  # fmt: skip
            slug = next(
                (r.slug for r in translations[product_id] if r.language == self.language), ""
            )
            if slug:
                self._product_redirects(record, self.product_path(slug))
            images += [
                PendingImage(
                    job_id=self.job_id,
                    product_id=product_id,
                    url=image.url[:1000],
                    alt=image.alt[:200],
                    position=i,
                )
                for i, image in enumerate(record.images)
                if image.url.startswith(("http://", "https://"))
                and (product_id, image.url[:1000]) not in image_urls
            ]
            keys += self._keys(record, product_id)
            self.updated_ids.add(product_id)
        Product.objects.bulk_update(
            changed_products,
            ["status", "category_id", "brand_id", "allow_backorder", "published_at"],
        )
        Variant.objects.bulk_update(
            changed_variants,
            ["gtin", "price", "compare_at_price", "weight_grams", "track_stock", "stock_quantity"],
        )
        ProductTranslation.objects.bulk_update(
            changed_translations,
            ["name", "description", "meta_title", "meta_description", "search_name",
             "search_body"],
        )  # fmt: skip
        if new_variants:
            Variant.objects.bulk_create([v for _d, v in new_variants])
            through = Variant.option_values.through
            links, product_options = [], []
            for data, variant in new_variants:
                option_ids, value_ids = self._value_ids(data.options)
                links += [through(variant_id=variant.pk, optionvalue_id=v) for v in value_ids]
                product_options += [
                    ProductOption(product_id=variant.product_id, option_id=o, position=i)
                    for i, o in enumerate(option_ids)
                ]
            through.objects.bulk_create(links)
            ProductOption.objects.bulk_create(product_options, ignore_conflicts=True)
        for product_id, record in pairs:
            tag_ids = self._tag_ids(record.tags)
            if tag_ids:
                products[product_id].tags.add(*tag_ids)
        LegacyKey.objects.bulk_create(keys, ignore_conflicts=True)
        self._queue_images(images)
        for product in changed_products:
            refresh_product_listing(product)
        self.counts.products_updated += len(changed_products)
        self.counts.variants_updated += len(changed_variants)
        self.counts.variants_created += len(new_variants)
