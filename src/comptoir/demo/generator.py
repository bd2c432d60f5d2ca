"""A synthetic catalog of any size, for benchmarks: ``comptoir generate_catalog``.

Rows are written with ``bulk_create`` in batches, one transaction per batch, and every
denormalised field (prices, stock flag, search text) is computed here exactly as the
catalog services compute it, so the storefront and the search index cannot tell these
products from ones created through the back office. Everything random comes from one
``random.Random(seed)``: the same seed gives the same names, slugs, SKUs and prices.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from comptoir.catalog.models import (
    Brand,
    Category,
    Option,
    OptionValue,
    Product,
    ProductKind,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
    VatClass,
)
from comptoir.catalog.services import (
    TranslationInput,
    create_category,
    gtin_check_digit,
)
from comptoir.catalog.text import html_to_text, make_slug, normalize_for_search, sanitize_html
from comptoir.core.exceptions import ComptoirError
from comptoir.search.backends import sqlite as sqlite_search
from comptoir.shops.models import Shop
from comptoir.shops.services import bump_catalog_version, create_shop

LANGUAGES = ("fr", "en")
# Publication dates are spread over the three years before this fixed instant, so that a
# seed gives the same catalog whenever it is generated.
REFERENCE_DATE = datetime(2025, 6, 1, tzinfo=UTC)

# Root categories, their second and third levels: 8 x 5 x 4 gives 208 categories.
ROOTS = [
    ("Thé", "Tea"),
    ("Café", "Coffee"),
    ("Cuisine", "Kitchen"),
    ("Maison", "Home"),
    ("Jardin", "Garden"),
    ("Épicerie fine", "Fine foods"),
    ("Bien-être", "Wellbeing"),
    ("Papeterie", "Stationery"),
]
SECOND_LEVEL = [
    ("Classiques", "Classics"),
    ("Éditions limitées", "Limited editions"),
    ("Accessoires", "Accessories"),
    ("Coffrets", "Gift boxes"),
    ("Bio", "Organic"),
]
THIRD_LEVEL = [
    ("Petit format", "Small size"),
    ("Grand format", "Large size"),
    ("Lots", "Bundles"),
    ("Recharges", "Refills"),
]
NOUNS = [
    ("Théière", "teapot"),
    ("Tasse", "cup"),
    ("Mug", "mug"),
    ("Bol", "bowl"),
    ("Carafe", "carafe"),
    ("Moulin", "grinder"),
    ("Boîte", "tin"),
    ("Plateau", "tray"),
    ("Bougie", "candle"),
    ("Carnet", "notebook"),
    ("Tablier", "apron"),
    ("Panier", "basket"),
    ("Infuseur", "infuser"),
    ("Cafetière", "coffee maker"),
    ("Pot", "jar"),
    ("Thé vert", "green tea"),
    ("Thé noir", "black tea"),
    ("Café moulu", "ground coffee"),
    ("Café en grains", "coffee beans"),
    ("Tisane", "herbal tea"),
    ("Miel", "honey"),
    ("Confiture", "jam"),
    ("Savon", "soap"),
    ("Huile", "oil"),
    ("Vase", "vase"),
]
QUALITIES = [
    ("en fonte", "cast-iron"),
    ("en céramique", "ceramic"),
    ("en grès", "stoneware"),
    ("en verre", "glass"),
    ("en bois d'olivier", "olive wood"),
    ("en lin", "linen"),
    ("émaillé", "enamelled"),
    ("artisanal", "handmade"),
    ("fumé", "smoked"),
    ("parfumé", "scented"),
    ("biologique", "organic"),
    ("de saison", "seasonal"),
    ("en porcelaine", "porcelain"),
    ("en cuivre", "copper"),
    ("recyclé", "recycled"),
]
PLACES = [
    "Kyoto",
    "Darjeeling",
    "Assam",
    "Yunnan",
    "Sidamo",
    "Huila",
    "Provence",
    "Bretagne",
    "Lisbonne",
    "Hanoï",
    "Oaxaca",
    "Ceylan",
    "Kenya",
    "Java",
    "Sumatra",
    "Anjou",
    "Vosges",
    "Camargue",
    "Tanzanie",
    "Minas",
    "Nara",
    "Fujian",
    "Atlas",
    "Cévennes",
]
BRAND_WORDS = [
    "Maison",
    "Atelier",
    "Comptoir",
    "Jardin",
    "Terres",
    "Forge",
    "Moulin",
    "Fabrique",
    "Manufacture",
    "Ruche",
]
BRAND_NAMES = [
    "Dupont",
    "Lefèvre",
    "Kobayashi",
    "Aubert",
    "Nguyen",
    "Marchand",
    "Silva",
    "Ferrand",
    "Okafor",
    "Garnier",
]
SENTENCES = [
    (
        "Fabriqué en petite série par un atelier familial.",
        "Made in small runs by a family workshop.",
    ),
    ("Livré dans un emballage sans plastique.", "Shipped in plastic-free packaging."),
    ("Idéal pour offrir comme pour tous les jours.", "Ideal as a gift or for every day."),
    ("Récolte de printemps, notes florales et douces.", "Spring harvest, soft floral notes."),
    ("Se lave à la main à l'eau tiède.", "Wash by hand in lukewarm water."),
    ("Une pièce robuste qui dure des années.", "A sturdy piece that lasts for years."),
]
# Shared options: code, labels and values (code, fr, en).
OPTIONS = [
    (
        "taille",
        ("Taille", "Size"),
        [
            ("s", "S", "S"),
            ("m", "M", "M"),
            ("l", "L", "L"),
            ("xl", "XL", "XL"),
        ],
    ),
    (
        "couleur",
        ("Couleur", "Colour"),
        [
            ("noir", "Noir", "Black"),
            ("blanc", "Blanc", "White"),
            ("rouge", "Rouge", "Red"),
            ("vert", "Vert", "Green"),
            ("bleu", "Bleu", "Blue"),
            ("sable", "Sable", "Sand"),
        ],
    ),
    (
        "format",
        ("Format", "Format"),
        [
            ("100-g", "100 g", "100 g"),
            ("250-g", "250 g", "250 g"),
            ("500-g", "500 g", "500 g"),
            ("1-kg", "1 kg", "1 kg"),
        ],
    ),
]
REF_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# Product references are five characters of REF_ALPHABET, one per product.
MAX_PRODUCTS = 34**5


@dataclass(frozen=True)
class GenerationReport:
    shop: Shop
    products: int
    variants: int
    seconds: float

    @property
    def products_per_second(self) -> float:
        return self.products / self.seconds if self.seconds else 0.0


@dataclass
class _Catalog:
    """What every product batch picks from: ids of the shop's shared rows."""

    leaf_category_ids: list[int]
    brands: list[tuple[int, str]]  # (id, name)
    # option code -> (option id, [value ids in position order])
    options: dict[str, tuple[int, list[int]]]


