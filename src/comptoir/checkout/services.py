"""Turning a basket into an order, once.

:func:`place_order` runs in one transaction: lock the basket, price it on the server,
create the order and its pending payment, claim the discount, reserve the stock, and
number the order last (the rows every other buyer contends for are locked as late as
possible). If any step refuses (stock gone, code used up), nothing is written and the
order number is given back. A second submission of the same basket (double click, second
tab) finds the order the first one created.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.billing.selectors import under_vat_franchise
from comptoir.cart.models import Cart
from comptoir.cart.selectors import basket_rows
from comptoir.catalog.models import ProductKind, ProductStatus
from comptoir.checkout.pricing import LineInput, Totals, price_order
from comptoir.core import rows
from comptoir.core.exceptions import ComptoirError
from comptoir.discounts import services as discounts
from comptoir.fraud import services as fraud
from comptoir.inventory import services as inventory
from comptoir.orders import notifications
from comptoir.orders import services as orders
from comptoir.orders.models import Order, OrderLine
from comptoir.payments import services as payments
from comptoir.payments.models import Payment
from comptoir.payments.registry import get_provider
from comptoir.promise import services as promise
from comptoir.shipping import services as shipping
from comptoir.taxes.rates import vat_rate


class CheckoutError(ComptoirError):
    pass


class StaleCart(CheckoutError):
    pass


class EmptyBasket(CheckoutError):
    """The basket has no line at all (not even one no longer for sale)."""


@dataclass
class CheckoutDetails:
    email: str
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    shipping_method: str
    payment_method: str
    language: str = "fr"
    discount_code: str = ""
    pickup_point: dict[str, str] = field(default_factory=dict)
    cart_version: int | None = None
    customer: Any = None
    client_ip: str | None = None
    # For fraud screening: the shopper's session and browser, as the checkout saw them.
    session_key: str = ""
    user_agent: str = ""


@dataclass
class Quote:
    """What the checkout page shows: the server's prices, never the browser's."""

    totals: Totals
    lines: list[Any]
    shipping_options: list[shipping.ShippingQuote]
    shipping_choice: shipping.ShippingQuote | None
    discount: discounts.DiscountEffect | None
    weight_grams: int
    needs_shipping: bool
    # Every line of the basket, those no longer for sale too, with what the basket and the
    # order lines show of them already fetched: the pages and place_order reuse them.
    all_lines: list[Any] = field(default_factory=list)
    # What this quote was computed for: place_order takes it as it is only for the same
    # basket at the same version with the same choices, and prices it again otherwise.
    basis: tuple[Any, ...] = ()


def quote_basis(
    cart: Cart, *, country: str, shipping_method: str, discount_code: str, email: str
) -> tuple[Any, ...]:
    return (
        str(cart.pk),
        cart.version,
        country.upper(),
        shipping_method,
        discount_code.strip().upper(),
        email.strip().lower(),
    )


def quote_cart(
    cart: Cart,
    *,
    country: str,
    shipping_method: str = "",
    discount_code: str = "",
    email: str = "",
    zones: list[Any] | None = None,
) -> Quote:
    """Price the basket for ``country``; raise CheckoutError with a message to show.
    ``zones``: the shop's shipping zones (shipping.shop_zones), when the caller read them."""
    shop = cart.shop
    basis = quote_basis(
        cart,
        country=country,
        shipping_method=shipping_method,
        discount_code=discount_code,
        email=email,
    )
    all_lines = basket_rows(cart)
    if not all_lines:
        raise EmptyBasket(_("Your basket is empty."))
    lines = [line for line in all_lines if line.variant.product.status == ProductStatus.ACTIVE]
    if not lines:
        raise CheckoutError(_("Your basket is empty."))
    needs_shipping = any(line.variant.product.kind == ProductKind.PHYSICAL for line in lines)
    weight = sum((line.variant.weight_grams or 0) * line.quantity for line in lines)
    franchise = under_vat_franchise(shop)
    inputs = [
        LineInput(
            line.pk,
            line.variant.price,
            line.quantity,
            vat_rate(
                line.variant.product.vat_class,
                destination=country,
                origin=shop.country,
                oss=shop.oss_registered,
                overrides=shop.vat_overrides,
                franchise=franchise,
            ),
        )
        for line in lines
    ]
    goods = sum((i.unit_price * i.quantity for i in inputs), Decimal(0))
    effect = None
    if discount_code.strip():
        effect = discounts.find_code(shop, discount_code, goods_amount=goods, email=email)
    options = (
        shipping.available_methods(
            shop, country, weight_grams=weight, goods_amount=goods, zones=zones
        )
        if needs_shipping
        else []
    )
    choice = None
    if needs_shipping:
        if not options:
            raise CheckoutError(_("We do not deliver to this country yet."))
        choice = next((o for o in options if o.code == shipping_method), None)
        if shipping_method and choice is None:
            raise CheckoutError(_("This shipping method is not available for your address."))
        choice = choice or options[0]
    shipping_price = choice.price if choice else Decimal(0)
    if effect and effect.free_shipping:
        shipping_price = Decimal(0)
    totals = price_order(
        inputs,
        currency=shop.currency,
        prices_include_tax=shop.prices_include_tax,
        shipping=shipping_price,
        discount=effect.goods_discount if effect else Decimal(0),
    )
    return Quote(totals, lines, options, choice, effect, weight, needs_shipping, all_lines, basis)


