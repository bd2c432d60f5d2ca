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
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse

# Set by @cacheable views on their response, read and removed by the middleware: the one
# way a view says "this page is the same for every anonymous visitor".
STORE_HEADER = "X-Comptoir-Cacheable"
SKIPPED_HEADERS = {STORE_HEADER.lower(), "set-cookie", "x-page-cache"}


def cacheable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response[STORE_HEADER] = "1"
        return response

    return wrapper


class PageCacheMiddleware:
    """First in the middleware list: a hit is answered before any other middleware runs,
    with the headers every other middleware had added to the stored response (security
    headers, language, frame options), so a cached page is byte for byte the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path_key = self.path_key(request)
        version = shop_version(request) if path_key else None
        if path_key is None or version is None:
            response = self.get_response(request)
            if STORE_HEADER in response:
                del response[STORE_HEADER]
            return response
        stored = cache.get(f"page:{version[0]}:{version[1]}:{path_key}")
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        store = response.has_header(STORE_HEADER)
        if store:
            del response[STORE_HEADER]
        shop = getattr(request, "shop", None)
        if (
            store
            and shop is not None
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            # Keyed on the version the page was rendered from, not the one read above:
            # a change committed in between must not be hidden behind the old key.
            headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
            cache.set(
                f"page:{shop.pk}:{shop.catalog_version}:{path_key}",
                (response.content, headers),
                # A page may say how long it stays true (the dispatch promise changes at
                # the cut-off): never cache it longer than that.
                min(
                    settings.COMPTOIR_PAGE_CACHE_SECONDS,
                    getattr(request, "page_cache_seconds", settings.COMPTOIR_PAGE_CACHE_SECONDS),
                ),
            )
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def path_key(request: HttpRequest) -> str | None:
        if (
            settings.COMPTOIR_PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path.startswith(("/admin/", "/static/", "/media/"))
        ):
            return None
        return hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()


def shop_version(request: HttpRequest) -> tuple[int, int] | None:
    """(shop id, catalog version) for the request's host, by one small query.

    The hot path of every cached page: plain SQL on two columns, because building the
    ORM query for the whole shop row costs more than the rest of a cache hit.
    """
    try:
        host = request.get_host().rsplit(":", 1)[0].lower()
    except DisallowedHost:
        return None  # Django answers 400 further down
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, catalog_version FROM shops_shop WHERE domain = %s OR is_default "
            "ORDER BY is_default LIMIT 1",
            [host],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
