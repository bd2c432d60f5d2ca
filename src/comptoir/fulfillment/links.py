"""The signed link a dropship supplier follows to say a parcel left: it names one
shipment, cannot be forged or altered, and expires."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from comptoir.fulfillment.models import Shipment

SALT = "comptoir.fulfillment.supplier-link"
VALID_FOR = timedelta(days=60)


def confirmation_token(shipment: Shipment) -> str:
    return signing.dumps({"s": shipment.pk}, salt=SALT, compress=False)


def shipment_from_token(value: str) -> Shipment | None:
    try:
        data = signing.loads(value, salt=SALT, max_age=VALID_FOR)
    except signing.BadSignature:  # also raised when it expired
        return None
    return (
        Shipment.objects.select_related("route", "shop", "order").filter(pk=data.get("s")).first()
    )


def confirmation_url(shipment: Shipment) -> str:
    base = (
        f"https://{shipment.shop.domain}"
        if shipment.shop.domain
        else settings.COMPTOIR_BASE_URL.rstrip("/")
    )
    path = reverse("fulfillment:supplier_confirm", kwargs={"token": confirmation_token(shipment)})
    return base + path
