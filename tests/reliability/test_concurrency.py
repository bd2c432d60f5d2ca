"""Money, stock and orders under real concurrency: many threads, each with its own
database connection, against the real database (SQLite with IMMEDIATE transactions, or
PostgreSQL). Every test counts rows afterwards.

The checkout web views are built separately; these tests drive the services the views
call (place_order, apply_event) and, for webhooks, the real webhook endpoint over the
Django test client, from many threads at once.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from comptoir.cart.models import Cart
from comptoir.checkout.services import StaleCart, place_order, quote_cart
from comptoir.discounts.models import DiscountCode, DiscountKind, DiscountUsage
from comptoir.discounts.services import DiscountRefused
from comptoir.inventory.exceptions import OutOfStock
from comptoir.inventory.models import Reservation, ReservationState, StockMovement
from comptoir.orders.models import Order, OrderEvent, OrderLine, OrderNotification
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus, WebhookEvent
from comptoir.payments.registry import get_provider
from comptoir.sandbox_psp import api as sandbox
from comptoir.sandbox_psp.models import IntentStatus, SandboxIntent
from tests.selling import add_flat_shipping, details, make_cart, make_variant, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_200_buyers_on_the_last_10_units_make_exactly_10_orders(shop):
    # Given the last 10 units of a variant and 200 shoppers, each with that item in a cart
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="LAST-10", stock=10)
    carts = [make_cart(shop, [(variant, 1)]) for _ in range(200)]

    # When they all place their order at once
    started = time.monotonic()
    results = run_in_threads(
        [
            lambda cart=cart, i=i: place_order(cart, details(f"buyer{i}@example.org"))
            for i, cart in enumerate(carts)
        ],
        workers=24,
    )
    elapsed = time.monotonic() - started

    # Then exactly 10 got an order and the 190 others were told plainly
    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, OutOfStock)]
    unexpected = [r for r in results if not isinstance(r, (Order, OutOfStock))]
    assert unexpected == []
    assert len(orders) == 10
    assert len(refused) == 190
    assert {str(r) for r in refused} == {"LAST-10 is no longer available."}
    assert {r.available for r in refused} == {0}
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (10, 10)
    assert Order.objects.count() == 10
    assert sorted(Order.objects.values_list("number", flat=True)) == list(range(1, 11))
    assert OrderLine.objects.count() == 10
    assert Reservation.objects.filter(state=ReservationState.ACTIVE).count() == 10
    assert Payment.objects.count() == 10
    assert elapsed < 30

    # And paying them all takes the stock to zero, never below
    for order in orders:
        payment = order.payments.get()
        assert (
            payments.confirm_payment(
                str(payment.pk), amount=payment.amount, currency="EUR", actor="test"
            )
            == "paid"
        )
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (0, 0)
    assert StockMovement.objects.filter(variant=variant, reason="sold").count() == 10
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 10


def test_20_submissions_of_one_cart_and_a_stale_tab_make_one_order(shop):
    # Given a cart, and a second tab that saw an older version of it
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="DOUBLE", stock=50)
    cart = make_cart(shop, [(variant, 2)])
    stale_version = cart.version - 1

    # When it is submitted 20 times at once, plus once from the stale tab
    calls = [lambda: place_order(cart, details()) for _ in range(20)]
    calls.append(lambda: place_order(cart, details(cart_version=stale_version)))
    results = run_in_threads(calls, workers=21)

    # Then one order and one payment exist; every submission got that order, or, for the
    # stale tab if it came first, a request to check the basket
    orders = {r.pk for r in results if isinstance(r, Order)}
    others = [r for r in results if not isinstance(r, Order)]
    assert len(orders) == 1
    assert all(isinstance(r, StaleCart) for r in others), others
    assert len(others) <= 1
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert OrderLine.objects.get().quantity == 2
    variant.refresh_from_db()
    assert variant.reserved_quantity == 2
    assert OrderNotification.objects.filter(kind="order_received").count() == 1


def test_20_submissions_with_the_page_s_quote_and_a_stale_tab_make_one_order(shop):
    # Given a cart, and a second tab that saw an older version of it
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="DOUBLE", stock=50)
    cart = make_cart(shop, [(variant, 2)])
    stale_version = cart.version - 1

    def submit(**extra):
        # As the checkout page does: the basket read, priced, and placed with that quote
        # (the basket claimed after the order is written, not locked first).
        page_cart = Cart.objects.select_related("shop").get(pk=cart.pk)
        quote = quote_cart(page_cart, country="FR", email="jeanne@example.org")
        return place_order(page_cart, details(**extra), quote=quote)

    # When it is submitted 20 times at once, plus once from the stale tab
    calls = [submit for _ in range(20)]
    calls.append(lambda: submit(cart_version=stale_version))
    results = run_in_threads(calls, workers=21)

    # Then one order, numbered 1, with one payment, one line, one event; every submission
    # got that order, or, for the stale tab if it came first, a request to check the basket
    orders = {r.pk for r in results if isinstance(r, Order)}
    others = [r for r in results if not isinstance(r, Order)]
    assert len(orders) == 1
    assert all(isinstance(r, StaleCart) for r in others), others
    assert len(others) <= 1
    assert list(Order.objects.values_list("number", flat=True)) == [1]
    assert Payment.objects.count() == 1
    assert OrderLine.objects.get().quantity == 2
    assert OrderEvent.objects.filter(kind="placed").count() == 1
    variant.refresh_from_db()
    assert variant.reserved_quantity == 2
    assert Reservation.objects.count() == 1
    assert OrderNotification.objects.filter(kind="order_received").count() == 1


def test_a_code_limited_to_5_uses_gives_exactly_5_among_50_checkouts(shop):
    # Given a code limited to 5 uses and 50 shoppers who typed it
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="CODE", price="20.00", stock=1000)
    DiscountCode.objects.create(
        shop=shop, code="CINQ", kind=DiscountKind.PERCENTAGE, value=Decimal(10), usage_limit=5
    )
    carts = [make_cart(shop, [(variant, 1)]) for _ in range(50)]

    # When they all check out at once
    results = run_in_threads(
        [
            lambda cart=cart, i=i: place_order(
                cart, details(f"c{i}@example.org", discount_code="cinq")
            )
            for i, cart in enumerate(carts)
        ],
        workers=25,
    )

    # Then exactly 5 orders carry the code and 45 were refused with a message
    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, DiscountRefused)]
    assert [r for r in results if not isinstance(r, (Order, DiscountRefused))] == []
    assert len(orders) == 5
    assert len(refused) == 45
    assert {str(r) for r in refused} == {"The code CINQ has been used up."}
    assert DiscountCode.objects.get().times_used == 5
    assert DiscountUsage.objects.count() == 5
    assert Order.objects.filter(discount_code="CINQ", discount_amount=Decimal("2.00")).count() == 5
    assert Order.objects.count() == 5
    variant.refresh_from_db()
    assert variant.reserved_quantity == 5


def test_a_payment_started_from_10_threads_at_once_has_one_intent(shop):
    # Given an order just placed, its payment not started
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="START", stock=5)
    order = place_order(make_cart(shop, [(variant, 1)]), details())
    payment = order.payments.get()
    request = RequestFactory().get("/")

    # When it is started 10 times at once: as the placing request does (no lock), and as a
    # second submission of the same basket does (the payment locked)
    def start(created):
        return payments.begin_payment(
            Order.objects.get(pk=order.pk),
            request=request,
            return_url="/r/",
            cancel_url="/c/",
            created=Payment.objects.get(pk=payment.pk) if created else None,
        ).redirect_url

    results = run_in_threads([lambda n=n: start(n % 2 == 0) for n in range(10)], workers=10)

    # Then every start sends to the same hosted page, of the one intent
    assert len(set(results)) == 1, results
    assert SandboxIntent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.reference == SandboxIntent.objects.get().pk


def _paid_intent(order: Order) -> tuple[Payment, dict]:
    """The sandbox PSP's intent for the order's payment, captured (as after the card page)."""
    payment = order.payments.get()
    intent = sandbox.create_intent(
        amount=int(payment.amount * 100),
        currency="EUR",
        metadata={"payment_id": str(payment.pk), "order": order.reference},
        return_url="http://testserver/return/",
        webhook_url="http://testserver/payments/webhooks/sandbox/",
    )
    SandboxIntent.objects.filter(pk=intent["id"]).update(status=IntentStatus.SUCCEEDED)
    Payment.objects.filter(pk=payment.pk).update(reference=intent["id"])
    payment.refresh_from_db()
    return payment, sandbox.retrieve_intent(intent["id"])


def _signed_webhook(intent: dict, event_id: str = "evt_1") -> tuple[bytes, str]:
    payload = {
        "id": event_id,
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": intent,
    }
    body = sandbox.encode(payload)
    return body, sandbox.sign(body)


def _post_webhook(body: bytes, signature: str) -> int:
    response = Client().post(
        "/payments/webhooks/sandbox/",
        data=body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: signature},
    )
    return response.status_code


def _return_page(payment: Payment) -> str:
    """What the shopper's return page does: ask the PSP, apply what it says."""
    provider = get_provider("sandbox")
    event = provider.fetch_status(Payment.objects.get(pk=payment.pk))
    return payments.apply_event("sandbox", event)


