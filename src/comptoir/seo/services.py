"""Redirects: added by hand, by the catalog when an address changes, or in bulk."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from comptoir.core.exceptions import ComptoirError
from comptoir.seo.models import Redirect, RedirectSource, SeoSettings
from comptoir.shops.models import Shop

MAX_PATH = 1000


@transaction.atomic
def add_redirect(
    shop: Shop, *, old_path: str, new_path: str, source: str = RedirectSource.MANUAL
) -> Redirect | None:
    """Send ``old_path`` to ``new_path`` with a 301, in one hop: redirects that pointed at
    ``old_path`` now point at ``new_path``, and a redirect back to itself is dropped.
    Returns the redirect, or None when the two paths are the same."""
    if old_path == new_path:
        Redirect.objects.filter(shop=shop, old_path=old_path).delete()
        return None
    # The new page may have been an old address itself: it is live again.
    Redirect.objects.filter(shop=shop, old_path=new_path).delete()
    Redirect.objects.filter(shop=shop, new_path=old_path).update(new_path=new_path)
    redirect, _ = Redirect.objects.update_or_create(
        shop=shop, old_path=old_path, defaults={"new_path": new_path, "source": source}
    )
    return redirect


def page_path(kind: str, *, language: str, slug: str) -> str:
    """The storefront path of a product or category page in ``language``."""
    with override(language):
        return reverse(f"storefront:{kind}", kwargs={"slug": slug})


def record_slug_change(
    shop: Shop, *, kind: str, language: str, old_slug: str, new_slug: str
) -> Redirect | None:
    """Called by the catalog, in its transaction, when a product's or category's slug
    changes: the old address answers with a 301 to the new one from then on."""
    if not old_slug or old_slug == new_slug:
        return None
    return add_redirect(
        shop,
        old_path=page_path(kind, language=language, slug=old_slug),
        new_path=page_path(kind, language=language, slug=new_slug),
        source=RedirectSource.SLUG_CHANGE,
    )


def find_redirect(shop: Shop, *, path: str, full_path: str) -> Redirect | None:
    """The redirect for a request that found no page, by one indexed query; counts the hit."""
    candidates = {full_path, path}
    # An old shop's links often differ from ours only by the trailing slash.
    candidates.add(path[:-1] if path.endswith("/") and len(path) > 1 else path + "/")
    found = {r.old_path: r for r in Redirect.objects.filter(shop=shop, old_path__in=candidates)}
    redirect = found.get(full_path) or found.get(path) or next(iter(found.values()), None)
    if redirect is not None:
        Redirect.objects.filter(pk=redirect.pk).update(hits=F("hits") + 1)
    return redirect


def normalize_path(raw: str, *, field_name: str) -> str:
    """A path as stored: an absolute URL loses its scheme and host; "/" is required."""
    value = (raw or "").strip()
    if not value:
        raise ComptoirError(_("The %(field)s address is empty.") % {"field": field_name})
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        value = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not value.startswith("/"):
        raise ComptoirError(
            _("The %(field)s address must start with / (got %(value)s).")
            % {"field": field_name, "value": raw.strip()[:80]}
        )
    if len(value) > MAX_PATH:
        raise ComptoirError(
            _("The %(field)s address is longer than %(max)s characters.")
            % {"field": field_name, "max": MAX_PATH}
        )
    return value


@dataclass
class RedirectImport:
    added: int = 0
    errors: list[str] = field(default_factory=list)


def import_redirects(shop: Shop, *, text: str) -> RedirectImport:
    """Import "old,new" lines (a CSV file, with or without a header row).

    All or nothing: when any line is wrong, nothing is imported and every wrong line is
    reported with its number, so the merchant fixes the file and imports it again.
    """
    result = RedirectImport()
    pairs: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    sample = text[:2048]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and not cells[0].startswith(("/", "http")):
            continue  # a header row such as "old,new"
        if len(cells) < 2 or not cells[1]:
            result.errors.append(
                _("Line %(line)s: two columns are expected, the old and the new address.")
                % {"line": number}
            )
            continue
        try:
            old = normalize_path(cells[0], field_name=_("old"))
            new = normalize_path(cells[1], field_name=_("new"))
        except ComptoirError as error:
            result.errors.append(_("Line %(line)s: %(error)s") % {"line": number, "error": error})
            continue
        if old == new:
            result.errors.append(
                _("Line %(line)s: the old and new addresses are the same.") % {"line": number}
            )
            continue
        if old in seen:
            result.errors.append(
                _("Line %(line)s: %(path)s is already redirected on line %(first)s.")
                % {"line": number, "path": old, "first": seen[old]}
            )
            continue
        seen[old] = number
        pairs.append((old, new))
    mapping = dict(pairs)
    for number, (old, new) in enumerate(pairs):
        # A file may list a chain (a -> b, then b -> c): each old address goes straight
        # to the end of it, and a loop is refused rather than stored.
        hops = {old}
        while new in mapping:
            if new in hops:
                result.errors.append(
                    _("Line %(line)s: %(path)s is part of a redirect loop.")
                    % {"line": seen[old], "path": old}
                )
                break
            hops.add(new)
            new = mapping[new]
        pairs[number] = (old, new)
    if result.errors:
        return result
    with transaction.atomic():
        for old, new in pairs:
            add_redirect(shop, old_path=old, new_path=new, source=RedirectSource.MANUAL)
    result.added = len(pairs)
    return result


def seo_settings(shop: Shop) -> SeoSettings:
    """The shop's settings, or the defaults (unsaved) until the merchant changes them:
    a page view never writes."""
    return SeoSettings.objects.filter(shop=shop).first() or SeoSettings(shop=shop)
