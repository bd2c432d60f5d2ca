"""301s for a whole batch of imported products at once.

Same rules as ``comptoir.seo.services.add_redirect`` (one hop: a redirect that pointed at
an old path now points at its new target; a page that is live again loses its redirect),
applied set-wise: calling ``add_redirect`` per product costs four queries, which made a
100,000-product import spend most of its time there. Both find the redirects pointing at a
path through the (shop, new_path) index. The lead may fold this into seo/services.py as
``add_redirects``.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils import timezone

from comptoir.imports.bulk import insert_rows, select_in
from comptoir.seo.models import Redirect
from comptoir.shops.models import Shop


class RedirectBatch:
    """Redirects of one import, written a batch at a time."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.pending: dict[str, tuple[str, str]] = {}

    def add(self, old_path: str, new_path: str, source: str) -> None:
        if old_path != new_path:
            self.pending[old_path] = (new_path, source)

    def flush(self) -> int:
        """Write the pending redirects; returns how many were written."""
        if not self.pending:
            return 0
        pending, self.pending = self.pending, {}
        shop_redirects = "SELECT id, new_path FROM seo_redirect WHERE shop_id = %s"
        # A page that is live again must not redirect away.
        live_again = select_in(
            shop_redirects,
            [self.shop.pk],
            "old_path",
            list({new for new, _source in pending.values()}),
        )
        if live_again:
            Redirect.objects.filter(pk__in=[pk for pk, _target in live_again]).delete()
        # One hop: redirects that pointed at a path now redirected follow it (found through
        # the (shop, new_path) index, as add_redirect finds them).
        repoint: dict[str, list[int]] = defaultdict(list)
        for pk, target in select_in(shop_redirects, [self.shop.pk], "new_path", list(pending)):
            repoint[pending[target][0]].append(pk)
        for new_path, ids in repoint.items():
            Redirect.objects.filter(pk__in=ids).update(new_path=new_path)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        insert_rows(
            Redirect,
            ["shop", "old_path", "new_path", "source", "hits", "created_at", "updated_at"],
            [
                (self.shop.pk, old, new, source, 0, now, now)
                for old, (new, source) in pending.items()
            ],
            conflict=["shop", "old_path"],
            update=["new_path", "source", "updated_at"],
        )
        return len(pending)
