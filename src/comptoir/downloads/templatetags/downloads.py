from __future__ import annotations

from typing import Any

from django import template

from comptoir.downloads import services
from comptoir.orders.models import Order

register = template.Library()


@register.simple_tag
def download_links(order: Order) -> list[dict[str, Any]]:
    """The order's files with their absolute links, for the email and the order page."""
    return [
        {
            "name": grant.file.name,
            "url": services.download_url(grant),
            "path": services.download_path(grant),
            "expires_at": grant.expires_at,
            "remaining": grant.remaining,
            "product_name": grant.line.product_name,
        }
        for grant in services.grants_for(order)
    ]
