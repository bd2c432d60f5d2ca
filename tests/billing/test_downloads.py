"""The customer downloads their documents from the signed order-status link; a forged or
other shop's link is refused; the merchant downloads from the admin."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.utils import translation

from comptoir.billing.links import SALT, document_path
from comptoir.billing.models import Document
from comptoir.billing.selectors import documents_for
from comptoir.orders.links import order_status_path
from tests.billing.helpers import complete_identity, pay, placed_order
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced(en_shop):
    complete_identity(en_shop)
    order = pay(placed_order(en_shop))
    run_queued_tasks()
    return order


def label_in_french(msgid: str, reference: str) -> str:
    """The order was placed in French: its page and its emails name the documents so."""
    with translation.override("fr"):
        label = translation.gettext(msgid) % {"reference": reference}
    assert label != msgid % {"reference": reference}  # the French catalog is compiled
    return label


def test_the_order_page_links_to_the_invoice_and_the_link_serves_the_stored_pdf(invoiced):
    invoice = Document.objects.get()

    page = Client().get(order_status_path(invoiced))

    assert page.status_code == 200
    html = page.content.decode()
    links = re.findall(r'href="(/billing/[^"]+)"', html)
    assert len(links) == 1
    assert label_in_french("Invoice %(reference)s", "F000001") in html
    response = Client().get(links[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="F000001.pdf"'
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == invoice.sha256
    # Outside a request, in the active language (the request above left French active)
    with translation.override("en"):
        assert [label for label, _url in documents_for(invoiced)] == ["Invoice F000001"]


def test_a_document_not_yet_drawn_is_drawn_on_first_download(en_shop):
    order = pay(placed_order(en_shop))  # its render task has not run
    invoice = Document.objects.get()
    assert invoice.sha256 == ""

    response = Client().get(document_path(invoice))

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == invoice.sha256
    assert order.pk == invoice.order_id


def test_forged_tampered_and_other_shop_links_are_refused(invoiced, settings):
    from tests.factories import ShopFactory

    invoice = Document.objects.get()
    good = document_path(invoice)
    signed = good.rstrip("/").rsplit("/", 1)[1]
    forged = [
        "/billing/" + signing.dumps(invoice.token, salt="another-salt") + "/",
        "/billing/" + signing.dumps("guessed-token", salt=SALT) + "/",
        "/billing/" + signed[:-2] + ("AA" if not signed.endswith("AA") else "BB") + "/",
        "/billing/" + invoice.token + "/",
        f"/billing/{invoice.pk}/",
    ]
    for path in forged:
        assert Client().get(path).status_code == 404, path
    # The right link on another shop's host name is refused too
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "autre.example"]
    ShopFactory(code="autre", name="Autre", domain="autre.example", is_default=False)
    assert Client().get(good, HTTP_HOST="autre.example").status_code == 404
    assert Client().get(good).status_code == 200


def test_the_merchant_finds_the_pdf_on_the_order_page_of_the_admin(invoiced):
    staff = get_user_model().objects.create_superuser("anne", "anne@example.org", "pw")
    client = Client()
    client.force_login(staff)

    page = client.get(f"/admin/orders/order/{invoiced.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    listing = client.get("/admin/billing/document/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200 and listing.status_code == 200
    for html in (page.content.decode(), listing.content.decode()):
        (link,) = set(re.findall(r'href="(/billing/[^"]+)"', html))
        assert "F000001.pdf" in html
        assert client.get(link).status_code == 200


def test_the_payment_and_refund_emails_link_to_the_documents(invoiced):
    from decimal import Decimal

    from comptoir.orders.models import OrderNotification
    from comptoir.orders.notifications import render_message
    from comptoir.payments import services as payments

    payments.refund_order(invoiced.pk, amount=Decimal("5.00"), actor="anne")
    run_queued_tasks()
    confirmed = OrderNotification.objects.get(order=invoiced, kind="payment_confirmed")
    refunded = OrderNotification.objects.get(order=invoiced, kind="refunded")

    for notification, labels in (
        (
            confirmed,
            [
                label_in_french("Invoice %(reference)s", "F000001"),
                label_in_french("Credit note %(reference)s", "AV000001"),
            ],
        ),
        (
            refunded,
            [
                label_in_french("Invoice %(reference)s", "F000001"),
                label_in_french("Credit note %(reference)s", "AV000001"),
            ],
        ),
    ):
        message = render_message(notification)
        html = message.alternatives[0][0]
        links = re.findall(r"- (.+): https?://[^/]+(/billing/\S+)", message.body)
        assert [label for label, _path in links] == labels
        for _label, path in links:
            assert path in html
            response = Client().get(path)
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"


def test_the_merchant_completes_the_legal_identity_in_the_admin(en_shop):
    from comptoir.billing.models import SellerIdentity
    from comptoir.inbox.models import InboxItem, ItemStatus

    SellerIdentity.objects.filter(shop=en_shop).delete()
    pay(placed_order(en_shop))
    assert InboxItem.objects.get().status == ItemStatus.OPEN
    staff = get_user_model().objects.create_superuser("anne", "anne@example.org", "pw")
    client = Client()
    client.force_login(staff)

    response = client.post(
        "/admin/billing/selleridentity/add/",
        {
            "shop": en_shop.pk,
            "legal_name": "Lumière SAS",
            "legal_form": "SAS",
            "share_capital": "5 000 EUR",
            "address": "4 place Bellecour\r\n69002 Lyon",
            "siren": "123456789",
            "siret": "12345678900017",
            "rcs_city": "Lyon",
            "vat_number": "FR32123456789",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert SellerIdentity.objects.get(shop=en_shop).missing() == []
    assert InboxItem.objects.get().status == ItemStatus.CLOSED
    page = client.get(
        f"/admin/billing/selleridentity/{en_shop.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200 and "Missing mentions" in page.content.decode()


def test_the_account_order_page_lists_the_documents(invoiced):
    from django.urls import reverse
    from django.utils.translation import override

    user = get_user_model().objects.create_user("jeanne@example.org", "jeanne@example.org", "pw")
    invoiced.customer = user
    invoiced.save(update_fields=["customer"])
    client = Client()
    client.force_login(user)
    with override("en"):
        path = reverse("customers:order", kwargs={"number": invoiced.number})

    page = client.get(path)

    assert page.status_code == 200
    (link,) = re.findall(r'href="(/billing/[^"]+)"', page.content.decode())
    assert client.get(link).status_code == 200
