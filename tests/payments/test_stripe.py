"""The Stripe provider against a real HTTP server on 127.0.0.1 that speaks Stripe's API.

The official SDK does the talking (encoding, auth, retries, idempotency keys); only the
server is ours. Orders are real ones placed by ``checkout.services.place_order``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext

from comptoir.cart import services as cart_services
from comptoir.cart.models import Cart
from comptoir.checkout.services import CheckoutDetails, place_order
from comptoir.core.exceptions import ComptoirError
from comptoir.inventory.models import StockMovement
from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.orders.states import OrderStatus
from comptoir.payments import registry
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from comptoir.payments.providers.base import ProviderError
from comptoir.payments.providers.stripe import checkout_locale
from comptoir.shipping.models import ShippingMethod, ShippingZone
from comptoir.shops.models import Shop
from tests.factories import ProductFactory
from tests.payments.fake_stripe import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    FakeStripe,
    provider_settings,
)

WEBHOOK_URL = "/payments/webhooks/stripe/"
RETURN_PATH = "/fr/checkout/return/"
CANCEL_PATH = "/fr/checkout/"


# -- set-up ---------------------------------------------------------------------------


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def stripe_provider(settings, fake_stripe: FakeStripe) -> Iterator[None]:
    settings.COMPTOIR_PAYMENT_PROVIDERS = provider_settings(fake_stripe.url)
    registry.providers.cache_clear()
    yield
    registry.providers.cache_clear()


def place_stripe_order(
    shop: Shop, *, price: str = "12.50", quantity: int = 1, language: str = "fr"
) -> Order:
    """A real order: a product at ``price``, 4.90 flat shipping to France, paid by Stripe."""
    zone = ShippingZone.objects.create(shop=shop, name="France", countries="FR")
    ShippingMethod.objects.create(
        zone=zone, code="colissimo", labels={"fr": "Colissimo"}, price=Decimal("4.90")
    )
    product = ProductFactory(shop=shop, price=Decimal(price), stock=10)
    cart = Cart.objects.create(shop=shop)
    cart_services.add(cart, product.variants.get(), quantity)
    address = {
        "name": "Camille Martin",
        "line1": "3 rue des Lilas",
        "postcode": "69003",
        "city": "Lyon",
        "country": "FR",
    }
    return place_order(
        cart,
        CheckoutDetails(
            email="Camille@Example.fr",
            shipping_address=address,
            billing_address={},
            shipping_method="colissimo",
            payment_method="stripe",
            language=language,
        ),
    )


def begin(order: Order):
    request = RequestFactory().get(CANCEL_PATH)
    return payments.begin_payment(
        order, request=request, return_url=RETURN_PATH, cancel_url=CANCEL_PATH
    )


def paid_session(order: Order, fake: FakeStripe) -> dict:
    begin(order)
    return fake.complete_session(order.payments.get().reference)


def post_event(client: Client, fake: FakeStripe, body: str, *, signature: str | None = None):
    return client.post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=fake.sign(body) if signature is None else signature,
    )


def return_page(order: Order) -> str:
    """What the shopper's return page does: ask the provider, apply what it says."""
    payment = order.payments.get()
    provider = registry.get_provider("stripe")
    event = provider.fetch_status(payment)
    return payments.apply_event("stripe", event) if event else "not yet"


