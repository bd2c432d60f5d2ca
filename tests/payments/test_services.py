"""Payments applied exactly once, refunds never past what was captured."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.checkout.services import place_order
from comptoir.core.exceptions import ComptoirError
from comptoir.orders.models import OrderEvent
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from comptoir.payments.providers.base import ProviderEvent
from comptoir.sandbox_psp.models import SandboxIntent
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="PAY", price="10.00", stock=5)
    return place_order(make_cart(shop, [(variant, 2)]), details())


def succeeded(payment, event_id="evt_1", amount=None, currency="EUR"):
    return ProviderEvent(
        event_id=event_id,
        kind="payment.succeeded",
        payment_id=str(payment.pk),
        reference="pi_x",
        amount=payment.amount if amount is None else amount,
        currency=currency,
    )


def test_an_event_is_applied_once(order):
    payment = order.payments.get()

    outcomes = [payments.apply_event("sandbox", succeeded(payment)) for _ in range(3)]

    assert outcomes == ["paid", "duplicate", "duplicate"]
    assert WebhookEvent.objects.get().processed_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment.refresh_from_db()
    assert (payment.status, payment.reference) == (PaymentStatus.SUCCEEDED, "pi_x")


def test_the_return_page_s_own_order_and_payment_are_confirmed_in_place(order):
    # Given the page's order and payment, as the return page holds them
    payment = order.payments.get()
    payment.order = order

    outcome = payments.apply_event("sandbox", succeeded(payment), known=payment)
    replay = payments.apply_event("sandbox", succeeded(payment, event_id="e2"), known=payment)

    # Then those very objects say what was written, and the rows agree
    assert (outcome, replay) == ("paid", "already confirmed")
    assert (order.status, payment.status, payment.reference) == (
        OrderStatus.PAID,
        PaymentStatus.SUCCEEDED,
        "pi_x",
    )
    assert order.paid_at is not None
    stored = Payment.objects.select_related("order").get()
    assert (stored.order.status, stored.status) == (OrderStatus.PAID, PaymentStatus.SUCCEEDED)
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1


def test_objects_of_another_payment_are_not_taken_for_the_event_s(order):
    first = order.payments.get()
    other = Payment.objects.create(order=order, provider="sandbox", amount=first.amount,
                                   currency="EUR", status=PaymentStatus.FAILED)  # fmt: skip
    other.order = order

    outcome = payments.apply_event("sandbox", succeeded(first), known=other)

    assert outcome == "paid"
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.status, other.status) == (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED)


def test_events_for_unknown_payments_and_other_kinds_change_nothing(order):
    unknown = ProviderEvent(
        event_id="e1",
        kind="payment.succeeded",
        payment_id="00000000-0000-0000-0000-000000000000",
        amount=Decimal(1),
        currency="EUR",
    )
    other = ProviderEvent(event_id="e2", kind="ignored")
    assert payments.apply_event("sandbox", unknown) == "unknown payment"
    assert payments.apply_event("sandbox", other) == "ignored"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_a_mismatched_event_is_recorded_and_the_right_one_still_pays(order):
    payment = order.payments.get()
    assert payments.apply_event("sandbox", succeeded(payment, "e1", Decimal("24.89"))) == (
        "amount mismatch"
    )
    assert payments.apply_event("sandbox", succeeded(payment, "e2", currency="usd")) == (
        "amount mismatch"
    )
    assert payments.apply_event("sandbox", succeeded(payment, "e3")) == "paid"
    assert list(order.events.filter(kind="payment_mismatch").values_list("note", flat=True)) == [
        "provider reported 24.89 EUR, expected 24.90 EUR",
        "provider reported 24.90 usd, expected 24.90 EUR",
    ]


def test_a_second_capture_for_a_paid_order_is_refunded_in_full(order):
    # Given a paid order, and a second attempt that the PSP captured too
    first = order.payments.get()
    payments.confirm_payment(str(first.pk), amount=first.amount, currency="EUR", actor="psp")
    second = Payment.objects.create(
        order=order, provider="bank_transfer", amount=first.amount, currency="EUR"
    )

    outcome = payments.confirm_payment(
        str(second.pk), amount=second.amount, currency="EUR", actor="psp"
    )
    run_queued_tasks()

    assert outcome == "refunded a duplicate or late payment"
    second.refresh_from_db()
    assert (second.status, second.refunded_amount) == (PaymentStatus.DUPLICATE, Decimal("24.90"))
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, Decimal(0))
    assert Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).count() == 1
    assert OrderEvent.objects.filter(order=order, kind="duplicate_payment_refunded").count() == 1


def test_a_duplicate_capture_reported_again_is_refunded_once(order):
    # Given a paid order and a second capture, reported by the webhook and the return page
    first = order.payments.get()
    payments.confirm_payment(str(first.pk), amount=first.amount, currency="EUR", actor="psp")
    second = Payment.objects.create(
        order=order, provider="bank_transfer", amount=first.amount, currency="EUR"
    )

    outcomes = [
        payments.confirm_payment(str(second.pk), amount=second.amount, currency="EUR", actor="psp")
        for _ in range(2)
    ]
    run_queued_tasks()

    assert outcomes == ["refunded a duplicate or late payment", "already confirmed"]
    assert Refund.objects.filter(payment=second).count() == 1
    second.refresh_from_db()
    assert second.refunded_amount == Decimal("24.90")


def test_begin_payment_starts_one_intent_however_often_it_is_called(order):
    request = RequestFactory().get("/")
    urls = {
        payments.begin_payment(
            order, request=request, return_url="/r/", cancel_url="/c/"
        ).redirect_url
        for _ in range(3)
    }
    assert len(urls) == 1
    assert SandboxIntent.objects.count() == 1


def test_a_payment_just_created_is_started_without_a_transaction_and_once(order):
    # Given the order's pending payment, as placing the order hands it over
    payment = order.payments.get()
    request = RequestFactory().get("/")

    # When it is started by the placing request, again, then through the locked path
    with CaptureQueriesContext(connection) as ctx:
        first = payments.begin_payment(
            order, request=request, return_url="/r/", cancel_url="/c/", created=payment
        )
    again = payments.begin_payment(
        order, request=request, return_url="/r/", cancel_url="/c/", created=payment
    )
    locked = payments.begin_payment(order, request=request, return_url="/r/", cancel_url="/c/")

    # Then it is one intent, and the first start was the intent and the payment's reference
    # (no lock, no savepoint)
    assert first.redirect_url == again.redirect_url == locked.redirect_url
    assert SandboxIntent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.reference == SandboxIntent.objects.get().pk
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT", "UPDATE"]


def test_retry_is_refused_once_paid(order):
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")
    order.refresh_from_db()
    with pytest.raises(ComptoirError, match="not awaiting payment"):
        payments.retry_payment(order)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requests=st.lists(
        st.decimals(min_value=Decimal("-1"), max_value=Decimal("30"), places=2),
        min_size=1,
        max_size=6,
    )
)
def test_refunds_never_exceed_captures(shop, requests):
    with transaction.atomic():
        # Given a bank-transfer order of 24.90, paid
        add_flat_shipping(shop)
        variant = make_variant(shop, sku="R", price="10.00", stock=5)
        order = place_order(
            make_cart(shop, [(variant, 2)]), details(payment_method="bank_transfer")
        )
        payment = order.payments.get()
        payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="m")

        # When the merchant asks for random refunds
        granted = Decimal(0)
        for amount in requests:
            try:
                payments.refund_order(order.pk, amount=amount, actor="m")
            except ComptoirError:
                assert amount <= 0 or granted + amount > Decimal("24.90")
            else:
                granted += amount
        # (the credit notes' PDFs, tested in tests/billing, would take most of the time)
        run_queued_tasks(skip=["comptoir.billing.tasks.render_billing_document"])

        # Then what was refunded is what was granted, never more than the capture
        order.refresh_from_db()
        payment.refresh_from_db()
        assert granted <= Decimal("24.90")
        assert order.refunded_amount == payment.refunded_amount == granted
        assert (
            sum(Refund.objects.filter(payment=payment).values_list("amount", flat=True), Decimal(0))
            == granted
        )
        expected = (
            OrderStatus.PAID
            if granted == 0
            else OrderStatus.REFUNDED
            if granted == Decimal("24.90")
            else OrderStatus.PARTIALLY_REFUNDED
        )
        assert order.status == expected
        transaction.set_rollback(True)


def test_the_card_attempt_and_the_payment_are_kept_together_or_not_at_all(order, monkeypatch):
    # Given a confirmation that fails half-way (after the payment's own writes)
    from comptoir.fraud.models import PaymentAttempt
    from comptoir.orders import services as order_services

    payment = order.payments.get()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(order_services, "mark_locked_order_paid", broken)

    # When the provider's event is applied
    with pytest.raises(RuntimeError):
        payments.apply_event("sandbox", succeeded(payment))

    # Then nothing of it stays but the event's row, unprocessed: its retry applies it whole
    assert PaymentAttempt.objects.count() == 0
    assert OrderEvent.objects.filter(kind="payment_confirmed").count() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert WebhookEvent.objects.get().processed_at is None
    monkeypatch.undo()
    assert payments.apply_event("sandbox", succeeded(payment)) == "paid"
    assert PaymentAttempt.objects.count() == 1
    assert WebhookEvent.objects.get().processed_at is not None


def test_a_payment_s_events_are_written_in_one_statement_in_their_order(order):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payment = order.payments.get()

    with CaptureQueriesContext(connection) as ctx:
        assert payments.apply_event("sandbox", succeeded(payment)) == "paid"

    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len([s for s in inserts if '"orders_orderevent"' in s]) == 1
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds[-4:] == ["payment_confirmed", "status", "fraud_screening", "invoice_issued"]
    stamps = list(OrderEvent.objects.filter(order=order).values_list("created_at", flat=True))
    assert stamps == sorted(stamps)
