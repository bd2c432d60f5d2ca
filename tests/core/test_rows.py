"""Plain-SQL reads give what the ORM gives."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Sum

from comptoir.checkout.services import place_order
from comptoir.core.rows import refresh_locked
from comptoir.orders.models import Order, OrderLine
from comptoir.orders.selectors import order_lines
from comptoir.payments.models import Payment
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop):
    add_flat_shipping(shop)
    tea = make_variant(shop, sku="TEA", price="10.00")
    mug = make_variant(shop, sku="MUG", price="4.50")
    return place_order(make_cart(shop, [(tea, 2), (mug, 1)]), details())


def columns_of(obj):
    return [getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields]


def test_refresh_locked_reads_every_column_in_place(order, shop, django_assert_num_queries):
    # Given a stale instance holding its shop, and the row changed meanwhile
    stale = Order.objects.get(pk=order.pk)
    stale.shop = shop
    Order.objects.filter(pk=order.pk).update(status="paid", email="autre@example.org")

    with transaction.atomic(), django_assert_num_queries(1):
        refresh_locked(stale, no_key=True)

    assert columns_of(stale) == columns_of(Order.objects.get(pk=order.pk))
    assert (stale.status, stale.email) == ("paid", "autre@example.org")
    assert stale.shop is shop  # its key did not change: kept


def test_refresh_locked_drops_a_relation_whose_key_changed(order, shop):
    payment = Payment.objects.get(order=order)
    other = place_order(
        make_cart(shop, [(make_variant(shop, sku="POT", price="1.00"), 1)]), details()
    )
    payment.order = order
    Payment.objects.filter(pk=payment.pk).update(order=other)

    with transaction.atomic():
        refresh_locked(payment)

    assert payment.order_id == other.pk and payment.order == other


def test_refresh_locked_of_a_deleted_row_raises(order):
    payment = Payment.objects.get(order=order)
    Payment.objects.filter(pk=payment.pk).delete()
    with pytest.raises(Payment.DoesNotExist), transaction.atomic():
        refresh_locked(payment)


def test_an_order_s_lines_are_read_with_their_variants_as_the_orm_would(
    order, django_assert_num_queries
):
    fresh = Order.objects.get(pk=order.pk)
    with django_assert_num_queries(1):
        lines = order_lines(fresh)
    with django_assert_num_queries(0):
        assert order_lines(fresh) == lines
        assert [line.variant.sku for line in lines] == ["TEA", "MUG"]
        assert all(line.order is fresh for line in lines)
    expected = list(OrderLine.objects.filter(order=order).select_related("variant"))
    assert [columns_of(line) for line in lines] == [columns_of(line) for line in expected]
    assert [columns_of(line.variant) for line in lines] == [
        columns_of(line.variant) for line in expected
    ]


def test_clone_copies_what_deepcopy_copies_and_shares_only_immutable_values(shop):
    from comptoir.core.rows import clone
    from comptoir.fraud.models import FraudSettings
    from comptoir.shipping.models import ShippingZone
    from comptoir.shipping.services import shop_zones

    add_flat_shipping(shop)
    shop.fraud_settings = FraudSettings.objects.create(shop=shop)
    zone = ShippingZone.objects.get(shop=shop)
    zone.extra = {"nested": [1, {"deep": True}]}  # a JSON field's kind of value
    zone.method_list = list(zone.methods.all())
    for method in zone.method_list:
        method.zone = zone

    copied = clone([zone, shop])

    zone_copy, shop_copy = copied
    assert zone_copy is not zone and shop_copy is not shop
    assert columns_of(zone_copy) == columns_of(zone) and columns_of(shop_copy) == columns_of(shop)
    # Related objects are copied too, and a cycle points back into the copy.
    assert shop_copy.fraud_settings is not shop.fraud_settings
    assert shop_copy.fraud_settings.shop is shop_copy
    assert [m.pk for m in zone_copy.method_list] == [m.pk for m in zone.method_list]
    assert all(m.zone is zone_copy for m in zone_copy.method_list)
    assert all(m is not o for m, o in zip(zone_copy.method_list, zone.method_list, strict=True))
    # Nothing changed on the copy reaches the original.
    zone_copy.extra["nested"][1]["deep"] = False
    zone_copy.method_list.clear()
    shop_copy.fraud_settings.review_score = 99
    shop_copy._state.adding = True
    assert zone.extra == {"nested": [1, {"deep": True}]}
    assert zone.method_list and shop.fraud_settings.review_score != 99
    assert shop._state.adding is False
    # A copy is saved and read like the original.
    shop_copy.tagline = "Copie"
    shop_copy.save(update_fields=["tagline"])
    shop.refresh_from_db()
    assert shop.tagline == "Copie"
    assert shop_zones(shop_copy)[0].pk == zone.pk


def test_attach_gives_the_relation_its_objects_and_queries_built_on_it_stay_on_the_relation(
    shop, django_assert_num_queries
):
    from comptoir.cart.models import Cart, CartLine
    from comptoir.core.rows import attach, remembered

    tea = make_variant(shop, sku="TEA", price="10.00")
    other = make_cart(shop, [(tea, 3)])  # another basket's line
    cart = Cart.objects.create(shop=shop)

    attach(cart, "lines", [])

    with django_assert_num_queries(0):
        assert list(cart.lines.all()) == [] and remembered(cart, "lines") == []
    # A query built on the relation reads this basket's rows only, not every basket's.
    assert CartLine.objects.filter(cart=other).count() == 1
    assert list(cart.lines.filter(quantity__gte=1)) == []
    assert cart.lines.aggregate(n=Sum("quantity"))["n"] is None
    # Many-to-many too.
    attach(tea, "option_values", [])
    assert list(tea.option_values.filter(pk__gte=0)) == []
