"""Stock reservations: all or nothing, back-orders, untracked stock, idempotent moves."""

from __future__ import annotations

import pytest
from django.db import transaction

from comptoir.catalog.models import Variant
from comptoir.inventory import services as inventory
from comptoir.inventory.exceptions import OutOfStock
from comptoir.inventory.models import Reservation, ReservationState, StockMovement
from comptoir.orders.models import Order
from tests.selling import make_variant

pytestmark = pytest.mark.django_db


def order_for(shop, number=1):
    return Order.objects.create(
        shop=shop, number=number, email="a@example.org", currency="EUR", payment_method="sandbox"
    )


def stock(variant):
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


def test_reserve_is_all_or_nothing(shop):
    a = make_variant(shop, sku="A", stock=5)
    b = make_variant(shop, sku="B", stock=1)
    order = order_for(shop)

    with pytest.raises(OutOfStock) as refused, transaction.atomic():
        inventory.reserve(
            order,
            [
                inventory.StockRequest(a.pk, 2),
                inventory.StockRequest(b.pk, 1),
                inventory.StockRequest(b.pk, 1),
            ],
        )

    assert str(refused.value) == "Only 1 left of B."
    assert (refused.value.sku, refused.value.available) == ("B", 1)
    assert stock(a) == (5, 0)
    assert stock(b) == (1, 0)
    assert Reservation.objects.count() == 0


def test_reserve_commit_release_and_put_back(shop):
    a = make_variant(shop, sku="A", stock=5)
    paid, dropped = order_for(shop, 1), order_for(shop, 2)
    with transaction.atomic():
        inventory.reserve(paid, [inventory.StockRequest(a.pk, 2)])
        inventory.reserve(dropped, [inventory.StockRequest(a.pk, 3)])
    assert stock(a) == (5, 5)

    inventory.commit(paid)
    inventory.commit(paid)  # idempotent
    inventory.release(dropped)
    inventory.release(dropped)
    assert stock(a) == (3, 0)
    inventory.put_back(paid, a.pk, 1, reason="returned")
    assert stock(a) == (4, 0)
    assert list(StockMovement.objects.order_by("pk").values_list("delta", "reason")) == [
        (-2, "sold"),
        (1, "returned"),
    ]
    assert dict(Reservation.objects.values_list("order_id", "state")) == {
        paid.pk: ReservationState.COMMITTED,
        dropped.pk: ReservationState.RELEASED,
    }


def test_back_orders_go_below_zero_and_give_back_exactly(shop):
    v = make_variant(shop, sku="BO", stock=1, allow_backorder=True)
    order = order_for(shop)
    with transaction.atomic():
        inventory.reserve(order, [inventory.StockRequest(v.pk, 3)])
    assert stock(v) == (1, 3)
    inventory.commit(order)
    assert stock(v) == (-2, 0)


def test_untracked_stock_is_never_refused_nor_counted(shop):
    v = make_variant(shop, sku="FREE", stock=0, track_stock=False)
    order, other = order_for(shop, 1), order_for(shop, 2)
    with transaction.atomic():
        inventory.reserve(order, [inventory.StockRequest(v.pk, 50)])
        inventory.reserve(other, [inventory.StockRequest(v.pk, 50)])
    assert stock(v) == (0, 0)
    assert list(Reservation.objects.values_list("held", flat=True)) == [False, False]
    inventory.release(order)
    inventory.commit(other)
    assert stock(v) == (-50, 0)


def test_manual_adjustment_is_recorded(shop):
    v = make_variant(shop, sku="ADJ", stock=3)
    inventory.adjust(Variant.objects.get(pk=v.pk), delta=-1, reason="breakage", note="cup")
    assert stock(v) == (2, 0)
    assert StockMovement.objects.get().note == "cup"


def catalog_version(shop):
    shop.refresh_from_db(fields=["catalog_version"])
    return shop.catalog_version


def test_a_sale_far_above_the_low_stock_threshold_leaves_every_cached_page_alone(shop):
    variant = make_variant(shop, sku="PLENTY", stock=100)
    before = catalog_version(shop)

    with transaction.atomic():
        order = order_for(shop)
        inventory.reserve(order, [inventory.StockRequest(variant.pk, 2)])
        inventory.commit(order)

    assert catalog_version(shop) == before
    assert stock(variant) == (98, 0)


def test_the_last_units_refresh_the_pages_that_show_them(shop):
    variant = make_variant(shop, sku="RARE", stock=6)  # threshold 5: "in stock"
    before = catalog_version(shop)

    with transaction.atomic():
        first = order_for(shop, 1)
        inventory.reserve(first, [inventory.StockRequest(variant.pk, 1)])  # 5 left: "only 5"
    after_low = catalog_version(shop)
    with transaction.atomic():
        second = order_for(shop, 2)
        inventory.reserve(second, [inventory.StockRequest(variant.pk, 5)])  # 0 left
    after_out = catalog_version(shop)
    variant.product.refresh_from_db(fields=["in_stock"])
    in_stock_when_gone = variant.product.in_stock
    with transaction.atomic():
        inventory.release(second)  # back in stock
    after_back = catalog_version(shop)
    variant.product.refresh_from_db(fields=["in_stock"])

    assert before < after_low < after_out < after_back
    assert in_stock_when_gone is False
    assert variant.product.in_stock is True


def test_a_commit_writes_one_sold_movement_per_reservation_with_every_column(shop):
    # given an order holding two tracked variants and an untracked one
    b = make_variant(shop, sku="B", stock=4)
    a = make_variant(shop, sku="A", stock=9)
    free = make_variant(shop, sku="F", stock=0, track_stock=False)
    order = order_for(shop)
    with transaction.atomic():
        inventory.reserve(
            order,
            [
                inventory.StockRequest(b.pk, 1),
                inventory.StockRequest(a.pk, 3),
                inventory.StockRequest(free.pk, 2),
            ],
        )

    # when it is paid
    with transaction.atomic():
        inventory.commit(order)

    # then each variant fell by its quantity, and each has its movement, fully written
    assert (stock(a), stock(b), stock(free)) == ((6, 0), (3, 0), (-2, 0))
    movements = StockMovement.objects.order_by("variant_id")
    assert [(m.variant_id, m.delta, m.reason, m.order_id, m.note) for m in movements] == sorted(
        [
            (a.pk, -3, "sold", order.pk, ""),
            (b.pk, -1, "sold", order.pk, ""),
            (free.pk, -2, "sold", order.pk, ""),
        ]
    )
    assert all(m.created_at is not None for m in movements)
