from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.html import escape

from comptoir.catalog import selectors
from comptoir.catalog.models import (
    Option,
    OptionValue,
    Product,
    ProductKind,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.catalog.services import gtin_check_digit
from comptoir.demo.catalog import plan_products
from comptoir.demo.services import load_demo_shop
from comptoir.shops.models import Shop

DEMO_PRODUCTS = 200
DEMO_VARIANTS = 428


@pytest.fixture(scope="module")
def demo_shop(django_db_setup, django_db_blocker, tmp_path_factory):
    """Loaded once for the module: a full load draws and resizes 230 pictures."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        shop = load_demo_shop()
        yield shop, media
        shop.refresh_from_db()
        Product.objects.filter(shop=shop).delete()
        for category in shop.categories.order_by("-depth"):
            category.delete()
        shop.delete()


def test_the_plan_is_the_same_for_the_same_seed():
    first, second = plan_products(), plan_products()

    assert [p.name for p in first] == [p.name for p in second]
    assert [v.gtin for p in first for v in p.variants] == [
        v.gtin for p in second for v in p.variants
    ]


@pytest.mark.django_db
def test_the_demo_shop_has_200_active_products_in_two_languages(demo_shop):
    shop, _ = demo_shop

    assert shop.is_default and shop.code == "demo" and shop.language_codes == ["fr", "en"]
    products = Product.objects.filter(shop=shop)
    assert products.count() == DEMO_PRODUCTS
    assert products.filter(status=ProductStatus.ACTIVE).count() == DEMO_PRODUCTS
    assert products.filter(kind=ProductKind.DIGITAL).count() == 2
    assert products.filter(kind=ProductKind.SERVICE).count() == 2
    for product in products.prefetch_related("translations"):
        by_language = {t.language: t for t in product.translations.all()}
        assert set(by_language) == {"fr", "en"}
        assert "<p>" in by_language["fr"].description
    for language in ("fr", "en"):
        slugs = ProductTranslation.objects.filter(shop=shop, language=language)
        assert slugs.values("slug").distinct().count() == DEMO_PRODUCTS


@pytest.mark.django_db
def test_every_variant_has_a_valid_ean13_and_a_unique_sku(demo_shop):
    shop, _ = demo_shop

    variants = Variant.objects.filter(shop=shop)
    assert variants.count() == DEMO_VARIANTS
    gtins = list(variants.values_list("gtin", flat=True))
    assert len(set(gtins)) == DEMO_VARIANTS
    for gtin in gtins:
        assert len(gtin) == 13 and gtin.isdigit()
        assert gtin_check_digit(gtin[:-1]) == int(gtin[-1])
    assert variants.values("sku").distinct().count() == DEMO_VARIANTS


@pytest.mark.django_db
def test_options_keep_their_bilingual_labels(demo_shop):
    shop, _ = demo_shop

    assert {o.code: o.labels for o in Option.objects.filter(shop=shop)} == {
        "poids": {"fr": "Poids", "en": "Weight"},
        "mouture": {"fr": "Mouture", "en": "Grind"},
        "couleur": {"fr": "Couleur", "en": "Colour"},
    }
    assert OptionValue.objects.filter(option__shop=shop).count() == 12
    assert OptionValue.objects.get(option__shop=shop, code="1-kg").labels == {
        "fr": "1 kg",
        "en": "1 kg",
    }


@pytest.mark.django_db
def test_every_product_has_a_cover_image_with_webp_renditions_on_disk(demo_shop):
    shop, media = demo_shop

    products = Product.objects.filter(shop=shop).select_related("cover_image")
    for product in products:
        cover = product.cover_image
        assert cover is not None
        assert sorted(cover.renditions, key=int) == ["240", "480", "960"]
        for name in cover.renditions.values():
            assert name.endswith(".webp")
            assert (Path(media) / name).is_file()
    assert products.filter(images__position=1).count() == 30


@pytest.mark.django_db
def test_loading_twice_changes_nothing(demo_shop):
    shop, _ = demo_shop
    output = io.StringIO()

    again = load_demo_shop(stdout=output)

    assert again.pk == shop.pk
    assert Shop.objects.filter(code="demo").count() == 1
    assert Product.objects.filter(shop=shop).count() == DEMO_PRODUCTS
    assert "already exists" in output.getvalue()


@pytest.mark.django_db
def test_the_home_page_shows_a_featured_product(demo_shop, client):
    shop, _ = demo_shop
    featured = selectors.home_rows(shop, "fr")["featured"]

    response = client.get("/fr/")

    assert response.status_code == 200
    assert len(featured) == 8
    assert escape(featured[0].name) in response.content.decode()


@pytest.mark.django_db
def test_the_command_prints_the_addresses_and_the_merchant_login(demo_shop):
    output = io.StringIO()

    call_command("demo", "--no-serve", "--bind", "0.0.0.0:8123", stdout=output)

    text = output.getvalue()
    assert "http://127.0.0.1:8123/fr/" in text
    assert "http://127.0.0.1:8123/admin/" in text
    assert "login:    marchand@demo.comptoir.fr" in text
    assert "password: " in text


@pytest.mark.django_db
def test_the_demo_shop_ships_in_france_and_europe_and_has_a_welcome_code(demo_shop):
    from comptoir.cart import services as cart_services
    from comptoir.cart.models import Cart
    from comptoir.checkout.services import quote_cart

    shop, _ = demo_shop
    variant = (
        Variant.objects.filter(
            shop=shop, product__kind=ProductKind.PHYSICAL, track_stock=True, stock_quantity__gt=2
        )
        .order_by("pk")
        .first()
    )
    cart = Cart.objects.create(shop=shop)
    cart_services.add(cart, variant, 1)

    france = quote_cart(cart, country="FR", discount_code="BIENVENUE10")
    germany = quote_cart(cart, country="DE")

    assert [q.code for q in france.shipping_options] == ["colissimo", "mondial-relay"]
    assert [q.code for q in germany.shipping_options] == ["colissimo-europe"]
    assert france.totals.discount == (variant.price / 10).quantize(variant.price)
    cart.delete()
