"""301s for a whole batch of imported products at once.

Same rules as ``comptoir.seo.services.add_redirect`` (one hop: a redirect that pointed at
an old path now points at its new target; a page that is live again loses its redirect),
applied set-wise: calling ``add_redirect`` per product costs four queries and a scan of
the redirects by target (``new_path`` has no index), which made a 100,000-product import
spend most of its time there. The lead may fold this into seo/services.py as
``add_redirects``.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils import timezone

from comptoir.seo.models import Redirect
from comptoir.shops.models import Shop


class RedirectBatch:
    """Redirects of one import. Redirects this import makes point at product and category
    pages, never at old-platform paths, so only the redirects that existed before the
    import (loaded once, by target) can need re-pointing."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._by_target: dict[str, list[int]] | None = None
        self.pending: dict[str, tuple[str, str]] = {}

    def add(self, old_path: str, new_path: str, source: str) -> None:
        if old_path != new_path:
            self.pending[old_path] = (new_path, source)

    def _targets(self) -> dict[str, list[int]]:
        if self._by_target is None:
            self._by_target = defaultdict(list)
            for pk, target in (
                Redirect.objects.filter(shop=self.shop)
                .values_list("pk", "new_path")
                .iterator(chunk_size=5000)
            ):
                self._by_target[target].append(pk)
        return self._by_target

    def flush(self) -> int:
        """Write the pending redirects; returns how many were written."""
        if not self.pending:
            return 0
        pending, self.pending = self.pending, {}
        targets = self._targets()
        new_paths = {new for new, _source in pending.values()}
        # A page that is live again must not redirect away.
        Redirect.objects.filter(shop=self.shop, old_path__in=new_paths).delete()
        for old_path, (new_path, _source) in pending.items():
            ids = targets.pop(old_path, None)
            if ids:
                Redirect.objects.filter(pk__in=ids).update(new_path=new_path)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        qn = connection.ops.quote_name
        meta = Redirect._meta
        columns = [meta.get_field(n).column for n in ("shop", "old_path", "new_path", "source")]
        rows = [
            (self.shop.pk, old, new, source, 0, now, now) for old, (new, source) in pending.items()
        ]
        sql_columns = ", ".join(qn(c) for c in [*columns, "hits", "created_at", "updated_at"])
        per_statement = 2000
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {qn(meta.db_table)} ({sql_columns}) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
                    + f" ON CONFLICT ({qn(columns[0])}, {qn(columns[1])}) DO UPDATE SET "
                    f"{qn(columns[2])} = excluded.{qn(columns[2])}, "
                    f"{qn(columns[3])} = excluded.{qn(columns[3])}, "
                    f"{qn('updated_at')} = excluded.{qn('updated_at')}",
                    [value for row in chunk for value in row],
                )
        return len(pending)