def _assert_paid_once(order: Order, variant) -> None:
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).count() == 1
    assert OrderNotification.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert StockMovement.objects.filter(order=order, reason="sold").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="status", to_status="paid").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="payment_mismatch").count() == 0
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (7, 0)


@pytest.mark.parametrize("with_return", ["without", "before", "during"])
def test_a_webhook_replayed_10_times_pays_once(shop, with_return):
    # Given a placed order whose card payment the PSP captured
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="HOOK", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details())
    payment, intent = _paid_intent(order)
    body, signature = _signed_webhook(intent)
    if with_return == "before":
        assert _return_page(payment) == "paid"

    # When the webhook arrives 5 times at once (with the shopper's return among them)...
    calls = [lambda: _post_webhook(body, signature) for _ in range(5)]
    if with_return == "during":
        calls += [lambda: _return_page(payment) for _ in range(2)]
    results = run_in_threads(calls, workers=len(calls))
    # ... then 5 more times, one after the other
    results += [_post_webhook(body, signature) for _ in range(5)]

    # Then every delivery was answered 200, and the order was paid exactly once
    assert [r for r in results if isinstance(r, Exception)] == []
    assert [r for r in results if isinstance(r, int) and r != 200] == []
    assert WebhookEvent.objects.filter(event_id="evt_1").count() == 1
    assert WebhookEvent.objects.get(event_id="evt_1").processed_at is not None
    _assert_paid_once(order, variant)


