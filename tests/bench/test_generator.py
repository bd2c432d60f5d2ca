"""The benchmark catalog generator: exact counts, determinism, and pages that work on it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import override

from comptoir.catalog.models import (
    Category,
    CategoryTranslation,
    Product,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.catalog.services import gtin_check_digit
from comptoir.catalog.text import html_to_text, normalize_for_search
from comptoir.demo.generator import generate_catalog, search_index_is_complete
from comptoir.search.backends import get_search_backend
from comptoir.shops.models import Shop

pytestmark = pytest.mark.django_db

N = 300


def test_generates_exact_counts_and_consistent_listing_fields():
    report = generate_catalog(products=N, seed=7)

    shop = report.shop
    assert shop.code == "bench"
    assert shop.is_default is True
    assert shop.catalog_version > 1
    assert Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE).count() == N
    assert ProductTranslation.objects.filter(shop=shop).count() == 2 * N
    assert Variant.objects.filter(shop_id=shop.pk).count() == report.variants
    assert N <= report.variants <= 3 * N
    assert Category.objects.filter(shop=shop).count() == 208
    assert CategoryTranslation.objects.filter(shop=shop).count() == 2 * 208
    for product in Product.objects.filter(shop=shop).prefetch_related(
        "variants", "variants__option_values", "product_options"
    ):
        variants = list(product.variants.all())
        assert 1 <= len(variants) <= 3
        assert product.min_price == min(v.price for v in variants)
        assert product.max_price == max(v.price for v in variants)
        assert product.in_stock == (
            product.allow_backorder or any(v.is_available for v in variants)
        )
        assert product.published_at is not None
        assert product.category.children.count() == 0
        if len(variants) > 1:
            assert len(product.product_options.all()) == 1
            values = [tuple(v.option_values.all()) for v in variants]
            assert all(len(v) == 1 for v in values)
            assert len(set(values)) == len(values)
        for variant in variants:
            assert len(variant.gtin) == 13
            assert gtin_check_digit(variant.gtin[:-1]) == int(variant.gtin[-1])
    assert ProductOption.objects.count() == sum(
        1 for p in Product.objects.prefetch_related("variants") if len(p.variants.all()) > 1
    )


def test_search_text_is_what_the_services_write():
    generate_catalog(products=20, seed=7)

    for row in ProductTranslation.objects.select_related("product__brand"):
        skus = " ".join(row.product.variants.values_list("sku", flat=True))
        assert row.search_name == normalize_for_search(f"{row.name} {row.product.brand.name}")
        assert row.search_body == normalize_for_search(f"{html_to_text(row.description)}  {skus}")


def test_same_seed_gives_same_catalog_and_slugs_are_unique():
    def snapshot():
        return (
            list(
                ProductTranslation.objects.order_by("product_id", "language").values_list(
                    "language", "name", "slug"
                )
            ),
            list(
                Variant.objects.order_by("product_id", "position").values_list(
                    "sku", "gtin", "price"
                )
            ),
        )

    generate_catalog(products=N, seed=3)
    first = snapshot()
    generate_catalog(products=N, seed=3, shop_code="again")
    second = snapshot()
    generate_catalog(products=N, seed=4, shop_code="other")
    names_seed_4 = {name for _, name, _ in snapshot()[0]}

    translations, variants = first
    assert second[0] == translations + translations
    assert second[1] == variants + variants
    assert names_seed_4 - {name for _, name, _ in translations}
    for language in ("fr", "en"):
        slugs = [slug for lang, _, slug in translations if lang == language]
        assert len(slugs) == N == len(set(slugs))
    skus = [sku for sku, _, _ in variants]
    assert len(skus) == len(set(skus))
    assert Shop.objects.filter(is_default=True).count() == 1


def test_refuses_a_shop_that_already_has_a_catalog():
    generate_catalog(products=5)

    with pytest.raises(Exception, match="already has a catalog"):
        generate_catalog(products=5)


def test_search_finds_a_generated_product():
    report = generate_catalog(products=N, seed=7)
    row = ProductTranslation.objects.filter(language="fr").order_by("product_id")[10]
    reference = row.name.split()[-1]

    assert search_index_is_complete()
    result = get_search_backend().search(
        shop_id=report.shop.pk, language="fr", query=reference.lower()
    )
    assert result.product_ids[0] == row.product_id
    accented = get_search_backend().search(
        shop_id=report.shop.pk, language="fr", query=row.name.split()[0]
    )
    assert accented.total > 0


def test_category_page_lists_24_products(client):
    generate_catalog(products=N, seed=7)
    cache.clear()
    root = (
        CategoryTranslation.objects.filter(language="fr", category__parent=None)
        .order_by("category__position")
        .first()
    )
    with override("fr"):
        url = reverse("storefront:category", kwargs={"slug": root.slug})

    response = client.get(url)

    assert response.status_code == 200
    assert len(re.findall(r'<li class="card">', response.content.decode())) == 24


def test_command_prints_the_summary_line(capsys):
    call_command("generate_catalog", "--products", "50", "--seed", "2")

    out = capsys.readouterr().out
    assert re.search(
        r"^generated 50 products, \d+ variants in [\d.]+ s \(\d+ products/s\)$", out.strip(), re.M
    )
