from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comptoir.catalog.models import Product, Variant
from comptoir.shops.models import Shop


@dataclass(frozen=True)
class StockState:
    code: str  # in_stock, low_stock, out_of_stock, backorder
    label: str
    schema_availability: str  # schema.org ItemAvailability
    can_buy: bool

    @property
    def can_promise(self) -> bool:
        """Whether a dispatch date can be promised: bought from the shelf, not awaiting a
        delivery (a back-order)."""
        return self.can_buy and self.code != "backorder"


def stock_state(product: Product, variant: Variant | None, shop: Shop) -> StockState:
    if variant is None:
        return StockState("out_of_stock", str(_("Out of stock")), "OutOfStock", False)
    available = variant.available_quantity
    if not variant.track_stock or available > shop.low_stock_threshold:
        return StockState("in_stock", str(_("In stock")), "InStock", True)
    if available > 0:
        label = ngettext("Only %(n)d left in stock", "Only %(n)d left in stock", available) % {
            "n": available
        }
        return StockState("low_stock", label, "LimitedAvailability", True)
    if product.allow_backorder:
        return StockState("backorder", str(_("On back-order")), "BackOrder", True)
    return StockState("out_of_stock", str(_("Out of stock")), "OutOfStock", False)
