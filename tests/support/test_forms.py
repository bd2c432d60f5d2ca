"""The contact form and the order page's question: clear errors, a honeypot, a rate
limit; the order page's form attaches the order the signed link proves."""

from __future__ import annotations

import re

import pytest

from comptoir.orders.links import order_status_path, order_status_token
from comptoir.support.models import Ticket
from tests.support.helpers import JEANNE, ask, two_customers

pytestmark = pytest.mark.django_db


def test_the_form_says_what_is_wrong(client, shop):
    response = client.post(
        "/en/support/",
        {"name": "", "email": "not-an-email", "order_number": "A12", "message": ""},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the fields marked below." in page
    assert "Enter the email address you ordered with." in page
    assert "An order number has only digits, e.g. 001042." in page
    assert "Write your question." in page
    assert Ticket.objects.count() == 0


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(client, shop):
    response = client.post(
        "/en/support/",
        {"name": "Bot", "email": "bot@example.org", "message": "Buy now", "website": "http://x"},
    )

    assert response.status_code == 200
    assert "Message sent" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_more_than_five_messages_in_ten_minutes_are_refused(client, shop):
    for _ in range(5):
        assert ask(client, language="en", message="Hello?", email=JEANNE).status_code == 303

    sixth = ask(client, language="en", message="Hello?", email=JEANNE)

    assert sixth.status_code == 429
    assert "Please wait a few minutes" in sixth.content.decode()
    assert Ticket.objects.count() == 5


def test_the_order_page_asks_about_its_own_order(client, shop):
    jeanne, _paul = two_customers(shop)
    status_path = order_status_path(jeanne)
    page = client.get(status_path).content.decode()
    # The form posts to the support app with the order's signed token (its own timestamp)
    [action] = re.findall(r'action="(/fr/support/order/[^"]+/)"', page)
    assert action.startswith(f"/fr/support/order/{order_status_token(jeanne).split(':')[0]}:")

    response = client.post(action, {"message": "Quand sera-t-elle livrée ?", "website": ""})

    assert response.status_code == 303
    ticket = Ticket.objects.get()
    assert (ticket.order, ticket.email, ticket.channel, ticket.status, ticket.intent) == (
        jeanne,
        JEANNE,
        "order_page",
        "answered",
        "order_status",
    )
    answer = client.get(response["Location"]).content.decode()
    assert "6A11111111111" in answer


def test_a_forged_order_link_is_not_found(client, shop):
    response = client.post("/fr/support/order/forged:token/", {"message": "Bonjour"})

    assert response.status_code == 404
    assert Ticket.objects.count() == 0
