"""Return labels from the warehouse: when the parcel went out through a logistics
provider with an HTTP endpoint, the return goes back to it, and it gives the label.

The request is the same signed JSON push as a shipment's, to the same endpoint, with the
return's key as ``Idempotency-Key``: a retry after a timeout gets the same label, not a
second one. The answer carries ``label_url`` and, when the provider has them, ``carrier``
and ``tracking_number``.
"""

from __future__ import annotations

import json

from comptoir.fulfillment.models import FulfillmentRoute, RouteKind, Shipment, Transport
from comptoir.fulfillment.transports import post_signed
from comptoir.returns.models import ReturnRequest

LABEL_FIELDS = ("label_url", "carrier", "tracking_number", "reference")


def label_route(request: ReturnRequest) -> FulfillmentRoute | None:
    """The 3PL route with an HTTP endpoint that shipped the returned lines, if any."""
    line_ids = list(request.lines.values_list("order_line_id", flat=True))
    shipment = (
        Shipment.objects.filter(
            order_id=request.order_id,
            lines__order_line_id__in=line_ids,
            route__kind=RouteKind.THIRD_PARTY,
            route__transport=Transport.HTTP,
        )
        .exclude(route__endpoint_url="")
        .select_related("route")
        .order_by("pk")
        .first()
    )
    return shipment.route if shipment is not None else None


def shipment_key(request: ReturnRequest, route: FulfillmentRoute) -> str:
    shipment = (
        Shipment.objects.filter(order_id=request.order_id, route=route).order_by("pk").first()
    )
    return shipment.key if shipment is not None else ""


def payload(request: ReturnRequest, route: FulfillmentRoute) -> bytes:
    """The JSON the warehouse receives: which parcel comes back, from where, with what."""
    order = request.order
    document = {
        "type": "return",
        "return_id": request.key,
        "shipment_id": shipment_key(request, route),
        "order": order.reference,
        "shop": order.shop.code,
        "email": order.email,
        "ship_from": order.shipping_address,
        "lines": [
            {"sku": rl.order_line.sku, "name": rl.order_line.product_name, "quantity": rl.quantity}
            for rl in request.lines.select_related("order_line")
        ],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def ask_for_label(request: ReturnRequest, route: FulfillmentRoute) -> dict[str, str]:
    """The label as the warehouse gave it; raises as the shipment push does."""
    answer = post_signed(route, body=payload(request, route), key=request.key)
    label = {k: str(answer[k])[:400] for k in LABEL_FIELDS if answer.get(k)}
    # Shown to the shopper as a link: only a web address will do.
    if not label.get("label_url", "").startswith(("https://", "http://")):
        raise RuntimeError(f"no label_url in the answer: {json.dumps(answer)[:300]}")
    return label
