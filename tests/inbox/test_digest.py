"""The daily digest: yesterday's orders and revenue, what the autopilot did, what needs
the merchant; once a day per shop, after the configured hour in the shop's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from comptoir.fulfillment import services as fulfillment
from comptoir.fulfillment.models import ShipmentEvent, ShipmentStatus
from comptoir.inbox.digest import SECTIONS, merchant_emails, send_due_digests
from comptoir.inbox.models import DigestRun, ItemKind
from comptoir.inbox.services import open_item
from comptoir.orders import services as orders
from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.orders.states import OrderStatus
from tests.inbox.test_producers import order_for
from tests.selling import run_in_threads
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
YESTERDAY = datetime(2026, 11, 30, 11, 0, tzinfo=PARIS)
MORNING = datetime(2026, 12, 1, 7, 0, tzinfo=PARIS)


@pytest.fixture
def busy_day(shop):
    """Yesterday: two orders placed, one paid (10.00 + 4.90 shipping) and shipped, its
    two emails sent; and an order that still needs the merchant."""
    shop.contact_email = "patronne@maison.example"
    shop.default_language = "en"
    shop.save()
    paid = order_for(shop, sku="A")
    paid = orders.mark_paid(paid.pk, actor="psp")
    shipment = paid.shipments.get()
    fulfillment.transition(shipment, ShipmentStatus.DISPATCHING, actor="worker")
    fulfillment.transition(shipment, ShipmentStatus.DISPATCHED, actor="worker")
    ShipmentEvent.objects.update(created_at=YESTERDAY)
    orders.transition(paid, OrderStatus.SHIPPED, actor="3pl")
    unpaid = order_for(shop, payment_method="bank_transfer", sku="B")
    Order.objects.update(created_at=YESTERDAY, paid_at=YESTERDAY)
    Order.objects.filter(pk=unpaid.pk).update(paid_at=None)
    OrderEvent.objects.update(created_at=YESTERDAY)
    OrderNotification.objects.filter(order=paid).update(sent_at=YESTERDAY)
    open_item(shop, kind=ItemKind.PAYMENT_OVERDUE, key="order:x", title="Order 2 not paid")
    return paid


def test_the_digest_goes_out_once_after_the_hour_and_again_the_next_day(busy_day, mailoutbox):
    before = send_due_digests(now=MORNING - timedelta(minutes=1))
    at_hour = send_due_digests(now=MORNING)
    later = send_due_digests(now=MORNING + timedelta(hours=3))
    run_queued_tasks()
    next_day = send_due_digests(now=MORNING + timedelta(days=1))

    assert (before, at_hour, later, next_day) == (0, 1, 0, 1)
    assert list(DigestRun.objects.order_by("day").values_list("day", flat=True)) == [
        datetime(2026, 11, 30).date(),
        datetime(2026, 12, 1).date(),
    ]
    digests = [m for m in mailoutbox if m.extra_headers.get("X-Comptoir-Kind") == "digest"]
    assert len(digests) == 1
    assert digests[0].to == ["patronne@maison.example"]


def test_the_digest_says_what_happened_and_what_needs_you(busy_day, mailoutbox):
    send_due_digests(now=MORNING)
    run_queued_tasks()

    message = next(m for m in mailoutbox if m.extra_headers.get("X-Comptoir-Kind") == "digest")
    text = message.body
    html = message.alternatives[0][0]
    assert message.subject == "Maison Lumière — your day of Monday 30 November"
    for expected in [
        "Yesterday's orders",
        "2 orders placed",
        "1 order paid: €14.90",
        "What the autopilot did",
        "2 emails sent to customers",
        "1 parcel handed to a warehouse or supplier",
        "1 order shipped",
        "What needs you",
        "Manual payment overdue: 1",
        "· Order 2 not paid",
        "/admin/inbox/inboxitem/",
    ]:
        assert expected in text, expected
        assert expected.replace("'", "&#x27;") in html, expected
    run = DigestRun.objects.get()
    assert run.sent_at is not None and run.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_asking_at_once_send_one_digest(busy_day):
    results = run_in_threads([lambda: send_due_digests(now=MORNING)] * 2, workers=2)

    assert sorted(results) == [0, 1]
    assert DigestRun.objects.count() == 1


def test_the_hour_is_the_shops_local_hour(busy_day, settings):
    settings.COMPTOIR_DIGEST_HOUR = 9
    # 08:30 UTC is 09:30 in Paris in winter
    assert send_due_digests(now=datetime(2026, 12, 1, 7, 59, tzinfo=ZoneInfo("UTC"))) == 0
    assert send_due_digests(now=datetime(2026, 12, 1, 8, 30, tzinfo=ZoneInfo("UTC"))) == 1


def test_without_a_contact_address_the_staff_gets_it(shop):
    users = get_user_model().objects
    users.create_user("a", email="a@example.org", is_staff=True)
    users.create_user("b", email="b@example.org", is_staff=False)
    users.create_user("c", email="", is_staff=True)

    assert merchant_emails(shop) == ["a@example.org"]


def test_a_domain_can_add_its_own_section(busy_day, mailoutbox, monkeypatch):
    from comptoir.inbox import digest

    def dispatched(shop, window):
        return digest.Section(title="Parcels dispatched", lines=[f"3 on {window.day}"])

    monkeypatch.setattr(digest, "SECTIONS", [*SECTIONS, dispatched])
    send_due_digests(now=MORNING)
    with translation.override("en"):
        run_queued_tasks()

    assert "Parcels dispatched\n  3 on 2026-11-30" in mailoutbox[-1].body
