from django import template

from comptoir.billing.selectors import documents_for
from comptoir.orders.models import Order

register = template.Library()


@register.simple_tag
def order_documents(order: Order) -> list[tuple[str, str]]:
    """The order's invoice and credit notes, as (label, url) pairs."""
    return documents_for(order)
