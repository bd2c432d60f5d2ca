"""Order emails: owed once, sent once, through a real SMTP server, in the order's language."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from comptoir.checkout.services import place_order
from comptoir.orders import notifications
from comptoir.orders.links import order_from_token, order_status_path
from comptoir.orders.models import OrderNotification
from tests.reliability.smtp import SMTPServer
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        yield server


def placed(shop, language):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="MAIL", price="10.00")
    return place_order(
        make_cart(shop, [(variant, 2)]), details("jeanne@example.org", language=language)
    )


def test_queueing_twice_owes_one_email(shop):
    order = placed(shop, "fr")

    again = notifications.queue(order, notifications.Kind.ORDER_RECEIVED)

    assert again is False
    assert OrderNotification.objects.filter(order=order, kind="order_received").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_order_email").count() == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_email_is_delivered_once_over_smtp_in_the_orders_language(shop, smtp, language):
    # Given an order placed in a language, owing its "order received" email
    order = placed(shop, language)
    notification = OrderNotification.objects.get(order=order)

    # When the task runs, and the notification is delivered again by hand
    run_queued_tasks()
    again = notifications.deliver(notification.pk)

    # Then the SMTP server received exactly one message, complete and in that language
    assert again is False
    messages = smtp.inbox.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    with translation.override(language):
        subject = gettext("Order %(number)s received") % {"number": "000001"}
    assert message["Subject"] == f"Maison Lumière — {subject}"
    assert message["To"] == "jeanne@example.org"
    assert message["X-Comptoir-Order"] == "000001"
    assert message["X-Comptoir-Kind"] == "order_received"
    assert message["Message-ID"] == notifications.message_id(notification)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert order_status_path(order).startswith(f"/{language}/")
    for body in (text, html):
        assert "000001" in body
        assert "20.00" in body or "20,00" in body
        # the signed status link, in the order's language, opens this order
        link = re.search(rf"/{language}/[a-z-]+/([^/\s\"]+)/", body)
        assert link is not None
        assert order_from_token(link[1]) == order
    assert "<html" in html.lower()
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_an_smtp_failure_keeps_the_email_owed_and_the_backoff_retry_sends_it(shop, settings):
    # Given an SMTP server that is down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    from tests.reliability.smtp import free_port

    settings.EMAIL_PORT = free_port()
    order = placed(shop, "fr")
    run_queued_tasks()
    notification = OrderNotification.objects.get(order=order)
    assert notification.sent_at is None
    assert notification.last_error != ""

    # When it is back and the retry queued with its backoff comes due
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs == {"args": [notification.pk], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now()
    # (the sweep for lost emails leaves it alone: an attempt is waiting)
    assert notifications.requeue_unsent(stale_after=notifications.STALE_AFTER * 0) == 0
    with SMTPServer() as server:
        settings.EMAIL_PORT = server.port
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        run_queued_tasks()
        assert len(server.inbox.wait_for(1)) == 1

    # Then it was sent once, on the second attempt
    notification.refresh_from_db()
    assert (notification.sent_at is not None, notification.attempts) == (True, 2)
    assert notifications.requeue_unsent(stale_after=notifications.STALE_AFTER * 0) == 0


def test_an_email_that_never_goes_out_lands_in_the_inbox_once(shop, settings):
    # Given an SMTP server that stays down
    from comptoir.inbox.models import InboxItem
    from tests.reliability.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    order = placed(shop, "fr")

    # When every attempt comes due and fails
    for _ in range(notifications.MAX_ATTEMPTS):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        assert run_queued_tasks() == 1

    # Then no attempt is left, and the merchant has one item with the error
    notification = OrderNotification.objects.get(order=order)
    assert (notification.sent_at, notification.attempts) == (None, notifications.MAX_ATTEMPTS)
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    item = InboxItem.objects.get()
    assert (item.kind, item.order_id, item.context["attempts"]) == ("email_failed", order.pk, 5)
    assert "refused" in item.context["last_error"].lower()


def test_send_again_from_the_inbox_delivers_the_email_and_the_item_closes(shop, settings):
    from comptoir.inbox.causes import close_resolved_items
    from comptoir.inbox.models import InboxItem, ItemStatus
    from comptoir.inbox.services import act_on_item
    from tests.reliability.smtp import free_port

    # Given an email that failed every attempt, and its inbox item
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    placed(shop, "fr")
    for _ in range(notifications.MAX_ATTEMPTS):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        run_queued_tasks()
    item = InboxItem.objects.get()

    # When the mail server is back and the merchant clicks "Send again"
    with SMTPServer() as server:
        settings.EMAIL_PORT = server.port
        message = act_on_item(item.pk, action="resend", actor="patronne")
        run_queued_tasks()
        received = server.inbox.wait_for(1)
    closed = close_resolved_items()

    # Then the email went out once, and the item closed itself
    assert message == "The email will be sent again in a moment."
    assert len(received) == 1
    assert OrderNotification.objects.get().sent_at is not None
    assert closed == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
