from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from comptoir.shops.models import Shop


class ShopMiddleware:
    """Sets ``request.shop`` from the host name, falling back to the default shop.

    One indexed query per request: it also brings the catalog version that keys the page
    cache, so a change made on another server is seen at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if resolve_shop(request) is None and not request.path.startswith(("/admin/", "/static/")):
            body = render_to_string("storefront/no_shop.html", request=None)
            return HttpResponse(body, status=503)
        return self.get_response(request)


def resolve_shop(request: HttpRequest) -> Shop | None:
    """The shop the request's host name belongs to (else the default shop), looked up once
    per request and kept on it as ``request.shop``."""
    if hasattr(request, "shop"):
        return request.shop  # type: ignore[attr-defined,no-any-return]
    host = request.get_host().rsplit(":", 1)[0].lower() if _has_host(request) else ""
    # The dispatch rules come along: every product page and basket shows the promise. So
    # do the settings rows (one per shop, or none) that the basket, placing an order and
    # the order page read: fraud thresholds, legal identity (whether the seller charges
    # VAT prices every basket), self-service rules. Joined, they are never stale, which a
    # cache shared by no other server process could not promise.
    shops = Shop.objects.select_related(
        "dispatch_rules", "fraud_settings", "seller_identity", "selfservice_rules"
    )
    candidates = (
        list(shops.filter(Q(domain=host) | Q(is_default=True)).order_by("is_default")[:2])
        if host
        else list(shops.filter(is_default=True)[:1])
    )
    request.shop = candidates[0] if candidates else None  # type: ignore[attr-defined]
    return request.shop  # type: ignore[attr-defined,no-any-return]


def _has_host(request: HttpRequest) -> bool:
    # get_host() raises DisallowedHost for a host outside ALLOWED_HOSTS; let Django's own
    # handling answer 400 later instead of failing here.
    try:
        request.get_host()
    except Exception:
        return False
    return True
