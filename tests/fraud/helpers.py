"""A shopper driven through the real checkout, the sandbox PSP's hosted page and its signed
webhooks; an IP-country resolver that knows four addresses."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from comptoir.fraud.geoip import CountryResolver, Located
from comptoir.orders.links import order_status_token
from comptoir.orders.models import Order
from comptoir.sandbox_psp import api
from comptoir.sandbox_psp.models import SandboxWebhook
from tests.selling import CHECKOUT_FORM

FRENCH_IP = "203.0.113.9"
AMERICAN_IP = "198.51.100.7"
GOOD_CARD = "4242424242424242"
BRITISH_CARD = "4000008260000000"
CHALLENGE_CARD = "4000000000003220"
DECLINED_CARDS = ("4000000000000002", "4000000000009995")
CARD = {"expiry": "12/39", "cvc": "123", "name": "J Martin"}


class TinyResolver(CountryResolver):
    COUNTRIES = {FRENCH_IP: "FR", AMERICAN_IP: "US", "192.0.2.44": "DE"}

    def locate(self, ip: str) -> Located:
        country = self.COUNTRIES.get(ip, "")
        return Located(country=country, note="" if country else "not in the test table")


def url(name: str, **kwargs: Any) -> str:
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


def shopper(variant: Any, *, ip: str = FRENCH_IP, quantity: int = 1) -> Client:
    """A browser with ``variant`` in its basket, connecting from ``ip``."""
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT="Mozilla/5.0 (test)")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    added = client.post(url("cart:add"), {"variant": variant.pk, "quantity": str(quantity)})
    assert added.status_code == 303
    return client


def checkout(client: Client, *, email: str = "jeanne@example.org", **overrides: str) -> Any:
    """Post the checkout form as its page renders it; returns the response."""
    page = client.get(url("checkout:checkout"))
    assert page.status_code == 200
    cart = page.context["cart"]
    data = {
        "email": email,
        **CHECKOUT_FORM,
        "cart": str(cart.pk),
        "cart_version": str(cart.version),
        "quoted": page.context["quoted"],
        "action": "place",
        **overrides,
    }
    return client.post(url("checkout:checkout"), data)


def place(client: Client, **kwargs: Any) -> tuple[Order, str]:
    """Place the order; returns it and the sandbox's hosted page it was sent to."""
    response = checkout(client, **kwargs)
    assert response.status_code == 303, response.content.decode()[:500]
    assert response["Location"].startswith("/sandbox-psp/pay/")
    return Order.objects.order_by("-pk").first(), response["Location"]


def pay(client: Client, hosted: str, number: str) -> Any:
    return client.post(hosted, {"number": number, **CARD})


def deliver_webhooks(client: Client) -> list[str]:
    """What the sandbox's delivery task does, through the test client: every event not yet
    delivered, signed, posted to the shop's webhook endpoint, in order."""
    outcomes = []
    for webhook in SandboxWebhook.objects.filter(delivered_at__isnull=True).order_by(
        "created_at", "pk"
    ):
        body = api.encode(webhook.payload)
        response = client.post(
            "/payments/webhooks/sandbox/",
            body,
            content_type="application/json",
            headers={api.SIGNATURE_HEADER: api.sign(body)},
        )
        assert response.status_code == 200, response.content
        SandboxWebhook.objects.filter(pk=webhook.pk).update(delivered_at=timezone.now())
        outcomes.append(response.content.decode())
    return outcomes


def pay_url(order: Order) -> str:
    return url("orders:pay", token=order_status_token(order))


def run_refund_tasks() -> int:
    """Run the refund tasks the payment's transaction enqueued, as the worker would (the
    test's transaction is never committed, so the worker itself would see none)."""
    from django_tasks_db.models import DBTaskResult

    from comptoir.payments import services as payments
    from comptoir.payments.models import Refund

    queued = DBTaskResult.objects.filter(task_path__endswith="execute_refund")
    for result in queued:
        payments.perform_refund(str(result.args_kwargs["args"][0]))
    assert queued.count() == Refund.objects.count()
    return queued.count()
