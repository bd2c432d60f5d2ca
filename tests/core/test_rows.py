"""Plain-SQL reads give what the ORM gives."""

from __future__ import annotations

import pytest
from django.db import transaction

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
