"""The sandbox PSP, driven like a shopper and a PSP would: the hosted card page with each
test card, the 3-D Secure challenge, signed webhooks and refunds."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from comptoir.checkout.services import place_order
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import PaymentStatus, WebhookEvent
from comptoir.sandbox_psp import api
from comptoir.sandbox_psp import tasks as sandbox_tasks
from comptoir.sandbox_psp.models import IntentStatus, SandboxIntent, SandboxRefund, SandboxWebhook
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db
CARD = {"expiry": "12/39", "cvc": "123", "name": "J Martin"}


def started(shop, *, webhook_host="http://testserver"):
    """A placed order sent to the sandbox's hosted page; returns (order, intent id)."""
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="CARD", price="10.00", stock=5)
    order = place_order(make_cart(shop, [(variant, 2)]), details())
    host = webhook_host.split("://", 1)[1]
    request = RequestFactory().get("/", HTTP_HOST=host)
    result = payments.begin_payment(
        order, request=request, return_url="/return/", cancel_url="/basket/"
    )
    payment = order.payments.get()
    assert result.redirect_url == f"/sandbox-psp/pay/{payment.reference}/"
    return order, payment.reference


def test_the_hosted_page_shows_the_amount(client, shop):
    order, intent_id = started(shop)
    page = client.get(f"/sandbox-psp/pay/{intent_id}/")
    assert page.status_code == 200
    assert "24.90" in page.content.decode()
    assert SandboxIntent.objects.get().amount == 2490


def test_a_good_card_succeeds_and_queues_a_webhook(client, shop):
    order, intent_id = started(shop)

    response = client.post(
        f"/sandbox-psp/pay/{intent_id}/", {"number": "4242 4242 4242 4242", **CARD}
    )

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/return/"
    intent = SandboxIntent.objects.get()
    assert (intent.status, intent.card_last4, intent.three_d_secure) == (
        IntentStatus.SUCCEEDED,
        "4242",
        "not_required",
    )
    webhook = SandboxWebhook.objects.get()
    assert webhook.kind == "payment_intent.succeeded"
    assert webhook.payload["data"]["metadata"]["payment_id"] == str(order.payments.get().pk)
    assert "4242424242424242" not in json.dumps(webhook.payload)
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").count() == 1
    # Paying again is refused by the PSP: it sends the shopper back
    again = client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4242424242424242", **CARD})
    assert again["Location"] == "http://testserver/return/"
    assert SandboxWebhook.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "message", "code"),
    [
        ("4000000000000002", "Your card was declined.", "card_declined"),
        ("4000000000009995", "Your card was declined: insufficient funds.", "insufficient_funds"),
    ],
)
def test_declined_cards_say_why(client, shop, number, message, code):
    order, intent_id = started(shop)

    response = client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": number, **CARD})

    assert response.status_code == 200
    assert message in response.content.decode()
    intent = SandboxIntent.objects.get()
    assert (intent.status, intent.decline_code) == (IntentStatus.REQUIRES_PAYMENT_METHOD, code)
    assert SandboxWebhook.objects.get().kind == "payment_intent.payment_failed"


def test_an_invalid_card_number_is_a_form_error(client, shop):
    _, intent_id = started(shop)
    response = client.post(
        f"/sandbox-psp/pay/{intent_id}/", {"number": "4242 4242 4242 4241", **CARD}
    )
    assert response.status_code == 200
    assert "This card number is not valid." in response.content.decode()
    assert SandboxWebhook.objects.count() == 0


@pytest.mark.parametrize("outcome", ["approve", "refuse"])
def test_the_3ds_challenge(client, shop, outcome):
    order, intent_id = started(shop)

    first = client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4000000000003220", **CARD})
    assert first["Location"] == f"/sandbox-psp/3ds/{intent_id}/"
    assert SandboxIntent.objects.get().status == IntentStatus.REQUIRES_ACTION
    page = client.get(first["Location"])
    assert page.status_code == 200
    assert SandboxWebhook.objects.count() == 0
    done = client.post(first["Location"], {"outcome": outcome})

    intent = SandboxIntent.objects.get()
    if outcome == "approve":
        assert done["Location"] == "http://testserver/return/"
        assert (intent.status, intent.three_d_secure) == (IntentStatus.SUCCEEDED, "authenticated")
        assert SandboxWebhook.objects.get().kind == "payment_intent.succeeded"
    else:
        assert done["Location"] == f"/sandbox-psp/pay/{intent_id}/"
        assert (intent.status, intent.decline_code) == (
            IntentStatus.REQUIRES_PAYMENT_METHOD,
            "authentication_failed",
        )
        assert SandboxWebhook.objects.get().kind == "payment_intent.payment_failed"


