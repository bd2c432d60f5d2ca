"""Builders for the return tests: an order paid on the sandbox PSP's hosted page and
delivered, by the merchant's own parcel or through the 3PL stand-in."""

from __future__ import annotations

from datetime import timedelta

from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.checkout.services import place_order
from comptoir.fulfillment import services as fulfillment
from comptoir.fulfillment.models import RouteKind, Shipment
from comptoir.orders.links import order_status_path, order_status_token
from comptoir.orders.models import Order
from comptoir.payments import services as payments
from tests.fulfillment.helpers import signed_post
from tests.selling import add_flat_shipping, details, make_cart
from tests.tasks import run_queued_tasks

CARD = {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "J Martin"}


def sandbox_paid(client, shop, lines, *, email="jeanne@example.org", language="fr") -> Order:
    """Placed, paid with the sandbox's test card on its hosted page, and confirmed when the
    shopper comes back to the order page (the PSP's own webhook is not needed then)."""
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    order = place_order(make_cart(shop, lines), details(email, language=language))
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    started = payments.begin_payment(order, request=request, return_url="/r/", cancel_url="/b/")
    paid = client.post(started.redirect_url, CARD)
    assert paid.status_code == 302
    page = client.get(order_status_path(order) + "?return=1")
    assert page.status_code == 200
    DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").delete()
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def deliver(client, order: Order, *, days_ago: int = 0) -> None:
    """Every parcel of ``order`` leaves and arrives: the warehouse's signed webhook for a
    3PL route (after the dispatch task pushed the order to it), the merchant otherwise."""
    run_queued_tasks()
    for shipment in Shipment.objects.filter(order=order).select_related("route"):
        if shipment.route.kind == RouteKind.THIRD_PARTY:
            answer = signed_post(
                client,
                shipment.route,
                {
                    "shipment_id": shipment.key,
                    "carrier": "colissimo",
                    "tracking_number": f"6A{shipment.pk:09d}",
                    "status": "delivered",
                },
            )
            assert answer.status_code == 200, answer.content
        else:
            fulfillment.mark_shipped(
                shipment.pk, carrier="colissimo", tracking_number=f"6A{shipment.pk:09d}", actor="m"
            )
            fulfillment.mark_delivered(shipment.pk, actor="m")
    if days_ago:
        Shipment.objects.filter(order=order).update(
            delivered_at=timezone.now() - timedelta(days=days_ago)
        )
    order.refresh_from_db()
    assert order.status == "delivered"


def return_url(order: Order) -> str:
    from django.urls import reverse
    from django.utils.translation import override

    with override(order.language):
        return reverse("returns:request", kwargs={"token": order_status_token(order)})


def ask(client, order: Order, quantities: dict, *, reason: str = "changed_mind", **extra):
    """The shopper's POST from the order page: {order line: quantity}."""
    data = {f"quantity-{line.pk}": str(q) for line, q in quantities.items()}
    data.update({f"reason-{line.pk}": reason for line in quantities})
    data.update(extra)
    return client.post(return_url(order), data)


def kinds(smtp) -> list[str]:
    """The kinds of the emails the SMTP server received, in order."""
    return [m["X-Comptoir-Kind"] for m in smtp.inbox.messages]


def body(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
