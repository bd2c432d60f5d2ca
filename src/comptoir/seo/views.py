"""Sitemaps, robots.txt and product feeds: thin, the work is in sitemaps.py and feeds.py."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import override
from django.views.decorators.http import require_safe

from comptoir.seo import sitemaps
from comptoir.seo.head import site_root
from comptoir.seo.models import Feed, FeedKind
from comptoir.seo.services import seo_settings

XML = "application/xml; charset=utf-8"
SITEMAP_MAX_AGE = 3600
FEED_MAX_AGE = 3600


def _xml(request: HttpRequest, body: object) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=XML)
    response["Cache-Control"] = f"public, max-age={SITEMAP_MAX_AGE}"
    return response


@require_safe
def sitemap_index(request: HttpRequest) -> StreamingHttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    return _xml(request, sitemaps.render_index(shop, site_root(request)))


@require_safe
def sitemap_pages(request: HttpRequest) -> StreamingHttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    return _xml(request, sitemaps.render_pages(shop, site_root(request)))


@require_safe
def sitemap(request: HttpRequest, kind: str, language: str, number: str) -> StreamingHttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    if kind not in sitemaps.KINDS or language not in shop.language_codes:
        raise Http404
    chunk = sitemaps.find_chunk(shop, kind, int(number))
    if chunk is None:
        raise Http404
    body = sitemaps.render_chunk(
        shop, site_root(request), kind=kind, language=language, chunk=chunk
    )
    return _xml(request, body)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    lines = ["User-agent: *"]
    for language in shop.language_codes:
        with override(language):
            # Search results, the basket, the checkout and the account: nothing to index
            # and endless combinations to crawl.
            private = [
                reverse("storefront:search"),
                reverse("cart:detail"),
                reverse("checkout:checkout"),
                reverse("customers:orders"),
            ]
        lines += [f"Disallow: {path}" for path in private]
    # Filtered and sorted listings repeat the category page.
    for parameter in ("sort", "brand", "o", "min_price", "max_price", "q"):
        lines += [f"Disallow: /*?{parameter}=", f"Disallow: /*&{parameter}="]
    lines += ["Disallow: /admin/", "Disallow: /payments/", "Disallow: /downloads/"]
    extra = seo_settings(shop).robots_extra.strip()
    if extra:
        lines += ["", *(line.strip() for line in extra.splitlines())]
    lines += ["", f"Sitemap: {site_root(request)}{reverse('seo:sitemap_index')}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def feed(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    """The last generated feed file; the worker regenerates it when the catalog changed."""
    shop = request.shop  # type: ignore[attr-defined]
    if kind not in FeedKind.values or language not in shop.language_codes:
        raise Http404
    row = Feed.objects.filter(shop=shop, kind=kind, language=language).first()
    if row is None or not default_storage.exists(row.file_name):
        from comptoir.seo.tasks import generate_feeds

        generate_feeds.enqueue(shop.pk)
        response = HttpResponse(
            "The feed is being generated; try again in a few minutes.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "300"
        return response
    etag = f'"{row.kind}-{row.language}-{row.catalog_version}-{int(row.generated_at.timestamp())}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        content_type = XML if kind == FeedKind.GOOGLE else "text/csv; charset=utf-8"
        response = FileResponse(
            default_storage.open(row.file_name, "rb"), content_type=content_type
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(row.generated_at.timestamp())
    response["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    return response
