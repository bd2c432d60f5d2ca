"""Fraud screening end to end: a shopper at the real checkout, the sandbox PSP's hosted page
and its signed webhooks, the screening in the payment's transaction, the inbox."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from comptoir.core.models import RateCounter
from comptoir.fraud.models import (
    AttemptOutcome,
    Block,
    BlockLevel,
    BlockScope,
    Decision,
    FraudSettings,
    OrderSignals,
    PaymentAttempt,
    Screening,
)
from comptoir.fulfillment.models import Shipment
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.orders.models import Order
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus, Refund
from comptoir.sandbox_psp.models import SandboxRefund, SandboxWebhook
from tests.fraud.helpers import (
    AMERICAN_IP,
    BRITISH_CARD,
    CHALLENGE_CARD,
    DECLINED_CARDS,
    FRENCH_IP,
    GOOD_CARD,
    checkout,
    deliver_webhooks,
    pay,
    pay_url,
    place,
    run_refund_tasks,
    shopper,
)
from tests.selling import add_flat_shipping, make_variant

pytestmark = pytest.mark.django_db

INBOX = "/admin/inbox/inboxitem/"
ACT = "/admin/inbox/inboxitem/act/"
GERMAN_BILLING = {
    "billing_same": "",
    "billing-first_name": "Jeanne",
    "billing-last_name": "Martin",
    "billing-line1": "3 Hauptstrasse",
    "billing-postal_code": "10115",
    "billing-city": "Berlin",
    "billing-country": "DE",
}


@pytest.fixture
def tea(shop):
    add_flat_shipping(shop, price="4.90")
    return make_variant(shop, sku="TEA-1", price="12.40", stock=50, name="Sencha")


@pytest.fixture
def admin_back_office(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def reasons(order: Order) -> list[tuple[str, int]]:
    return [(r["rule"], r["points"]) for r in Screening.objects.get(order=order).reasons]


def test_a_clean_order_is_approved_and_gets_its_shipment(tea):
    # Given a shopper in France, billed and shipped in France, paying with a French card
    client = shopper(tea, ip=FRENCH_IP)
    order, hosted = place(client)

    # When the card succeeds and the PSP's webhook arrives
    assert pay(client, hosted, GOOD_CARD).status_code == 302
    assert deliver_webhooks(client) == ["paid"]

    # Then the order is approved with no reason, and its parcel exists
    order.refresh_from_db()
    screening = Screening.objects.get(order=order)
    assert (order.status, screening.decision, screening.score, screening.reasons) == (
        OrderStatus.PAID,
        Decision.APPROVED,
        0,
        [],
    )
    signals = OrderSignals.objects.get(order=order)
    assert (signals.ip, signals.ip_country, signals.user_agent) == (
        FRENCH_IP,
        "FR",
        "Mozilla/5.0 (test)",
    )
    assert len(signals.session_hash) == 64
    assert client.session.session_key not in signals.session_hash
    attempt = PaymentAttempt.objects.get()
    assert (attempt.outcome, attempt.card_country, attempt.three_d_secure) == (
        AttemptOutcome.SUCCEEDED,
        "FR",
        "not_required",
    )
    assert len(attempt.card_fingerprint) == 32 and GOOD_CARD not in attempt.card_fingerprint
    assert Shipment.objects.filter(order=order).count() == 1
    assert InboxItem.objects.count() == 0
    assert Refund.objects.count() == 0
    assert order.events.filter(kind="fraud_screening").count() == 1


def test_mismatched_countries_land_in_review_with_the_reasons(tea):
    # Given a shopper connecting from the USA, billed in Germany, shipping to France, with a
    # British card
    client = shopper(tea, ip=AMERICAN_IP)
    order, hosted = place(client, **GERMAN_BILLING)

    pay(client, hosted, BRITISH_CARD)
    deliver_webhooks(client)

    # Then the order is paid, held, nothing ships, and the inbox says why
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert reasons(order) == [
        ("billing_shipping_country", 15),
        ("ip_country", 20),
        ("card_country", 20),
    ]
    screening = Screening.objects.get(order=order)
    assert (screening.score, screening.decision) == (55, Decision.HELD)
    item = InboxItem.objects.get()
    assert (item.kind, item.status, item.order_id) == (
        ItemKind.FRAUD_REVIEW,
        ItemStatus.OPEN,
        order.pk,
    )
    assert item.shown_title == f"Order {order.reference} held for fraud review (score 55)"
    assert item.shown_detail == (
        "Score 55, from these reasons:\n"
        "+15 Billing country DE differs from shipping country FR\n"
        "+20 Ordered from US, billed in DE and shipped to FR\n"
        "+20 Card issued in GB, billing country DE"
    )
    assert Shipment.objects.count() == 0
    assert Refund.objects.count() == 0


def test_approve_from_the_inbox_ships_the_held_order(tea, admin_back_office):
    client = shopper(tea, ip=AMERICAN_IP)
    order, hosted = place(client, **GERMAN_BILLING)
    pay(client, hosted, BRITISH_CARD)
    deliver_webhooks(client)
    item = InboxItem.objects.get(kind=ItemKind.FRAUD_REVIEW)
    screen = admin_back_office.get(INBOX).content.decode()
    assert "Approve and ship" in screen and "Cancel and refund" in screen

    # When the merchant approves it
    response = admin_back_office.post(ACT, {"item": item.pk, "action": "approve"}, follow=True)

    # Then it ships, the item is closed, and the screening says who approved
    assert f"Order {order.reference} approved; it ships." in response.content.decode()
    assert Shipment.objects.filter(order=order).count() == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    screening = Screening.objects.get(order=order)
    assert (screening.decision, screening.automatic_decision, screening.decided_by) == (
        Decision.APPROVED,
        Decision.HELD,
        "admin",
    )
    assert order.events.filter(kind="fraud_review").count() == 1
    # A second click is refused and ships nothing more
    again = admin_back_office.post(ACT, {"item": item.pk, "action": "approve"}, follow=True)
    assert "This item is already closed." in again.content.decode()
    assert Shipment.objects.count() == 1
    assert Refund.objects.count() == 0


def test_cancel_from_the_inbox_refunds_the_held_order(tea, admin_back_office):
    client = shopper(tea, ip=AMERICAN_IP)
    order, hosted = place(client, **GERMAN_BILLING)
    pay(client, hosted, BRITISH_CARD)
    deliver_webhooks(client)
    item = InboxItem.objects.get(kind=ItemKind.FRAUD_REVIEW)

    admin_back_office.post(ACT, {"item": item.pk, "action": "cancel"})
    run_refund_tasks()

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == order.total == Decimal("17.30")
    assert Refund.objects.filter(status="succeeded").count() == 1
    assert SandboxRefund.objects.count() == 1
    assert Shipment.objects.count() == 0
    assert Screening.objects.get(order=order).decision == Decision.CANCELLED
    assert InboxItem.objects.get().status == ItemStatus.CLOSED


def test_3d_secure_with_liability_shift_lowers_the_score(tea):
    # Given the same mismatched countries, but a card authenticated with 3-D Secure
    client = shopper(tea, ip=AMERICAN_IP)
    order, hosted = place(client, **GERMAN_BILLING)
    challenge = pay(client, hosted, CHALLENGE_CARD)
    client.post(challenge["Location"], {"outcome": "approve"})
    deliver_webhooks(client)

    # Then the liability shift takes 30 points off 55: approved, shipped
    assert reasons(order) == [
        ("billing_shipping_country", 15),
        ("ip_country", 20),
        ("card_country", 20),  # the challenge card is French, the billing German
        ("three_d_secure_liability_shift", -30),
    ]
    screening = Screening.objects.get(order=order)
    assert (screening.score, screening.decision) == (25, Decision.APPROVED)
    assert PaymentAttempt.objects.get().liability_shift is True
    assert Shipment.objects.count() == 1
    assert InboxItem.objects.count() == 0


@pytest.mark.parametrize(
    ("points", "decision", "shipments", "items", "refunds"),
    [
        (None, Decision.HELD, 0, 1, 0),  # the default 30 points: held
        (90, Decision.CANCELLED, 0, 0, 1),  # the shop made it decisive: cancelled, refunded
        (0, Decision.APPROVED, 1, 0, 0),  # the shop does not mind
    ],
)
def test_a_disposable_email_lands_where_the_shop_configured(
    shop, tea, points, decision, shipments, items, refunds
):
    if points is not None:
        FraudSettings.objects.create(shop=shop, rule_points={"disposable_email": points})
    client = shopper(tea)
    order, hosted = place(client, email="quick@mailinator.com")

    pay(client, hosted, GOOD_CARD)
    deliver_webhooks(client)
    run_refund_tasks()

    order.refresh_from_db()
    screening = Screening.objects.get(order=order)
    assert screening.decision == decision
    assert reasons(order) == [("disposable_email", 30 if points is None else points)]
    assert Shipment.objects.count() == shipments
    assert InboxItem.objects.filter(kind=ItemKind.FRAUD_REVIEW).count() == items
    assert Refund.objects.filter(status="succeeded").count() == refunds
    assert SandboxRefund.objects.count() == refunds
    if decision == Decision.CANCELLED:
        assert order.status == OrderStatus.REFUNDED
        assert order.refunded_amount == order.total
        # Cancelled in the payment's own transaction: the customer is told of the
        # cancellation, never that the payment was confirmed
        kinds = set(order.notifications.values_list("kind", flat=True))
        assert "cancelled" in kinds and "payment_confirmed" not in kinds


def test_a_card_testing_burst_is_throttled_then_blocked_and_its_success_refunded(tea):
    # Given a shopper trying stolen cards on one order
    client = shopper(tea, ip=FRENCH_IP)
    order, hosted = place(client)

    # When three cards are declined
    for number in (*DECLINED_CARDS, DECLINED_CARDS[0]):
        assert pay(client, hosted, number).status_code == 200
    deliver_webhooks(client)

    # Then the IP address and the session are throttled: the payment step says wait
    throttles = Block.objects.filter(level=BlockLevel.THROTTLE)
    assert sorted(throttles.values_list("scope", "declines")) == [
        (BlockScope.IP, 3),
        (BlockScope.SESSION, 3),
    ]
    retry = client.post(pay_url(order))
    assert retry.status_code == 429
    assert "Too many declined payments in a short time. Please wait 10 minutes before" in (
        retry.content.decode()
    )
    assert 590 <= int(retry["Retry-After"]) <= 600

    # When the burst goes on, on the PSP's page, to six declines
    for number in (*DECLINED_CARDS, DECLINED_CARDS[1]):
        pay(client, hosted, number)
    deliver_webhooks(client)

    # Then they are blocked, a new order from the session is refused before it exists
    blocks = Block.objects.filter(level=BlockLevel.BLOCK)
    assert sorted(blocks.values_list("scope", "declines")) == [
        (BlockScope.IP, 6),
        (BlockScope.SESSION, 6),
    ]
    assert PaymentAttempt.objects.filter(outcome=AttemptOutcome.DECLINED).count() == 6
    counted = sorted(RateCounter.objects.values_list("key", "hits"))
    blocked = client.post(pay_url(order))
    assert blocked.status_code == 429
    assert "Payments are blocked for now" in blocked.content.decode()
    # (a step refused by a block is not counted against the rate limits)
    assert sorted(RateCounter.objects.values_list("key", "hits")) == counted
    other_basket = shopper(tea, ip=FRENCH_IP)
    assert checkout(other_basket).status_code == 429
    assert Order.objects.count() == 1

    # When a card finally works on the PSP's page: the order is cancelled and refunded
    pay(client, hosted, GOOD_CARD)
    deliver_webhooks(client)
    run_refund_tasks()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    screening = Screening.objects.get(order=order)
    assert screening.decision == Decision.CANCELLED
    assert [r["rule"] for r in screening.reasons][:2] == ["velocity_attempts", "velocity_attempts"]
    assert ("blocked", 100) in reasons(order)
    assert Shipment.objects.count() == 0
    assert Refund.objects.filter(status="succeeded").count() == 1
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1


def test_the_payment_step_is_rate_limited_per_session_and_per_ip(shop, tea):
    FraudSettings.objects.create(shop=shop, payment_steps_per_session=3, payment_steps_per_ip=6)
    client = shopper(tea)
    order, hosted = place(client)  # the first payment step
    url = pay_url(order)

    # The session's second and third steps pass, its fourth is refused
    assert [client.post(url).status_code for _ in range(3)] == [303, 303, 429]
    refused = client.post(url)
    assert refused.status_code == 429
    assert "Too many payment attempts. Please wait" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 600

    # Another session from the same IP has the IP's sixth step (refused steps count: a
    # client hammering the page keeps its window full), then is refused too
    other, third = shopper(tea), shopper(tea)
    assert checkout(other).status_code == 303
    assert checkout(third).status_code == 429
    assert Order.objects.count() == 2
    assert Payment.objects.count() == 2


def test_a_cancellation_commits_with_the_payment_or_not_at_all(shop, tea, monkeypatch):
    # Given a shop that cancels disposable addresses, and a refund that fails the first time
    # inside the payment's transaction
    FraudSettings.objects.create(shop=shop, rule_points={"disposable_email": 90})
    client = shopper(tea)
    order, hosted = place(client, email="quick@yopmail.com")
    pay(client, hosted, GOOD_CARD)
    real = payments.refund_remaining
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(payments, "refund_remaining", failing_once)

    # When the webhook arrives: the failure undoes the payment and the screening with it
    with pytest.raises(RuntimeError):
        deliver_webhooks(client)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert (Screening.objects.count(), Refund.objects.count(), Shipment.objects.count()) == (
        0,
        0,
        0,
    )

    # When the PSP sends it again: paid, screened, cancelled and refunded, once
    assert deliver_webhooks(client) == ["paid"]
    run_refund_tasks()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Screening.objects.get().decision == Decision.CANCELLED
    assert Refund.objects.filter(status="succeeded").count() == 1
    assert SandboxRefund.objects.count() == 1
    assert PaymentAttempt.objects.count() == 1


def test_the_sandbox_card_country_is_configurable_per_test_card(tea, settings):
    settings.COMPTOIR_SANDBOX_CARD_COUNTRIES = {GOOD_CARD: "IT"}
    client = shopper(tea)
    order, hosted = place(client)

    pay(client, hosted, GOOD_CARD)
    deliver_webhooks(client)

    webhook = SandboxWebhook.objects.get()
    assert webhook.payload["data"]["card_country"] == "IT"
    assert webhook.payload["data"]["liability_shift"] is False
    assert GOOD_CARD not in json.dumps(webhook.payload)
    assert PaymentAttempt.objects.get().card_country == "IT"
    # 20 points for an Italian card billed in France: under the review score, it ships
    assert reasons(order) == [("card_country", 20)]
    assert Screening.objects.get(order=order).decision == Decision.APPROVED
    assert Shipment.objects.count() == 1
