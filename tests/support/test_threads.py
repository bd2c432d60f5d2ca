"""The merchant's reply goes out threaded; the customer's reply, by email read over IMAP
or posted to the signed webhook, joins the right ticket once."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest

from comptoir.inbox.models import InboxItem
from comptoir.support import inbound
from comptoir.support.models import CannedReply, ReceivedEmail, Ticket, TicketMessage
from tests.fulfillment.imap_server import PASSWORD, USERNAME, IMAPServer
from tests.support.conftest import ticket_emails
from tests.support.helpers import (
    JEANNE,
    PAUL,
    ask,
    reason_shown,
    signed_post,
    support_setup,
    two_customers,
)
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_back_office(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def imap():
    with IMAPServer() as running:
        yield running


def escalated_ticket(client, shop) -> Ticket:
    """Jeanne's question the rules do not know, waiting for the merchant."""
    jeanne, _paul = two_customers(shop)
    ask(
        client,
        language="fr",
        message="Vendez-vous des cartes cadeaux ?",
        email=JEANNE,
        number=jeanne.reference,
    )
    return Ticket.objects.get()


def merchant_reply(admin_client, ticket, smtp, **data) -> EmailMessage:
    response = admin_client.post(f"/admin/support/ticket/{ticket.pk}/reply/", data)
    assert response.status_code == 302
    run_queued_tasks()
    return ticket_emails(smtp)[-1]


def test_the_merchants_canned_reply_goes_out_threaded_once(admin_client, client, shop, smtp):
    # Given a question waiting in the inbox, and a canned reply with placeholders
    support_setup(shop)
    ticket = escalated_ticket(client, shop)
    question = ticket.messages.get()
    canned = CannedReply.objects.create(
        shop=shop,
        title="Suivi",
        body="Bonjour {first_name}, votre commande {order_number} : {tracking_url} {order_link} "
        "{order.__class__} {unknown}",
    )

    # When the merchant sends it from the thread page
    page = admin_client.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()
    assert "Vendez-vous des cartes cadeaux ?" in page
    email = merchant_reply(admin_client, ticket, smtp, body="", canned=str(canned.pk))

    # Then the SMTP server received one email, threaded under the question
    assert len(ticket_emails(smtp)) == 1
    reply = ticket.messages.get(direction="out")
    assert email["Message-ID"] == reply.message_id
    assert email["In-Reply-To"] == question.message_id
    assert email["References"] == question.message_id
    assert f"[{ticket.reference}]" in email["Subject"]
    assert email["Reply-To"] == f"aide+{ticket.reference}@maison.example"
    assert email["From"] == "aide@maison.example"
    body = email.get_body().get_content()
    order = ticket.order
    assert f"Bonjour Jeanne, votre commande {order.reference} : " in body
    assert "https://www.laposte.fr/outils/suivre-vos-envois?code=6A11111111111" in body
    assert "/fr/suivi/" in body
    # Placeholders are filled by name only: nothing else of the program is reachable
    assert "{order.__class__} {unknown}" in body
    # And the ticket waits on the customer, its inbox item closed by the reply
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reply_due_at) == ("waiting", None)
    assert InboxItem.objects.get(kind="ticket").status == "closed"
    # Sent once: delivering the same message again sends nothing
    from comptoir.support.mail import deliver

    assert deliver(reply.pk) is False
    assert len(ticket_emails(smtp)) == 1


def customer_reply(to_email: EmailMessage, *, sender=JEANNE, message_id="<r1@mail.example>"):
    reply = EmailMessage()
    reply["From"] = f"Jeanne Martin <{sender}>"
    reply["To"] = str(to_email["Reply-To"])
    reply["Subject"] = "Re: " + str(to_email["Subject"])
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = str(to_email["Message-ID"])
    reply["References"] = str(to_email["Message-ID"])
    reply.set_content("Merci, et pour Noël ?\n\nLe 1 déc. 2026, Maison a écrit :\n> Bonjour Jeanne")
    return reply


