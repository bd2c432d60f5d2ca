"""Parcels the merchant packs: batches, the pick list, the carriers' bulk files, and the
tracking numbers typed or pasted back.

A batch takes every waiting shipment of a self-ship route at once (two clicks at the same
time make one batch and an empty one, never a parcel in two batches). Its shipments count
as dispatched: they are in the merchant's hands.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.exceptions import ComptoirError
from comptoir.fulfillment import services
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    PackingBatch,
    ProductRoute,
    RouteKind,
    Shipment,
)
from comptoir.fulfillment.states import ShipmentStatus


class NothingToPack(ComptoirError):
    pass


def create_batch(route: FulfillmentRoute, *, actor: str) -> PackingBatch:
    if route.kind != RouteKind.SELF_SHIP:
        raise NothingToPack(_("%(route)s is not packed by you.") % {"route": route.name})
    with transaction.atomic():
        waiting = Shipment.objects.filter(
            route=route, status=ShipmentStatus.PENDING, batch__isnull=True
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        ids = list(waiting.values_list("pk", flat=True))
        if not ids:
            raise NothingToPack(_("No order is waiting to be packed."))
        batch = PackingBatch.objects.create(shop=route.shop, route=route)
        for shipment_id in ids:
            order, shipment = services.lock(shipment_id)
            shipment.batch = batch
            shipment.dispatched_at = timezone.now()
            shipment.save(update_fields=["batch", "dispatched_at"])
            services.transition(
                shipment, ShipmentStatus.DISPATCHED, actor=actor, data={"batch": batch.pk}
            )
            services.sync_order_status(order, actor=actor)
    return batch


@dataclass
class PickRow:
    location: str
    sku: str
    name: str
    quantity: int
    orders: list[str] = field(default_factory=list)


def pick_list(batch: PackingBatch) -> list[PickRow]:
    """What to take off the shelves, summed per product, in shelf order."""
    shipments = (
        batch.shipments.select_related("order").prefetch_related("lines__order_line").order_by("pk")
    )
    rows: dict[str, PickRow] = {}
    product_of: dict[str, int] = {}
    for shipment in shipments:
        for line in shipment.lines.all():
            row = rows.setdefault(line.sku, PickRow("", line.sku, line.name, 0))
            row.quantity += line.quantity
            row.orders.append(shipment.order.reference)
            variant_id = line.order_line.variant_id
            if variant_id:
                product_of[line.sku] = variant_id
    from comptoir.catalog.models import Variant

    products = dict(Variant.objects.filter(pk__in=product_of.values()).values_list("pk", "product"))
    locations = dict(
        ProductRoute.objects.filter(product_id__in=products.values()).values_list(
            "product_id", "location"
        )
    )
    for sku, variant_id in product_of.items():
        rows[sku].location = locations.get(products.get(variant_id), "") or ""
    return sorted(rows.values(), key=lambda r: (r.location == "", r.location, r.sku))


def parcel_weight_kg(shipment: Shipment) -> str:
    grams = sum(line.order_line.weight_grams * line.quantity for line in shipment.lines.all())
    return f"{max(grams, 1) / 1000:.3f}"


def _recipient(shipment: Shipment) -> dict[str, str]:
    address = shipment.order.shipping_address or {}
    name = address.get("name", "")
    first = address.get("first_name", "")
    last = address.get("last_name", "")
    if not (first or last) and name:
        first, _sep, last = name.partition(" ")
    return {
        "first": first,
        "last": last,
        "company": address.get("company", ""),
        "line1": address.get("line1", ""),
        "line2": address.get("line2", ""),
        "postcode": address.get("postcode", address.get("postal_code", "")),
        "city": address.get("city", ""),
        "country": address.get("country", shipment.order.shipping_country),
        "phone": address.get("phone", ""),
        "email": shipment.order.email,
    }


# Column layouts for the carriers' bulk label tools. Both tools let the user map columns
# in an import profile; these headers are the ones such a profile is set up with once.
LAYOUTS: dict[str, list[tuple[str, str]]] = {
    "colissimo": [
        ("Reference", "ref"),
        ("Nom", "last"),
        ("Prenom", "first"),
        ("Raison sociale", "company"),
        ("Adresse 1", "line1"),
        ("Adresse 2", "line2"),
        ("Code postal", "postcode"),
        ("Commune", "city"),
        ("Code pays", "country"),
        ("Telephone portable", "phone"),
        ("Email", "email"),
        ("Poids (kg)", "weight"),
    ],
    "mondial_relay": [
        ("Reference expedition", "ref"),
        ("Nom destinataire", "fullname"),
        ("Adresse 1", "line1"),
        ("Adresse 2", "line2"),
        ("Code postal", "postcode"),
        ("Ville", "city"),
        ("Pays", "country"),
        ("Telephone", "phone"),
        ("Email", "email"),
        ("Poids (g)", "grams"),
        ("Point Relais", "relay"),
        ("Mode de livraison", "mode"),
    ],
    "generic": [
        ("reference", "ref"),
        ("first_name", "first"),
        ("last_name", "last"),
        ("company", "company"),
        ("address_1", "line1"),
        ("address_2", "line2"),
        ("postcode", "postcode"),
        ("city", "city"),
        ("country", "country"),
        ("phone", "phone"),
        ("email", "email"),
        ("weight_kg", "weight"),
        ("pickup_point", "relay"),
    ],
}


def carrier_csv(batch: PackingBatch, layout: str) -> bytes:
    """The batch's parcels for a carrier's bulk label tool, one row each."""
    columns = LAYOUTS[layout]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for title, _key in columns])
    shipments = batch.shipments.select_related("order").prefetch_related("lines__order_line")
    for shipment in shipments.order_by("pk"):
        values = _recipient(shipment)
        relay = (shipment.order.pickup_point or {}).get("id", "")
        weight = parcel_weight_kg(shipment)
        values.update(
            ref=shipment.order.reference,
            fullname=f"{values['first']} {values['last']}".strip(),
            weight=weight.replace(".", ","),
            grams=str(round(float(weight) * 1000)),
            relay=relay,
            mode="24R" if relay else "HOM",
        )
        writer.writerow([values[key] for _title, key in columns])
    # Windows tools of the carriers read Latin-1 more reliably than UTF-8 without BOM.
    return buffer.getvalue().encode("cp1252", "replace")


@dataclass
class TrackingImport:
    shipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def import_tracking(batch: PackingBatch, *, carrier: str, text: str, actor: str) -> TrackingImport:
    """Lines of "order number;tracking number" (tab or comma also work), pasted from the
    carrier's tool. Each good line ships its parcel; a bad one is reported by number and
    the others still count."""
    result = TrackingImport()
    by_reference = defaultdict(list)
    for shipment in batch.shipments.select_related("order"):
        by_reference[shipment.order.number].append(shipment)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("\t", ";").replace(",", ";").split(";")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            result.errors.append(
                _("Line %(n)s: expected an order number and a tracking number.") % {"n": number}
            )
            continue
        reference, tracking = parts[0].lstrip("#"), parts[1]
        if not reference.isdigit() or int(reference) not in by_reference:
            result.errors.append(
                _("Line %(n)s: order %(ref)s is not in this batch.")
                % {"n": number, "ref": reference}
            )
            continue
        shipment = by_reference[int(reference)][0]
        try:
            services.mark_shipped(
                shipment.pk, carrier=carrier, tracking_number=tracking, actor=actor
            )
        except ComptoirError as error:
            result.errors.append(_("Line %(n)s: %(error)s") % {"n": number, "error": error})
            continue
        result.shipped.append(shipment.order.reference)
    if not batch.shipments.exclude(
        status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED]
    ).exists():
        PackingBatch.objects.filter(pk=batch.pk, shipped_at__isnull=True).update(
            shipped_at=timezone.now()
        )
    return result
