"""What the order pages show about returns, computed once for the panel."""

from __future__ import annotations

from typing import Any

from django import template

from comptoir.orders.links import order_status_token
from comptoir.orders.models import Order
from comptoir.orders.states import OrderStatus
from comptoir.returns import selectors
from comptoir.returns.models import ReturnReason
from comptoir.returns.states import OPEN_STATES

register = template.Library()

# Statuses in which no parcel can have been delivered, so no return can exist: the panel
# costs no query on the pages shoppers see most (the return from the payment page).
NOTHING_DELIVERED_YET = {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.CANCELLED}


@register.simple_tag
def return_panel(order: Order) -> dict[str, Any]:
    if order.status in NOTHING_DELIVERED_YET:
        return {"show": False}
    allowances = selectors.allowances(order)
    returns = list(selectors.for_order(order))
    offered = [a for a in allowances if a.available]
    return {
        "show": bool(offered or returns),
        "token": order_status_token(order),
        "policy": selectors.policy_for(order.shop),
        "offered": offered,
        "returns": returns,
        "open": OPEN_STATES,
        "reasons": ReturnReason.choices,
    }
