"""Old URL -> new URL: each platform's URL schemes, matched against the keys the imports
recorded, for the addresses of an old sitemap.xml or a plain list the merchant uploads."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import parse_qs, unquote, urlsplit

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.catalog.models import CategoryTranslation, ProductTranslation
from comptoir.catalog.text import make_slug
from comptoir.imports.models import LegacyKey
from comptoir.imports.records import Issue
from comptoir.seo.models import RedirectSource
from comptoir.seo.services import add_redirect
from comptoir.shops.models import Shop

MAX_URLS = 1_000_000
MAX_LISTED = 10_000

# PrestaShop 1.6 /{category}/{id}-{rewrite}.html (optionally -{ean13}); 1.7 and 8
# /{category}/{id}-{id_product_attribute}-{rewrite}.html; 9 /{id}-{rewrite}.html.
PS_PRODUCT = re.compile(r"^/(?:[\w-]+/)*(\d+)(?:-\d+)?-[\w-]+\.html$")
PS_CATEGORY = re.compile(r"^/(\d+)-([\w-]+)/?$")
PS_CMS = re.compile(r"^/content/(\d+)-[\w-]+/?$")
PS_BRAND = re.compile(r"^/(?:brand/(\d+)-[\w-]+|(\d+)_[\w-]+)/?$")
SHOPIFY_PRODUCT = re.compile(r"^/(?:collections/[\w-]+/)?products/([\w.-]+)/?$")
SHOPIFY_COLLECTION = re.compile(r"^/collections/([\w-]+)/?$")
WOO_PRODUCT = re.compile(r"^/product/([\w%.-]+)/?$")
WOO_CATEGORY = re.compile(r"^/product-category/((?:[\w%-]+/)*[\w%-]+)/?$")
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:-[a-z]{2})?(?=/)")


@dataclass
class UrlReport:
    read: int = 0
    redirects_created: int = 0
    unmatched: list[str] = field(default_factory=list)  # the first MAX_LISTED
    unmatched_count: int = 0
    rolled_back: bool = False
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.read,
            "redirects_created": self.redirects_created,
            "unmatched_urls": self.unmatched[:1000],
            "unmatched_count": self.unmatched_count,
            "issues": [i.as_dict() for i in self.issues],
            "rolled_back": self.rolled_back,
        }


def read_urls(stream: IO[bytes]) -> Iterator[str]:
    """The addresses of a sitemap.xml (<loc> elements) or of a list, one per line."""
    head = stream.read(512)
    rest_is_xml = head.lstrip().startswith(b"<")
    if rest_is_xml:
        stream_with_head = _Joined(head, stream)
        try:
            # expat (2.4.1 and later) caps entity expansion and never fetches external
            # entities, which is what defusedxml guards against.
            events = ET.iterparse(stream_with_head, events=("start", "end"))  # noqa: S314
            for event, element in events:
                name = element.tag.rsplit("}", 1)[-1]
                if event == "start":
                    if name == "sitemapindex":
                        raise ValueError(
                            _("This is a sitemap index: upload the sitemaps it lists, one by one.")
                        )
                    continue
                if name == "loc" and element.text:
                    yield element.text.strip()
                element.clear()
        except ET.ParseError as exc:
            raise ValueError(
                _("The sitemap is not valid XML: %(error)s") % {"error": exc}
            ) from None
        return
    data = head + stream.read()
    text = data.decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        value = line.strip().split(",")[0].split(";")[0].strip().strip('"')
        if value and not value.startswith("#"):
            yield value


class _Joined:
    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self.rest.read(size)


def old_path(url: str) -> str:
    """The path (with the query string when it names the page) of an old address."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if parts.query and ("id_product" in parts.query or "p=" in parts.query):
        return f"{path}?{parts.query}"
    return path


class Resolver:
    """Finds the new page for an old path with the keys earlier imports recorded."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.language = shop.default_language
        with translation.override(self.language):
            self.product_prefix = reverse("storefront:product", kwargs={"slug": "x"})[:-2]
            self.category_prefix = reverse("storefront:category", kwargs={"slug": "x"})[:-2]

    def _product_by_key(self, platform: str, kind: str, key: str) -> str | None:
        product_id = (
            LegacyKey.objects.filter(shop=self.shop, platform=platform, kind=kind, key=key)
            .values_list("product_id", flat=True)
            .first()
        )
        return self._product_by_id(product_id) if product_id else None

    def _product_by_id(self, product_id: int) -> str | None:
        slug = (
            ProductTranslation.objects.filter(product_id=product_id, language=self.language)
            .values_list("slug", flat=True)
            .first()
        )
        return f"{self.product_prefix}{slug}/" if slug else None

    def _product_by_slug(self, slug: str) -> str | None:
        slug = make_slug(unquote(slug), 220)
        if ProductTranslation.objects.filter(
            shop=self.shop, language=self.language, slug=slug
        ).exists():
            return f"{self.product_prefix}{slug}/"
        return None

    def _category_by_slug(self, slug: str) -> str | None:
        slug = make_slug(unquote(slug), 160)
        if CategoryTranslation.objects.filter(
            shop=self.shop, language=self.language, slug=slug
        ).exists():
            return f"{self.category_prefix}{slug}/"
        return None

    def resolve(self, path: str) -> str | None:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if "id_product" in query:
            return self._product_by_key("prestashop", "product", query["id_product"][0])
        if "p" in query:
            return self._product_by_key("woocommerce", "product", query["p"][0])
        bare = LANGUAGE_PREFIX.sub("", parts.path) or "/"
        if match := SHOPIFY_PRODUCT.match(bare):
            return self._product_by_key("shopify", "handle", match[1]) or self._product_by_slug(
                match[1]
            )
        if match := SHOPIFY_COLLECTION.match(bare):
            return self._category_by_slug(match[1])
        if match := WOO_PRODUCT.match(bare):
            return self._product_by_slug(match[1])
        if match := WOO_CATEGORY.match(bare):
            return self._category_by_slug(match[1].rsplit("/", 1)[-1])
        if match := PS_PRODUCT.match(bare):
            return self._product_by_key("prestashop", "product", match[1])
        if match := PS_CATEGORY.match(bare):
            return self._category_by_slug(match[2])
        # CMS pages and brands have no page of their own here: reported as unmatched.
        return None


def import_urls(shop: Shop, stream: IO[bytes], *, dry_run: bool = False) -> UrlReport:
    """A 301 for every old address that names an imported product or category; the
    others are listed in the report for the merchant to redirect by hand."""
    report = UrlReport()
    resolver = Resolver(shop)
    try:
        with transaction.atomic():
            for url in read_urls(stream):
                report.read += 1
                if report.read > MAX_URLS:
                    message = _("Only the first %(count)s addresses were read.")
                    report.issues.append(Issue(0, "", message % {"count": MAX_URLS}, True))
                    break
                path = old_path(url)
                if path in ("", "/"):
                    continue
                target = resolver.resolve(path)
                if target is None:
                    report.unmatched_count += 1
                    if len(report.unmatched) < MAX_LISTED:
                        report.unmatched.append(url)
                    continue
                if target != path and (
                    dry_run
                    or add_redirect(
                        shop, old_path=path, new_path=target, source=RedirectSource.URL_LIST
                    )
                ):
                    report.redirects_created += 1
            if dry_run:
                transaction.set_rollback(True)
    except ValueError as exc:
        report.issues.append(Issue(line=0, column="", message=str(exc)))
        report.rolled_back = True
    report.rows = report.read
    return report
