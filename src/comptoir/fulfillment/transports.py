"""How a shipment travels to its provider: signed JSON over HTTP, or a CSV file of several
shipments dropped on SFTP or attached to an email.

Each sender raises on failure (``PermanentError`` when retrying cannot help, such as a 400
answer) and returns the provider's reference on success.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from comptoir.fulfillment.models import FulfillmentRoute, RouteKind, Shipment, Transport
from comptoir.fulfillment.signing import IDEMPOTENCY_HEADER, signed_headers

USER_AGENT = "Comptoir-fulfillment/1"


class PermanentError(Exception):
    """The provider refused the shipment itself; sending it again unchanged cannot help."""


def send_shipment(shipment: Shipment) -> str:
    if shipment.route.transport == Transport.HTTP:
        return post_json(shipment)
    send_file_batch([shipment])
    return ""


def post_json(shipment: Shipment) -> str:
    from comptoir.fulfillment.dispatch import payload

    answer = post_signed(shipment.route, body=payload(shipment), key=shipment.key)
    return str(answer.get("reference", ""))[:120]


def post_signed(route: FulfillmentRoute, *, body: bytes, key: str) -> dict:
    """POST signed JSON to the route's endpoint with ``key`` as ``Idempotency-Key``; the
    provider's JSON answer (empty when it sent none, or "already have it")."""
    if not route.endpoint_url.startswith(("http://", "https://")):
        raise PermanentError(f"endpoint URL must be http(s): {route.endpoint_url!r}")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        IDEMPOTENCY_HEADER: key,
        **signed_headers(route.secret, body),
    }
    # The scheme was checked above: only http(s) is opened.
    request = urllib.request.Request(  # noqa: S310
        route.endpoint_url, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=route.timeout_seconds) as response:  # noqa: S310
            answer = response.read(64_000)
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace")
        # 408 and 429 say "later", 5xx "our fault": worth retrying. Other 4xx refuse the
        # shipment itself (bad address, unknown SKU): the merchant must look.
        if 400 <= error.code < 500 and error.code not in (408, 409, 425, 429):
            raise PermanentError(f"HTTP {error.code}: {detail}") from None
        if error.code == 409:
            return {}  # "already have it": the provider de-duplicated our retry
        raise RuntimeError(f"HTTP {error.code}: {detail}") from None
    try:
        document = json.loads(answer or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


CSV_COLUMNS = [
    "shipment_id",
    "order",
    "name",
    "line1",
    "line2",
    "postcode",
    "city",
    "country",
    "email",
    "phone",
    "shipping_method",
    "pickup_point",
    "sku",
    "quantity",
]


def orders_csv(shipments: Sequence[Shipment]) -> bytes:
    """One row per shipment line, the shipment's key repeated: the layout warehouses that
    take files ask for. UTF-8 with a BOM so a spreadsheet opens accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for shipment in shipments:
        order = shipment.order
        address = order.shipping_address or {}
        for line in shipment.lines.all():
            writer.writerow(
                [
                    shipment.key,
                    order.reference,
                    address.get("name", ""),
                    address.get("line1", ""),
                    address.get("line2", ""),
                    address.get("postcode", ""),
                    address.get("city", ""),
                    address.get("country", order.shipping_country),
                    order.email,
                    address.get("phone", ""),
                    order.shipping_method_code or order.shipping_method,
                    (order.pickup_point or {}).get("id", ""),
                    line.sku,
                    line.quantity,
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def batch_filename(shipments: Sequence[Shipment]) -> str:
    # The lowest key names the file: a retry of the same batch overwrites it instead of
    # leaving a second copy for the warehouse to import.
    first = min(s.pk for s in shipments)
    stamp = timezone.now().strftime("%Y%m%d")
    return f"orders-{stamp}-{first}-{len(shipments)}.csv"


def send_file_batch(shipments: Sequence[Shipment]) -> None:
    route = shipments[0].route
    content = orders_csv(shipments)
    name = batch_filename(shipments)
    if route.transport == Transport.EMAIL and route.kind == RouteKind.DROPSHIP:
        purchase_order_email(shipments, name=name, content=content).send()
        return
    if route.transport == Transport.EMAIL:
        message = EmailMessage(
            subject=f"{route.shop.name} — {name}",
            body=f"{len(shipments)} shipment(s): {', '.join(s.key for s in shipments)}",
            to=[route.email],
            headers={"X-Comptoir-Batch": name},
        )
        message.attach(name, content, "text/csv")
        message.send()
        return
    if route.transport == Transport.SFTP:
        from comptoir.fulfillment.sftp import upload

        upload(route, name, content)
        return
    raise PermanentError(f"route {route.name} has no file transport")


def purchase_order_email(
    shipments: Sequence[Shipment], *, name: str, content: bytes
) -> EmailMessage:
    """A supplier's purchase order: what to ship where, as a CSV file and a PDF to print, and
    for each parcel the signed link to say it left with its tracking number."""
    from comptoir.fulfillment.links import confirmation_url

    route = shipments[0].route
    shop = route.shop
    with translation.override(shop.default_language):
        body = render_to_string(
            "fulfillment/emails/purchase_order.txt",
            {
                "shop": shop,
                "route": route,
                "parcels": [
                    {
                        "shipment": s,
                        "address": s.order.shipping_address or {},
                        "lines": list(s.lines.all()),
                        "link": confirmation_url(s),
                    }
                    for s in shipments
                ],
            },
        )
        subject = render_to_string(
            "fulfillment/emails/purchase_order_subject.txt", {"shop": shop, "count": len(shipments)}
        ).strip()
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=shop.contact_email or None,
        to=[route.email],
        headers={"X-Comptoir-Batch": name},
    )
    message.attach(name, content, "text/csv")
    # Imported here: the PDF library takes half a second to import, and the web
    # processes, which import this module to enqueue dispatches, never write a PDF.
    from comptoir.fulfillment.pdf import render_purchase_order

    message.attach(
        name.removesuffix(".csv") + ".pdf",
        render_purchase_order(shipments=shipments),
        "application/pdf",
    )
    return message
