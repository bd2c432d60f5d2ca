"""Discount codes: when they apply, what they take off, and how often."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.checkout.services import place_order, quote_cart
from comptoir.discounts.models import DiscountCode, DiscountKind, DiscountUsage
from comptoir.discounts.services import DiscountRefused, find_code
from comptoir.orders.services import cancel_order
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


def code(shop, **fields):
    defaults = {"code": "PRINTEMPS", "kind": DiscountKind.PERCENTAGE, "value": Decimal(10)}
    return DiscountCode.objects.create(shop=shop, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("kind", "value", "goods", "expected"),
    [
        (DiscountKind.PERCENTAGE, "10", "33.33", "3.33"),
        (DiscountKind.PERCENTAGE, "15", "0.10", "0.02"),
        (DiscountKind.PERCENTAGE, "100", "12.00", "12.00"),
        (DiscountKind.FIXED, "5", "33.33", "5.00"),
        (DiscountKind.FIXED, "50", "33.33", "33.33"),
        (DiscountKind.FREE_SHIPPING, "0", "33.33", "0"),
    ],
)
def test_amounts(shop, kind, value, goods, expected):
    code(shop, kind=kind, value=Decimal(value))
    effect = find_code(shop, "printemps", goods_amount=Decimal(goods))
    assert effect.goods_discount == Decimal(expected)
    assert effect.free_shipping == (kind == DiscountKind.FREE_SHIPPING)


def test_dates(shop):
    now = timezone.now()
    code(shop, starts_at=now + timedelta(days=1))
    with pytest.raises(DiscountRefused, match="The code PRINTEMPS is not valid yet."):
        find_code(shop, "PRINTEMPS", goods_amount=Decimal(10), now=now)
    assert find_code(shop, "PRINTEMPS", goods_amount=Decimal(10), now=now + timedelta(days=1))
    DiscountCode.objects.update(ends_at=now + timedelta(days=2))
    with pytest.raises(DiscountRefused, match="The code PRINTEMPS has expired."):
        find_code(shop, "PRINTEMPS", goods_amount=Decimal(10), now=now + timedelta(days=2))


def test_unknown_inactive_and_other_shops_codes(shop):
    from tests.factories import ShopFactory

    code(ShopFactory(), code="AILLEURS")
    code(shop, code="ANCIEN", is_active=False)
    for raw in ("NOPE", "AILLEURS", "ANCIEN"):
        with pytest.raises(DiscountRefused, match=f"The code {raw} does not exist."):
            find_code(shop, raw, goods_amount=Decimal(10))


def test_minimum_basket(shop):
    code(shop, minimum_basket=Decimal("40.00"))
    with pytest.raises(DiscountRefused, match="needs a basket of at least 40.00"):
        find_code(shop, "PRINTEMPS", goods_amount=Decimal("39.99"))
    assert find_code(shop, "PRINTEMPS", goods_amount=Decimal("40.00")).goods_discount == Decimal(
        "4.00"
    )


def test_per_customer_limit_counts_orders_and_a_cancellation_gives_the_use_back(shop):
    # Given a code usable once per customer
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="PC", price="20.00", stock=10)
    code(shop, per_customer_limit=1)
    first = place_order(
        make_cart(shop, [(variant, 1)]), details("ana@example.org", discount_code="PRINTEMPS")
    )
    assert first.discount_amount == Decimal("2.00")

    # When the same customer (any case) tries again, then cancels and tries again
    with pytest.raises(DiscountRefused, match="You have already used the code PRINTEMPS."):
        place_order(
            make_cart(shop, [(variant, 1)]), details("ANA@example.org", discount_code="PRINTEMPS")
        )
    other = place_order(
        make_cart(shop, [(variant, 1)]), details("bob@example.org", discount_code="PRINTEMPS")
    )
    cancel_order(first.pk, actor="ana@example.org")
    again = place_order(
        make_cart(shop, [(variant, 1)]), details("ana@example.org", discount_code="PRINTEMPS")
    )

    # Then each use is counted exactly
    assert DiscountCode.objects.get().times_used == 2
    assert sorted(DiscountUsage.objects.values_list("order_id", flat=True)) == sorted(
        [other.pk, again.pk]
    )


def test_total_limit_in_sequence(shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="TL", stock=10)
    code(shop, usage_limit=2)
    for i in range(2):
        place_order(
            make_cart(shop, [(variant, 1)]), details(f"{i}@example.org", discount_code="PRINTEMPS")
        )
    with pytest.raises(DiscountRefused, match="The code PRINTEMPS has been used up."):
        place_order(
            make_cart(shop, [(variant, 1)]), details("z@example.org", discount_code="PRINTEMPS")
        )
    assert DiscountCode.objects.get().times_used == 2


def test_totals_with_each_kind(shop):
    # Given 3 x 10.00 with 4.90 shipping
    add_flat_shipping(shop)
    cart = make_cart(shop, [(make_variant(shop, sku="K"), 3)])
    code(shop, code="PCT", kind=DiscountKind.PERCENTAGE, value=Decimal("12.5"))
    code(shop, code="FIX", kind=DiscountKind.FIXED, value=Decimal("7"))
    code(shop, code="PORT", kind=DiscountKind.FREE_SHIPPING)

    totals = {
        c: quote_cart(cart, country="FR", discount_code=c).totals for c in ("PCT", "FIX", "PORT")
    }

    assert {c: (t.discount, t.shipping, t.total) for c, t in totals.items()} == {
        "PCT": (Decimal("3.75"), Decimal("4.90"), Decimal("31.15")),
        "FIX": (Decimal("7.00"), Decimal("4.90"), Decimal("27.90")),
        "PORT": (Decimal("0.00"), Decimal("0.00"), Decimal("30.00")),
    }
