from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from comptoir.seo.services import find_redirect


class RedirectMiddleware:
    """Last in the list, so it sees a 404 before the locale and slash middlewares do: an
    old address the merchant (or a slug change) redirected wins over their guesses.

    Only requests that found no page pay for the lookup, one indexed query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        shop = getattr(request, "shop", None)
        # PostgreSQL refuses a NUL character in a query; no stored address holds one.
        if shop is None or "\x00" in request.path or "%00" in request.get_full_path():
            return response
        redirect = find_redirect(shop, path=request.path, full_path=request.get_full_path())
        if redirect is None:
            return response
        return HttpResponsePermanentRedirect(redirect.new_path)
