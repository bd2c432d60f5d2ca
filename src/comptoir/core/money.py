"""Money: a Decimal amount with a currency, rounded to the currency's precision.

Never a float. Amounts are stored as ``DecimalField(max_digits=12, decimal_places=2)``;
currencies with another precision are rounded on the way in by :func:`quantize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

# ISO 4217 minor units for the currencies our merchants sell in; two is the default.
CURRENCY_PRECISION = {"JPY": 0, "KRW": 0, "HUF": 2, "CHF": 2, "EUR": 2, "GBP": 2, "USD": 2}
CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF", "JPY": "¥"}

MAX_DIGITS = 12
DECIMAL_PLACES = 2


def currency_precision(currency: str) -> int:
    return CURRENCY_PRECISION.get(currency.upper(), 2)


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round ``amount`` half-up to the minor unit of ``currency``."""
    if isinstance(amount, float):
        raise TypeError("money is never a float; pass a Decimal or a string")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    exponent = Decimal(1).scaleb(-currency_precision(currency))
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))
        object.__setattr__(self, "currency", self.currency.upper())

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("money is never multiplied by a float")
        return Money(self.amount * factor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def format(self) -> str:
        """Localised display: ``12,50 €`` in French, ``€12.50`` in English."""
        from django.utils.translation import get_language

        places = currency_precision(self.currency)
        number = number_format(self.amount, places, use_l10n=True, force_grouping=True)
        symbol = CURRENCY_SYMBOLS.get(self.currency, self.currency)
        if (get_language() or "fr").startswith("en"):
            return f"{symbol}{number}"
        return f"{number}\u00a0{symbol}"

    def __str__(self) -> str:
        return self.format()


def to_minor(amount: Decimal, currency: str) -> int:
    """12.50 EUR -> 1250: what a PSP's API expects."""
    places = currency_precision(currency)
    value = quantize(amount, currency).scaleb(places)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more precision than {currency} allows")
    return int(value)


def from_minor(minor: int, currency: str) -> Decimal:
    return quantize(Decimal(minor).scaleb(-currency_precision(currency)), currency)
