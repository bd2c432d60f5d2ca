"""The first-response promise: counted in business hours; a breach opens an inbox item
that closes itself when the merchant replies."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from comptoir.core.periodic import JOBS
from comptoir.inbox.causes import close_resolved_items
from comptoir.inbox.models import InboxItem
from comptoir.support import services
from comptoir.support.hours import BusinessHours, add_business_hours
from comptoir.support.models import Ticket
from tests.support.helpers import JEANNE, ask, support_setup

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tuesday 10:00 + 4 h: the same afternoon
        (datetime(2026, 12, 1, 10, 0), 4, datetime(2026, 12, 1, 14, 0)),
        # Friday 16:00 + 8 h: 2 h on Friday, 6 h from Monday 9:00
        (datetime(2026, 12, 4, 16, 0), 8, datetime(2026, 12, 7, 15, 0)),
        # Saturday night: from Monday's opening
        (datetime(2026, 12, 5, 23, 0), 2, datetime(2026, 12, 7, 11, 0)),
    ],
)
def test_the_promise_counts_business_hours(start, hours, due):
    calendar = BusinessHours(opens=time(9), closes=time(18))

    assert add_business_hours(start.replace(tzinfo=PARIS), hours, calendar) == due.replace(
        tzinfo=PARIS
    )


def test_the_overdue_watch_is_a_periodic_job():
    assert "comptoir.support.tasks.raise_overdue_tickets" in {job.task for job in JOBS}
    assert "comptoir.support.tasks.read_support_mailboxes" in {job.task for job in JOBS}


@pytest.mark.django_db
def test_a_missed_promise_opens_an_item_that_the_reply_closes(admin_client, client, shop):
    # Given a question the merchant owes an answer to within 2 business hours
    support_setup(shop, first_response_hours=2)
    ask(client, language="en", message="Do you sell gift cards?", email=JEANNE)
    ticket = Ticket.objects.get()
    assert ticket.reply_due_at == add_business_hours(
        ticket.awaiting_merchant_since, 2, services.business_hours(shop)
    )

    # When the watch runs before, then after, the promise
    assert services.raise_overdue(now=ticket.reply_due_at - timedelta(minutes=1)) == 0
    assert services.raise_overdue(now=ticket.reply_due_at + timedelta(minutes=1)) == 1
    assert services.raise_overdue(now=ticket.reply_due_at + timedelta(minutes=6)) == 1

    # Then one item says so
    item = InboxItem.objects.get(kind="support_overdue")
    assert (item.status, item.raised_count, item.key) == ("open", 2, f"ticket:{ticket.pk}")
    assert item.title == f"No answer yet to {JEANNE} ({ticket.reference})"
    assert close_resolved_items() == 0  # still owed

    # And the merchant's reply closes it, with the ticket's own item
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    admin_client.post(f"/admin/support/ticket/{ticket.pk}/reply/", {"body": "Yes, from 20 €."})
    assert set(InboxItem.objects.values_list("kind", "status")) == {
        ("support_overdue", "closed"),
        ("ticket", "closed"),
    }
    assert services.raise_overdue(now=ticket.reply_due_at + timedelta(hours=5)) == 0
    assert InboxItem.objects.filter(status="open").count() == 0


@pytest.mark.django_db
def test_closing_the_ticket_from_the_inbox_closes_its_items(client, shop):
    from comptoir.inbox.services import act_on_item

    ask(client, language="en", message="Do you sell gift cards?", email=JEANNE)
    ticket = Ticket.objects.get()
    item = InboxItem.objects.get(kind="ticket")
    assert close_resolved_items() == 0  # the merchant still owes an answer

    message = act_on_item(item.pk, action="close_ticket", actor="marie")

    ticket.refresh_from_db()
    assert message == f"Ticket {ticket.reference} closed."
    assert (ticket.status, ticket.awaiting_merchant_since) == ("closed", None)
    assert InboxItem.objects.get().status == "closed"
    assert services.raise_overdue(now=ticket.created_at + timedelta(days=30)) == 0
