"""A refund the provider cannot make: tried again while it is unreachable, handed to the
merchant when it refuses or never answers, and asked again from the inbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from comptoir.core.exceptions import ComptoirError
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import act_on_item
from comptoir.orders.models import OrderEvent
from comptoir.orders.states import OrderStatus
from comptoir.payments import registry
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from comptoir.payments.providers.base import ProviderUnavailable
from tests.payments.fake_stripe import FakeStripe, provider_settings
from tests.payments.test_stripe import fake_stripe, pay, place_stripe_order  # noqa: F401

pytestmark = pytest.mark.django_db


def use_stripe_at(settings, url: str) -> None:
    # One request per attempt: the task retries, not the library.
    settings.COMPTOIR_PAYMENT_PROVIDERS = provider_settings(url, max_network_retries=0)
    registry.providers.cache_clear()


@pytest.fixture
def stripe(settings, fake_stripe: FakeStripe) -> Iterator[FakeStripe]:  # noqa: F811
    use_stripe_at(settings, fake_stripe.url)
    yield fake_stripe
    registry.providers.cache_clear()


@pytest.fixture
def refund(shop, stripe, client) -> Refund:
    """10.00 of a paid 17.40 order, requested by the merchant, not yet performed."""
    order = place_stripe_order(shop)
    pay(order, stripe, client)
    (requested,) = payments.refund_order(order.pk, amount=Decimal("10.00"), actor="merchant")
    return requested


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def next_attempts(refund: Refund) -> list[DBTaskResult]:
    return [
        row
        for row in DBTaskResult.objects.filter(task_path__endswith=".execute_refund")
        if row.args_kwargs["args"] == [str(refund.pk)] and row.args_kwargs["kwargs"]
    ]


def open_items() -> list[InboxItem]:
    return list(InboxItem.objects.filter(kind=ItemKind.REFUND_FAILED, status=ItemStatus.OPEN))


def test_stripe_unreachable_the_refund_is_tried_again_later_and_stays_pending(refund, settings):
    # Given Stripe down (nothing listens on its address)
    use_stripe_at(settings, closed_port_url())

    # When the refund's first attempt runs
    with pytest.raises(ProviderUnavailable):
        payments.execute_refund.call(str(refund.pk))

    # Then a second attempt waits in the queue, and nothing is decided yet
    (attempt,) = next_attempts(refund)
    assert attempt.args_kwargs["kwargs"] == {"attempt": 2}
    assert attempt.run_after > timezone.now()
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("pending", "")
    assert open_items() == []


def test_stripe_unreachable_through_every_attempt_the_merchant_is_asked(refund, settings):
    use_stripe_at(settings, closed_port_url())
    payment = refund.payment

    # When the last attempt fails too
    with pytest.raises(ProviderUnavailable):
        payments.execute_refund.call(str(refund.pk), attempt=payments.REFUND_ATTEMPTS)

    # Then the refund is failed, no attempt follows, the money counts as refundable again
    refund.refresh_from_db()
    assert refund.status == "failed"
    # in the merchant's language (the shop's, French)
    assert f"après {payments.REFUND_ATTEMPTS} tentatives" in refund.failure_reason
    assert next_attempts(refund) == []
    assert payments.refundable_amount(payment) == Decimal("17.40")
    # and the timeline and the inbox say so, once
    (event,) = OrderEvent.objects.filter(order=payment.order, kind="refund_failed")
    assert event.data == {"refund": str(refund.pk), "amount": "10.00"}
    (item,) = open_items()
    assert (item.key, item.order_id) == (f"refund:{refund.pk}", payment.order_id)
    assert "10.00" in item.title
    assert payments.mark_refund_failed(str(refund.pk), reason="again") is False
    assert OrderEvent.objects.filter(kind="refund_failed").count() == 1


def test_a_refund_stripe_refuses_fails_at_once_without_another_attempt(refund, stripe):
    # Given the money already paid back from Stripe's dashboard
    (intent,) = stripe.intents.values()
    intent["amount_refunded"] = 1740

    # When the refund runs, it is not an error of the task: the refusal is final
    payments.execute_refund.call(str(refund.pk))

    refund.refresh_from_db()
    assert refund.status == "failed"
    assert "amount_too_large" in refund.failure_reason
    assert next_attempts(refund) == []
    (item,) = open_items()
    assert "amount_too_large" in item.detail
    refund.payment.order.refresh_from_db()
    assert refund.payment.order.refunded_amount == Decimal("0.00")


def test_the_merchant_tries_a_failed_refund_again_from_the_inbox(refund, settings, stripe):
    # Given a refund failed while Stripe was down, and Stripe back
    use_stripe_at(settings, closed_port_url())
    with pytest.raises(ProviderUnavailable):
        payments.execute_refund.call(str(refund.pk), attempt=payments.REFUND_ATTEMPTS)
    use_stripe_at(settings, stripe.url)
    (item,) = open_items()

    # When the merchant clicks "Try the refund again"
    message = act_on_item(item.pk, action="retry_refund", actor="patronne")

    # Then a new refund of the same amount is asked, the item closes, the failed one stays
    assert "10.00" in message
    again = Refund.objects.get(retry_of=refund)
    assert (again.amount, again.status) == (Decimal("10.00"), "pending")
    assert again.created_by == "patronne"
    assert open_items() == []
    item.refresh_from_db()
    with translation.override(refund.payment.order.shop.default_language):
        assert item.closed_reason == gettext("The refund was asked again.")
    assert payments.perform_refund(str(refund.pk)) == "already failed"
    assert stripe.calls("POST", "/v1/refunds") == []

    # and once performed, the money leaves once and the order says so
    assert payments.perform_refund(str(again.pk)) == "refunded"
    assert len(stripe.refunds) == 1
    order = refund.payment.order
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("10.00"),
    )
    with translation.override("en"), pytest.raises(ComptoirError, match="not waiting"):
        payments.retry_refund(str(refund.pk), actor="patronne")


def test_a_refund_stripe_made_but_whose_answer_was_lost_is_found_not_paid_twice(refund, stripe):
    # Given Stripe makes the refund but its answer never reaches us (a 500 on the way back)
    stripe.lose_responses["/v1/refunds"] = 1

    # When the refund runs: a 5xx is not tried again (Stripe would replay it for the key)
    payments.execute_refund.call(str(refund.pk))
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert next_attempts(refund) == []
    assert len(stripe.refunds) == 1  # the money did leave
    (item,) = open_items()

    # When the merchant tries it again from the inbox
    with translation.override("en"):
        message = act_on_item(item.pk, action="retry_refund", actor="patronne")

    # Then Stripe is asked first, the refund it made is recorded, and nothing more is paid
    assert message.startswith("The payment provider had made this refund of 10.00 after all")
    assert len(stripe.refunds) == 1
    assert len(stripe.calls("POST", "/v1/refunds")) == 1
    assert not Refund.objects.filter(retry_of=refund).exists()
    refund.refresh_from_db()
    (made,) = stripe.refunds.values()
    assert (refund.status, refund.reference) == ("succeeded", made["id"])
    order = refund.payment.order
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("10.00"),
    )
    assert OrderEvent.objects.filter(order=order, kind="refund_found_made").count() == 1
    assert open_items() == []


def test_a_retry_is_refused_for_lines_paid_back_since_by_another_refund(shop, stripe, client):
    # Given a refund of the teapot (5.00) that Stripe refused
    order = place_stripe_order(shop)
    pay(order, stripe, client)
    line = order.lines.get()
    (intent,) = stripe.intents.values()
    intent["amount_refunded"] = 1740
    (first,) = payments.refund_order(
        order.pk, amount=Decimal("5.00"), actor="anne", lines={line.pk: 1}
    )
    payments.execute_refund.call(str(first.pk))
    first.refresh_from_db()
    assert first.status == "failed"

    # and the merchant then paid the same teapot back from the order page
    intent["amount_refunded"] = 0
    (second,) = payments.refund_order(
        order.pk, amount=Decimal("5.00"), actor="anne", lines={line.pk: 1}
    )
    assert payments.perform_refund(str(second.pk)) == "refunded"

    # When the failed one is tried again
    with translation.override("en"), pytest.raises(ComptoirError, match="between 1 and 0"):
        payments.retry_refund(str(first.pk), actor="anne")

    # Then the teapot is paid back once
    assert len(stripe.refunds) == 1
    assert not Refund.objects.filter(retry_of=first).exists()


def test_a_retry_that_cannot_check_with_stripe_is_refused_and_pays_nothing(refund, settings):
    use_stripe_at(settings, closed_port_url())
    payments.mark_refund_failed(str(refund.pk), reason="refused")

    with translation.override("en"), pytest.raises(ComptoirError, match="cannot be reached"):
        payments.retry_refund(str(refund.pk), actor="anne")

    assert not Refund.objects.filter(retry_of=refund).exists()
