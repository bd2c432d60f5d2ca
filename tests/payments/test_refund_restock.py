"""A refund may put the returned units back on the shelf, in the same transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from comptoir.checkout.services import place_order
from comptoir.core.exceptions import ComptoirError
from comptoir.inventory.models import StockMovement
from comptoir.orders.models import OrderEvent
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(shop):
    """A paid bank-transfer order of 3 x 10.00 + 4.90 (10 in stock before)."""
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="RET", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details(payment_method="bank_transfer"))
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")
    order.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, variant.stock_quantity, variant.reserved_quantity) == ("paid", 7, 0)
    return order, variant


def test_a_partial_refund_returns_one_unit_to_stock(paid):
    order, variant = paid
    line = order.lines.get()

    refunds = payments.refund_order(
        order.pk,
        amount=Decimal("10.00"),
        actor="anne",
        reason="one mug broken",
        restock={line.pk: 1},
    )
    run_queued_tasks()

    variant.refresh_from_db()
    line.refresh_from_db()
    order.refresh_from_db()
    assert variant.stock_quantity == 8
    assert line.refunded_quantity == 1
    assert [r.amount for r in refunds] == [Decimal("10.00")]
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("10.00"),
    )
    event = OrderEvent.objects.get(order=order, kind="stock_returned")
    assert (event.actor, event.note, event.data) == (
        "anne",
        "one mug broken",
        {"line": line.pk, "sku": "RET", "quantity": 1},
    )
    movement = StockMovement.objects.get(order=order, reason="refunded")
    assert (movement.variant_id, movement.delta) == (variant.pk, 1)


def test_returns_add_up_to_the_quantity_and_no_further(paid):
    order, variant = paid
    line = order.lines.get()
    payments.refund_order(order.pk, amount=Decimal("5"), actor="m", restock={line.pk: 2})

    # When the merchant tries to return 2 more of the 1 left
    with pytest.raises(ComptoirError) as refused:
        payments.refund_order(order.pk, amount=Decimal("5"), actor="m", restock={line.pk: 2})

    assert str(refused.value) == "RET: between 1 and 1 unit(s) can go back to stock, not 2."
    line.refresh_from_db()
    variant.refresh_from_db()
    assert (line.refunded_quantity, variant.stock_quantity) == (2, 9)
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("restock", "message"),
    [
        ({"line": 4}, "RET: between 1 and 3 unit(s) can go back to stock, not 4."),
        ({"line": 0}, "RET: between 1 and 3 unit(s) can go back to stock, not 0."),
        ({"line": -1}, "RET: between 1 and 3 unit(s) can go back to stock, not -1."),
        ({"other": 1}, "Line {other} is not part of this order."),
    ],
)
def test_a_wrong_restock_changes_nothing_not_even_the_money(paid, shop, restock, message):
    order, variant = paid
    line = order.lines.get()
    other = place_order(
        make_cart(shop, [(variant, 1)]), details(payment_method="bank_transfer")
    ).lines.get()
    ids = {"line": line.pk, "other": other.pk}
    restock = {ids[key]: quantity for key, quantity in restock.items()}

    with pytest.raises(ComptoirError) as refused:
        payments.refund_order(order.pk, amount=Decimal("10.00"), actor="m", restock=restock)

    assert str(refused.value) == message.format(other=other.pk)
    line.refresh_from_db()
    variant.refresh_from_db()
    order.refresh_from_db()
    assert (line.refunded_quantity, variant.stock_quantity) == (0, 7)  # the other order reserves
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, Decimal(0))
    assert Refund.objects.count() == 0
    assert OrderEvent.objects.filter(kind__in=["refund_requested", "stock_returned"]).count() == 0
    assert StockMovement.objects.filter(reason="refunded").count() == 0


def test_cancelling_after_a_partial_return_puts_back_only_the_rest(paid):
    order, variant = paid
    line = order.lines.get()
    payments.refund_order(order.pk, amount=Decimal("10.00"), actor="m", restock={line.pk: 1})

    from comptoir.orders.services import cancel_order

    cancel_order(order.pk, actor="m")

    variant.refresh_from_db()
    assert variant.stock_quantity == 10


def test_an_order_partly_refunded_is_cancelled_and_the_rest_refunded(paid):
    # Given one unit refunded and back on the shelf, the refund made by the provider
    order, variant = paid
    line = order.lines.get()
    payments.refund_order(order.pk, amount=Decimal("10.00"), actor="m", restock={line.pk: 1})
    run_queued_tasks()
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED

    # When the customer cancels the rest before it ships
    from comptoir.orders.services import cancel_order

    cancel_order(order.pk, actor="m", reason="changed their mind")
    run_queued_tasks()

    # Then the two other units are back, and everything captured is paid back
    order.refresh_from_db()
    variant.refresh_from_db()
    assert variant.stock_quantity == 10
    assert order.refunded_amount == order.total == Decimal("34.90")
    assert [r.amount for r in Refund.objects.order_by("created_at")] == [
        Decimal("10.00"),
        Decimal("24.90"),
    ]
    assert list(
        OrderEvent.objects.filter(order=order, kind="status")
        .order_by("pk")
        .values_list("from_status", "to_status")
    )[-2:] == [("partially_refunded", "cancelled"), ("cancelled", "refunded")]


def test_an_order_with_a_parcel_gone_is_not_cancelled(paid):
    # Given its parcel shipped
    from comptoir.fulfillment.models import Shipment
    from comptoir.orders.services import cancel_order

    order, variant = paid
    shipment = Shipment.objects.get(order=order)
    Shipment.objects.filter(pk=shipment.pk).update(status="shipped")

    # When someone cancels it
    with pytest.raises(ComptoirError, match="has already left"):
        cancel_order(order.pk, actor="m")

    # Then nothing moved: no stock back, no refund, still paid
    order.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, variant.stock_quantity) == (OrderStatus.PAID, 7)
    assert Refund.objects.count() == 0


@pytest.fixture
def merchant(client):
    user = get_user_model().objects.create_superuser("anne", "anne@example.org", "x")
    client.force_login(user)
    return client


def test_the_admin_refund_form_returns_stock(merchant, paid):
    order, variant = paid
    line = order.lines.get()
    url = f"/admin/orders/order/{order.pk}/refund/"

    page = merchant.get(url)
    assert page.status_code == 200
    assert f'name="restock_{line.pk}"' in page.content.decode()

    response = merchant.post(
        url, {"amount": "10.00", "reason": "returned", f"restock_{line.pk}": "1"}
    )
    run_queued_tasks()

    assert response.status_code == 302
    assert response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    variant.refresh_from_db()
    line.refresh_from_db()
    order.refresh_from_db()
    assert (variant.stock_quantity, line.refunded_quantity) == (8, 1)
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("10.00"),
    )
    assert OrderEvent.objects.get(kind="stock_returned").actor == "anne"


def test_the_admin_refund_form_with_zero_returns_nothing(merchant, paid):
    order, variant = paid
    line = order.lines.get()

    response = merchant.post(
        f"/admin/orders/order/{order.pk}/refund/",
        {"amount": "4.90", "reason": "", f"restock_{line.pk}": "0"},
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    line.refresh_from_db()
    assert (variant.stock_quantity, line.refunded_quantity) == (7, 0)
    assert Refund.objects.get().amount == Decimal("4.90")


def test_the_admin_refund_form_refuses_too_many_units(merchant, paid):
    order, variant = paid
    line = order.lines.get()

    response = merchant.post(
        f"/admin/orders/order/{order.pk}/refund/",
        {"amount": "10.00", "reason": "", f"restock_{line.pk}": "4"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"restock_{line.pk}"]
    variant.refresh_from_db()
    assert variant.stock_quantity == 7
    assert Refund.objects.count() == 0