def assert_paid_once(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.get().status == PaymentStatus.SUCCEEDED
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert OrderNotification.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert StockMovement.objects.filter(order=order, reason="sold").count() == 1
    variant = order.lines.get().variant
    assert (variant.stock_quantity, variant.reserved_quantity) == (9, 0)


# -- starting a payment ---------------------------------------------------------------


def test_start_creates_one_checkout_session_for_the_exact_amount(
    shop, stripe_provider, fake_stripe
):
    # given an order of 12.50 + 4.90 shipping
    order = place_stripe_order(shop)
    payment = order.payments.get()
    assert order.total == Decimal("17.40")

    # when the shopper is sent to pay twice (double click, second tab)
    first, second = begin(order), begin(order)

    # then one session exists, for 1740 cents, made with our idempotency key
    creates = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert len(creates) == 1
    assert creates[0].idempotency_key == f"comptoir-session-{payment.pk}"
    sent = creates[0].params
    with translation.override("fr"):  # the order's language, whatever the catalog says
        order_label = gettext("Order %(reference)s") % {"reference": order.reference}
    assert sent["line_items"] == [
        {
            "price_data": {
                "currency": "eur",
                "unit_amount": "1740",
                "product_data": {"name": order_label},
            },
            "quantity": "1",
        }
    ]
    assert sent["mode"] == "payment"
    assert sent["metadata"] == {"payment_id": str(payment.pk), "order": order.reference}
    assert sent["payment_intent_data"] == {"metadata": sent["metadata"]}
    assert sent["client_reference_id"] == str(payment.pk)
    assert sent["customer_email"] == "camille@example.fr"
    assert sent["locale"] == "fr"
    assert sent["success_url"] == f"http://testserver{RETURN_PATH}"
    assert sent["cancel_url"] == f"http://testserver{CANCEL_PATH}"
    payment.refresh_from_db()
    (session,) = fake_stripe.sessions.values()
    assert payment.reference == session["id"]
    assert first.redirect_url == second.redirect_url == session["url"]
    assert len(fake_stripe.calls("GET", "/v1/checkout/sessions/")) == 1


def test_a_lost_response_is_retried_with_the_same_key_and_makes_one_session(
    shop, stripe_provider, fake_stripe
):
    # given Stripe creates the session but the answer is lost on the way back
    order = place_stripe_order(shop)
    fake_stripe.lose_responses["/v1/checkout/sessions"] = 1

    # when the shopper is sent to pay
    result = begin(order)

    # then the SDK retried with the same key and got the same, single session
    creates = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert len(creates) == 2
    assert creates[0].idempotency_key == creates[1].idempotency_key
    assert len(fake_stripe.sessions) == 1
    (session,) = fake_stripe.sessions.values()
    assert result.redirect_url == session["url"]
    assert order.payments.get().reference == session["id"]


def test_an_expired_session_is_replaced_by_a_new_one_with_its_own_key(
    shop, stripe_provider, fake_stripe
):
    # given a session the shopper let expire
    order = place_stripe_order(shop)
    begin(order)
    payment = order.payments.get()
    old = payment.reference
    fake_stripe.expire_session(old)

    # when the shopper comes back to pay
    result = begin(order)

    # then a fresh session is made (not a replay of the dead one)
    creates = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert [c.idempotency_key for c in creates] == [
        f"comptoir-session-{payment.pk}",
        f"comptoir-session-{payment.pk}-after-{old}",
    ]
    payment.refresh_from_db()
    assert payment.reference != old
    assert result.redirect_url == fake_stripe.sessions[payment.reference]["url"]


def test_a_paid_session_sends_the_shopper_to_the_return_page_not_to_a_second_session(
    shop, stripe_provider, fake_stripe
):
    # given the shopper paid but our confirmation has not arrived yet
    order = place_stripe_order(shop)
    paid_session(order, fake_stripe)

    # when they click "pay" again
    result = begin(order)

    # then they go to the return page and no second session exists
    assert result.redirect_url == f"http://testserver{RETURN_PATH}"
    assert len(fake_stripe.sessions) == 1


def test_an_unreachable_stripe_is_a_provider_error_with_a_safe_message(
    shop, settings, stripe_provider
):
    # given Stripe's address answers nothing
    settings.COMPTOIR_PAYMENT_PROVIDERS["stripe"]["options"] = {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": "http://127.0.0.1:9",
        "max_network_retries": 0,
        "timeout": 2,
    }
    registry.providers.cache_clear()
    order = place_stripe_order(shop)

    # when the shopper is sent to pay, then the error says nothing of our keys
    with pytest.raises(ProviderError) as error:
        begin(order)
    assert SECRET_KEY not in str(error.value)
    assert order.payments.get().reference == ""


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("fr", "fr"),
        ("en", "en"),
        ("fr-ca", "fr-CA"),
        ("pt_BR", "pt-BR"),
        ("de-at", "de"),
        ("eo", "auto"),
        ("", "auto"),
    ],
)
def test_checkout_locale_follows_the_order_language(language, locale):
    assert checkout_locale(language) == locale


