"""A whole-page cache for anonymous storefront visits.

The key holds the shop's catalog version, so every catalog change invalidates every
cached page of the shop at once, on every server, with no purge to run. Only views that
opt in with :func:`cacheable` are stored, and only for visitors without a session (no
cart, not signed in), so nothing personal is ever shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def cacheable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.page_cacheable = True  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self.key_for(request)
        if key is None:
            return self.get_response(request)
        stored = cache.get(key)
        if stored is not None:
            content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and getattr(request, "page_cacheable", False)
            and not response.cookies
            and not response.streaming
        ):
            cache.set(key, (response.content, response["Content-Type"]),
                      settings.COMPTOIR_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def key_for(request: HttpRequest) -> str | None:
        shop = getattr(request, "shop", None)
        if (
            shop is None
            or settings.COMPTOIR_PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path.startswith(("/admin/", "/static/", "/media/"))
        ):
            return None
        digest = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
        return f"page:{shop.pk}:{shop.catalog_version}:{digest}"
