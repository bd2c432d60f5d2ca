"""The contact form recognises the common questions, in French and in English, and
answers at once with the shopper's own order — never with another customer's."""

from __future__ import annotations

import pytest
from django.utils import translation

from comptoir.inbox.models import InboxItem
from comptoir.orders.links import order_status_path, order_status_token
from comptoir.support.intents import recognise
from comptoir.support.models import Ticket, TicketEvent
from tests.support.conftest import ticket_emails
from tests.support.helpers import (
    JEANNE,
    PAUL,
    ask,
    in_shop_language,
    reason_shown,
    ticket_link,
    two_customers,
)
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

QUESTIONS = [
    ("en", "order_status", "Hello, where is my order? Thanks", "order_status:en.where"),
    ("fr", "order_status", "Bonjour, où est ma commande ?", "order_status:fr.ou_est"),
    ("en", "return", "The mug is too small, can I return it?", "return:en.return"),
    ("fr", "return", "Je voudrais retourner la théière", "return:fr.retour"),
    ("en", "invoice", "Could you send me the invoice please", "invoice:en.invoice"),
    ("fr", "invoice", "Pouvez-vous m'envoyer la facture ?", "invoice:fr.facture"),
    ("en", "delay", "My parcel is late, I have still not received it", "delay:en.late"),
    ("fr", "delay", "Toujours pas reçu mon colis, c'est trop long", "delay:fr.retard"),
    ("en", "cancellation", "Please cancel my order", "cancellation:en.cancel"),
    ("fr", "cancellation", "Je souhaite annuler ma commande", "cancellation:fr.annuler"),
]


@pytest.mark.parametrize(("language", "intent", "text", "rule"), QUESTIONS)
def test_each_question_is_recognised_by_a_named_rule(language, intent, text, rule):
    recognised = recognise(text)

    assert recognised is not None
    assert (recognised.intent, recognised.rule) == (intent, rule)


def test_an_unrelated_message_is_not_recognised():
    assert recognise("Do you sell gift cards? Vendez-vous des cartes cadeaux ?") is None


@pytest.mark.parametrize(("language", "intent", "text", "rule"), QUESTIONS)
def test_the_answer_shows_the_shoppers_own_order_and_nobody_elses(
    client, shop, smtp, language, intent, text, rule
):
    # Given two customers' orders: Jeanne's has left with tracking, Paul's has not
    jeanne, paul = two_customers(shop)
    mine, other = (paul, jeanne) if intent == "cancellation" else (jeanne, paul)

    # When one of them asks with their order number and email
    response = ask(client, language=language, message=text, email=mine.email, number=mine.reference)

    # Then they land on their ticket, answered at once
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.intent, ticket.intent_rule, ticket.order) == (
        "answered",
        intent,
        rule,
        mine,
    )
    assert ticket.intent_match in page  # the matched words are shown
    # The signed link, up to its timestamp (which moves with the clock)
    link = order_status_path(mine).split(":")[0]
    assert link in page
    if mine == jeanne and intent in ("order_status", "delay"):
        assert "6A11111111111" in page
        assert "https://www.laposte.fr/outils/suivre-vos-envois?code=6A11111111111" in page
    # And nothing of the other customer's order
    assert other.email not in page
    assert order_status_token(other).split(":")[0] not in page
    assert f"{other.reference}" not in page
    # And the same answer was emailed, once, with the link to say whether it helped
    run_queued_tasks()
    [email] = ticket_emails(smtp)
    body = email.get_body().get_content()
    assert email["To"] == mine.email
    assert email["Auto-Submitted"] == "auto-replied"
    assert link in body
    assert order_status_token(other).split(":")[0] not in body
    assert f"/{language}/support/ticket/" in ticket_link(body)
    assert InboxItem.objects.count() == 0


def test_the_right_number_with_another_email_shows_nothing_and_goes_to_the_merchant(
    client, shop, smtp
):
    jeanne, paul = two_customers(shop)

    # Paul gives Jeanne's order number with his own email
    response = ask(
        client, language="en", message="Where is my order?", email=PAUL, number=jeanne.reference
    )

    page = client.get(response["Location"]).content.decode()
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.order, ticket.intent) == ("open", None, "order_status")
    assert "6A11111111111" not in page
    assert order_status_token(jeanne).split(":")[0] not in page
    assert "passed on to the shop" in page
    item = InboxItem.objects.get()
    assert (item.kind, item.key, item.status, item.order) == (
        "ticket",
        f"ticket:{ticket.pk}",
        "open",
        None,
    )
    assert reason_shown(item) == "No order found for this number and email."
    assert reason_shown(item, "fr") == in_shop_language(
        shop, "No order found for this number and email."
    )
    assert reason_shown(item, "fr") != reason_shown(item)
    run_queued_tasks()
    assert ticket_emails(smtp) == []


def test_an_unrecognised_question_goes_to_the_merchant_with_the_thread(client, shop):
    jeanne, _paul = two_customers(shop)

    ask(
        client,
        language="fr",
        message="Vendez-vous des cartes cadeaux ?",
        email=JEANNE,
        number=jeanne.reference,
    )

    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.intent, ticket.order) == ("open", "", jeanne)
    item = InboxItem.objects.get(kind="ticket")
    assert "Vendez-vous des cartes cadeaux ?" in item.detail
    with translation.override("en"):  # an English-speaking merchant reads it in English
        assert item.shown_title == f"Question from {JEANNE}"
    assert item.context["thread_url"] == f"/admin/support/ticket/{ticket.pk}/change/"
    assert ticket.reply_due_at is not None


def test_yes_closes_the_ticket(client, shop):
    jeanne, _paul = two_customers(shop)
    response = ask(
        client, language="en", message="Where is my order?", email=JEANNE, number=jeanne.reference
    )

    client.post(response["Location"] + "feedback/", {"helped": "yes"})
    again = client.post(response["Location"] + "feedback/", {"helped": "no"}, follow=True)

    ticket = Ticket.objects.get()
    assert ticket.status == "closed"
    assert ticket.closed_at is not None
    assert "already been settled" in again.content.decode()
    assert list(TicketEvent.objects.exclude(to_status="").values_list("kind", "to_status")) == [
        ("opened", "open"),
        ("answered", "answered"),
        ("helped", "closed"),
    ]
    assert InboxItem.objects.count() == 0


def test_no_sends_it_to_the_merchant(client, shop):
    jeanne, _paul = two_customers(shop)
    response = ask(
        client, language="en", message="Where is my order?", email=JEANNE, number=jeanne.reference
    )

    client.post(response["Location"] + "feedback/", {"helped": "no"})

    ticket = Ticket.objects.get()
    assert ticket.status == "open"
    item = InboxItem.objects.get()
    assert (item.kind, item.status, item.order) == ("ticket", "open", jeanne)
    assert reason_shown(item) == "The automatic answer did not help."
    # The thread shows the question and the automatic answer
    assert "Where is my order?" in item.detail
    assert "6A11111111111" in item.detail


def test_the_merchant_sees_which_rule_recognised_the_question(admin_client, client, shop):
    jeanne, _paul = two_customers(shop)
    ask(client, language="en", message="Where's my parcel?", email=JEANNE, number=jeanne.reference)
    ticket = Ticket.objects.get()

    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = admin_client.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()

    assert "Where is my order — rule <code>order_status:en.where</code>" in page
    assert "“where&#x27;s my parcel”" in page
    assert "Where&#x27;s my parcel?" in page  # the question
    assert "6A11111111111" in page  # and the automatic answer, in the thread
