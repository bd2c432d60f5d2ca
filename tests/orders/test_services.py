"""Order life: the transition table, events, payment, cancellation and expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.checkout.services import place_order
from comptoir.inventory.models import Reservation, StockMovement
from comptoir.orders import services
from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.orders.states import TRANSITIONS, OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import PaymentStatus, Refund
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

ALL = list(OrderStatus)
PAIRS = [(a, b) for a in ALL for b in ALL]


@pytest.fixture
def placed(shop):
    """A bank-transfer order of 2 x 10.00 + 4.90, and its variant (5 in stock)."""
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="LIFE", stock=5)
    order = place_order(make_cart(shop, [(variant, 2)]), details(payment_method="bank_transfer"))
    return order, variant


def stock(variant):
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_the_transition_table_is_the_rule(shop, current, target):
    order = Order.objects.create(
        shop=shop,
        number=1,
        email="a@example.org",
        currency="EUR",
        payment_method="sandbox",
        status=current,
    )
    if target in TRANSITIONS[current]:
        services.transition(order, target, actor="merchant", note="why")
        order.refresh_from_db()
        assert order.status == target
        event = OrderEvent.objects.get()
        assert (event.kind, event.from_status, event.to_status, event.actor, event.note) == (
            "status",
            current,
            target,
            "merchant",
            "why",
        )
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.transition(order, target, actor="merchant")
        order.refresh_from_db()
        assert order.status == current
        assert OrderEvent.objects.count() == 0


def test_the_merchant_confirms_a_bank_transfer(placed):
    order, variant = placed
    payment = order.payments.get()

    outcome = payments.confirm_payment(
        str(payment.pk), amount=None, currency="EUR", actor="merchant"
    )
    again = payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")

    assert (outcome, again) == ("paid", "already confirmed")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert stock(variant) == (3, 0)
    assert list(order.events.values_list("kind", "to_status", "actor")) == [
        ("placed", "", "jeanne@example.org"),
        ("payment_confirmed", "", "merchant"),
        ("status", "paid", "merchant"),
        ("fraud_screening", "", "fraud screening"),
        ("invoice_issued", "", "merchant"),
    ]
    assert sorted(order.notifications.values_list("kind", flat=True)) == [
        "order_received",
        "payment_confirmed",
        "payment_instructions",
    ]


def test_cancelling_an_unpaid_order_releases_the_stock(placed):
    order, variant = placed

    services.cancel_order(order.pk, actor="merchant", reason="no stock left in shop")
    services.cancel_order(order.pk, actor="merchant")  # a second click changes nothing

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancelled_at is not None
    assert stock(variant) == (5, 0)
    assert StockMovement.objects.count() == 0
    assert order.payments.get().status == PaymentStatus.CANCELLED
    assert Refund.objects.count() == 0
    assert order.events.filter(kind="status", to_status="cancelled").count() == 1
    assert order.notifications.filter(kind="cancelled").count() == 1


def test_cancelling_a_paid_order_puts_stock_back_refunds_and_emails(placed, mailoutbox):
    # Given a paid order
    order, variant = placed
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")
    assert stock(variant) == (3, 0)

    # When it is cancelled and the background tasks run
    services.cancel_order(order.pk, actor="merchant", reason="customer asked")
    run_queued_tasks()

    # Then the stock is back, the whole payment is refunded, and the customer told
    assert stock(variant) == (5, 0)
    assert list(StockMovement.objects.order_by("pk").values_list("delta", "reason")) == [
        (-2, "sold"),
        (2, "cancelled"),
    ]
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("24.90"), "succeeded")
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("24.90")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == Decimal("24.90")
    kinds = sorted(order.notifications.values_list("kind", flat=True))
    assert kinds == [
        "cancelled",
        "order_received",
        "payment_confirmed",
        "payment_instructions",
        "refunded",
    ]
    assert OrderNotification.objects.filter(sent_at__isnull=True).count() == 0
    assert len(mailoutbox) == 5
    assert list(order.events.filter(kind="status").values_list("to_status", flat=True)) == [
        "paid",
        "cancelled",
        "refunded",
    ]


def test_partial_refunds_never_exceed_the_capture(placed):
    order, _ = placed
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")

    payments.refund_order(order.pk, amount=Decimal("10.00"), actor="merchant")
    run_queued_tasks()
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    with pytest.raises(payments.ComptoirError, match="At most 14.90 EUR"):
        payments.refund_order(order.pk, amount=Decimal("14.91"), actor="merchant")
    with pytest.raises(payments.ComptoirError, match="positive"):
        payments.refund_order(order.pk, amount=Decimal("0"), actor="merchant")
    payments.refund_order(order.pk, amount=Decimal("14.90"), actor="merchant")
    run_queued_tasks()

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == Decimal("24.90")
    assert Refund.objects.filter(status="succeeded").count() == 2
    assert order.notifications.filter(kind="refunded").count() == 2


def test_unpaid_card_orders_expire_and_manual_ones_wait(shop):
    # Given a card order past its reservation and a bank transfer still within its days
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="EXP", stock=5)
    card = place_order(make_cart(shop, [(variant, 1)]), details())
    transfer = place_order(make_cart(shop, [(variant, 2)]), details(payment_method="bank_transfer"))
    later = timezone.now() + timedelta(minutes=31)

    # When expiry runs (twice, as a periodic job may)
    assert services.expire_unpaid_orders(now=later) == 1
    assert services.expire_unpaid_orders(now=later) == 0

    # Then only the card order is cancelled and its stock released
    card.refresh_from_db()
    transfer.refresh_from_db()
    assert (card.status, transfer.status) == (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT)
    assert stock(variant) == (5, 2)
    assert card.events.get(kind="status").actor == "system"
    assert Reservation.objects.filter(order=card, state="released").count() == 1
    assert services.expire_unpaid_orders(now=timezone.now() + timedelta(days=8)) == 1
    assert stock(variant) == (5, 0)


def test_a_payment_after_cancellation_is_refunded_not_paid(shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="LATE", stock=5)
    order = place_order(make_cart(shop, [(variant, 1)]), details())
    payment = order.payments.get()
    services.cancel_order(order.pk, actor="system", reason="expired")

    outcome = payments.confirm_payment(
        str(payment.pk), amount=payment.amount, currency="EUR", actor="provider:sandbox"
    )

    assert outcome == "refunded a duplicate or late payment"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Refund.objects.get().amount == payment.amount
    assert stock(variant) == (5, 0)
    assert order.events.filter(kind="payment_refunded_automatically").count() == 1


def test_events_written_together_are_one_insert_and_nothing_on_failure(placed):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    placed, _variant = placed
    before = OrderEvent.objects.count()
    # Given two events recorded together: nothing is written until the block ends
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        with services.events_written_together():
            services.record_event(placed, "first", actor="t")
            with services.events_written_together():  # nested: the outer one writes
                services.record_event(placed, "second", actor="t", data={"n": 2})
            assert OrderEvent.objects.count() == before
        # Then one INSERT wrote both, in the order they were recorded
        written = [q["sql"] for q in ctx.captured_queries if "orders_orderevent" in q["sql"]]
        assert len(written) == 2 and written[1].startswith("INSERT")  # the count, the insert
    events = list(OrderEvent.objects.filter(order=placed).order_by("created_at", "pk"))
    assert [(e.kind, e.data) for e in events[-2:]] == [("first", {}), ("second", {"n": 2})]

    # And an exception inside writes none of them
    with pytest.raises(ValueError), transaction.atomic(), services.events_written_together():
        services.record_event(placed, "lost", actor="t")
        raise ValueError
    assert not OrderEvent.objects.filter(kind="lost").exists()
    # Outside such a block, an event is written at once
    with transaction.atomic():
        services.record_event(placed, "at_once", actor="t")
        assert OrderEvent.objects.filter(kind="at_once").exists()