# -- webhooks -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker commits and reconnects
def test_a_signed_webhook_pays_the_order_once_however_often_it_is_replayed(
    shop, stripe_provider, fake_stripe, client
):
    # given a paid Checkout Session and its signed event
    order = place_stripe_order(shop)
    session = paid_session(order, fake_stripe)
    body = fake_stripe.event("checkout.session.completed", session)

    # when Stripe delivers it five times
    responses = [post_event(client, fake_stripe, body) for _ in range(5)]

    # then the order is paid once: one event, one email owed, one stock decrement
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.content for r in responses] == [b"paid"] + [b"duplicate"] * 4
    assert_paid_once(order)
    assert order.payments.get().reference == session["id"]
    assert WebhookEvent.objects.filter(provider="stripe").count() == 1

    # and the worker sends exactly the two emails owed (order received, payment confirmed)
    call_command("worker", "--batch")
    assert [m.to for m in mail.outbox] == [["camille@example.fr"]] * 2


@pytest.mark.parametrize(
    "problem", ["bad signature", "wrong secret", "stale timestamp", "no header", "future timestamp"]
)
def test_an_unverifiable_webhook_is_refused_and_changes_nothing(
    shop, stripe_provider, fake_stripe, client, problem
):
    # given a paid session and a webhook that cannot be trusted
    order = place_stripe_order(shop)
    body = fake_stripe.event("checkout.session.completed", paid_session(order, fake_stripe))
    signature = {
        "bad signature": fake_stripe.sign(body).replace("v1=", "v1=0"),
        "wrong secret": fake_stripe.sign(body, secret="whsec_someone_else"),
        "stale timestamp": fake_stripe.sign(body, timestamp=int(time.time()) - 301),
        # correctly signed, an hour ahead
        "future timestamp": fake_stripe.sign(body, timestamp=int(time.time()) + 3600),
        "no header": "",
    }[problem]

    # when it is posted
    response = post_event(client, fake_stripe, body, signature=signature)

    # then it is refused and nothing changes
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payments.get().status == PaymentStatus.PENDING
    assert WebhookEvent.objects.count() == 0
    assert OrderNotification.objects.filter(kind="payment_confirmed").count() == 0


def test_a_webhook_within_the_tolerance_is_accepted(shop, stripe_provider, fake_stripe, client):
    order = place_stripe_order(shop)
    body = fake_stripe.event("checkout.session.completed", paid_session(order, fake_stripe))

    response = post_event(
        client,
        fake_stripe,
        body,
        signature=fake_stripe.sign(body, timestamp=int(time.time()) - 250),
    )

    assert (response.status_code, response.content) == (200, b"paid")


def test_a_signed_but_unreadable_body_is_refused(shop, stripe_provider, fake_stripe, client):
    response = post_event(client, fake_stripe, "{not json")
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_an_unpaid_completed_session_does_not_pay_and_the_async_success_does(
    shop, stripe_provider, fake_stripe, client
):
    # given a completed session whose (delayed) payment method has not settled yet
    order = place_stripe_order(shop)
    session = paid_session(order, fake_stripe)
    pending = {**session, "payment_status": "unpaid"}

    # when the "completed" event, then the "async payment succeeded" event arrive
    first = post_event(
        client, fake_stripe, fake_stripe.event("checkout.session.completed", pending)
    )
    order.refresh_from_db()
    status_between = order.status
    second = post_event(
        client, fake_stripe, fake_stripe.event("checkout.session.async_payment_succeeded", session)
    )

    # then only the second one pays
    assert (first.content, status_between) == (b"ignored", OrderStatus.PENDING_PAYMENT)
    assert second.content == b"paid"
    assert_paid_once(order)


@pytest.mark.parametrize(
    "kind", ["checkout.session.async_payment_failed", "checkout.session.expired"]
)
def test_a_failed_or_expired_session_fails_the_payment(
    shop, stripe_provider, fake_stripe, client, kind
):
    order = place_stripe_order(shop)
    begin(order)
    session = fake_stripe.expire_session(order.payments.get().reference)

    response = post_event(client, fake_stripe, fake_stripe.event(kind, session))

    assert response.content == b"failed"
    payment = order.payments.get()
    assert payment.status == PaymentStatus.FAILED
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert OrderEvent.objects.filter(order=order, kind="payment_failed").count() == 1


