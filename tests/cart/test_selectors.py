"""The basket's lines read in plain SQL are the ones the ORM reads, relations included."""

from __future__ import annotations

import pytest
from django.db.models import Model

from comptoir.cart.models import Cart, CartLine
from comptoir.cart.selectors import basket_rows
from comptoir.catalog.models import Variant
from tests.factories import build_catalog

pytestmark = pytest.mark.django_db


def values(obj: Model) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_basket_rows_match_the_orm(shop, django_assert_num_queries):
    catalog = build_catalog(shop, with_images=True)
    cart = Cart.objects.create(shop=shop)
    ethiopia = list(catalog["ethiopia"].variants.order_by("sku"))
    for variant, quantity in (
        (ethiopia[2], 1),
        (catalog["sencha"].variants.get(), 3),
        (ethiopia[0], 2),
    ):
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    expected = list(
        cart.lines.select_related("variant__product__cover_image").prefetch_related(
            "variant__product__translations", "variant__option_values"
        )
    )
    with django_assert_num_queries(1):
        lines = basket_rows(cart)
    assert [values(line) for line in lines] == [values(line) for line in expected]
    with django_assert_num_queries(0):
        for line, want in zip(lines, expected, strict=True):
            variant, product = line.variant, line.variant.product
            assert values(variant) == values(want.variant)
            assert values(product) == values(want.variant.product)
            assert values(product.cover_image) == values(want.variant.product.cover_image)
            assert [values(v) for v in variant.option_values.all()] == [
                values(v) for v in want.variant.option_values.all()
            ]
            # Read from a JSON array, the labels are decoded as their field decodes them.
            assert all(isinstance(v.labels, dict) for v in variant.option_values.all())
            if variant.product_id == catalog["ethiopia"].pk:
                assert len(variant.option_values.all()) >= 1
            assert {
                (t.pk, t.product_id, t.language, t.name, t.slug) for t in product.translations.all()
            } == {
                (t.pk, t.product_id, t.language, t.name, t.slug)
                for t in want.variant.product.translations.all()
            }
            assert str(product) == str(want.variant.product)


def test_an_empty_basket_has_no_rows(shop, django_assert_num_queries):
    cart = Cart.objects.create(shop=shop)
    with django_assert_num_queries(1):
        assert basket_rows(cart) == []


def test_a_product_without_cover_image_or_options(shop):
    catalog = build_catalog(shop)
    cart = Cart.objects.create(shop=shop)
    sencha = Variant.objects.get(product=catalog["sencha"])
    CartLine.objects.create(cart=cart, variant=sencha, quantity=1)
    (line,) = basket_rows(cart)
    assert line.variant.product.cover_image is None
    assert list(line.variant.option_values.all()) == []
