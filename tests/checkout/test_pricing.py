"""Order arithmetic to the cent, and the VAT rates it uses.

The property tests draw random orders (lines, VAT rates of the real rate table,
discounts, shipping, both price bases) and check the invariants every invoice must keep.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.catalog.models import VatClass
from comptoir.checkout.pricing import LineInput, allocate, price_order
from comptoir.taxes.rates import EU_RATES, vat_rate

CENT = Decimal("0.01")
ALL_RATES = sorted({Decimal(r) / 100 for rates in EU_RATES.values() for r in rates} | {Decimal(0)})

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("300.00"), places=2)
lines_strategy = st.lists(
    st.tuples(prices, st.integers(min_value=1, max_value=30), st.sampled_from(ALL_RATES)),
    min_size=1,
    max_size=8,
)


def two_places(value: Decimal) -> bool:
    return value.as_tuple().exponent == -2


@settings(max_examples=400, deadline=None)
@given(
    lines=lines_strategy,
    shipping=amounts,
    discount=amounts,
    include=st.booleans(),
    shipping_rate=st.one_of(st.none(), st.sampled_from(ALL_RATES)),
)
def test_random_orders_keep_every_invariant(lines, shipping, discount, include, shipping_rate):
    # Given a random order
    inputs = [LineInput(i, price, qty, rate) for i, (price, qty, rate) in enumerate(lines)]

    # When it is priced
    totals = price_order(
        inputs,
        currency="EUR",
        prices_include_tax=include,
        shipping=shipping,
        shipping_vat_rate=shipping_rate,
        discount=discount,
    )

    # Then lines + shipping - discount is the total on the shop's basis
    goods = sum((price * qty for price, qty, _ in lines), Decimal(0))
    assert totals.goods == goods
    assert totals.discount == min(discount, goods)
    assert totals.shipping == shipping
    basis_total = totals.total_gross if include else totals.total_net
    assert basis_total == goods + shipping - totals.discount
    # incl. VAT = excl. VAT + VAT, per rate and in total
    for line in totals.vat_lines:
        assert line.gross == line.net + line.vat
        assert line.vat >= 0
        if include:
            assert line.net == (line.gross / (1 + line.rate)).quantize(CENT, "ROUND_HALF_UP")
        else:
            assert line.vat == (line.net * line.rate).quantize(CENT, "ROUND_HALF_UP")
    assert totals.total == totals.total_gross == totals.total_net + totals.total_vat
    # the discount is shared among the lines exactly, never more than a line is worth
    assert sum((line.discount for line in totals.lines), Decimal(0)) == totals.discount
    assert all(0 <= line.discount <= line.amount for line in totals.lines)
    # every amount is to the cent
    amounts_seen = [
        totals.goods,
        totals.discount,
        totals.shipping,
        totals.total,
        totals.total_net,
        totals.total_vat,
    ]
    amounts_seen += [a for v in totals.vat_lines for a in (v.net, v.vat, v.gross)]
    amounts_seen += [
        a for line in totals.lines for a in (line.amount, line.discount, line.unit_price)
    ]
    assert all(two_places(a) for a in amounts_seen), amounts_seen


@settings(max_examples=300, deadline=None)
@given(amount=amounts, weights=st.lists(amounts, min_size=1, max_size=10))
def test_allocation_sums_exactly(amount, weights):
    shares = allocate(amount, weights, "EUR")
    assert sum(shares, Decimal(0)) == amount
    assert len(shares) == len(weights)
    assert all(two_places(s) or s == 0 for s in shares)
    assert all(s >= 0 for s in shares)


def test_a_french_basket_prices_tax_included():
    # Given tea at 5.5 % and a teapot at 20 %, shipping 4.90, 10.00 off, prices incl. VAT
    lines = [
        LineInput("tea", Decimal("12.40"), 2, Decimal("0.055")),
        LineInput("pot", Decimal("35.00"), 1, Decimal("0.2")),
    ]

    totals = price_order(
        lines,
        currency="EUR",
        prices_include_tax=True,
        shipping=Decimal("4.90"),
        discount=Decimal("10.00"),
    )

    # Then the discount splits 24.80:35.00 (4.15 + 5.85); shipping splits along the
    # discounted goods 20.65:29.15 (2.03 + 2.87, the cent to the larger remainder)
    assert [line.discount for line in totals.lines] == [Decimal("4.15"), Decimal("5.85")]
    assert totals.total == Decimal("54.70")
    assert [(v.rate, v.net, v.vat, v.gross) for v in totals.vat_lines] == [
        (Decimal("0.055"), Decimal("21.50"), Decimal("1.18"), Decimal("22.68")),
        (Decimal("0.2"), Decimal("26.68"), Decimal("5.34"), Decimal("32.02")),
    ]
    assert totals.total_net == Decimal("48.18")
    assert totals.total_vat == Decimal("6.52")


def test_a_basket_priced_tax_excluded_adds_vat():
    lines = [LineInput("a", Decimal("10.00"), 3, Decimal("0.2"))]

    totals = price_order(lines, currency="EUR", prices_include_tax=False, shipping=Decimal("5.00"))

    assert (totals.total_net, totals.total_vat, totals.total) == (
        Decimal("35.00"),
        Decimal("7.00"),
        Decimal("42.00"),
    )


def test_a_discount_larger_than_the_goods_stops_at_zero_goods():
    totals = price_order(
        [LineInput("a", Decimal("8.00"), 1, Decimal("0.2"))],
        currency="EUR",
        prices_include_tax=True,
        shipping=Decimal("4.90"),
        discount=Decimal("50"),
    )
    assert totals.discount == Decimal("8.00")
    assert totals.total == Decimal("4.90")


@pytest.mark.parametrize(
    "bad",
    [
        {"lines": [LineInput("a", Decimal("1"), 0, Decimal("0.2"))]},
        {"discount": Decimal("-1")},
        {"shipping": Decimal("-0.01")},
    ],
)
def test_impossible_inputs_are_refused(bad):
    arguments = {"lines": [LineInput("a", Decimal("1"), 1, Decimal("0.2"))], **bad}
    with pytest.raises(ValueError):
        price_order(arguments.pop("lines"), currency="EUR", prices_include_tax=True, **arguments)


@pytest.mark.parametrize(
    ("vat_class", "expected"),
    [
        (VatClass.STANDARD, "0.2"),
        (VatClass.INTERMEDIATE, "0.1"),
        (VatClass.REDUCED, "0.055"),
        (VatClass.SUPER_REDUCED, "0.021"),
        (VatClass.ZERO, "0"),
    ],
)
def test_french_rates(vat_class, expected):
    assert vat_rate(vat_class, destination="FR") == Decimal(expected)


@pytest.mark.parametrize(
    ("destination", "vat_class", "expected"),
    [
        ("DE", VatClass.STANDARD, "0.19"),
        ("DE", VatClass.REDUCED, "0.07"),
        ("BE", VatClass.STANDARD, "0.21"),
        ("IT", VatClass.SUPER_REDUCED, "0.04"),
        ("FI", VatClass.STANDARD, "0.255"),
        ("IE", VatClass.INTERMEDIATE, "0.135"),
    ],
)
def test_oss_sales_take_the_destinations_rate(destination, vat_class, expected):
    assert vat_rate(vat_class, destination=destination, oss=True) == Decimal(expected)


def test_without_oss_the_origins_rate_applies():
    assert vat_rate(VatClass.STANDARD, destination="DE", oss=False) == Decimal("0.2")


@pytest.mark.parametrize("destination", ["US", "CH", "GB", "NO", "JP"])
def test_exports_outside_the_eu_carry_no_vat(destination):
    assert vat_rate(VatClass.STANDARD, destination=destination) == Decimal(0)


def test_a_shop_override_wins():
    overrides = {"FR": {VatClass.REDUCED: "5"}}
    assert vat_rate(VatClass.REDUCED, destination="FR", overrides=overrides) == Decimal("0.05")