def generate_catalog(
    *,
    products: int,
    seed: int = 1,
    shop_code: str = "bench",
    variants_max: int = 3,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Create ``products`` active products (and their shop, categories, brands, options).

    ``progress`` is called with the number of products written after each batch.
    """
    if products < 0:
        raise ComptoirError("The number of products cannot be negative.")
    if products > MAX_PRODUCTS:
        raise ComptoirError(f"At most {MAX_PRODUCTS} products can be generated.")
    if not 1 <= variants_max <= 4:
        raise ComptoirError("--variants-max must be between 1 and 4.")
    started = time.monotonic()
    rng = random.Random(seed)
    shop = _ensure_shop(shop_code)
    if Product.objects.filter(shop=shop).exists() or Category.objects.filter(shop=shop).exists():
        raise ComptoirError(
            f"The shop {shop_code!r} already has a catalog; generate into another shop "
            "(--shop) or another database."
        )
    with transaction.atomic():
        catalog = _Catalog(
            leaf_category_ids=_create_categories(shop),
            brands=_create_brands(shop),
            options=_ensure_options(shop),
        )
    variant_count = 0
    done = 0
    for start in range(0, products, batch_size):
        count = min(batch_size, products - start)
        with transaction.atomic():
            variant_count += _write_batch(shop, catalog, rng, start, count, variants_max)
        done += count
        if progress is not None:
            progress(count)
    with transaction.atomic():
        bump_catalog_version(shop.pk)
    # Fresh planner statistics: without them, right after a bulk load, PostgreSQL guesses
    # "one row" everywhere and walks the slug index instead of the search index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    shop.refresh_from_db()
    return GenerationReport(shop, done, variant_count, time.monotonic() - started)


def _ensure_shop(code: str) -> Shop:
    shop = Shop.objects.filter(code=code).first()
    if shop is not None:
        return shop
    return create_shop(
        code=code,
        name=f"Comptoir {code}",
        is_default=not Shop.objects.filter(is_default=True).exists(),
    )


def _create_categories(shop: Shop) -> list[int]:
    """The tree through the catalog service (208 rows: speed does not matter); leaf ids."""
    leaves = []
    for r, (root_fr, root_en) in enumerate(ROOTS):
        root = create_category(
            shop,
            position=r,
            translations={
                "fr": TranslationInput(name=root_fr),
                "en": TranslationInput(name=root_en),
            },
        )
        for s, (sub_fr, sub_en) in enumerate(SECOND_LEVEL):
            sub = create_category(
                shop,
                parent=root,
                position=s,
                translations={
                    "fr": TranslationInput(name=f"{root_fr} : {sub_fr.lower()}"),
                    "en": TranslationInput(name=f"{root_en}: {sub_en.lower()}"),
                },
            )
            for t, (leaf_fr, leaf_en) in enumerate(THIRD_LEVEL):
                leaf = create_category(
                    shop,
                    parent=sub,
                    position=t,
                    translations={
                        "fr": TranslationInput(
                            name=f"{root_fr} : {sub_fr.lower()}, {leaf_fr.lower()}"
                        ),
                        "en": TranslationInput(
                            name=f"{root_en}: {sub_en.lower()}, {leaf_en.lower()}"
                        ),
                    },
                )
                leaves.append(leaf.pk)
    return leaves


def _create_brands(shop: Shop) -> list[tuple[int, str]]:
    names = [f"{word} {name}" for word in BRAND_WORDS for name in BRAND_NAMES]
    Brand.objects.bulk_create(
        [Brand(shop=shop, name=name, slug=make_slug(name, 140)) for name in names]
    )
    return list(Brand.objects.filter(shop=shop).order_by("slug").values_list("pk", "name"))


def _ensure_options(shop: Shop) -> dict[str, tuple[int, list[int]]]:
    options = {}
    for position, (code, (label_fr, label_en), values) in enumerate(OPTIONS):
        option, _ = Option.objects.get_or_create(
            shop=shop,
            code=code,
            defaults={"labels": {"fr": label_fr, "en": label_en}, "position": position},
        )
        value_ids = []
        for value_position, (value_code, value_fr, value_en) in enumerate(values):
            value, _ = OptionValue.objects.get_or_create(
                option=option,
                code=value_code,
                defaults={"labels": {"fr": value_fr, "en": value_en}, "position": value_position},
            )
            value_ids.append(value.pk)
        options[code] = (option.pk, value_ids)
    return options


@dataclass
class _Draft:
    """One product before it has an id."""

    product: Product
    names: dict[str, str]
    descriptions: dict[str, str]
    brand_name: str
    variants: list[Variant]
    option_id: int | None
    value_ids: list[int]


def _write_batch(
    shop: Shop,
    catalog: _Catalog,
    rng: random.Random,
    start: int,
    count: int,
    variants_max: int,
) -> int:
    drafts = [
        _draft(shop, catalog, rng, index, variants_max) for index in range(start, start + count)
    ]
    Product.objects.bulk_create([d.product for d in drafts])
    variants = []
    for draft in drafts:
        for variant in draft.variants:
            variant.product_id = draft.product.pk
            variants.append(variant)
    Variant.objects.bulk_create(variants)
    through = Variant.option_values.through
    Variant.option_values.through.objects.bulk_create(
        through(variant_id=variant.pk, optionvalue_id=value_id)
        for draft in drafts
        if draft.option_id is not None
        for variant, value_id in zip(draft.variants, draft.value_ids, strict=True)
    )
    ProductOption.objects.bulk_create(
        ProductOption(product_id=draft.product.pk, option_id=draft.option_id, position=0)
        for draft in drafts
        if draft.option_id is not None
    )
    ProductTranslation.objects.bulk_create(_translations(shop, drafts))
    return len(variants)


def _draft(
    shop: Shop, catalog: _Catalog, rng: random.Random, index: int, variants_max: int
) -> _Draft:
    ref = _reference(index)
    noun_fr, noun_en = rng.choice(NOUNS)
    quality_fr, quality_en = rng.choice(QUALITIES)
    place = rng.choice(PLACES)
    brand_id, brand_name = rng.choice(catalog.brands)
    names = {
        "fr": f"{noun_fr} {quality_fr} {place} {ref}",
        "en": f"{place} {quality_en} {noun_en} {ref}",
    }
    picked = rng.sample(range(len(SENTENCES)), 2)
    descriptions = {
        language: "".join(f"<p>{SENTENCES[i][n]}</p>" for i in picked)
        for n, language in enumerate(LANGUAGES)
    }
    # Prices skew low, as in a real shop: most items cost a few tens of euros.
    base_cents = int(300 + min(rng.paretovariate(1.6), 200) * 900) // 10 * 10 + 90
    n_variants = rng.randint(1, variants_max)
    option_id, value_ids = None, []
    if n_variants > 1:
        fitting = [
            code for code, (_, values) in catalog.options.items() if len(values) >= n_variants
        ]
        option_id, values = catalog.options[rng.choice(fitting)]
        value_ids = sorted(rng.sample(values, n_variants), key=values.index)
    allow_backorder = rng.random() < 0.05
    variants = []
    for k in range(n_variants):
        price = Decimal(base_cents + k * 500) / 100
        serial = index * 4 + k
        body = f"200{serial:09d}"
        track_stock = rng.random() < 0.95
        variants.append(
            Variant(
                shop_id=shop.pk,
                sku=f"CPT-{ref}-{k + 1}",
                gtin=f"{body}{gtin_check_digit(body)}",
                price=price,
                compare_at_price=(price * Decimal("1.25")).quantize(Decimal("0.01"))
                if rng.random() < 0.1
                else None,
                weight_grams=rng.randint(50, 3000),
                track_stock=track_stock,
                stock_quantity=rng.choice((0, 0, 2, 4, 8, 15, 30, 60, 120)),
                position=k,
            )
        )
    prices = [v.price for v in variants]
    product = Product(
        shop_id=shop.pk,
        kind=ProductKind.PHYSICAL,
        status=ProductStatus.ACTIVE,
        category_id=rng.choice(catalog.leaf_category_ids),
        brand_id=brand_id,
        vat_class=VatClass.STANDARD if rng.random() < 0.8 else VatClass.REDUCED,
        is_featured=rng.random() < 0.002,
        allow_backorder=allow_backorder,
        published_at=REFERENCE_DATE - timedelta(seconds=rng.randrange(3 * 365 * 86400)),
        min_price=min(prices),
        max_price=max(prices),
        sales_count=min(int(rng.paretovariate(1.2)) - 1, 100_000),
        # As refresh_product_listing computes it.
        in_stock=allow_backorder
        or any(not v.track_stock or v.stock_quantity > 0 for v in variants),
    )
    return _Draft(product, names, descriptions, brand_name, variants, option_id, value_ids)


def _translations(shop: Shop, drafts: list[_Draft]) -> Iterator[ProductTranslation]:
    for draft in drafts:
        # The same text save_product_translations indexes; generated products have no tags.
        skus = " ".join(v.sku for v in draft.variants)
        for language in LANGUAGES:
            name = draft.names[language]
            description = sanitize_html(draft.descriptions[language])
            yield ProductTranslation(
                product_id=draft.product.pk,
                shop_id=shop.pk,
                language=language,
                name=name,
                # The reference in the name makes the slug unique without a query.
                slug=make_slug(name, 200),
                description=description,
                meta_title=name[:70],
                meta_description=html_to_text(description)[:160],
                search_name=normalize_for_search(f"{name} {draft.brand_name}"),
                search_body=normalize_for_search(f"{html_to_text(description)}  {skus}"),
            )


def _reference(index: int) -> str:
    """A short product reference, unique per index: 'K7Q3X'."""
    # Multiplying by a number prime to 34**5 spreads consecutive indexes over the range.
    value = (index * 7_919_111 + 12_345) % 34**5
    chars = []
    while True:
        value, digit = divmod(value, 34)
        chars.append(REF_ALPHABET[digit])
        if value == 0:
            break
    return "".join(reversed(chars)).rjust(5, "0")


def search_index_is_complete() -> bool:
    """On SQLite, whether the FTS table holds one entry per product translation."""
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {sqlite_search.FTS_TABLE}_docsize")
        indexed = cursor.fetchone()[0]
    return indexed == ProductTranslation.objects.count()