def place_order(cart: Cart, details: CheckoutDetails, *, quote: Quote | None = None) -> Order:
    """Turn ``cart`` into an order: :func:`place_order_and_payment`'s order."""
    return place_order_and_payment(cart, details, quote=quote)[0]


def place_order_and_payment(
    cart: Cart, details: CheckoutDetails, *, quote: Quote | None = None
) -> tuple[Order, Payment | None]:
    """Turn ``cart`` into an order; with it, the pending payment this call created (None
    when the basket had become an order before: a second submission gets that order).
    ``quote`` is the one the checkout page just computed
    for these details: it is used when it was made for this very basket version and these
    choices (the server's own prices, never the browser's), and the basket is priced again
    otherwise.

    The statements are ordered for concurrency: everything else is written first, the
    stock reservations (variant row locks) near the end and the order number (the shop's
    counter row, which every order of the shop waits for) last, so those locks are held
    for the fewest statements before the commit.

    With a quote made for ``cart`` as the caller read it, the basket is not locked first:
    the order is written, then the basket claimed by one conditional UPDATE (still open,
    RETURNING its version). If it has been ordered or changed since it was priced, that
    transaction is rolled back and the order placed as without a quote: the basket locked
    first, a second submission given the first's order, a stale tab refused, the basket
    priced again."""
    choices = {
        "country": (details.shipping_address.get("country") or "FR").upper(),
        "shipping_method": details.shipping_method,
        "discount_code": details.discount_code,
        "email": details.email,
    }
    if (
        quote is not None
        and not cart.order_id
        and details.cart_version in (None, cart.version)
        and quote.basis == quote_basis(cart, **choices)
        # UPDATE ... RETURNING (SQLite 3.35, as RETURNING after an INSERT)
        and transaction.get_connection().features.can_return_columns_from_insert
    ):
        try:
            return _place(cart, details, quote, choices, claim=True)
        except _BasketMoved:
            pass  # rolled back: the basket is locked, and the order placed, as below
    return _place(cart, details, quote, choices, claim=False)


class _BasketMoved(Exception):
    """The basket was ordered or changed after it was priced (its claim found it so)."""


