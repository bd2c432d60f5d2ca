"""The signed order-status link: the order it names, only in its own shop."""

from __future__ import annotations

import pytest

from comptoir.checkout.services import place_order
from comptoir.fraud.models import OrderSignals
from comptoir.orders.links import order_from_token, order_status_token
from tests.factories import ShopFactory
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="LINK", price="10.00")
    return place_order(
        make_cart(shop, [(variant, 1)]), details(client_ip="192.0.2.7", session_key="s" * 32)
    )


def test_the_link_gives_its_order_with_the_shop_given_and_its_signals(
    order, shop, django_assert_num_queries
):
    token = order_status_token(order)
    with django_assert_num_queries(1):
        found = order_from_token(token, shop, with_signals=True)
    with django_assert_num_queries(0):
        assert found == order and found.total == order.total
        assert found.shop is shop
        assert found.fraud_signals.ip == "192.0.2.7"
    assert order_from_token(token) == order  # any shop's


def test_an_order_without_signals_has_none_cached(order, shop, django_assert_num_queries):
    OrderSignals.objects.filter(order=order).delete()
    found = order_from_token(order_status_token(order), shop, with_signals=True)
    with django_assert_num_queries(0):
        assert not hasattr(found, "fraud_signals")


def test_another_shops_link_or_a_forged_one_gives_nothing(order):
    other = ShopFactory(code="autre", domain="autre.example")
    token = order_status_token(order)
    assert order_from_token(token, other) is None
    assert order_from_token(token[:-2] + "xx") is None
    assert order_from_token("not-even-signed") is None


def test_the_order_page_s_link_gives_the_latest_payment_in_the_same_query(
    order, shop, django_assert_num_queries
):
    from datetime import timedelta

    from comptoir.orders.links import order_and_payment_from_token
    from comptoir.payments.models import Payment

    first = order.payments.get()
    later = Payment.objects.create(order=order, provider="sandbox", amount=first.amount,
                                   currency=first.currency)  # fmt: skip
    Payment.objects.filter(pk=later.pk).update(created_at=first.created_at + timedelta(seconds=1))
    token = order_status_token(order)

    with django_assert_num_queries(1):
        found, payment = order_and_payment_from_token(token, shop, with_signals=True)
    with django_assert_num_queries(0):
        assert found == order and payment == later
        assert payment.order is found and found.fraud_signals.ip == "192.0.2.7"
    assert payment == found.payments.order_by("-created_at").first()
    assert payment.amount == later.amount and payment.created_at > first.created_at

    Payment.objects.all().delete()
    assert order_and_payment_from_token(token, shop) == (order, None)
    assert order_and_payment_from_token("not-even-signed", shop) is None
