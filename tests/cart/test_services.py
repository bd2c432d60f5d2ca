"""Adding to the basket: the variant read in one query, as the ORM gives it."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from comptoir.cart import services
from comptoir.cart.models import Cart, CartLine
from comptoir.catalog.models import ProductStatus, ProductTranslation, Variant
from comptoir.core.rows import attach
from tests.factories import ShopFactory
from tests.selling import make_variant

pytestmark = pytest.mark.django_db


def columns_of(obj):
    return [getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields]


def test_the_purchasable_variant_comes_with_its_product_and_names_in_one_query(
    shop, django_assert_num_queries
):
    tea = make_variant(shop, sku="TEA", name="Sencha")
    names = {t.language: t.name for t in ProductTranslation.objects.filter(product=tea.product)}

    with django_assert_num_queries(1):
        variant = services.purchasable_variant(shop, str(tea.pk))

    expected = Variant.objects.select_related("product").get(pk=tea.pk)
    with django_assert_num_queries(0):
        assert columns_of(variant) == columns_of(expected)
        assert columns_of(variant.product) == columns_of(expected.product)
        for language, name in names.items():
            with override(language):
                assert variant.product.translation().name == name


def test_what_is_not_for_sale_is_refused(shop):
    tea = make_variant(shop, sku="TEA")
    other = make_variant(ShopFactory(code="autre", domain="autre.example"), sku="AUTRE")
    draft = make_variant(shop, sku="DRAFT")
    draft.product.status = ProductStatus.DRAFT
    draft.product.save(update_fields=["status"])

    for refused in (other.pk, draft.pk, tea.pk + 1000, 2**70, "x"):
        with pytest.raises(services.CartError):
            services.purchasable_variant(shop, refused)


def test_a_new_basket_is_not_searched_for_the_line_it_cannot_have(shop, django_assert_num_queries):
    tea = services.purchasable_variant(shop, make_variant(shop, sku="TEA", stock=10).pk)
    cart = Cart.objects.create(shop=shop)
    attach(cart, "lines", [])  # as a basket made by this request is

    # Its transaction (a savepoint in the test's), the line, the version: no look-up
    with django_assert_num_queries(4):
        assert services.add(cart, tea, 2) == 2
    # The lines it held are dropped: the next add reads them, and adds up
    assert services.add(cart, tea, 3) == 5
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(tea.pk, 5)]
