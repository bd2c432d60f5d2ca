from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import Money, currency_precision, quantize

amounts = st.decimals(
    min_value=Decimal("-1e9"),
    max_value=Decimal("1e9"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)
currencies = st.sampled_from(["EUR", "USD", "JPY", "GBP", "CHF", "XXX"])


@given(amount=amounts, currency=currencies)
def test_quantize_returns_a_decimal_at_the_currency_precision(amount, currency):
    # when
    result = quantize(amount, currency)

    # then
    assert type(result) is Decimal
    assert result.as_tuple().exponent == -currency_precision(currency)


@given(
    whole_cents=st.integers(min_value=0, max_value=10**9),
    third_digit=st.integers(min_value=0, max_value=9),
    negative=st.booleans(),
)
def test_quantize_rounds_half_up_exactly(whole_cents, third_digit, negative):
    # given: an amount with one digit past the cent, e.g. 12.345 or -12.345
    sign = -1 if negative else 1
    amount = sign * (Decimal(whole_cents) / 100 + Decimal(third_digit) / 1000)

    # when
    result = quantize(amount, "EUR")

    # then: a third digit of 5 or more rounds away from zero, as written by hand
    expected_cents = whole_cents + (1 if third_digit >= 5 else 0)
    assert result == sign * Decimal(expected_cents) / 100


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "EUR", Decimal("0.01")),
        ("0.004", "EUR", Decimal("0.00")),
        ("2.675", "EUR", Decimal("2.68")),  # 2.675 as a float is 2.67499999...
        ("-2.675", "EUR", Decimal("-2.68")),
        ("1.5", "JPY", Decimal("2")),
        ("2.5", "JPY", Decimal("3")),
        (7, "USD", Decimal("7.00")),
    ],
)
def test_quantize_known_values(amount, currency, expected):
    assert quantize(amount, currency) == expected
    assert str(quantize(amount, currency)) == str(expected)


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_quantize_refuses_every_float(value):
    with pytest.raises(TypeError, match="never a float"):
        quantize(value, "EUR")


@pytest.mark.parametrize("raw", ["abc", "", "1,50", "NaN", "Infinity", "-inf"])
def test_quantize_refuses_what_is_not_a_finite_amount(raw):
    with pytest.raises(ValueError, match="amount"):
        quantize(raw, "EUR")


@given(a=amounts, b=amounts)
def test_money_addition_and_subtraction_are_exact(a, b):
    # given
    left, right = Money(a, "EUR"), Money(b, "EUR")

    # when
    total, difference = left + right, left - right

    # then
    assert total == Money(quantize(a, "EUR") + quantize(b, "EUR"), "EUR")
    assert difference == Money(quantize(a, "EUR") - quantize(b, "EUR"), "EUR")
    assert (total - right) == left


@given(a=amounts, factor=st.integers(min_value=-1000, max_value=1000))
def test_money_times_an_integer_is_repeated_addition(a, factor):
    money = Money(a, "EUR")

    assert money * factor == Money(money.amount * factor, "EUR")
    assert (money * factor).amount == quantize(a, "EUR") * factor


def test_money_is_rounded_and_upper_cased_on_creation():
    money = Money(Decimal("19.999"), "eur")

    assert money.amount == Decimal("20.00")
    assert money.currency == "EUR"


def test_money_multiplication_rounds_the_result_half_up():
    assert Money(Decimal("0.15"), "EUR") * Decimal("0.5") == Money(Decimal("0.08"), "EUR")


def test_money_refuses_a_float_factor():
    with pytest.raises(TypeError, match="float"):
        Money(Decimal("1.00"), "EUR") * 1.5


def test_money_refuses_a_float_amount():
    with pytest.raises(TypeError, match="never a float"):
        Money(1.5, "EUR")


@pytest.mark.parametrize("operation", [lambda a, b: a + b, lambda a, b: a - b])
def test_money_of_two_currencies_cannot_be_mixed(operation):
    with pytest.raises(ValueError, match="cannot mix EUR and USD"):
        operation(Money(Decimal("1"), "EUR"), Money(Decimal("1"), "USD"))


def test_money_is_immutable():
    money = Money(Decimal("1"), "EUR")

    with pytest.raises(AttributeError):
        money.amount = Decimal("2")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("fr", "1234.5", "EUR", "1\u00a0234,50\u00a0€"),
        ("en", "1234.5", "EUR", "€1,234.50"),
        ("en", "1234", "JPY", "¥1,234"),
    ],
)
def test_money_format_follows_the_language(language, amount, currency, expected):
    with translation.override(language):
        assert Money(Decimal(amount), currency).format() == expected
