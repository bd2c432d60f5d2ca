"""The "needs you" screen in the back office: open items grouped by kind with their
context, one-click actions, closed items on their own filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import open_item
from comptoir.orders.reminders import remind_and_cancel_manual_payments
from comptoir.orders.states import OrderStatus
from tests.inbox.test_producers import in_shop_language, order_for

pytestmark = pytest.mark.django_db


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(name)


INBOX = "/admin/inbox/inboxitem/"
ACT = "/admin/inbox/inboxitem/act/"


@pytest.fixture(autouse=True)
def _english_back_office(client, admin_client):
    # The back office in English: its words are the msgids, whatever the translations say.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def overdue(shop):
    order = order_for(shop, payment_method="bank_transfer")
    remind_and_cancel_manual_payments(now=timezone.now() + timedelta(days=4))
    return order, InboxItem.objects.get()


def test_the_screen_groups_open_items_by_kind_with_their_context_and_actions(
    admin_client, shop, overdue
):
    order, item = overdue
    open_item(shop, kind=ItemKind.STOCK_MISMATCH, key="sku:X", title="X: 3 counted, 5 on file")

    page = admin_client.get(INBOX).content.decode()

    assert url("admin:inbox_inboxitem_changelist") == INBOX
    assert '<h2 id="group-payment_overdue">' in page
    assert '<h2 id="group-stock_mismatch">' in page
    assert f'id="item-{item.pk}"' in page
    assert "jeanne@example.org" in page
    assert f'href="/admin/orders/order/{order.pk}/change/"' in page
    assert 'name="action" value="paid"' in page
    assert 'name="action" value="cancel"' in page
    assert page.count('name="action" value="handled"') == 2


def test_the_back_office_home_says_how_many_items_wait(admin_client, shop, overdue):
    page = admin_client.get("/admin/").content.decode()

    assert 'class="inbox-banner"' in page
    assert f'href="{INBOX}"' in page


def test_mark_payment_received_pays_the_order_and_closes_the_item(admin_client, overdue):
    order, item = overdue

    response = admin_client.post(ACT, {"item": item.pk, "action": "paid", "next": INBOX})

    assert response.status_code == 302 and response["Location"] == INBOX
    order.refresh_from_db()
    item.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (item.status, item.closed_reason) == (
        ItemStatus.CLOSED,
        in_shop_language("The payment arrived."),
    )


def test_cancel_from_the_inbox_cancels_the_order_and_closes_the_item(admin_client, overdue):
    order, item = overdue

    admin_client.post(ACT, {"item": item.pk, "action": "cancel"})

    order.refresh_from_db()
    item.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (item.status, item.closed_reason) == (
        ItemStatus.CLOSED,
        in_shop_language("The order was cancelled."),
    )


def test_mark_as_handled_closes_and_the_closed_filter_lists_it(admin_client, overdue, admin_user):
    _, item = overdue

    admin_client.post(ACT, {"item": item.pk, "action": "handled"})
    open_page = admin_client.get(INBOX).content.decode()
    closed_page = admin_client.get(f"{INBOX}?status=closed").content.decode()

    item.refresh_from_db()
    assert (item.status, item.closed_reason) == (ItemStatus.CLOSED, "Handled by admin")
    assert f'id="item-{item.pk}"' not in open_page
    assert f'id="item-{item.pk}"' in closed_page
    assert 'value="handled"' not in closed_page


def test_a_refused_or_stale_click_says_why_and_changes_nothing(admin_client, overdue):
    order, item = overdue
    admin_client.post(ACT, {"item": item.pk, "action": "handled"})

    again = admin_client.post(ACT, {"item": item.pk, "action": "paid"}, follow=True)
    unknown = admin_client.post(ACT, {"item": "nope", "action": "paid"}, follow=True)
    get = admin_client.get(ACT)

    assert "This item is already closed." in again.content.decode()
    assert "No item was given." in unknown.content.decode()
    assert get.status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_action_not_offered_for_the_kind_is_refused(admin_client, shop):
    item = open_item(shop, kind=ItemKind.STOCK_MISMATCH, key="sku:Y", title="Y")

    response = admin_client.post(ACT, {"item": item.pk, "action": "paid"}, follow=True)

    assert "This action is not offered for this item." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_the_screen_needs_a_staff_login(client, overdue):
    _, item = overdue

    assert client.get(INBOX).status_code == 302
    client.post(ACT, {"item": item.pk, "action": "handled"})
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_merchant_with_two_shops_narrows_the_inbox_to_one(admin_client, shop):
    from tests.factories import ShopFactory

    other = ShopFactory.create(name="Atelier Bis")
    mine = open_item(shop, kind=ItemKind.STOCK_MISMATCH, key="sku:A", title="A")
    theirs = open_item(other, kind=ItemKind.STOCK_MISMATCH, key="sku:B", title="B")

    both = admin_client.get(INBOX).content.decode()
    narrowed = admin_client.get(f"{INBOX}?shop={other.pk}").content.decode()
    nonsense = admin_client.get(f"{INBOX}?shop=nope").content.decode()

    assert f'id="item-{mine.pk}"' in both and f'id="item-{theirs.pk}"' in both
    assert f'id="item-{mine.pk}"' not in narrowed and f'id="item-{theirs.pk}"' in narrowed
    assert "Atelier Bis" in both
    assert f'id="item-{mine.pk}"' in nonsense  # an unknown shop filter shows everything
