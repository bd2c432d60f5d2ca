"""The webhook and the shopper's return, replayed at once from many threads: one attempt,
one screening, one inbox item, whatever the order of arrival."""

from __future__ import annotations

import pytest

from comptoir.checkout.services import place_order
from comptoir.fraud.models import Decision, PaymentAttempt, Screening
from comptoir.fulfillment.models import Shipment
from comptoir.inbox.models import InboxItem, ItemKind
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.registry import get_provider
from tests.reliability.test_concurrency import _paid_intent
from tests.selling import add_flat_shipping, details, make_cart, make_variant, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_confirmations_screen_and_hold_an_order_once(shop):
    # Given an order with a disposable address (held by default), its payment captured
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="RACE", stock=10)
    order = place_order(make_cart(shop, [(variant, 1)]), details("x@mailinator.com"))
    _payment, intent = _paid_intent(order)
    provider = get_provider("sandbox")
    webhook = provider._event("evt_race", "payment_intent.succeeded", intent)
    returned = provider._event(f"return:{intent['id']}", "payment_intent.succeeded", intent)

    # When the webhook (replayed) and the return page arrive at once, 12 times
    results = run_in_threads(
        [lambda e=e: payments.apply_event("sandbox", e) for e in [webhook, returned] * 6],
        workers=12,
    )

    # Then it is paid once, screened once, held once
    assert [r for r in results if isinstance(r, Exception)] == []
    assert results.count("paid") == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert PaymentAttempt.objects.count() == 1
    assert list(Screening.objects.values_list("decision", flat=True)) == [Decision.HELD]
    assert InboxItem.objects.filter(kind=ItemKind.FRAUD_REVIEW).count() == 1
    assert Shipment.objects.count() == 0
    assert order.events.filter(kind="fraud_screening").count() == 1
