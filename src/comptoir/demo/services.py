"""Loading the demo boutique: a default shop with a full tea and coffee catalog."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TextIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from tqdm import tqdm

from comptoir.billing.models import SellerIdentity
from comptoir.cart.models import Cart
from comptoir.catalog.images import add_image
from comptoir.catalog.models import (
    Category,
    Option,
    OptionValue,
    Product,
    ProductImage,
    Variant,
)
from comptoir.catalog.services import (
    TranslationInput,
    create_category,
    create_product,
    ensure_brand,
)
from comptoir.catalog.text import html_to_text
from comptoir.core.exceptions import ComptoirError
from comptoir.demo import catalog
from comptoir.demo.pictures import draw_logo, draw_picture
from comptoir.discounts.models import DiscountCode, DiscountKind
from comptoir.orders.models import Order
from comptoir.payments.models import Payment, Refund
from comptoir.shipping.models import RateKind, ShippingMethod, ShippingZone
from comptoir.shops.models import Shop
from comptoir.shops.services import create_shop

DEMO_SHOP_CODE = "demo"
PRIMARY_COLOUR = "#2f5d50"
ACCENT_COLOUR = "#b5702b"


def load_demo_shop(*, stdout: TextIO | None = None, seed: int = catalog.SEED) -> Shop:
    """Create the demo shop and its catalog; if it already exists, return it untouched."""
    existing = Shop.objects.filter(code=DEMO_SHOP_CODE).first()
    if existing is not None:
        _say(
            stdout,
            f"The demo shop already exists ({existing.products.count()} products); nothing to do.",
        )
        return existing
    other_default = Shop.objects.filter(is_default=True).first()
    if other_default is not None:
        raise ComptoirError(
            f"The shop {other_default.code!r} is already the default shop; the demo shop "
            "needs to be the default one to answer on 127.0.0.1."
        )
    started = time.perf_counter()
    plans = catalog.plan_products(seed)
    with transaction.atomic():
        shop = _create_shop()
        categories = _create_categories(shop)
        _create_options(shop)
        brands = {key: ensure_brand(shop, name) for key, name in catalog.BRANDS.items()}
        # disable=None: a bar on a terminal, silence in logs and tests.
        quiet = True if stdout is None else None
        progress = tqdm(plans, desc="Demo products", unit="product", disable=quiet)
        for plan in progress:
            _create_product(shop, plan, categories[plan.category], brands[plan.brand], seed)
        _create_shipping(shop)
        _create_discount_codes(shop)
    seconds = time.perf_counter() - started
    _say(stdout, _summary(shop, seconds))
    return shop


@transaction.atomic
def delete_demo_shop(*, stdout: TextIO | None = None) -> bool:
    """Delete the demo shop, its catalog and its image files. False if there was none."""
    shop = Shop.objects.filter(code=DEMO_SHOP_CODE).first()
    if shop is None:
        return False
    files: list[str] = []
    for image in ProductImage.objects.filter(product__shop=shop):
        files.append(image.original.name)
        files.extend(image.renditions.values())
    if shop.logo:
        files.append(shop.logo.name)
    # Rows point at each other with PROTECT (category parents, product options): delete
    # from the leaves up rather than rely on the cascade order. Orders go first: their
    # payments protect them, and they protect the shop.
    orders = Order.objects.filter(shop=shop)
    Refund.objects.filter(payment__order__in=orders).delete()
    Payment.objects.filter(order__in=orders).delete()
    Cart.objects.filter(shop=shop).delete()
    orders.delete()
    Product.objects.filter(shop=shop).delete()
    for category in Category.objects.filter(shop=shop).order_by("-depth"):
        category.delete()
    shop.delete()
    # Files are not transactional: remove them only once the rows are surely gone.
    transaction.on_commit(lambda: _delete_files(files))
    _say(stdout, f"Deleted the demo shop and {len(files)} image files.")
    return True


# --- steps ------------------------------------------------------------------------------------


def _create_shipping(shop: Shop) -> None:
    """What a small French shop offers: Colissimo at home, Mondial Relay to a pickup
    point, free from 60 EUR in France; weight bands for the rest of Europe."""
    france = ShippingZone.objects.create(shop=shop, name="France", countries="FR,MC", position=0)
    ShippingMethod.objects.create(
        zone=france,
        code="colissimo",
        labels={"fr": "Colissimo à domicile", "en": "Colissimo home delivery"},
        kind=RateKind.WEIGHT,
        bands=[[500, "5.90"], [2000, "7.90"], [10000, "12.90"]],
        free_over=Decimal("60.00"),
        position=0,
    )
    ShippingMethod.objects.create(
        zone=france,
        code="mondial-relay",
        labels={"fr": "Mondial Relay en point relais", "en": "Mondial Relay pickup point"},
        kind=RateKind.FLAT,
        price=Decimal("3.90"),
        free_over=Decimal("45.00"),
        is_pickup=True,
        position=1,
    )
    europe = ShippingZone.objects.create(
        shop=shop,
        name="Europe",
        countries="BE,LU,DE,NL,AT,IT,ES,PT,IE,DK,SE,FI,PL,CZ,SK,SI,HR,HU,RO,BG,GR,CY,MT,EE,LV,LT",
        position=1,
    )
    ShippingMethod.objects.create(
        zone=europe,
        code="colissimo-europe",
        labels={"fr": "Colissimo Europe", "en": "Colissimo Europe"},
        kind=RateKind.WEIGHT,
        bands=[[500, "12.50"], [2000, "16.90"], [10000, "29.90"]],
        free_over=Decimal("120.00"),
        position=0,
    )


def _create_discount_codes(shop: Shop) -> None:
    DiscountCode.objects.create(
        shop=shop,
        code="BIENVENUE10",
        kind=DiscountKind.PERCENTAGE,
        value=Decimal("10"),
        per_customer_limit=1,
    )
    DiscountCode.objects.create(
        shop=shop,
        code="LIVRAISON",
        kind=DiscountKind.FREE_SHIPPING,
        minimum_basket=Decimal("30.00"),
        usage_limit=100,
    )


def _create_shop() -> Shop:
    shop = create_shop(
        code=DEMO_SHOP_CODE,
        name="Maison Brume",
        is_default=True,
        languages="fr,en",
        default_language="fr",
        currency="EUR",
        tagline="Thés de jardin et cafés de spécialité, torréfiés chaque semaine à Lyon",
        contact_email="bonjour@maison-brume.example",
        primary_colour=PRIMARY_COLOUR,
        accent_colour=ACCENT_COLOUR,
        low_stock_threshold=5,
    )
    logo = draw_logo(colour=PRIMARY_COLOUR, accent=ACCENT_COLOUR, letters="MB")
    shop.logo.save("maison-brume.png", ContentFile(logo), save=True)
    # A made-up identity, so the demo's invoices show every legal mention.
    SellerIdentity.objects.create(
        shop=shop,
        legal_name="Maison Brume SAS",
        legal_form="SAS",
        share_capital="10 000 EUR",
        address="12 rue de la Charité\n69002 Lyon",
        siren="123456789",
        siret="12345678900012",
        rcs_city="Lyon",
        vat_number="FR32123456789",
    )
    return shop


def _create_categories(shop: Shop) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, plan in enumerate(catalog.CATEGORIES):
        categories[plan.key] = create_category(
            shop,
            translations={
                "fr": TranslationInput(name=plan.name[0], description=plan.description[0]),
                "en": TranslationInput(name=plan.name[1], description=plan.description[1]),
            },
            parent=categories[plan.parent] if plan.parent else None,
            position=position,
        )
    return categories


def _create_options(shop: Shop) -> None:
    """The shop's options with real labels, before create_product would invent bare ones."""
    for position, plan in enumerate(catalog.OPTIONS):
        option = Option.objects.create(
            shop=shop,
            code=plan.code,
            position=position,
            labels={"fr": plan.labels[0], "en": plan.labels[1]},
        )
        OptionValue.objects.bulk_create(
            OptionValue(
                option=option, code=code, position=i, labels={"fr": labels[0], "en": labels[1]}
            )
            for i, (code, labels) in enumerate(plan.values)
        )


