"""Factories that build the catalog through its services.

Products and categories are made by ``comptoir.catalog.services`` so that the
denormalised listing fields, the slugs and the search index are exactly what the
storefront would see after a merchant's edit.
"""

from __future__ import annotations

import io
from decimal import Decimal

import factory
from PIL import Image

from comptoir.catalog import services
from comptoir.catalog.models import Brand, Category, Product, ProductStatus
from comptoir.catalog.services import TranslationInput, VariantInput
from comptoir.shops.models import Shop
from comptoir.shops.services import create_shop


class ShopFactory(factory.Factory):
    class Meta:
        model = Shop

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"Boutique {n}")
    is_default = False
    languages = "fr,en"
    default_language = "fr"
    currency = "EUR"

    @classmethod
    def _create(cls, model_class: type[Shop], **kwargs: object) -> Shop:
        return create_shop(**kwargs)

    @factory.post_generation
    def legal_identity(shop: Shop, create: bool, extracted: object, **kwargs: object) -> None:
        """A complete legal identity for its invoices, unless ``legal_identity=False``:
        without one every paid order raises an inbox item asking the merchant for it."""
        if not create or extracted is False:
            return
        from comptoir.billing.models import SellerIdentity

        SellerIdentity.objects.create(
            shop=shop,
            legal_name=f"{shop.name} SAS",
            legal_form="SAS",
            share_capital="1 000 EUR",
            address="1 rue de la République\n69001 Lyon",
            siren="552100554",
            siret="55210055400013",
            rcs_city="Lyon",
            vat_number="FR40552100554",
        )


class BrandFactory(factory.Factory):
    class Meta:
        model = Brand

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Marque {n}")

    @classmethod
    def _create(cls, model_class: type[Brand], *, shop: Shop, name: str) -> Brand:
        return services.ensure_brand(shop, name)


class CategoryFactory(factory.Factory):
    """``CategoryFactory(shop=shop, name="Thés", name_en="Teas", parent=...)``."""

    class Meta:
        model = Category

    class Params:
        name = factory.Sequence(lambda n: f"Rayon {n}")
        name_en = None
        description = ""

    shop = factory.SubFactory(ShopFactory)
    parent = None
    position = 0
    translations = factory.LazyAttribute(
        lambda o: {
            "fr": TranslationInput(name=o.name, description=o.description),
            "en": TranslationInput(name=o.name_en or f"{o.name} (en)", description=o.description),
        }
    )

    @classmethod
    def _create(cls, model_class: type[Category], *, shop: Shop, **kwargs: object) -> Category:
        return services.create_category(shop, **kwargs)


class ProductFactory(factory.Factory):
    """One product in French and English with one variant, unless told otherwise.

    ``ProductFactory(shop=shop, name="Café", price=Decimal("9.50"))``, or pass
    ``variants=[VariantInput(...), ...]`` and ``translations={...}`` for full control.
    """

    class Meta:
        model = Product

    class Params:
        name = factory.Sequence(lambda n: f"Produit {n}")
        name_en = None
        description = ""
        sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
        price = Decimal("10.00")
        stock = 10

    shop = factory.SubFactory(ShopFactory)
    status = ProductStatus.ACTIVE
    category = None
    brand = None
    translations = factory.LazyAttribute(
        lambda o: {
            "fr": TranslationInput(name=o.name, description=o.description),
            "en": TranslationInput(name=o.name_en or f"{o.name} (en)", description=o.description),
        }
    )
    variants = factory.LazyAttribute(
        lambda o: [VariantInput(sku=o.sku, price=o.price, stock_quantity=o.stock)]
    )

    @classmethod
    def _create(cls, model_class: type[Product], *, shop: Shop, **kwargs: object) -> Product:
        return services.create_product(shop, **kwargs)


def png_bytes(width: int = 1200, height: int = 800, colour: str = "#b5562b") -> bytes:
    """A real PNG made by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def build_catalog(shop: Shop, *, with_images: bool = False) -> dict[str, object]:
    """A small, realistic catalog: two top categories, a sub-category, two brands, a
    product with two options (weight x grind) and three variants, and a few others."""
    from comptoir.catalog.images import add_image

    coffees = CategoryFactory(
        shop=shop, name="Cafés", name_en="Coffees", description="<p>Torréfiés chaque semaine.</p>"
    )
    ground = CategoryFactory(
        shop=shop, name="Cafés moulus", name_en="Ground coffees", parent=coffees
    )
    teas = CategoryFactory(shop=shop, name="Thés", name_en="Teas", position=1)
    kawa = BrandFactory(shop=shop, name="Maison Kawa")
    hautes = BrandFactory(shop=shop, name="Terres Hautes")
    ethiopia = ProductFactory(
        shop=shop,
        category=coffees,
        brand=kawa,
        is_featured=True,
        translations={
            "fr": TranslationInput(
                name="Café d’Éthiopie", description="<p>Notes <strong>florales</strong>.</p>"
            ),
            "en": TranslationInput(
                name="Ethiopian coffee", description="<p>Floral <strong>notes</strong>.</p>"
            ),
        },
        variants=[
            VariantInput(
                sku="ETH-250-G",
                price=Decimal("8.50"),
                stock_quantity=12,
                options={"poids": "250 g", "mouture": "Grains"},
            ),
            VariantInput(
                sku="ETH-250-M",
                price=Decimal("8.90"),
                stock_quantity=0,
                options={"poids": "250 g", "mouture": "Moulu"},
            ),
            VariantInput(
                sku="ETH-1K-G",
                price=Decimal("29.90"),
                stock_quantity=3,
                gtin="4006381333931",
                options={"poids": "1 kg", "mouture": "Grains"},
            ),
        ],
    )
    moka = ProductFactory(
        shop=shop,
        category=ground,
        brand=hautes,
        name="Moka d’Harar",
        name_en="Harar mocha",
        price=Decimal("15.00"),
        stock=0,
    )
    sencha = ProductFactory(
        shop=shop,
        category=teas,
        name="Sencha du Japon",
        name_en="Japanese sencha",
        price=Decimal("12.40"),
        description="<p>Vert et iodé.</p><script>alert('x')</script>",
    )
    if with_images:
        for product, colour in ((ethiopia, "#7b4a2d"), (moka, "#3b2618"), (sencha, "#6f8f3a")):
            add_image(
                product,
                png_bytes(800, 800, colour),
                filename=f"p{product.pk}.png",
                alt={"fr": "Photo", "en": "Photo"},
                process_now=True,
            )
    return {
        "coffees": coffees,
        "ground": ground,
        "teas": teas,
        "kawa": kawa,
        "hautes": hautes,
        "ethiopia": ethiopia,
        "moka": moka,
        "sencha": sencha,
    }
