"""The order list filtered by where the money stands."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from comptoir.checkout.services import place_order
from comptoir.payments import services as payments
from comptoir.payments.models import PaymentStatus, Refund
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(client):
    client.force_login(get_user_model().objects.create_superuser("anne", "a@example.org", "x"))
    return client


def test_orders_are_filtered_by_where_their_money_stands(merchant, shop):
    # Given four orders: awaited, captured, failed, and captured with a refund that failed
    add_flat_shipping(shop)
    tea = make_variant(shop, sku="TEA", stock=50)

    def order():
        return place_order(make_cart(shop, [(tea, 1)]), details(payment_method="bank_transfer"))

    awaited, captured, failed, refunded = order(), order(), order(), order()
    for paid in (captured, refunded):
        payment = paid.payments.get()
        payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="anne")
    failed.payments.update(status=PaymentStatus.FAILED)
    (refund,) = payments.refund_order(refunded.pk, amount=Decimal("5.00"), actor="anne")
    payments.mark_refund_failed(str(refund.pk), reason="card closed")

    def listed(state: str) -> set[int]:
        page = merchant.get(reverse("admin:orders_order_changelist"), {"payment_state": state})
        assert page.status_code == 200
        return {o.pk for o in page.context["cl"].result_list}

    # Then each filter lists its orders, and only them
    assert listed("awaiting") == {awaited.pk}
    assert listed("captured") == {captured.pk, refunded.pk}
    assert listed("failed") == {failed.pk}
    assert listed("refund_failed") == {refunded.pk}

    # and once the failed refund is asked again, it is no longer one to chase
    payments.retry_refund(str(refund.pk), actor="anne")
    assert Refund.objects.filter(retry_of=refund, status="pending").exists()
    assert listed("refund_failed") == set()
