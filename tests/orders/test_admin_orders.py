"""The merchant's order screens in the Django admin, as a signed-in staff user: the list
filtered by status, payment method and dates; an order's page with its timeline; and the
two list actions, which change the orders they apply to and refuse the others plainly."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import formats, timezone, translation

from comptoir.checkout.services import place_order
from comptoir.inventory.models import StockMovement
from comptoir.orders import services
from comptoir.orders.models import Order, OrderEvent
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import PaymentStatus, Refund
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"


@pytest.fixture
def merchant(client):
    """The shop's staff, signed in to the admin, reading it in English."""
    user = get_user_model().objects.create_superuser("anne", "anne@example.org", "x")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def variant(shop):
    add_flat_shipping(shop)
    return make_variant(shop, sku="ADM", price="10.00", stock=10)


def place(shop, variant, *, quantity=1, payment_method="bank_transfer", email="a@example.org"):
    return place_order(
        make_cart(shop, [(variant, quantity)]), details(email, payment_method=payment_method)
    )


def pay(order):
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="anne")
    order.refresh_from_db()
    return order


def placed_on(order, when):
    Order.objects.filter(pk=order.pk).update(created_at=when)


def stock(variant):
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


def listed(response):
    assert response.status_code == 200, response.get("Location")
    return sorted(order.number for order in response.context["cl"].result_list)


def run_action(merchant, action, orders):
    return merchant.post(
        ORDERS,
        {
            "action": action,
            "_selected_action": [order.pk for order in orders],
            "select_across": "0",
            "index": "0",
        },
        follow=True,
    )


def shown_messages(response):
    return [(m.level_tag, m.message) for m in response.context["messages"]]


# --- the list and its filters ---------------------------------------------------------------


@pytest.fixture
def four_orders(shop, variant):
    """#1 transfer awaiting payment (5 March), #2 transfer paid (20 March), #3 card
    awaiting payment (10 April), #4 cheque awaiting payment (15 February)."""
    first = place(shop, variant, email="one@example.org")
    second = pay(place(shop, variant, email="two@example.org"))
    third = place(shop, variant, payment_method="sandbox", email="three@example.org")
    fourth = place(shop, variant, payment_method="cheque", email="four@example.org")
    placed_on(first, datetime(2025, 3, 5, 10, tzinfo=UTC))
    placed_on(second, datetime(2025, 3, 20, 10, tzinfo=UTC))
    placed_on(third, datetime(2025, 4, 10, 10, tzinfo=UTC))
    placed_on(fourth, datetime(2025, 2, 15, 10, tzinfo=UTC))
    assert [o.number for o in (first, second, third, fourth)] == [1, 2, 3, 4]
    return first, second, third, fourth


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ({}, [1, 2, 3, 4]),
        ({"status__exact": "paid"}, [2]),
        ({"status__exact": "pending_payment"}, [1, 3, 4]),
        ({"payment_method__exact": "bank_transfer"}, [1, 2]),
        ({"payment_method__exact": "cheque"}, [4]),
        (
            {
                "created_at__gte": "2025-03-01 00:00:00+00:00",
                "created_at__lt": "2025-04-01 00:00:00+00:00",
            },
            [1, 2],
        ),
        (
            {
                "status__exact": "pending_payment",
                "payment_method__exact": "bank_transfer",
                "created_at__gte": "2025-03-01 00:00:00+00:00",
                "created_at__lt": "2025-04-01 00:00:00+00:00",
            },
            [1],
        ),
        ({"created_at__year": "2025", "created_at__month": "4"}, [3]),
    ],
    ids=["all", "paid", "awaiting", "transfer", "cheque", "march", "combined", "april-hierarchy"],
)
def test_the_order_list_shows_exactly_the_orders_of_its_filters(
    merchant, four_orders, query, numbers
):
    # When the merchant filters the list
    response = merchant.get(ORDERS, query)

    # Then exactly the matching orders are listed, with their customer's address
    assert listed(response) == numbers
    html = response.content.decode()
    emails = {1: "one", 2: "two", 3: "three", 4: "four"}
    for number, name in emails.items():
        assert (f"{name}@example.org" in html) == (number in numbers)


# --- the order's page -----------------------------------------------------------------------