def _place(
    cart: Cart,
    details: CheckoutDetails,
    quote: Quote | None,
    choices: dict[str, str],
    *,
    claim: bool,
) -> tuple[Order, Payment | None]:
    """place_order_and_payment's transaction. ``claim``: ``quote`` was made for ``cart``
    at its version, and the basket is claimed after the order is written (raising
    _BasketMoved, inside the transaction, when it has moved on); otherwise it is locked
    first."""
    with transaction.atomic():
        if claim:
            cart = copy.copy(cart)
        else:
            cart = lock_cart(cart)
            if cart.order_id:
                return Order.objects.get(pk=cart.order_id), None
            if details.cart_version is not None and details.cart_version != cart.version:
                raise StaleCart(
                    _("Your basket changed in another window; please check it before ordering.")
                )
            if quote is None or quote.basis != quote_basis(cart, **choices):
                quote = quote_cart(cart, **choices)
        assert quote is not None
        provider = get_provider(details.payment_method)
        country = choices["country"]
        shop = cart.shop
        totals = quote.totals
        order = Order(
            shop=shop,
            number=None,  # taken last: orders.number_order below
            customer=details.customer if getattr(details.customer, "pk", None) else None,
            email=details.email.strip().lower(),
            language=details.language,
            currency=shop.currency,
            prices_include_tax=shop.prices_include_tax,
            shipping_address=details.shipping_address,
            billing_address=details.billing_address or details.shipping_address,
            shipping_country=country,
            shipping_method=quote.shipping_choice.method.label if quote.shipping_choice else "",
            shipping_method_code=quote.shipping_choice.code if quote.shipping_choice else "",
            pickup_point=details.pickup_point
            if (quote.shipping_choice and quote.shipping_choice.method.is_pickup)
            else {},
            payment_method=provider.code,
            discount_code=quote.discount.code.code if quote.discount else "",
            goods_amount=totals.goods,
            discount_amount=totals.discount,
            shipping_amount=totals.shipping,
            total_net=totals.total_net,
            total_vat=totals.total_vat,
            total=totals.total,
            vat_breakdown=[
                {"rate": str(v.rate), "net": str(v.net), "vat": str(v.vat), "gross": str(v.gross)}
                for v in totals.vat_lines
            ],
            reserved_until=orders.reservation_deadline(provider.reservation_minutes),
            client_ip=details.client_ip,
            promised_dispatch_on=promise.promised_dispatch(
                shop, [line.variant.product for line in quote.lines]
            ),
        )
        # The order and its lines written in plain SQL (core.rows.insert): the ORM's
        # compiler was a third of a millisecond per row.
        rows.insert([order])
        cart.order = order
        if claim:
            _claim_cart(cart)
        else:
            rows.update(cart, ["order"])
        by_key = {line.key: line for line in totals.lines}
        # Named in the order's language, whatever the language of the call: the emails,
        # the invoice and the order page read these names.
        with translation.override(details.language or translation.get_language()):
            order_lines = [
                OrderLine(
                    order=order,
                    variant=cart_line.variant,
                    kind=cart_line.variant.product.kind,
                    product_name=str(cart_line.variant.product)[:200],
                    variant_label=variant_label(cart_line.variant),
                    sku=cart_line.variant.sku,
                    quantity=cart_line.quantity,
                    unit_price=by_key[cart_line.pk].unit_price,
                    amount=by_key[cart_line.pk].amount,
                    discount=by_key[cart_line.pk].discount,
                    vat_rate=by_key[cart_line.pk].vat_rate,
                    weight_grams=cart_line.variant.weight_grams or 0,
                )
                for cart_line in quote.lines
            ]
        rows.insert(order_lines)
        payment = payments.create_payment(order, provider=provider.code)
        fraud.record_order_signals(
            order,
            ip=details.client_ip,
            session_key=details.session_key,
            user_agent=details.user_agent,
        )
        orders.record_event(order, "placed", actor=details.email, data={"payment": str(payment.pk)})
        notifications.queue(order, notifications.Kind.ORDER_RECEIVED, new_order=True)
        if quote.discount:
            discounts.claim_usage(quote.discount.code, order)
        backordered = inventory.reserve(
            order, [inventory.StockRequest(line.variant_id, line.quantity) for line in quote.lines]
        )
        if backordered and order.promised_dispatch_on is not None:
            # A line reserved beyond the shelf waits for a delivery no date can be given
            # for: no promise (the watch would call it missed).
            order.promised_dispatch_on = None
            rows.update(order, ["promised_dispatch_on"])
        orders.number_order(order)
        if provider.is_manual:
            # The instructions name the order's number: after it is taken.
            notifications.queue(
                order,
                notifications.Kind.PAYMENT_INSTRUCTIONS,
                context=provider.start(
                    payment, request=None, return_url="", cancel_url=""
                ).instructions,
                new_order=True,
            )
        return order, payment


def lock_cart(cart: Cart) -> Cart:
    """``cart`` locked (FOR UPDATE) for the caller's transaction and read again, in a copy:
    its order and version as they are now; what was loaded with it (its shop) is kept."""
    locked = copy.copy(cart)
    rows.refresh_locked(locked)
    return locked


def _claim_cart(cart: Cart) -> None:
    """Set the basket's order if it is still open and at the version it was priced at (one
    UPDATE ... RETURNING, which waits for a concurrent placement's lock and then sees its
    order); raise _BasketMoved otherwise."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(Cart._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET order_id = %s "  # noqa: S608
            "WHERE id = %s AND order_id IS NULL RETURNING version",
            [cart.order_id, Cart._meta.pk.get_db_prep_value(cart.pk, connection)],
        )
        row = cursor.fetchone()
    if row is None or row[0] != cart.version:
        raise _BasketMoved


def variant_label(variant: Any) -> str:
    return " / ".join(str(value) for value in variant.option_values.all())[:200]


def pending_payment(order: Order) -> Payment | None:
    return order.payments.filter(status="pending").order_by("-created_at").first()