def test_a_reply_read_over_imap_joins_its_ticket_once(admin_client, client, shop, smtp, imap):
    # Given the merchant replied and the customer answered that email
    support_setup(
        shop,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_ssl=False,
        imap_username=USERNAME,
        imap_password=PASSWORD,
    )
    ticket = escalated_ticket(client, shop)
    sent = merchant_reply(admin_client, ticket, smtp, body="Oui, dès 20 €.")
    imap.mailbox.add(customer_reply(sent))

    # When the periodic job reads the mailbox, twice, the message marked unseen between
    assert inbound.read_all() == 1
    imap.mailbox.mark_all_unseen()
    assert inbound.read_all() == 1

    # Then the reply joined the ticket once, without the quoted history, and reopened it
    ticket.refresh_from_db()
    answer = ticket.messages.get(message_id="<r1@mail.example>")
    assert (answer.direction, answer.channel, answer.body) == (
        "in",
        "email",
        "Merci, et pour Noël ?",
    )
    assert answer.in_reply_to == sent["Message-ID"]
    assert ticket.messages.count() == 3
    assert Ticket.objects.count() == 1
    assert ticket.status == "open"
    assert ReceivedEmail.objects.filter(message_id="<r1@mail.example>").count() == 1
    assert imap.mailbox.seen() == [1]
    # And the merchant sees it in the inbox again, with the new promise running
    item = InboxItem.objects.get(kind="ticket", status="open")
    assert "Merci, et pour Noël ?" in item.detail
    assert ticket.reply_due_at is not None


def test_an_email_with_only_the_reference_in_the_subject_joins_the_ticket(client, shop, imap):
    support_setup(
        shop,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_ssl=False,
        imap_username=USERNAME,
        imap_password=PASSWORD,
    )
    ticket = escalated_ticket(client, shop)
    message = EmailMessage()
    message["From"] = JEANNE
    message["To"] = "aide@maison.example"
    message["Subject"] = f"Ma question [{ticket.reference}]"
    message["Message-ID"] = "<new@mail.example>"
    message.set_content("J'oubliais : en euros.")
    imap.mailbox.add(message)
    # Someone else quoting the same reference gets a ticket of their own
    other = EmailMessage()
    other["From"] = PAUL
    other["To"] = "aide@maison.example"
    other["Subject"] = f"Re: [{ticket.reference}]"
    other["Message-ID"] = "<paul@mail.example>"
    other.set_content("Bonjour, vendez-vous du café ?")
    imap.mailbox.add(other)

    assert inbound.read_all() == 2

    assert list(ticket.messages.values_list("body", flat=True)) == [
        "Vendez-vous des cartes cadeaux ?",
        "J'oubliais : en euros.",
    ]
    pauls = Ticket.objects.exclude(pk=ticket.pk).get()
    assert (pauls.email, pauls.order, pauls.channel) == (PAUL, None, "email")


def test_a_webhook_reply_joins_its_ticket_once_and_a_replay_changes_nothing(
    admin_client, client, shop, smtp
):
    support_setup(shop)
    ticket = escalated_ticket(client, shop)
    sent = merchant_reply(admin_client, ticket, smtp, body="Oui, dès 20 €.")
    document = {
        "from": f"Jeanne <{JEANNE}>",
        "to": str(sent["Reply-To"]),
        "subject": "Re: cartes",
        "text": "Parfait, merci.",
        "message_id": "<w1@mail.example>",
        "in_reply_to": str(sent["Message-ID"]),
    }

    first = signed_post(client, shop, document)
    replay = signed_post(client, shop, document)

    assert (first.status_code, first.json()) == (
        200,
        {"outcome": "attached", "ticket": ticket.reference},
    )
    assert (replay.status_code, replay.json()["outcome"]) == (200, "duplicate")
    assert TicketMessage.objects.filter(ticket=ticket, body="Parfait, merci.").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_a_form_encoded_webhook_without_thread_opens_a_ticket_answered_at_once(client, shop, smtp):
    support_setup(shop)
    jeanne, paul = two_customers(shop)
    document = {
        "sender": JEANNE,
        "recipient": "aide@maison.example",
        "subject": f"Commande {jeanne.reference}",
        "body-plain": "Bonjour, où est ma commande ?",
        "Message-Id": "<w2@mail.example>",
    }

    response = signed_post(client, shop, document, content_type="application/x-www-form-urlencoded")

    assert response.json()["outcome"] == "opened"
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.order, ticket.status, ticket.intent) == (
        "webhook",
        jeanne,
        "answered",
        "order_status",
    )
    run_queued_tasks()
    [email] = ticket_emails(smtp)
    assert "6A11111111111" in email.get_body().get_content()


