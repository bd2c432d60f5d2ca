"""core.rows.insert writes the rows the ORM writes: every column the same but the ones
that are new for each row (the primary key, the creation time, a random token)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError

from comptoir.core import rows
from comptoir.fraud.models import OrderSignals
from comptoir.inventory.models import Reservation
from comptoir.orders.models import Order, OrderLine
from comptoir.payments.models import Payment
from tests.selling import make_variant

pytestmark = pytest.mark.django_db

NEW = {"id", "created_at", "token"}


def stored(obj):
    """The row as read back from the database, without the columns new for each row."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {
        field.attname: getattr(fresh, field.attname)
        for field in type(obj)._meta.concrete_fields
        if field.attname not in NEW
    }


def order_fields(shop, **extra):
    return {
        "shop": shop,
        "email": "jeanne@example.org",
        "currency": "EUR",
        "shipping_address": {"city": "Lyon", "country": "FR", "line1": "12 rue des Lilas"},
        "billing_address": {"city": "Lyon", "country": "FR"},
        "shipping_country": "FR",
        "payment_method": "sandbox",
        "goods_amount": Decimal("24.80"),
        "shipping_amount": Decimal("4.90"),
        "total_net": Decimal("24.75"),
        "total_vat": Decimal("4.95"),
        "total": Decimal("29.70"),
        "vat_breakdown": [{"rate": "0.2", "net": "24.75"}],
        "reserved_until": datetime.datetime(2026, 12, 3, 15, 0, tzinfo=datetime.UTC),
        "client_ip": "203.0.113.7",
        "promised_dispatch_on": datetime.date(2026, 12, 4),
        **extra,
    }


def test_an_order_and_its_lines_are_the_rows_the_orm_writes(shop):
    # Given the same order built twice, and two lines for each
    variant = make_variant(shop, sku="ROW", price="12.40", stock=5)
    by_orm, by_rows = Order(**order_fields(shop)), Order(**order_fields(shop))

    def lines(order):
        return [
            OrderLine(
                order=order,
                variant=variant,
                product_name="Sencha",
                sku="ROW",
                quantity=n,
                unit_price=Decimal("12.40"),
                amount=Decimal("12.40") * n,
                vat_rate=Decimal("0.2000"),
            )
            for n in (1, 2)
        ]

    # When one is saved by the ORM and the other by rows.insert
    by_orm.save(force_insert=True)
    orm_lines = OrderLine.objects.bulk_create(lines(by_orm))
    rows.insert([by_rows])
    row_lines = lines(by_rows)
    rows.insert(row_lines)

    # Then both have their primary keys and creation times, and the same stored rows
    assert by_rows.pk is not None and by_rows.pk != by_orm.pk
    assert by_rows.created_at is not None and not by_rows._state.adding
    assert stored(by_rows) == stored(by_orm)
    assert [line.pk for line in row_lines] == sorted(line.pk for line in row_lines)
    assert [stored(line) | {"order_id": 0} for line in row_lines] == [
        stored(line) | {"order_id": 0} for line in orm_lines
    ]
    assert {line.order_id for line in row_lines} == {by_rows.pk}


def test_a_payment_its_signals_and_a_reservation_are_the_rows_the_orm_writes(shop):
    # Given two orders, and for each a payment (its primary key made in Python), the
    # order's signals (an IP address) and a reservation (a primary key from the database)
    variant = make_variant(shop, sku="ROW", price="12.40", stock=5)
    first, second = (Order.objects.create(**order_fields(shop)) for _ in range(2))

    def build(order):
        return [
            Payment(order=order, provider="sandbox", amount=order.total, currency="EUR"),
            OrderSignals(
                order=order,
                shop_id=shop.pk,
                ip="203.0.113.7",
                ip_country="FR",
                session_hash="abc",
                user_agent="Firefox",
                email=order.email,
            ),
            Reservation(variant_id=variant.pk, order=order, quantity=2, held=True),
        ]

    # When the first order's are saved by the ORM, the second's by rows.insert
    by_orm, by_rows = build(first), build(second)
    for obj in by_orm:
        obj.save(force_insert=True)
    for obj in by_rows:
        rows.insert([obj])

    # Then the rows are the same but for their own keys and their order
    for orm_obj, rows_obj in zip(by_orm, by_rows, strict=True):
        assert rows_obj.pk is not None and not rows_obj._state.adding
        mine = stored(rows_obj)
        assert mine.pop("order_id") == second.pk
        theirs = stored(orm_obj)
        assert theirs.pop("order_id") == first.pk
        assert mine == theirs


def test_an_update_of_some_fields_is_the_rows_the_orm_writes(shop):
    # Given two orders, each with a payment, and the same changes made to both payments
    first, second = (Order.objects.create(**order_fields(shop)) for _ in range(2))
    by_orm, by_rows = (
        Payment.objects.create(order=order, provider="sandbox", amount=order.total, currency="EUR")
        for order in (first, second)
    )
    for payment in (by_orm, by_rows):
        payment.reference = "pi_0123456789"
        payment.details = {"card": "4242"}
        payment.failure_reason = "not written"  # changed, but not among the fields saved

    # When the ORM saves the first's reference and details, rows.update the second's
    by_orm.save(update_fields=["reference", "details"])
    rows.update(by_rows, ["reference", "details"])

    # Then the rows are the same but for their own keys, and the field left out unchanged
    mine, theirs = stored(by_rows), stored(by_orm)
    assert (mine.pop("order_id"), theirs.pop("order_id")) == (second.pk, first.pk)
    assert mine == theirs
    assert mine["reference"] == "pi_0123456789" and mine["details"] == {"card": "4242"}
    assert mine["failure_reason"] == ""


def test_an_update_of_a_row_gone_raises_as_the_orm_does(shop):
    # Given a payment deleted from the database behind its instance
    order = Order.objects.create(**order_fields(shop))
    payment = Payment.objects.create(
        order=order, provider="sandbox", amount=order.total, currency="EUR"
    )
    Payment.objects.filter(pk=payment.pk).delete()
    payment.reference = "pi_gone"

    # When it is updated, Then DatabaseError, as save(update_fields=...) raises
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        rows.update(payment, ["reference"])
