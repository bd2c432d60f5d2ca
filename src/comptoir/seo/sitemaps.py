"""Sitemaps for any catalog size: an index, then per-type, per-language sitemaps of at most
50,000 URLs, each URL with its hreflang alternates.

Nothing is built in memory: a sitemap is streamed in batches read by keyset pagination
(``product_id > last``), never OFFSET, so the millionth product costs what the first does.
Where each sitemap starts is one window-function query per catalog version, cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from comptoir.catalog.models import (
    Category,
    CategoryTranslation,
    Product,
    ProductStatus,
    ProductTranslation,
)
from comptoir.shops.models import Shop

MAX_URLS = 50_000
BATCH = 5_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SLUG = "__slug__"


@dataclass(frozen=True)
class Chunk:
    """One sitemap's share of a table: rows with first_id <= id < next chunk's first_id."""

    number: int
    first_id: int
    end_id: int | None  # None for the last chunk
    lastmod: datetime | None


KINDS = {
    # kind -> (owner model, translation model, condition on the owner table)
    "products": (Product, ProductTranslation, ("status = %s", ProductStatus.ACTIVE)),
    "categories": (Category, CategoryTranslation, ("is_active = %s", True)),
}


def chunks(shop: Shop, kind: str, size: int = MAX_URLS) -> list[Chunk]:
    """Where each sitemap of ``kind`` starts, with the newest change in it."""
    key = f"sitemap-chunks:{shop.pk}:{shop.catalog_version}:{kind}:{size}"
    found = cache.get(key)
    if found is None:
        found = _read_chunks(shop, kind, size)
        cache.set(key, found, 3600)
    return found


def _read_chunks(shop: Shop, kind: str, size: int) -> list[Chunk]:
    model, _translation, (condition, value) = KINDS[kind]
    table = connection.ops.quote_name(model._meta.db_table)
    # Numbering the rows in id order and grouping them by thousands of rows reads the
    # id index once: boundaries without OFFSET.
    sql = (
        "SELECT (rn - 1) / %s AS chunk, MIN(id), MAX(updated_at) FROM ("
        f"  SELECT id, updated_at, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {table}"
        f"  WHERE shop_id = %s AND {condition}"
        ") numbered GROUP BY chunk ORDER BY chunk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [size, shop.pk, value])
        rows = cursor.fetchall()
    result = []
    for index, (number, first_id, lastmod) in enumerate(rows):
        end_id = rows[index + 1][1] if index + 1 < len(rows) else None
        result.append(Chunk(int(number) + 1, first_id, end_id, _as_datetime(lastmod)))
    return result


def _as_datetime(value: object) -> datetime | None:
    # SQLite hands raw SQL datetimes back as text.
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def w3c(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


@dataclass(frozen=True)
class IndexEntry:
    path: str
    lastmod: datetime | None


def index_entries(shop: Shop) -> list[IndexEntry]:
    entries = [IndexEntry(reverse("seo:sitemap_pages"), None)]
    for kind in ("categories", "products"):
        for chunk in chunks(shop, kind):
            for language in shop.language_codes:
                path = reverse(
                    "seo:sitemap",
                    kwargs={"kind": kind, "language": language, "number": chunk.number},
                )
                entries.append(IndexEntry(path, chunk.lastmod))
    return entries


def render_index(shop: Shop, root: str) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<sitemapindex xmlns="{SITEMAP_NS}">\n'
    for entry in index_entries(shop):
        lastmod = f"<lastmod>{w3c(entry.lastmod)}</lastmod>" if entry.lastmod else ""
        yield f"<sitemap><loc>{escape(root + entry.path)}</loc>{lastmod}</sitemap>\n"
    yield "</sitemapindex>\n"


def _url_patterns(shop: Shop, kind: str) -> dict[str, str]:
    """The page address of each language with a placeholder for the slug: one reverse per
    language rather than one per URL."""
    name = "storefront:product" if kind == "products" else "storefront:category"
    patterns = {}
    for language in shop.language_codes:
        with override(language):
            patterns[language] = reverse(name, kwargs={"slug": SLUG})
    return patterns


def _url(
    root: str,
    loc: str,
    lastmod: datetime | None,
    alternates: dict[str, str],
    x_default: str,
) -> str:
    parts = [f"<url><loc>{escape(root + loc)}</loc>"]
    if lastmod:
        parts.append(f"<lastmod>{w3c(lastmod)}</lastmod>")
    if len(alternates) > 1:
        for code, path in alternates.items():
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="{code}" href={quoteattr(root + path)}/>'
            )
        if x_default:
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="x-default" '
                f"href={quoteattr(root + x_default)}/>"
            )
    parts.append("</url>\n")
    return "".join(parts)


def _urlset_open() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n'
    )


def render_pages(shop: Shop, root: str) -> Iterator[str]:
    homes = {}
    for language in shop.language_codes:
        with override(language):
            homes[language] = reverse("storefront:home")
    yield _urlset_open()
    for language in shop.language_codes:
        yield _url(root, homes[language], None, homes, homes.get(shop.default_language, ""))
    yield "</urlset>\n"


def render_chunk(
    shop: Shop, root: str, *, kind: str, language: str, chunk: Chunk, batch: int = BATCH
) -> Iterator[str]:
    """The URLs of one chunk in ``language``, read ``batch`` owners at a time."""
    model, translation, _condition = KINDS[kind]
    owner = "product" if kind == "products" else "category"
    patterns = _url_patterns(shop, kind)
    default = shop.default_language
    rows = translation.objects.filter(shop=shop, **{f"{owner}__{f}": v for f, v in _live(kind)})
    rows = rows.filter(**{f"{owner}_id__gte": chunk.first_id})
    if chunk.end_id is not None:
        rows = rows.filter(**{f"{owner}_id__lt": chunk.end_id})
    languages = len(shop.language_codes)
    yield _urlset_open()
    last = chunk.first_id - 1
    while True:
        page = list(
            rows.filter(**{f"{owner}_id__gt": last})
            .order_by(f"{owner}_id", "language")
            .values_list(f"{owner}_id", "language", "slug", f"{owner}__updated_at")[
                : batch * languages
            ]
        )
        if not page:
            break
        full = len(page) == batch * languages
        groups: dict[int, list[tuple[str, str, datetime]]] = {}
        for owner_id, code, slug, updated in page:
            groups.setdefault(owner_id, []).append((code, slug, updated))
        if full and len(groups) > 1:
            # The last owner's rows may continue in the next batch: read it again there.
            groups.popitem()
        for owner_id, translations in groups.items():
            last = owner_id
            slugs = {code: slug for code, slug, _updated in translations if slug}
            if language not in slugs:
                continue
            alternates = {
                code: patterns[code].replace(SLUG, slug)
                for code, slug in slugs.items()
                if code in patterns
            }
            yield _url(
                root,
                alternates[language],
                translations[0][2],
                alternates,
                alternates.get(default, ""),
            )
        if not full:
            break
    yield "</urlset>\n"


def _live(kind: str) -> list[tuple[str, object]]:
    return [("status", ProductStatus.ACTIVE)] if kind == "products" else [("is_active", True)]


def find_chunk(shop: Shop, kind: str, number: int) -> Chunk | None:
    return next((c for c in chunks(shop, kind) if c.number == number), None)
