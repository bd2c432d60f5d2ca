"""Confirmation and stock files emailed by the warehouse, read from a real IMAP server on
127.0.0.1 (tests/fulfillment/imap_server.py) and applied like the files picked up by SFTP."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from comptoir.core.periodic import JOBS
from comptoir.fulfillment import files, mailbox
from comptoir.fulfillment.models import ReceivedMessage, Shipment
from comptoir.inbox.models import InboxItem
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.fulfillment.imap_server import PASSWORD, USERNAME, IMAPServer, Mailbox, provider_email
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

SENDER = "expeditions@logisti.example"


@pytest.fixture
def server():
    with IMAPServer() as running:
        yield running


def mail_route(shop, port, **fields):
    settings = {
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_ssl": False,
        "imap_username": USERNAME,
        "imap_password": PASSWORD,
        "imap_sender": SENDER,
        "timeout_seconds": 5,
        **fields,
    }
    return warehouse(shop, "", **settings)


def shipped_emails() -> list[list[str]]:
    run_queued_tasks()
    return [m.to for m in mail.outbox if m.extra_headers["X-Comptoir-Kind"] == "shipment_shipped"]


def test_an_emailed_confirmation_ships_the_parcel_once(shop, server):
    # Given a shipment at the warehouse and its confirmation emailed as a CSV attachment
    route = mail_route(shop, server.port)
    order = paid_order(shop, [(stocked(shop, "TEA"), 1)], "a@example.org")
    shipment = Shipment.objects.get(order=order)
    server.mailbox.add(
        provider_email(
            sender=f"Logisti <{SENDER}>",
            attachments={
                "confirmations.csv": f"shipment_id;carrier;tracking_number\n"
                f"{shipment.key};Colissimo;6A000000042\n"
            },
            message_id="<c1@logisti.example>",
        )
    )

    # When the periodic job reads the mailbox
    assert mailbox.read_all() == 1

    # Then the parcel shipped with carrier and tracking, the customer was emailed once
    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        "shipped",
        "colissimo",
        "6A000000042",
    )
    assert shipped_emails() == [["a@example.org"]]
    # And the message was marked seen only after, with its Message-ID recorded
    assert server.mailbox.seen() == [1]
    recorded = ReceivedMessage.objects.get(kind="email")
    assert (recorded.channel, recorded.outcome, recorded.dedupe_key) == (
        "email",
        "accepted",
        "email:<c1@logisti.example>",
    )
    assert recorded.body == "confirmations.csv"
    assert ReceivedMessage.objects.filter(kind="confirmation", outcome="accepted").count() == 1
    assert route.transport == "http"  # the mailbox is read whatever orders are sent by


def test_the_same_email_fetched_again_changes_nothing(shop, server):
    # Given an emailed confirmation already applied
    mail_route(shop, server.port)
    order = paid_order(shop, [(stocked(shop, "TEA"), 1)], "a@example.org")
    shipment = Shipment.objects.get(order=order)
    confirmation = provider_email(
        sender=SENDER,
        attachments={"c.csv": f"shipment_id;carrier;tracking_number\n{shipment.key};DPD;D1\n"},
        message_id="<same@logisti.example>",
    )
    server.mailbox.add(confirmation)
    assert mailbox.read_all() == 1
    events = shipment.events.count()

    # When the message comes back unseen (a crash before the flag), and is resent too
    server.mailbox.mark_all_unseen()
    server.mailbox.add(confirmation)
    assert mailbox.read_all() == 2

    # Then nothing changed: one shipped email, no new event, both replays logged duplicate
    assert shipped_emails() == [["a@example.org"]]
    assert shipment.events.count() == events
    outcomes = list(
        ReceivedMessage.objects.filter(kind="email")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["accepted", "duplicate", "duplicate"]
    assert ReceivedMessage.objects.filter(kind="confirmation", outcome="accepted").count() == 1
    assert server.mailbox.seen() == [1, 2]


def test_a_bad_line_is_reported_with_file_and_line_while_good_lines_apply(shop, server):
    # Given two shipments; the emailed file confirms the first and botches the second,
    # and a stock file rides along in the same email
    mail_route(shop, server.port)
    tea = stocked(shop, "TEA", stock=50)
    a = Shipment.objects.get(order=paid_order(shop, [(tea, 1)], "a@example.org"))
    b = Shipment.objects.get(order=paid_order(shop, [(tea, 1)], "b@example.org"))
    server.mailbox.add(
        provider_email(
            sender=SENDER,
            attachments={
                "conf 12.csv": "shipment_id;carrier;tracking_number\n"
                f"{a.key};Colissimo;6A1\n"
                f"{b.key};Colissimo;\n",
                "stock.csv": "sku;quantity\nTEA;30\nTEA;x\n",
            },
            message_id="<bad@logisti.example>",
        )
    )

    # When the mailbox is read
    assert mailbox.read_all() == 1

    # Then the good line applied and the bad one is named by file and line
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.tracking_number) == ("shipped", "6A1")
    assert b.status != "shipped"
    assert b.tracking_number == ""
    errors = list(
        ReceivedMessage.objects.filter(kind="confirmation", outcome="rejected").values_list(
            "error", flat=True
        )
    )
    assert errors == ["conf_12.csv line 3: tracking_number: missing"]
    # The stock file went through the stock import: 30 on the shelves, 1 still ours to ship
    tea.refresh_from_db()
    assert tea.stock_quantity == 29
    stock = ReceivedMessage.objects.get(kind="stock")
    assert (stock.channel, stock.error) == (
        "email",
        "stock.csv line 3: quantity 'x' is not a number",
    )
    assert shipped_emails() == [["a@example.org"]]


def test_an_email_from_a_stranger_is_refused_with_an_inbox_item(shop, server):
    # Given a "shipped" email from an address that is not the warehouse's
    mail_route(shop, server.port)
    order = paid_order(shop, [(stocked(shop, "TEA"), 1)], "a@example.org")
    shipment = Shipment.objects.get(order=order)
    server.mailbox.add(
        provider_email(
            sender="Logisti <expeditions@logisti-support.example>",
            attachments={"c.csv": f"shipment_id;carrier;tracking_number\n{shipment.key};DPD;F1\n"},
            message_id="<forged@elsewhere.example>",
            subject="Urgent",
        )
    )

    # When the mailbox is read
    assert mailbox.read_all() == 1

    # Then nothing shipped, nobody was emailed, the refusal is kept and in the inbox
    shipment.refresh_from_db()
    assert shipment.status != "shipped"
    assert shipment.tracking_number == ""
    assert shipped_emails() == []
    refused = ReceivedMessage.objects.get()
    assert (refused.channel, refused.kind, refused.outcome) == ("email", "email", "rejected")
    assert refused.error == (
        "Sender expeditions@logisti-support.example is not the expected expeditions@logisti.example"
    )
    item = InboxItem.objects.get(kind="message_rejected")
    assert item.title == "An email to Entrepôt Logisti was refused"
    assert item.detail == refused.error
    # Marked seen, so it is refused once, not at every poll
    assert server.mailbox.seen() == [1]
    assert mailbox.read_all() == 0
    assert ReceivedMessage.objects.count() == 1


def test_a_server_that_is_down_leaves_everything_for_the_next_poll(shop):
    # Given a confirmation waiting in a mailbox whose server is down
    box = Mailbox()
    down = IMAPServer(box)
    down.server_close()  # the port refuses connections
    route = mail_route(shop, down.port)
    order = paid_order(shop, [(stocked(shop, "TEA"), 1)], "a@example.org")
    shipment = Shipment.objects.get(order=order)
    box.add(
        provider_email(
            sender=SENDER,
            attachments={"c.csv": f"shipment_id;carrier;tracking_number\n{shipment.key};DPD;D7\n"},
            message_id="<late@logisti.example>",
        )
    )

    # When the job runs while it is down
    assert mailbox.read_all() == 0

    # Then nothing happened and the message is still unseen
    assert ReceivedMessage.objects.count() == 0
    assert shipment.events.filter(to_status="shipped").count() == 0
    assert box.seen() == []

    # And the next poll, with the server back, applies it
    with IMAPServer(box) as running:
        route.imap_port = running.port
        route.save(update_fields=["imap_port"])
        assert mailbox.read_all() == 1
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == ("shipped", "D7")
    assert box.seen() == [1]
    assert shipped_emails() == [["a@example.org"]]


def test_the_mailbox_is_read_by_a_periodic_job():
    job = next(j for j in JOBS if j.name == "fulfillment.read_provider_mailboxes")
    assert job.task == "comptoir.fulfillment.tasks.read_provider_mailboxes"


def test_a_mailbox_without_an_expected_sender_is_refused_by_the_form(shop):
    route = mail_route(shop, 143, imap_sender="")
    with pytest.raises(ValidationError) as refused:
        route.full_clean()
    assert refused.value.message_dict == {
        "imap_sender": ["Required to read confirmations from a mailbox."]
    }
    route.imap_sender = SENDER
    route.full_clean()


def test_an_email_that_fails_midway_stays_unseen_and_the_next_one_applies(
    shop, server, monkeypatch
):
    # Given two emails; applying the first one's file fails (a bug, the database away)
    mail_route(shop, server.port)
    order = paid_order(shop, [(stocked(shop, "TEA"), 1)], "a@example.org")
    shipment = Shipment.objects.get(order=order)
    server.mailbox.add(
        provider_email(
            sender=SENDER, attachments={"broken.csv": "x"}, message_id="<m1@logisti.example>"
        )
    )
    server.mailbox.add(
        provider_email(
            sender=SENDER,
            attachments={"c.csv": f"shipment_id;carrier;tracking_number\n{shipment.key};DPD;D9\n"},
            message_id="<m2@logisti.example>",
        )
    )
    real_apply = files.apply_file

    def failing(route, name, content, *, channel):
        if name == "broken.csv":
            raise RuntimeError("database went away")
        return real_apply(route, name, content, channel=channel)

    monkeypatch.setattr(files, "apply_file", failing)

    # When the mailbox is read
    assert mailbox.read_all() == 1

    # Then the first stays unseen and unrecorded, for the next poll; the second applied
    assert server.mailbox.seen() == [2]
    assert list(
        ReceivedMessage.objects.filter(kind="email").values_list("dedupe_key", flat=True)
    ) == ["email:<m2@logisti.example>"]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == ("shipped", "D9")
