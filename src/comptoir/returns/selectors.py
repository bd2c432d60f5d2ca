"""Reads about returns worth naming: the shop's policy, and what of an order may still
come back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from comptoir.catalog.models import ProductKind
from comptoir.orders.models import Order, OrderLine
from comptoir.orders.states import OrderStatus
from comptoir.returns.models import NonReturnable, ReturnLine, ReturnPolicy, ReturnRequest
from comptoir.returns.states import OPEN_STATES
from comptoir.shops.models import Shop

#: Orders nothing may be returned from: unpaid, cancelled, or refunded in full already.
CLOSED_ORDER_STATES = {OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.REFUNDED}


def policy_for(shop: Shop) -> ReturnPolicy:
    """The shop's policy, or an unsaved one with the defaults (14 days, EU rules)."""
    policy = ReturnPolicy.objects.filter(shop=shop).first()
    return policy or ReturnPolicy(shop=shop)


@dataclass
class Allowance:
    """What may still come back of one order line, and whether the rules take it back."""

    line: OrderLine
    delivered: int = 0
    available: int = 0
    deadline: datetime | None = None
    digital: bool = False
    non_returnable: bool = False
    late: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def approvable(self) -> bool:
        return not (self.non_returnable or self.late)


def allowances(order: Order, *, now: datetime | None = None) -> list[Allowance]:
    """Per order line: the units delivered, those that may still be returned (delivered,
    less those refunded or in a return under way) and the end of the withdrawal period."""
    from comptoir.fulfillment.models import ShipmentLine
    from comptoir.fulfillment.states import ShipmentStatus

    now = now or timezone.now()
    policy = policy_for(order.shop)
    period = timedelta(days=policy.withdrawal_days)
    lines = list(order.lines.select_related("variant__product"))
    delivered = {
        row["order_line_id"]: row
        for row in ShipmentLine.objects.filter(
            order_line__order=order, shipment__status=ShipmentStatus.DELIVERED
        )
        .values("order_line_id")
        .annotate(quantity=Sum("quantity"), at=Max("shipment__delivered_at"))
    }
    if not delivered and order.status == OrderStatus.DELIVERED:
        # Delivered without parcels of ours (marked by hand): the whole order, that day.
        at = (
            order.events.filter(to_status=OrderStatus.DELIVERED)
            .values_list("created_at", flat=True)
            .last()
        )
        delivered = {line.pk: {"quantity": line.quantity, "at": at} for line in lines}
    pending = dict(
        ReturnLine.objects.filter(order_line__order=order, return_request__status__in=OPEN_STATES)
        .values_list("order_line_id")
        .annotate(n=Sum("quantity"))
    )
    excluded_products, excluded_categories = _non_returnable(order.shop)
    result = []
    for line in lines:
        allowance = Allowance(line=line)
        allowance.digital = line.kind != ProductKind.PHYSICAL
        row = delivered.get(line.pk)
        if row and not allowance.digital:
            allowance.delivered = int(row["quantity"] or 0)
            at = row["at"]
            allowance.deadline = at + period if at else None
            allowance.late = allowance.deadline is not None and now > allowance.deadline
            left = min(allowance.delivered, line.quantity - line.refunded_quantity)
            allowance.available = max(0, left - int(pending.get(line.pk, 0)))
            if order.status in CLOSED_ORDER_STATES:
                allowance.available = 0
        product = line.variant.product if line.variant_id else None
        if product is not None and (
            product.pk in excluded_products or product.category_id in excluded_categories
        ):
            allowance.non_returnable = True
        result.append(allowance)
    return result


def _non_returnable(shop: Shop) -> tuple[set[int], set[int]]:
    from comptoir.catalog.models import Category

    products, categories = set(), set()
    for product_id, category_id in NonReturnable.objects.filter(shop=shop).values_list(
        "product_id", "category_id"
    ):
        if product_id:
            products.add(product_id)
        if category_id:
            categories.add(category_id)
    if categories:
        # A category excludes its sub-categories too.
        paths = Category.objects.filter(pk__in=categories).values_list("path", flat=True)
        for path in paths:
            categories |= set(
                Category.objects.filter(shop=shop, path__startswith=path).values_list(
                    "pk", flat=True
                )
            )
    return products, categories


def for_order(order: Order):
    return ReturnRequest.objects.filter(order=order).prefetch_related("lines__order_line")
