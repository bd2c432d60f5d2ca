"""Turning a basket into an order: server-side prices, shipping quotes, numbering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.catalog.models import VatClass
from comptoir.checkout.services import CheckoutError, StaleCart, place_order, quote_cart
from comptoir.inventory.exceptions import OutOfStock
from comptoir.inventory.models import Reservation
from comptoir.orders.models import Order, OrderCounter, OrderNotification
from comptoir.payments.models import Payment
from comptoir.shipping.models import RateKind, ShippingMethod, ShippingZone
from comptoir.shipping.services import available_methods, quote, zone_for
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


def weight_method(shop, countries="FR", **fields):
    zone = ShippingZone.objects.create(shop=shop, name=countries, countries=countries)
    defaults = {
        "code": "poids",
        "labels": {"fr": "Au poids"},
        "kind": RateKind.WEIGHT,
        "bands": [[500, "4.90"], [2000, "7.50"], [5000, "12.00"]],
    }
    return ShippingMethod.objects.create(zone=zone, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("grams", "expected"),
    [(1, "4.90"), (500, "4.90"), (501, "7.50"), (2000, "7.50"), (5000, "12.00"), (5001, None)],
)
def test_weight_bands(shop, grams, expected):
    method = weight_method(shop)
    price = quote(method, weight_grams=grams, goods_amount=Decimal("10"))
    assert price == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("goods", "expected"),
    [
        ("0.01", "6.00"),
        ("29.99", "6.00"),
        ("30.00", "6.00"),
        ("30.01", "3.00"),
        ("80.00", "3.00"),
        ("80.01", None),
    ],
)
def test_price_bands(shop, goods, expected):
    method = weight_method(shop, kind=RateKind.PRICE, bands=[[80, "3.00"], [30, "6.00"]])
    price = quote(method, weight_grams=100, goods_amount=Decimal(goods))
    assert price == (Decimal(expected) if expected else None)


def test_free_over_wins_over_any_band_and_flat_price(shop):
    flat = add_flat_shipping(shop, price="4.90", free_over="60.00")
    heavy = weight_method(shop, free_over=Decimal("60.00"))
    assert quote(flat, weight_grams=0, goods_amount=Decimal("59.99")) == Decimal("4.90")
    assert quote(flat, weight_grams=0, goods_amount=Decimal("60.00")) == Decimal(0)
    assert quote(heavy, weight_grams=99_000, goods_amount=Decimal("60.00")) == Decimal(0)


def test_zones_match_the_country_then_fall_back_to_star(shop):
    france = weight_method(shop, countries="FR, mc").zone
    world = add_flat_shipping(shop, countries="*", code="monde", price="15.00").zone
    assert zone_for(shop, "fr") == france
    assert zone_for(shop, "MC") == france
    assert zone_for(shop, "JP") == world


def test_no_zone_and_no_band_mean_unavailable(shop):
    weight_method(shop, countries="FR")
    assert zone_for(shop, "JP") is None
    assert available_methods(shop, "JP", weight_grams=100, goods_amount=Decimal(1)) == []
    assert available_methods(shop, "FR", weight_grams=9000, goods_amount=Decimal(1)) == []
    options = available_methods(shop, "FR", weight_grams=600, goods_amount=Decimal(1))
    assert [(o.code, o.price) for o in options] == [("poids", Decimal("7.50"))]


def test_inactive_methods_are_not_offered(shop):
    add_flat_shipping(shop).__class__.objects.update(is_active=False)
    assert available_methods(shop, "FR", weight_grams=1, goods_amount=Decimal(1)) == []


def test_quote_prices_on_the_server_with_destination_vat(shop):
    # Given a shop under OSS, tea (reduced rate) and shipping by weight to Germany
    shop.oss_registered = True
    shop.save()
    weight_method(shop, countries="DE")
    tea = make_variant(shop, sku="TEA", price="12.40", weight=300, vat_class=VatClass.REDUCED)
    cart = make_cart(shop, [(tea, 2)])

    # When the basket is quoted for Germany
    result = quote_cart(cart, country="DE")

    # Then 2 x 12.40 + 7.50 (600 g) at the German reduced rate, 7 %
    assert result.weight_grams == 600
    assert result.shipping_choice.price == Decimal("7.50")
    assert result.totals.total == Decimal("32.30")
    assert [(v.rate, v.net, v.vat) for v in result.totals.vat_lines] == [
        (Decimal("0.07"), Decimal("30.19"), Decimal("2.11"))
    ]


def test_a_rate_the_shop_overrides_is_the_one_charged(shop):
    # Given Germany's reduced rate changed before the table was updated: 7 % -> 8 %
    shop.oss_registered = True
    shop.vat_overrides = {"DE": {"reduced": 8}, "FR": {"reduced": 5.5}}
    shop.full_clean()
    shop.save()
    weight_method(shop, countries="DE")
    tea = make_variant(shop, sku="TEA", price="12.40", weight=300, vat_class=VatClass.REDUCED)

    result = quote_cart(make_cart(shop, [(tea, 2)]), country="DE")

    # Then the same 32.30 paid holds 8 % of VAT
    assert result.totals.total == Decimal("32.30")
    assert [(v.rate, v.net, v.vat) for v in result.totals.vat_lines] == [
        (Decimal("0.08"), Decimal("29.91"), Decimal("2.39"))
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"US": {"standard": "7"}}, "US is not an EU country code."),
        ({"FR": {"food": "5"}}, "FR.food: the VAT class must be one of"),
        ({"FR": {"reduced": "5,5"}}, "FR.reduced: '5,5' is not a rate in percent"),
        ({"FR": {"reduced": "100"}}, "FR.reduced: '100' is not a rate"),
        ({"FR": {"reduced": "5.555"}}, "FR.reduced: '5.555' is not a rate"),
        ({"FR": {"reduced": True}}, "FR.reduced: True is not a rate"),
        ({"FR": "20"}, 'FR: enter its rates as {"standard": "20"}.'),
        (["FR", "20"], 'Enter the rates as {"FR": {"reduced": "5.5"}}.'),
    ],
)
def test_an_override_that_is_not_a_rate_is_refused_with_where(shop, overrides, message):
    from django.core.exceptions import ValidationError

    shop.vat_overrides = overrides
    with pytest.raises(ValidationError) as refused:
        shop.full_clean()

    (error,) = refused.value.message_dict["vat_overrides"]
    assert error.startswith(message)


def test_the_order_lines_are_named_in_the_orders_language(shop):
    # Given a tea named in French and in English, ordered in French from an English call
    add_flat_shipping(shop)
    tea = make_variant(shop, sku="TEA", name="Thé vert", name_en="Green tea")

    order = place_order(make_cart(shop, [(tea, 1)]), details(language="fr"))

    # Then its line carries the French name, as its emails and invoice will
    assert list(order.lines.values_list("product_name", flat=True)) == ["Thé vert"]


def test_quote_refuses_what_cannot_be_shipped(shop):
    weight_method(shop, countries="FR")
    cart = make_cart(shop, [(make_variant(shop, sku="X"), 1)])
    with pytest.raises(CheckoutError, match="We do not deliver to this country yet."):
        quote_cart(cart, country="JP")
    with pytest.raises(CheckoutError, match="not available for your address"):
        quote_cart(cart, country="FR", shipping_method="nope")
    empty = make_cart(shop, [])
    with pytest.raises(CheckoutError, match="Your basket is empty."):
        quote_cart(empty, country="FR")


def test_place_order_snapshots_prices_and_totals(shop):
    # Given a basket of 3 x 10.00 at 20 % with 4.90 shipping
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="SNAP", price="10.00", stock=5)
    cart = make_cart(shop, [(variant, 3)])

    # When the order is placed and the price then changes in the catalog
    order = place_order(cart, details("Jeanne@Example.org", language="en"))
    variant.price = Decimal("99.00")
    variant.save()

    # Then the order keeps what the shopper agreed to
    order.refresh_from_db()
    line = order.lines.get()
    assert (line.sku, line.quantity, line.unit_price, line.amount) == (
        "SNAP",
        3,
        Decimal("10.00"),
        Decimal("30.00"),
    )
    assert (order.goods_amount, order.shipping_amount, order.total) == (
        Decimal("30.00"),
        Decimal("4.90"),
        Decimal("34.90"),
    )
    assert (order.total_net, order.total_vat) == (Decimal("29.08"), Decimal("5.82"))
    assert order.email == "jeanne@example.org"
    assert order.language == "en"
    assert order.number == 1
    assert order.payments.get().amount == Decimal("34.90")
    assert list(order.events.values_list("kind", flat=True)) == ["placed"]
    assert list(OrderNotification.objects.values_list("kind", flat=True)) == ["order_received"]
    cart.refresh_from_db()
    assert cart.order_id == order.pk


def test_numbers_are_gapless_and_a_failed_order_gives_its_number_back(shop):
    # Given one unit in stock, wanted by two baskets
    add_flat_shipping(shop)
    scarce = make_variant(shop, sku="ONE", stock=1)
    plenty = make_variant(shop, sku="MANY", stock=100)
    loser = make_cart(shop, [(plenty, 1), (scarce, 1)])
    first = place_order(make_cart(shop, [(plenty, 1)]), details())
    second = place_order(make_cart(shop, [(scarce, 1)]), details())

    # When the other basket fails on stock after its number was drawn, then one succeeds
    with pytest.raises(OutOfStock, match="ONE is no longer available."):
        place_order(loser, details())
    third = place_order(make_cart(shop, [(plenty, 2)]), details())

    # Then the numbers run 1, 2, 3 with nothing written for the failure
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert OrderCounter.objects.get(shop=shop).last_number == 3
    assert Order.objects.count() == 3
    assert Payment.objects.count() == 3
    assert Reservation.objects.count() == 3
    plenty.refresh_from_db()
    assert plenty.reserved_quantity == 3
    loser.refresh_from_db()
    assert loser.order_id is None


def test_numbers_are_per_shop(shop):
    from tests.factories import ShopFactory

    other = ShopFactory()
    for s in (shop, other):
        add_flat_shipping(s)
    a = place_order(make_cart(shop, [(make_variant(shop, sku="A"), 1)]), details())
    b = place_order(make_cart(other, [(make_variant(other, sku="B"), 1)]), details())
    assert (a.number, b.number) == (1, 1)


def test_a_second_submission_finds_the_first_order_and_a_stale_tab_is_refused(shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="TWICE")
    cart = make_cart(shop, [(variant, 1)])
    with pytest.raises(StaleCart):
        place_order(cart, details(cart_version=cart.version - 1))
    order = place_order(cart, details(cart_version=cart.version))
    assert place_order(cart, details()) == order
    assert Order.objects.count() == 1


def test_a_bank_transfer_order_emails_instructions_with_the_iban(shop):
    add_flat_shipping(shop)
    cart = make_cart(shop, [(make_variant(shop, sku="IBAN", price="20.00"), 1)])

    order = place_order(cart, details(payment_method="bank_transfer"))

    instructions = OrderNotification.objects.get(order=order, kind="payment_instructions")
    assert instructions.context == {
        "method": "bank_transfer",
        "holder": shop.name,
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "AGRIFRPP",
        "reference": "000001",
        "amount": "24.90",
        "currency": "EUR",
    }
    assert sorted(order.notifications.values_list("kind", flat=True)) == [
        "order_received",
        "payment_instructions",
    ]
    # A manual order holds its stock until the cancellation date, 7 days by default
    assert (order.reserved_until - order.created_at).days == 6 or (
        order.reserved_until - order.created_at
    ).days == 7