def _create_product(
    shop: Shop, plan: catalog.ProductPlan, category: Category, brand: object, seed: int
) -> Product:
    translations = {
        language: TranslationInput(
            name=plan.name[i],
            description=plan.description[i],
            meta_title=plan.name[i][:70],
            meta_description=_meta_description(plan.description[i]),
        )
        for i, language in enumerate(("fr", "en"))
    }
    product = create_product(
        shop,
        translations=translations,
        variants=plan.variants,
        category=category,
        brand=brand,
        tags=[catalog.TAGS[tag] for tag in plan.tags],
        is_featured=plan.is_featured,
        kind=plan.kind,
        allow_backorder=plan.allow_backorder,
        vat_class=plan.vat_class,
    )
    for index in range(plan.images):
        # A second picture shows another colour when there is one, else a flat-lay.
        variant = plan.variants[index] if index < len(plan.variants) else None
        colour_code = variant.options.get("couleur") if index and variant else None
        data = draw_picture(
            motif=plan.motif,
            colour=plan.colour,
            initials=plan.initials,
            seed=_stable_seed(seed, plan.key, index),
            second=index > 0 and colour_code is None,
            accent=catalog.COLOUR_HEX.get(colour_code or ""),
        )
        add_image(
            product,
            data,
            filename=f"{plan.key.lower()}-{index + 1}.jpg",
            alt={"fr": plan.name[0], "en": plan.name[1]},
            process_now=True,
        )
    return product


# --- helpers ----------------------------------------------------------------------------------


def _stable_seed(seed: int, key: str, index: int) -> int:
    # Python's hash() of a str changes between runs; the pictures must not.
    return seed * 1_000_003 + sum(ord(ch) * 31**i for i, ch in enumerate(key)) + index


def _meta_description(html: str) -> str:
    text = html_to_text(html)
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"


def _summary(shop: Shop, seconds: float) -> str:
    products = Product.objects.filter(shop=shop)
    variants = Variant.objects.filter(shop=shop)
    sold_out = variants.filter(stock_quantity=0, track_stock=True).count()
    images = ProductImage.objects.filter(product__shop=shop).count()
    return (
        f"Loaded the demo shop {shop.name!r} in {seconds:.1f} s: "
        f"{Category.objects.filter(shop=shop).count()} categories, "
        f"{products.count()} products ({products.filter(is_featured=True).count()} featured), "
        f"{variants.count()} variants ({sold_out} out of stock), {images} images, "
        f"{shop.brands.count()} brands, {shop.tags.count()} tags, "
        f"{ShippingMethod.objects.filter(zone__shop=shop).count()} shipping methods, "
        f"discount codes {', '.join(shop.discount_codes.values_list('code', flat=True))}."
    )


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")