def test_a_declined_card_on_the_hosted_page_does_not_end_the_payment(
    shop, stripe_provider, fake_stripe, client
):
    # given the shopper's first card is declined (they may try another on the same page)
    order = place_stripe_order(shop)
    begin(order)
    payment = order.payments.get()
    intent = {
        "id": "pi_declined",
        "object": "payment_intent",
        "amount": 1740,
        "currency": "eur",
        "status": "requires_payment_method",
        "metadata": {"payment_id": str(payment.pk)},
        "last_payment_error": {
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "payment_method": {"card": {"last4": "9995", "fingerprint": "fp_x"}},
        },
    }

    # when Stripe reports the failed attempt
    response = post_event(
        client, fake_stripe, fake_stripe.event("payment_intent.payment_failed", intent)
    )

    # then it is recorded with its reason, and the payment stays open
    assert response.content == b"ignored"
    assert order.payments.get().status == PaymentStatus.PENDING
    assert WebhookEvent.objects.get().payload == {
        "payment_intent": "pi_declined",
        "reason": "insufficient_funds",
        "card_last4": "9995",
        "card_fingerprint": "fp_x",
        "card_country": "",
        "three_d_secure": "",
        "liability_shift": None,
    }


# -- the return page and the webhook, in either order -------------------------------------


@pytest.mark.parametrize(
    "sequence",
    [("return", "webhook"), ("webhook", "return"), ("return", "return", "webhook", "webhook")],
)
def test_return_page_and_webhook_in_any_order_make_one_paid_order(
    shop, stripe_provider, fake_stripe, client, sequence
):
    # given a paid session
    order = place_stripe_order(shop)
    session = paid_session(order, fake_stripe)
    body = fake_stripe.event("checkout.session.completed", session)

    # when the return page and the webhook both arrive
    outcomes = [
        return_page(order)
        if step == "return"
        else post_event(client, fake_stripe, body).content.decode()
        for step in sequence
    ]

    # then exactly one of them paid the order
    assert outcomes.count("paid") == 1
    assert_paid_once(order)


def test_the_return_page_before_payment_changes_nothing(shop, stripe_provider, fake_stripe):
    order = place_stripe_order(shop)
    begin(order)

    assert return_page(order) == "not yet"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_return_page_records_the_card_and_3ds_outcome(shop, stripe_provider, fake_stripe):
    order = place_stripe_order(shop)
    session = paid_session(order, fake_stripe)

    event = registry.get_provider("stripe").fetch_status(order.payments.get())

    assert event.kind == "payment.succeeded"
    assert event.event_id == f"return:{session['id']}"
    assert (event.amount, event.currency) == (Decimal("17.40"), "EUR")
    assert event.details == {
        "payment_intent": session["payment_intent"],
        "reason": "",
        "card_last4": "3220",
        "card_fingerprint": "fp_test_4242",
        "card_country": "FR",
        "three_d_secure": "authenticated",
        "liability_shift": True,
    }


def test_a_paid_amount_that_differs_from_the_order_does_not_pay_it(
    shop, stripe_provider, fake_stripe, client
):
    order = place_stripe_order(shop)
    session = {**paid_session(order, fake_stripe), "amount_total": 1}

    response = post_event(
        client, fake_stripe, fake_stripe.event("checkout.session.completed", session)
    )

    assert response.content == b"amount mismatch"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


# -- refunds --------------------------------------------------------------------------


def pay(order: Order, fake: FakeStripe, client: Client) -> dict:
    session = paid_session(order, fake)
    body = fake.event("checkout.session.completed", session)
    assert post_event(client, fake, body).content == b"paid"
    return session


@pytest.mark.django_db(transaction=True)  # the worker commits and reconnects
def test_a_refund_goes_through_stripe_once_with_its_idempotency_key(
    shop, stripe_provider, fake_stripe, client
):
    # given a paid order
    order = place_stripe_order(shop)
    session = pay(order, fake_stripe, client)

    # when the merchant refunds 5.00 and the worker runs, then runs the refund again
    (refund,) = payments.refund_order(order.pk, amount=Decimal("5.00"), actor="merchant")
    call_command("worker", "--batch")
    again = payments.perform_refund(str(refund.pk))

    # then Stripe saw exactly one refund of 500 cents with our key
    (call,) = fake_stripe.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"comptoir-refund-{refund.pk}"
    assert call.params == {
        "payment_intent": session["payment_intent"],
        "amount": "500",
        "metadata": {"refund_id": str(refund.pk), "payment_id": str(order.payments.get().pk)},
    }
    assert again == "already refunded"
    refund.refresh_from_db()
    (stripe_refund,) = fake_stripe.refunds.values()
    assert (refund.status, refund.reference) == ("succeeded", stripe_refund["id"])
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("5.00"),
    )