def test_two_different_events_for_one_payment_pay_once(shop):
    # Given a captured payment, reported by two distinct events (PSPs do resend with new ids)
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="HOOK2", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details())
    payment, intent = _paid_intent(order)
    deliveries = [_signed_webhook(intent, f"evt_{i}") for i in range(6)]

    # When they all arrive at once
    results = run_in_threads([lambda d=d: _post_webhook(*d) for d in deliveries], workers=6)

    # Then six events are recorded and the order is paid once
    assert results == [200] * 6
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 6
    _assert_paid_once(order, variant)


def test_a_tampered_amount_or_currency_never_pays(shop):
    # Given a placed order of 30.00 + 4.90 shipping
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="TAMPER", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details())
    payment = order.payments.get()
    assert payment.amount == Decimal("34.90")

    # When the provider reports another amount, then another currency
    first = payments.confirm_payment(
        str(payment.pk), amount=Decimal("0.01"), currency="EUR", actor="provider:sandbox"
    )
    second = payments.confirm_payment(
        str(payment.pk), amount=Decimal("34.90"), currency="USD", actor="provider:sandbox"
    )

    # Then nothing is paid and both mismatches are on the order's timeline
    assert (first, second) == ("amount mismatch", "amount mismatch")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert OrderEvent.objects.filter(order=order, kind="payment_mismatch").count() == 2
    assert StockMovement.objects.count() == 0
    assert OrderNotification.objects.filter(kind="payment_confirmed").count() == 0


def test_a_cancellation_racing_the_payment_webhook_ends_consistent(shop):
    # Given a placed order whose payment the PSP captured
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="RACE", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details())
    payment, intent = _paid_intent(order)
    body, signature = _signed_webhook(intent)
    from comptoir.orders.services import cancel_order

    # When the merchant cancels while the webhook arrives
    results = run_in_threads(
        [
            lambda: cancel_order(order.pk, actor="merchant", reason="customer asked"),
            lambda: _post_webhook(body, signature),
        ]
        * 3,
        workers=6,
    )

    # Then no deadlock or error, the order is cancelled, and the captured money is refunded
    # either way: as a refund of a paid order, or as a late payment refunded at once
    assert [r for r in results if isinstance(r, (Exception, OperationalError))] == []
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    payment.refresh_from_db()
    assert payment.refunds.count() == 1
    assert payment.refunds.get().amount == payment.amount
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (10, 0)


def test_baskets_sharing_variants_in_any_order_never_deadlock(shop):
    # Given 40 baskets holding the same two variants, added in opposite orders
    add_flat_shipping(shop)
    a = make_variant(shop, sku="PAIR-A", stock=100)
    b = make_variant(shop, sku="PAIR-B", stock=100)
    carts = [make_cart(shop, [(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)]) for i in range(40)]

    # When they are all ordered at once
    results = run_in_threads(
        [lambda cart=cart: place_order(cart, details()) for cart in carts], workers=20
    )

    # Then all succeed and every unit is accounted for
    assert [r for r in results if not isinstance(r, Order)] == []
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.reserved_quantity, b.reserved_quantity) == (40, 40)
    assert Reservation.objects.count() == 80
    assert sorted(Order.objects.values_list("number", flat=True)) == list(range(1, 41))


def test_a_once_per_customer_code_used_from_10_tabs_at_once_counts_once(shop):
    # Given a code usable once per customer, and one customer with 10 baskets
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="ONCE", stock=100)
    DiscountCode.objects.create(
        shop=shop,
        code="UNEFOIS",
        kind=DiscountKind.FIXED,
        value=Decimal(5),
        per_customer_limit=1,
    )
    carts = [make_cart(shop, [(variant, 1)]) for _ in range(10)]

    # When all 10 are ordered at once with the code
    results = run_in_threads(
        [
            lambda cart=cart: place_order(
                cart, details("same@example.org", discount_code="UNEFOIS")
            )
            for cart in carts
        ],
        workers=10,
    )

    # Then one order has the code, 9 were refused
    assert len([r for r in results if isinstance(r, Order)]) == 1
    assert [str(r) for r in results if not isinstance(r, Order)] == [
        "You have already used the code UNEFOIS."
    ] * 9
    assert DiscountCode.objects.get().times_used == 1
    assert DiscountUsage.objects.count() == 1
    assert Order.objects.count() == 1
