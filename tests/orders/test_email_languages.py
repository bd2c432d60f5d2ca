"""Every email an order owes its customer, sent over a real SMTP server, with a text and an
HTML part, in the order's language: one order in French and one in English go through
their whole life (placed by bank transfer, reminded, paid, cancelled, refunded).

The French sentences are copied from the catalog (locale/fr/LC_MESSAGES/django.po), not
looked up with gettext: a missing or stale translation then fails here instead of
quietly sending English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from comptoir.checkout.services import place_order
from comptoir.orders import services
from comptoir.orders.models import OrderNotification
from comptoir.orders.reminders import remind_and_cancel_manual_payments
from comptoir.payments import services as payments
from tests.orders.test_notifications import smtp  # noqa: F401 - the real SMTP server
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

KINDS = [
    "order_received",
    "payment_instructions",
    "payment_reminder",
    "payment_confirmed",
    "cancelled",
    "refunded",
]

# kind -> (subject, sentences of the body), per language; {n} is the order's reference.
WORDS = {
    "fr": {
        "order_received": (
            "Commande {n} reçue",
            [
                "Merci ! Nous avons bien reçu votre commande {n}.",
                "Nous la préparerons dès que le paiement sera confirmé.",
            ],
        ),
        "payment_instructions": (
            "Commande {n} : comment payer",
            [
                "Votre commande {n} vous est réservée.",
                "Merci d’effectuer un virement avec ces coordonnées :",
                "Titulaire du compte",
                "Nous expédions dès réception du paiement.",
            ],
        ),
        "payment_reminder": (
            "Commande {n} : paiement toujours attendu",
            [
                "Nous n’avons pas encore reçu le paiement de votre commande {n}.",
                "Merci d’effectuer un virement avec ces coordonnées :",
                "Sans paiement, la commande sera annulée automatiquement dans quelques jours.",
            ],
        ),
        "payment_confirmed": (
            "Commande {n} : paiement confirmé",
            [
                "Le paiement de votre commande {n} est confirmé. Merci !",
                "Nous préparons votre commande et vous préviendrons de son départ.",
            ],
        ),
        "cancelled": (
            "Commande {n} annulée",
            [
                "Votre commande {n} a été annulée.",
                "Le montant payé vous est en cours de remboursement.",
            ],
        ),
        "refunded": (
            "Commande {n} : remboursement effectué",
            [
                # the amount written as French writes it, as the rest of the email does
                "Nous avons remboursé 24,90\u00a0€ pour votre commande {n}.",
                "Selon votre banque, il apparaît sur votre compte sous quelques jours.",
            ],
        ),
    },
    "en": {
        "order_received": (
            "Order {n} received",
            [
                "Thank you! We have received your order {n}.",
                "We will prepare it as soon as the payment is confirmed.",
            ],
        ),
        "payment_instructions": (
            "Order {n}: how to pay",
            [
                "Your order {n} is reserved for you.",
                "Please make a bank transfer with these details:",
                "Account holder",
                "We ship as soon as the payment arrives.",
            ],
        ),
        "payment_reminder": (
            "Order {n}: still awaiting your payment",
            [
                "We have not received the payment for your order {n} yet.",
                "Please make a bank transfer with these details:",
                "Without payment, the order will be cancelled automatically in a few days.",
            ],
        ),
        "payment_confirmed": (
            "Order {n}: payment confirmed",
            [
                "Your payment for order {n} is confirmed. Thank you!",
                "We are preparing your order and will tell you when it leaves.",
            ],
        ),
        "cancelled": (
            "Order {n} cancelled",
            [
                "Your order {n} has been cancelled.",
                "The amount you paid is being refunded to you.",
            ],
        ),
        "refunded": (
            "Order {n}: refund issued",
            [
                "We have refunded €24.90 for your order {n}.",
                "Depending on your bank, it appears on your account within a few days.",
            ],
        ),
    },
}


# The total as each language writes it, and the product's name in each.
TOTALS = {"fr": "24,90\u00a0€", "en": "€24.90"}
NAMES = {"fr": "Thé vert", "en": "Green tea"}


def place_in(shop, variant, language, email):
    # As the checkout page does: the order is placed in the language of the page, which
    # names its lines.
    with translation.override(language):
        return place_order(
            make_cart(shop, [(variant, 2)]),
            details(email, payment_method="bank_transfer", language=language),
        )


def live_the_whole_life(*orders):
    """Each step as the shop lives it, the worker sending the emails it owes in between:
    placed by transfer, reminded after 4 days, paid, then cancelled (and so refunded)."""
    run_queued_tasks()
    assert remind_and_cancel_manual_payments(now=timezone.now() + timedelta(days=4)) == len(orders)
    run_queued_tasks()
    for order in orders:
        payment = order.payments.get()
        payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="anne")
    run_queued_tasks()
    for order in orders:
        services.cancel_order(order.pk, actor="anne", reason="out of stock at the roaster")
    run_queued_tasks()


@pytest.fixture
def tea(shop):
    add_flat_shipping(shop, price="4.90")
    return make_variant(shop, sku="MAIL", price="10.00", name="Thé vert", name_en="Green tea")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_order_email_goes_out_in_text_and_html_in_the_orders_language(
    tea,
    smtp,  # noqa: F811
    language,
):
    # Given an order of 2 teas (24.90 with shipping) placed by bank transfer in a language
    order = place_in(tea.shop, tea, language, "jeanne@example.org")

    # When it is reminded, paid, cancelled and refunded, each email sent as it is owed
    live_the_whole_life(order)

    # Then the SMTP server received one email of each kind, each with a text and an HTML
    # part in the order's language, and none of the other language's sentences
    assert OrderNotification.objects.filter(sent_at__isnull=True).count() == 0
    received = smtp.inbox.wait_for(len(KINDS))
    assert [m["X-Comptoir-Kind"] for m in received] == KINDS
    other = "en" if language == "fr" else "fr"
    total = TOTALS[language]
    product, other_product = NAMES[language], NAMES[other]
    for message in received:
        kind = message["X-Comptoir-Kind"]
        subject, sentences = WORDS[language][kind]
        other_subject, other_sentences = WORDS[other][kind]
        reference = order.reference
        assert message["X-Comptoir-Order"] == reference
        assert message["To"] == "jeanne@example.org"
        # A long encoded subject is folded onto the next line: the parser keeps the fold.
        assert message["Subject"].strip() == f"Maison Lumière — {subject.format(n=reference)}"
        assert other_subject.format(n=reference) not in message["Subject"]
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        text, html = text.get_content(), html.get_content()
        assert f'<html lang="{language}">' in html, kind
        assert "<p>" not in text, kind
        for body in (text, html):
            for sentence in sentences:
                assert sentence.format(n=reference) in body, (kind, sentence)
            for sentence in other_sentences:
                assert sentence.format(n=reference) not in body, (kind, sentence)
            assert total in body, (kind, total)
            if kind != "payment_reminder":  # the reminder has no summary of the lines
                assert product in body, kind
            assert other_product not in body, kind


def test_a_french_and_an_english_order_each_get_their_own_language(
    tea,
    smtp,  # noqa: F811
):
    # Given one order placed in French and one in English, in the same shop
    french = place_in(tea.shop, tea, "fr", "jeanne@example.org")
    english = place_in(tea.shop, tea, "en", "john@example.org")

    # When both live their whole life, side by side
    live_the_whole_life(french, english)

    # Then each customer got the six emails, each in their own language only
    received = smtp.inbox.wait_for(2 * len(KINDS))
    assert len(received) == 2 * len(KINDS)
    for order, language, other in ((french, "fr", "en"), (english, "en", "fr")):
        mine = [m for m in received if m["X-Comptoir-Order"] == order.reference]
        assert [m["X-Comptoir-Kind"] for m in mine] == KINDS
        assert {m["To"] for m in mine} == {order.email}
        for message in mine:
            kind = message["X-Comptoir-Kind"]
            subject, sentences = WORDS[language][kind]
            _other_subject, other_sentences = WORDS[other][kind]
            assert message["Subject"].strip().endswith(subject.format(n=order.reference))
            for part in ("plain", "html"):
                body = message.get_body((part,)).get_content()
                assert sentences[0].format(n=order.reference) in body, (kind, part)
                assert other_sentences[0].format(n=order.reference) not in body, (kind, part)
