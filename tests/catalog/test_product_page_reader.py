"""The product page's rows read in plain SQL are the ones the ORM reads, relations
included, and reading those relations costs no query."""

from __future__ import annotations

import pytest
from django.db.models import Model, Prefetch

from comptoir.catalog.models import (
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.catalog.selectors import product_by_slug
from tests.factories import build_catalog

pytestmark = pytest.mark.django_db

SKIPPED = {"search_name", "search_body"}  # never shown, left behind


def values(obj: Model | None) -> dict[str, object] | None:
    if obj is None:
        return None
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in SKIPPED
    }


def orm_row(shop, language: str, slug: str) -> ProductTranslation:
    return (
        ProductTranslation.objects.filter(
            shop=shop, language=language, slug=slug, product__status=ProductStatus.ACTIVE
        )
        .select_related("product", "product__brand", "product__category")
        .prefetch_related(
            Prefetch(
                "product__variants", queryset=Variant.objects.prefetch_related("option_values")
            ),
            Prefetch(
                "product__product_options",
                queryset=ProductOption.objects.select_related("option").order_by("position"),
            ),
            "product__images",
            "product__translations",
        )
        .get()
    )


def test_every_product_page_row_matches_the_orm(shop, django_assert_num_queries):
    build_catalog(shop, with_images=True)
    rows = ProductTranslation.objects.filter(shop=shop).values_list("language", "slug")
    assert len(rows) >= 6
    for language, slug in rows:
        want = orm_row(shop, language, slug)
        with django_assert_num_queries(6):
            got = product_by_slug(shop, language, slug)
        with django_assert_num_queries(0):
            assert values(got) == values(want)
            product, expected = got.product, want.product
            assert values(product) == values(expected)
            assert values(product.brand) == values(expected.brand)
            assert values(product.category) == values(expected.category)
            assert [values(v) for v in product.variants.all()] == [
                values(v) for v in expected.variants.all()
            ]
            for variant, other in zip(product.variants.all(), expected.variants.all(), strict=True):
                assert variant.product is product
                assert [values(v) for v in variant.option_values.all()] == [
                    values(v) for v in other.option_values.all()
                ]
            assert [(values(po), values(po.option)) for po in product.product_options.all()] == [
                (values(po), values(po.option)) for po in expected.product_options.all()
            ]
            assert [values(i) for i in product.images.all()] == [
                values(i) for i in expected.images.all()
            ]
            assert {(t.language, t.slug) for t in product.translations.all()} == {
                (t.language, t.slug) for t in expected.translations.all()
            }


def test_an_unknown_or_inactive_product_has_no_page(shop):
    build_catalog(shop)
    row = ProductTranslation.objects.filter(shop=shop, language="fr").first()
    assert product_by_slug(shop, "fr", "nothing-here") is None
    assert product_by_slug(shop, "fr", row.slug) is not None
    product = row.product
    product.status = ProductStatus.DRAFT
    product.save(update_fields=["status"])
    assert product_by_slug(shop, "fr", row.slug) is None
