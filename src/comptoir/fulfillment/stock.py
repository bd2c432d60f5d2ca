"""A warehouse's stock file updates our stock.

The file gives what the warehouse holds on its shelves. Units of our shipments it has not
shipped yet are still on those shelves but already sold here, so our stock for a SKU is
the warehouse's figure minus those units. Each valid row is applied; a bad row is reported
with its line number and skipped. What the merchant must look at (a SKU we do not sell, a
warehouse holding fewer units than it owes us or than shoppers have reserved) raises a
STOCK_MISMATCH inbox item.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_noop

from comptoir.catalog.models import Variant
from comptoir.fulfillment.confirmations import already_applied, digest
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    Outcome,
    ReceivedMessage,
    ShipmentLine,
)
from comptoir.fulfillment.states import ShipmentStatus
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import open_item
from comptoir.inventory import services as inventory

NOT_YET_SHIPPED = [ShipmentStatus.PENDING, ShipmentStatus.DISPATCHING, ShipmentStatus.DISPATCHED]


@dataclass
class StockReport:
    adjusted: dict[str, int] = field(default_factory=dict)  # sku -> delta applied
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)


def import_stock_file(
    route: FulfillmentRoute, content: bytes, *, name: str, channel: str
) -> StockReport:
    report = StockReport()
    text = content.decode("utf-8-sig", "replace")
    if already_applied(route, digest(text)):
        # The same snapshot again (a re-upload, a file not archived): applying it could
        # undo what happened since; it is logged and skipped.
        ReceivedMessage.objects.create(
            shop=route.shop,
            route=route,
            channel=channel,
            kind="stock",
            dedupe_key=digest(text),
            outcome=Outcome.DUPLICATE,
            body=text[:100_000],
        )
        return report
    delimiter = ";" if text[:2000].count(";") >= text[:2000].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if not {"sku", "quantity"} <= columns:
        report.errors.append(f"{name}: the header must have the columns sku and quantity")
        log(route, name, text, channel, report)
        return report
    figures: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        sku, quantity = row.get("sku", ""), row.get("quantity", "")
        if not sku:
            report.errors.append(f"{name} line {number}: sku is empty")
            continue
        try:
            figures[sku] = int(quantity)
        except ValueError:
            report.errors.append(f"{name} line {number}: quantity {quantity!r} is not a number")
            continue
        if figures[sku] < 0:
            report.errors.append(f"{name} line {number}: quantity {quantity} is negative")
            del figures[sku]
    with transaction.atomic():
        variants = {
            v.sku: v
            for v in Variant.objects.select_for_update()
            .filter(shop=route.shop, sku__in=figures)
            .order_by("pk")
        }
        owed = dict(
            ShipmentLine.objects.filter(
                shipment__route=route,
                shipment__status__in=NOT_YET_SHIPPED,
                order_line__variant__in=variants.values(),
            )
            .values_list("sku")
            .annotate(n=Sum("quantity"))
        )
        for sku, held in figures.items():
            variant = variants.get(sku)
            if variant is None:
                report.unknown.append(sku)
                continue
            target = held - owed.get(sku, 0)
            if target < 0 or target < variant.reserved_quantity:
                report.short.append(sku)
                open_item(
                    route.shop,
                    kind=ItemKind.STOCK_MISMATCH,
                    key=f"stock:{route.pk}:{sku}",
                    title=gettext_noop("%(route)s holds too few %(sku)s"),
                    title_params={"route": route.name, "sku": sku},
                    detail=gettext_noop(
                        "The warehouse holds %(held)s; %(owed)s are owed to orders sent there "
                        "and %(reserved)s are reserved by shoppers."
                    ),
                    detail_params={
                        "held": held,
                        "owed": owed.get(sku, 0),
                        "reserved": variant.reserved_quantity,
                    },
                    context={"sku": sku, "held": held, "owed": owed.get(sku, 0), "file": name},
                )
                target = max(target, 0)
            delta = target - variant.stock_quantity
            if delta:
                inventory.adjust(variant, delta=delta, reason="stock_file", note=name[:200])
                report.adjusted[sku] = delta
            else:
                report.unchanged += 1
        if report.unknown:
            open_item(
                route.shop,
                kind=ItemKind.STOCK_MISMATCH,
                key=f"stock:{route.pk}:unknown",
                title=gettext_noop("%(route)s lists products you do not sell"),
                title_params={"route": route.name},
                detail=", ".join(report.unknown[:50]),
                context={"skus": report.unknown[:500], "file": name},
            )
        log(route, name, text, channel, report)
    return report


def log(route, name, text, channel, report: StockReport) -> None:
    ReceivedMessage.objects.create(
        shop=route.shop,
        route=route,
        channel=channel,
        kind="stock",
        dedupe_key=digest(text),
        outcome=Outcome.REJECTED if report.errors and not report.adjusted else Outcome.ACCEPTED,
        error="\n".join(report.errors)[:10_000],
        body=text[:100_000],
    )
