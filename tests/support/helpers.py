"""Builders for the support tests: orders of two customers, the contact form, SMTP."""

from __future__ import annotations

import json
import re

from django.utils import translation
from django.utils.translation import gettext

from comptoir.fulfillment import services as fulfillment
from comptoir.fulfillment.models import Shipment
from comptoir.fulfillment.signing import signed_headers
from comptoir.orders.models import Order
from comptoir.support.models import SupportSettings
from tests.fulfillment.helpers import paid_order, stocked

JEANNE = "jeanne@example.org"
PAUL = "paul@example.org"
SECRET = "inbound-secret"


def in_shop_language(shop, message: str) -> str:
    """A sentence in the shop's language (French here)."""
    with translation.override(shop.default_language):
        return gettext(message)


def reason_shown(item, language: str = "en") -> str:
    """Why a ticket went to the merchant, as a merchant reading ``language`` sees it."""
    from comptoir.inbox.texts import render

    with translation.override(language):
        return render(item.context["reason"])


def two_customers(shop) -> tuple[Order, Order]:
    """Jeanne's order, shipped with Colissimo tracking; Paul's, paid, not yet left."""
    variant = stocked(shop, "TEA")
    jeanne = paid_order(shop, [(variant, 1)], JEANNE)
    shipment = Shipment.objects.get(order=jeanne)
    fulfillment.mark_shipped(
        shipment.pk, carrier="Colissimo", tracking_number="6A11111111111", actor="test"
    )
    paul = paid_order(shop, [(variant, 2)], PAUL)
    jeanne.refresh_from_db()
    return jeanne, paul


def ask(client, *, language: str, message: str, email: str, number: str = "", name="Jeanne"):
    return client.post(
        f"/{language}/support/",
        {"name": name, "email": email, "order_number": number, "message": message, "website": ""},
        REMOTE_ADDR="10.0.0.1",
    )


def support_setup(shop, **fields) -> SupportSettings:
    return SupportSettings.objects.create(
        shop=shop, address="aide@maison.example", inbound_secret=SECRET, **fields
    )


def signed_post(
    client, shop, document, *, content_type="application/json", secret=SECRET, now=None
):
    if content_type == "application/json":
        body = json.dumps(document).encode()
    else:
        from urllib.parse import urlencode

        body = urlencode(document).encode()
    headers = signed_headers(secret, body, now=now)
    return client.post(
        f"/support/inbound/{shop.code}/",
        data=body,
        content_type=content_type,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )


def ticket_link(text: str) -> str:
    found = re.search(r"https?://[^\s]+/support/ticket/[^\s/]+/", text)
    assert found, text
    return found.group(0)