@pytest.mark.parametrize(
    ("secret", "age", "status"),
    [("wrong-secret", 0, 401), ("inbound-secret", 3600, 401)],
)
def test_a_bad_signature_or_an_old_timestamp_is_refused(client, shop, secret, age, status):
    support_setup(shop)
    document = {"from": JEANNE, "text": "Où est ma commande ?", "message_id": "<x@mail>"}

    response = signed_post(client, shop, document, secret=secret, now=time.time() - age)

    assert response.status_code == status
    assert Ticket.objects.count() == 0
    assert ReceivedEmail.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_email_delivered_twice_at_once_attaches_once(client, shop):
    # Given a ticket, and one customer email the email service posts eight times at once
    from tests.selling import run_in_threads

    support_setup(shop)
    ticket = escalated_ticket(client, shop)
    incoming = inbound.Incoming(
        sender=JEANNE,
        name="Jeanne",
        subject=f"Re: [{ticket.reference}]",
        body="Et en euros ?",
        message_id="<same@mail.example>",
    )

    outcomes = run_in_threads(
        [lambda: inbound.receive(shop, incoming, channel="webhook").result] * 8, workers=8
    )

    assert sorted(outcomes) == ["attached"] + ["duplicate"] * 7
    assert TicketMessage.objects.filter(ticket=ticket, body="Et en euros ?").count() == 1
    assert ReceivedEmail.objects.filter(message_id="<same@mail.example>").count() == 1
    assert Ticket.objects.count() == 1


def test_an_out_of_office_reply_is_ignored(client, shop, imap):
    support_setup(
        shop,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_ssl=False,
        imap_username=USERNAME,
        imap_password=PASSWORD,
    )
    away = EmailMessage()
    away["From"] = JEANNE
    away["To"] = "aide@maison.example"
    away["Subject"] = "Absent : commande 000001"
    away["Message-ID"] = "<away@mail.example>"
    away["Auto-Submitted"] = "auto-replied"
    away.set_content("Je suis absente jusqu'au 3 janvier. Où est ma commande 000001 ?")
    imap.mailbox.add(away)

    assert inbound.read_all() == 1

    assert Ticket.objects.count() == 0
    assert imap.mailbox.seen() == [1]


def test_the_customer_replies_from_the_ticket_page(client, shop):
    jeanne, _paul = two_customers(shop)
    response = ask(
        client, language="en", message="Where is my order?", email=JEANNE, number=jeanne.reference
    )

    client.post(response["Location"] + "reply/", {"message": "And the second parcel?"})

    ticket = Ticket.objects.get()
    assert ticket.status == "open"
    assert list(ticket.messages.values_list("direction", "body")[2:]) == [
        ("in", "And the second parcel?")
    ]
    assert reason_shown(InboxItem.objects.get(kind="ticket")) == "The customer replied."


def test_the_inbox_shows_the_question_with_a_link_to_its_conversation(admin_client, client, shop):
    ticket = escalated_ticket(client, shop)

    page = admin_client.get("/admin/inbox/inboxitem/").content.decode()

    assert f"Question from {JEANNE}" in page
    assert "Vendez-vous des cartes cadeaux ?" in page
    assert f'href="/admin/support/ticket/{ticket.pk}/change/">Open the conversation</a>' in page
    assert "Thread url" not in page
    assert 'value="close_ticket"' in page
