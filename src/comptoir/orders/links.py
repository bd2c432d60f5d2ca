"""The guest's order-status link: unguessable (the order's random token) and signed, so a
link copied with a typo or forged is refused without touching the database."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import override

from comptoir.orders.models import Order

SALT = "comptoir.order-status"


def order_status_token(order: Order) -> str:
    return signing.dumps(order.token, salt=SALT, compress=False)


def order_from_token(value: str, *, related: tuple[str, ...] = ("shop",)) -> Order | None:
    """The order the signed link names; ``related``: what to read along with it."""
    try:
        token = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    return Order.objects.select_related(*related).filter(token=token).first()


def shop_base_url(order: Order) -> str:
    if order.shop.domain:
        return f"https://{order.shop.domain}"
    return settings.COMPTOIR_BASE_URL.rstrip("/")


def order_status_path(order: Order) -> str:
    with override(order.language):
        return reverse("orders:status", kwargs={"token": order_status_token(order)})


def order_status_url(order: Order) -> str:
    return shop_base_url(order) + order_status_path(order)
