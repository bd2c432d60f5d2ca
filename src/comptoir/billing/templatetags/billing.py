from django import template

from comptoir.billing.selectors import documents_for
from comptoir.orders.models import Order

register = template.Library()


@register.simple_tag
def order_documents(order: Order) -> list[tuple[str, str]]:
    """The order's invoice and credit notes, as (label, url) pairs."""
    return documents_for(order)


@register.simple_tag
def order_document_links(order: Order) -> list[tuple[str, str]]:
    """The same, with the shop's full address: for emails."""
    from comptoir.orders.links import shop_base_url

    base = shop_base_url(order)
    return [(label, base + path) for label, path in documents_for(order)]