def test_a_refund_retried_after_a_crash_is_not_paid_twice(
    shop, stripe_provider, fake_stripe, client
):
    # given a refund Stripe made but whose answer we never recorded (the worker crashed)
    order = place_stripe_order(shop)
    pay(order, fake_stripe, client)
    payment = order.payments.get()
    refund = Refund.objects.create(payment=payment, amount=Decimal("17.40"), created_by="merchant")
    provider = registry.get_provider("stripe")
    first = provider.refund(payment, refund)

    # when the worker retries it
    outcome = payments.perform_refund(str(refund.pk))

    # then Stripe replays the same refund and the money left once
    assert outcome == "refunded"
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 2
    assert len(fake_stripe.refunds) == 1
    refund.refresh_from_db()
    assert refund.reference == first
    (intent,) = fake_stripe.intents.values()
    assert intent["amount_refunded"] == 1740
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_a_refund_above_the_captured_amount_is_refused_before_calling_stripe(
    shop, stripe_provider, fake_stripe, client
):
    order = place_stripe_order(shop)
    pay(order, fake_stripe, client)

    with pytest.raises(ComptoirError, match="At most 17.40 EUR"):
        payments.refund_order(order.pk, amount=Decimal("17.41"), actor="merchant")

    assert fake_stripe.calls("POST", "/v1/refunds") == []
    assert Refund.objects.count() == 0


def test_a_refund_stripe_refuses_is_a_provider_error_with_a_safe_message(
    shop, stripe_provider, fake_stripe, client
):
    # given money already refunded from Stripe's dashboard
    order = place_stripe_order(shop)
    pay(order, fake_stripe, client)
    (intent,) = fake_stripe.intents.values()
    intent["amount_refunded"] = 1740
    (refund,) = payments.refund_order(order.pk, amount=Decimal("10.00"), actor="merchant")

    # when the refund is performed
    with pytest.raises(ProviderError) as error:
        payments.perform_refund(str(refund.pk))

    # then Stripe's 400 becomes a readable error and nothing is marked refunded
    assert "amount_too_large" in str(error.value)
    assert SECRET_KEY not in str(error.value)
    refund.refresh_from_db()
    assert refund.status == "pending"
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("0.00")


def test_the_fake_refuses_requests_without_the_secret_key(
    shop, settings, stripe_provider, fake_stripe
):
    settings.COMPTOIR_PAYMENT_PROVIDERS["stripe"]["options"]["secret_key"] = "sk_test_wrong"
    registry.providers.cache_clear()
    order = place_stripe_order(shop)

    with pytest.raises(ProviderError):
        begin(order)
    assert fake_stripe.sessions == {}


# -- concurrency (PostgreSQL: real row locks across connections) --------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_webhooks_and_returns_make_one_paid_order(
    shop, stripe_provider, fake_stripe
):
    # given a paid session
    order = place_stripe_order(shop)
    session = paid_session(order, fake_stripe)
    body = fake_stripe.event("checkout.session.completed", session)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def deliver(step: str) -> None:
        try:
            barrier.wait()
            if step == "webhook":
                outcomes.append(post_event(Client(), fake_stripe, body).content.decode())
            else:
                outcomes.append(return_page(Order.objects.get(pk=order.pk)))
        finally:
            connection.close()

    # when five deliveries of the webhook and three return pages arrive at once
    threads = [
        threading.Thread(target=deliver, args=(step,)) for step in ["webhook"] * 5 + ["return"] * 3
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one of them paid, none failed, and the order was paid once
    assert len(outcomes) == 8
    assert outcomes.count("paid") == 1
    assert set(outcomes) <= {"paid", "duplicate", "already confirmed"}
    assert_paid_once(order)
    assert Payment.objects.get(order=order).status == PaymentStatus.SUCCEEDED