def test_webhook_signatures(client, shop):
    # Given a paid intent and its webhook
    order, intent_id = started(shop)
    client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4242424242424242", **CARD})
    body = api.encode(SandboxWebhook.objects.get().payload)
    url = "/payments/webhooks/sandbox/"

    def post(signature):
        return client.post(
            url,
            data=body,
            content_type="application/json",
            headers={api.SIGNATURE_HEADER: signature},
        )

    # When it arrives badly signed, stale, unsigned, then right
    bad = post(api.sign(body, secret="not-the-secret"))
    stale = post(api.sign(body, timestamp=int(time.time()) - 301))
    missing = post("")
    tampered = client.post(
        url,
        data=body.replace(b"2490", b"1"),
        content_type="application/json",
        headers={api.SIGNATURE_HEADER: api.sign(body)},
    )
    good = post(api.sign(body))

    # Then only the good one is applied
    assert [r.status_code for r in (bad, stale, missing, tampered)] == [400] * 4
    assert bad.content == b"invalid webhook: signature does not match"
    assert stale.content == b"invalid webhook: signature timestamp outside the tolerance"
    assert (good.status_code, good.content) == (200, b"paid")
    assert WebhookEvent.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert client.get(url).status_code == 405
    assert (
        client.post(
            "/payments/webhooks/nope/", data=body, content_type="application/json"
        ).status_code
        == 404
    )


def test_a_failed_payment_webhook_marks_the_attempt_failed(client, shop):
    order, intent_id = started(shop)
    client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4000000000000002", **CARD})
    body = api.encode(SandboxWebhook.objects.get().payload)

    response = client.post(
        "/payments/webhooks/sandbox/",
        data=body,
        content_type="application/json",
        headers={api.SIGNATURE_HEADER: api.sign(body)},
    )

    assert response.content == b"failed"
    payment = order.payments.get()
    assert (payment.status, payment.failure_reason) == (PaymentStatus.FAILED, "card_declined")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert payments.retry_payment(order).status == PaymentStatus.PENDING
    assert order.payments.count() == 2


def test_sandbox_refunds_are_idempotent_and_capped(client, shop):
    _, intent_id = started(shop)
    client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4242424242424242", **CARD})

    first = api.refund(intent_id, amount=1000, idempotency_key="r1")
    replay = api.refund(intent_id, amount=1000, idempotency_key="r1")
    second = api.refund(intent_id, amount=1490, idempotency_key="r2")
    with pytest.raises(api.SandboxError, match="refund exceeds the captured amount"):
        api.refund(intent_id, amount=1, idempotency_key="r3")

    assert first == replay
    assert second["amount"] == 1490
    assert SandboxRefund.objects.count() == 2


def test_only_a_captured_payment_can_be_refunded(shop):
    _, intent_id = started(shop)
    with pytest.raises(api.SandboxError, match="only a succeeded payment"):
        api.refund(intent_id, amount=100, idempotency_key="x")


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_its_webhook_over_http_and_the_order_is_paid(
    client, shop, live_server
):
    # Given an order paid on the hosted page, with the webhook URL of a real local server
    order, intent_id = started(shop, webhook_host=live_server.url)
    client.post(f"/sandbox-psp/pay/{intent_id}/", {"number": "4242424242424242", **CARD})
    event = SandboxWebhook.objects.get()

    # When the sandbox's background task delivers it over HTTP, twice
    assert sandbox_tasks.deliver(event.pk, attempts=1, backoff=0) is True
    assert sandbox_tasks.deliver(event.pk, attempts=1, backoff=0) is True

    # Then the order is paid once
    event.refresh_from_db()
    assert (event.attempts, event.last_status) == (1, 200)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.total == Decimal("24.90")
    assert order.notifications.filter(kind="payment_confirmed").count() == 1


def test_an_idempotency_key_creates_one_intent_however_often_it_is_sent():
    # Given one key sent three times, and another key
    def create(key):
        return api.create_intent(
            amount=1000, currency="EUR", metadata={}, return_url="/r/", idempotency_key=key
        )

    # When the intents are created
    first, again, third = create("payment-1"), create("payment-1"), create("payment-1")
    other = create("payment-2")

    # Then the same key gave the same intent and page, a new key a new intent
    assert first["id"] == again["id"] == third["id"]
    assert first["hosted_url"] == again["hosted_url"]
    assert other["id"] != first["id"]
    assert SandboxIntent.objects.count() == 2


def _rendered(form) -> str:
    return "".join(f"{field}{field.errors}" for field in form)


@pytest.mark.parametrize(
    "data", [None, {"number": "4242 4242 4242 4241", "expiry": "13/20", "cvc": "1"}]
)
def test_card_form_markup_is_djangos_own(data):
    from django.forms.renderers import DjangoTemplates

    from comptoir.sandbox_psp.views import CardForm

    # given the hosted page's card form, blank or refused, rendered by the light renderer
    light = CardForm(data)
    # when Django's templates render the same form
    plain = CardForm(data, renderer=DjangoTemplates())
    if data:
        assert not light.is_valid() and not plain.is_valid()

    # then the markup is the same
    assert _rendered(light) == _rendered(plain)
