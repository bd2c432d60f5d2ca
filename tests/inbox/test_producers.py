"""What fills the inbox and what empties it: an overdue manual payment, a missed dispatch
promise; each item closes itself when its cause is gone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from comptoir.checkout.services import place_order
from comptoir.core.money import Money
from comptoir.inbox.causes import close_resolved_items
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.orders import services as orders
from comptoir.orders.models import Order
from comptoir.orders.reminders import remind_and_cancel_manual_payments
from comptoir.orders.states import OrderStatus
from comptoir.promise.services import raise_missed_promises
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def in_shop_language(message: str) -> str:
    # Items are written for the merchant, in the shop's language (French here).
    with translation.override("fr"):
        return gettext(message)


def order_for(shop, *, payment_method="sandbox", sku="INBOX"):
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    variant = make_variant(shop, sku=sku, stock=10)
    return place_order(make_cart(shop, [(variant, 1)]), details(payment_method=payment_method))


def test_the_payment_reminder_raises_one_item_which_closes_when_the_money_arrives(shop):
    # Given a bank-transfer order four days old
    order = order_for(shop, payment_method="bank_transfer")
    later = timezone.now() + timedelta(days=4)

    # When the reminder job runs twice
    assert remind_and_cancel_manual_payments(now=later) == 1
    assert remind_and_cancel_manual_payments(now=later) == 0

    # Then one open item asks the merchant, with the order and its context
    item = InboxItem.objects.get()
    assert (item.kind, item.key, item.status, item.order_id) == (
        ItemKind.PAYMENT_OVERDUE,
        f"order:{order.pk}",
        ItemStatus.OPEN,
        order.pk,
    )
    assert item.context["customer"] == "jeanne@example.org"
    assert in_shop_language("Bank transfer").lower() in item.title  # as raised, for search
    with translation.override("en"):  # an English-speaking merchant reads it in English
        assert item.shown_title == (
            f"Order {order.number}: {Money(order.total, order.currency)} by bank transfer "
            "not received"
        )
        assert item.shown_detail.startswith("The customer was reminded.")
    with translation.override("fr"):
        assert "par virement bancaire non reçu" in item.shown_title
    assert set(item.context) == {"customer", "placed_on", "reminded_on", "cancels_on"}
    assert close_resolved_items() == 0

    # And it closes itself once the order is paid, whoever marked it
    orders.mark_paid(order.pk, actor="bank")
    assert close_resolved_items() == 1
    item.refresh_from_db()
    assert (item.status, item.closed_reason) == (
        ItemStatus.CLOSED,
        in_shop_language("The payment arrived."),
    )


def test_an_overdue_item_closes_when_the_order_is_cancelled(shop):
    order = order_for(shop, payment_method="cheque")
    remind_and_cancel_manual_payments(now=timezone.now() + timedelta(days=4))

    orders.cancel_order(order.pk, actor="system", reason="expired")
    close_resolved_items()

    assert list(InboxItem.objects.values_list("status", "closed_reason")) == [
        (ItemStatus.CLOSED, in_shop_language("The order was cancelled."))
    ]


def paid_order_promised(shop, day: date, *, sku: str) -> Order:
    order = order_for(shop, sku=sku)
    orders.mark_paid(order.pk, actor="test")
    Order.objects.filter(pk=order.pk).update(promised_dispatch_on=day)
    order.refresh_from_db()
    return order


def test_a_paid_order_not_shipped_after_its_promised_day_raises_promise_missed(shop):
    # Given three paid orders promised for Tuesday 1 December 2026, one of them shipped
    late = paid_order_promised(shop, date(2026, 12, 1), sku="LATE")
    shipped = paid_order_promised(shop, date(2026, 12, 1), sku="SHIPPED")
    orders.transition(shipped, OrderStatus.SHIPPED, actor="test")
    on_time = paid_order_promised(shop, date(2026, 12, 2), sku="ONTIME")

    # When the check runs late on the promised day, then just after midnight in Paris
    same_day = raise_missed_promises(now=datetime(2026, 12, 1, 23, 59, tzinfo=PARIS))
    next_day = raise_missed_promises(now=datetime(2026, 12, 2, 0, 1, tzinfo=PARIS))
    again = raise_missed_promises(now=datetime(2026, 12, 2, 0, 16, tzinfo=PARIS))

    # Then only the unshipped order of the 1st is late, raised once, in one item
    assert (same_day, next_day, again) == (0, 1, 0)
    item = InboxItem.objects.get()
    assert (item.kind, item.order_id, item.raised_count) == (ItemKind.PROMISE_MISSED, late.pk, 1)
    assert on_time.pk != item.order_id

    # And the item closes itself when the order ships
    orders.transition(late, OrderStatus.FULFILLING, actor="3pl")
    assert close_resolved_items() == 0
    orders.transition(late, OrderStatus.SHIPPED, actor="3pl")
    assert close_resolved_items() == 1
    item.refresh_from_db()
    assert (item.status, item.closed_reason) == (
        ItemStatus.CLOSED,
        in_shop_language("The order has left."),
    )
