"""Exact order arithmetic: lines, discount, shipping and VAT, to the cent.

Everything is Decimal and rounded once, where French invoices round: per VAT rate. The
invariants hold by construction, and tests/checkout/test_pricing.py checks them on random
orders: lines + shipping - discount = total, total incl. VAT = total excl. VAT + VAT.

Amounts come in on the shop's basis: VAT included (the French norm) or excluded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from comptoir.core.money import currency_precision, quantize

ZERO = Decimal(0)


@dataclass(frozen=True)
class LineInput:
    key: Hashable
    unit_price: Decimal
    quantity: int
    vat_rate: Decimal  # a fraction: Decimal("0.2")


@dataclass(frozen=True)
class PricedLine:
    key: Hashable
    quantity: int
    unit_price: Decimal
    amount: Decimal  # unit_price x quantity, on the shop's basis
    discount: Decimal  # this line's share of the order discount
    vat_rate: Decimal


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Totals:
    currency: str
    prices_include_tax: bool
    lines: list[PricedLine]
    goods: Decimal  # sum of line amounts before discount, shop's basis
    discount: Decimal
    shipping: Decimal
    vat_lines: list[VatLine] = field(default_factory=list)

    @property
    def total_gross(self) -> Decimal:
        return sum((v.gross for v in self.vat_lines), ZERO)

    @property
    def total_net(self) -> Decimal:
        return sum((v.net for v in self.vat_lines), ZERO)

    @property
    def total_vat(self) -> Decimal:
        return sum((v.vat for v in self.vat_lines), ZERO)

    @property
    def total(self) -> Decimal:
        """What the customer pays."""
        return self.total_gross


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, to the cent, summing exactly.

    Largest remainder: each share is rounded down, then the leftover cents go to the
    shares that lost most in rounding (earliest first on ties).
    """
    if not weights:
        return []
    total_weight = sum(weights, ZERO)
    if total_weight <= 0:
        shares = [ZERO] * len(weights)
        shares[0] = amount
        return shares
    unit = Decimal(1).scaleb(-currency_precision(currency))
    raw = [amount * w / total_weight for w in weights]
    floors = [r.quantize(unit, rounding=ROUND_DOWN) for r in raw]
    leftover = int((amount - sum(floors, ZERO)) / unit)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += unit
    return floors


def price_order(
    lines: Sequence[LineInput],
    *,
    currency: str,
    prices_include_tax: bool,
    shipping: Decimal = ZERO,
    shipping_vat_rate: Decimal | None = None,
    discount: Decimal = ZERO,
) -> Totals:
    """Total an order.

    ``discount`` applies to the goods (never more than their amount) and is shared among
    the lines in proportion to their amounts. Shipping follows the VAT of the goods it
    carries, shared in proportion across their rates, unless ``shipping_vat_rate`` is
    given (an order of services only, say).
    """
    if any(line.quantity <= 0 for line in lines):
        raise ValueError("every line needs a positive quantity")
    priced_amounts = [quantize(line.unit_price, currency) * line.quantity for line in lines]
    goods = sum(priced_amounts, ZERO)
    discount = min(quantize(discount, currency), goods)
    if discount < 0:
        raise ValueError("a discount cannot be negative")
    shipping = quantize(shipping, currency)
    if shipping < 0:
        raise ValueError("shipping cannot be negative")
    shares = allocate(discount, priced_amounts, currency)
    priced = [
        PricedLine(
            line.key,
            line.quantity,
            quantize(line.unit_price, currency),
            amount,
            share,
            line.vat_rate,
        )
        for line, amount, share in zip(lines, priced_amounts, shares, strict=True)
    ]

    bases: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in priced:
        bases[line.vat_rate] += line.amount - line.discount
    if shipping:
        if shipping_vat_rate is not None or not bases:
            rate = shipping_vat_rate if shipping_vat_rate is not None else ZERO
            bases[rate] += shipping
        else:
            rates = sorted(bases)
            for rate, share in zip(
                rates, allocate(shipping, [bases[r] for r in rates], currency), strict=True
            ):
                bases[rate] += share

    vat_lines = []
    for rate in sorted(bases):
        base = bases[rate]
        if prices_include_tax:
            net = quantize(base / (1 + rate), currency)
            vat_lines.append(VatLine(rate, net, base - net, base))
        else:
            vat = quantize(base * rate, currency)
            vat_lines.append(VatLine(rate, base, vat, base + vat))
    return Totals(currency, prices_include_tax, priced, goods, discount, shipping, vat_lines)