def test_the_order_page_shows_its_timeline_with_who_when_and_why(merchant, shop, variant):
    # Given an order placed by Jeanne, paid and cancelled by Anne with a reason
    order = pay(place(shop, variant, email="jeanne@example.org"))
    services.cancel_order(order.pk, actor="anne", reason="customer phoned to cancel")

    # When the merchant opens it
    response = merchant.get(f"{ORDERS}{order.pk}/change/")

    # Then its timeline lists every event in order, each with when, what, who and why
    assert response.status_code == 200
    html = response.content.decode()
    assert "Timeline" in html
    rows = re.findall(r'<tr class="form-row[^"]*"[^>]*id="events-\d+">(.*?)</tr>', html, re.S)
    events = list(order.events.order_by("created_at", "pk"))
    assert len(rows) == len(events) >= 4
    with translation.override("en"):
        for row, event in zip(rows, events, strict=True):
            when = formats.localize(timezone.template_localtime(event.created_at))
            cells = dict(re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', row, re.S))
            assert cells["created_at"] == when
            assert cells["kind"] == event.kind
            assert cells["actor"] == event.actor
    timeline = [
        dict(re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', row, re.S)) for row in rows
    ]
    assert timeline[0]["kind"] == "placed"
    assert timeline[0]["actor"] == "jeanne@example.org"
    cancelled = next(row for row in timeline if row["to_status"] == "cancelled")
    assert (cancelled["kind"], cancelled["from_status"], cancelled["actor"], cancelled["note"]) == (
        "status",
        "paid",
        "anne",
        "customer phoned to cancel",
    )
    paid = next(row for row in timeline if row["to_status"] == "paid")
    assert (paid["from_status"], paid["actor"]) == ("pending_payment", "anne")
    assert timeline.index(paid) < timeline.index(cancelled)


# --- the list's actions ---------------------------------------------------------------------


def test_marking_a_transfer_received_pays_it_and_writes_the_event(merchant, shop, variant):
    # Given a bank-transfer order awaiting its money (3 units reserved of 10)
    order = place(shop, variant, quantity=3)
    assert stock(variant) == (10, 3)

    # When the merchant selects it and runs "payment received"
    response = run_action(merchant, "mark_payment_received", [order])

    # Then the order is paid by the merchant's hand, and the stock left the shelves
    assert response.status_code == 200
    assert shown_messages(response) == [("info", "1 order(s) marked as paid.")]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert order.payments.get().status == PaymentStatus.SUCCEEDED
    event = order.events.get(kind="status", to_status="paid")
    assert (event.from_status, event.actor) == ("pending_payment", "anne")
    assert order.events.get(kind="payment_confirmed").actor == "anne"
    assert stock(variant) == (7, 0)


@pytest.mark.parametrize("state", ["card", "paid", "cancelled"])
def test_payment_received_refuses_an_order_it_does_not_apply_to(merchant, shop, variant, state):
    # Given an order that is not a manual payment awaiting its money
    if state == "card":
        order = place(shop, variant, quantity=2, payment_method="sandbox")
    elif state == "paid":
        order = pay(place(shop, variant, quantity=2))
    else:
        order = place(shop, variant, quantity=2)
        services.cancel_order(order.pk, actor="anne", reason="test")
    order.refresh_from_db()
    before = (order.status, order.paid_at, stock(variant), order.events.count())
    payment_statuses = list(order.payments.values_list("status", flat=True))

    # When the merchant runs "payment received" on it
    response = run_action(merchant, "mark_payment_received", [order])

    # Then they are told why nothing was marked, and nothing changed
    assert shown_messages(response) == [
        (
            "warning",
            f"{order.reference} is not awaiting a bank transfer or a cheque: left as it is.",
        ),
        ("info", "0 order(s) marked as paid."),
    ]
    order.refresh_from_db()
    assert (order.status, order.paid_at, stock(variant), order.events.count()) == before
    assert list(order.payments.values_list("status", flat=True)) == payment_statuses


def test_cancelling_from_the_list_returns_the_stock_of_paid_and_unpaid_orders(
    merchant, shop, variant
):
    # Given one order awaiting payment (2 reserved) and one paid (3 sold), of 10 units
    waiting = place(shop, variant, quantity=2)
    paid = pay(place(shop, variant, quantity=3))
    assert stock(variant) == (7, 2)

    # When the merchant selects both and runs "cancel"
    response = run_action(merchant, "cancel_orders", [waiting, paid])

    # Then both are cancelled by the merchant, with the event saying why, and every unit is
    # back: the reservation released, the sold units put back on the shelf
    assert response.status_code == 200
    assert shown_messages(response) == [
        ("info", "2 orders cancelled: their stock is back, their payments refunded or voided.")
    ]
    for order in (waiting, paid):
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        assert order.cancelled_at is not None
        event = order.events.get(kind="status", to_status="cancelled")
        assert (event.actor, event.note) == ("anne", "cancelled by the merchant")
    assert stock(variant) == (10, 0)
    assert list(
        StockMovement.objects.filter(order=paid).order_by("pk").values_list("delta", "reason")
    ) == [(-3, "sold"), (3, "cancelled")]
    assert StockMovement.objects.filter(order=waiting).count() == 0
    assert waiting.payments.get().status == PaymentStatus.CANCELLED
    assert Refund.objects.get().amount == paid.total


def test_cancel_refuses_a_shipped_order_with_a_message_and_changes_nothing(merchant, shop, variant):
    # Given a paid order whose parcel has left
    order = pay(place(shop, variant, quantity=3))
    services.transition(order, OrderStatus.SHIPPED, actor="warehouse")
    events = order.events.count()
    assert stock(variant) == (7, 0)

    # When the merchant runs "cancel" on it
    response = run_action(merchant, "cancel_orders", [order])

    # Then they are told why, and the order, its stock and its money are untouched
    assert response.status_code == 200
    assert shown_messages(response) == [
        ("error", f"Order {order.reference} cannot go from “Shipped” to “Cancelled”.")
    ]
    order.refresh_from_db()
    assert (order.status, order.cancelled_at) == (OrderStatus.SHIPPED, None)
    assert order.events.count() == events
    assert OrderEvent.objects.filter(order=order, to_status="cancelled").count() == 0
    assert stock(variant) == (7, 0)
    assert StockMovement.objects.filter(order=order, reason="cancelled").count() == 0
    assert Refund.objects.count() == 0
    assert order.payments.get().status == PaymentStatus.SUCCEEDED
