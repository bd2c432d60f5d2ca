from __future__ import annotations

import re
from dataclasses import dataclass

from comptoir.catalog.text import normalize_for_search

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Counting every match of a one-letter query in a million products costs more than the
# page itself; past this many the storefront says "more than 1000 results".
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class SearchResult:
    product_ids: list[int]
    total: int
    total_is_capped: bool = False


class SearchBackend:
    """Ranks the active products of a shop, in one language, for a free-text query."""

    def search(
        self, *, shop_id: int, language: str, query: str, offset: int = 0, limit: int = 24
    ) -> SearchResult:
        terms = query_terms(query)
        if not terms:
            return SearchResult([], 0)
        return self.run(shop_id=shop_id, language=language, terms=terms, offset=offset, limit=limit)

    def run(
        self, *, shop_id: int, language: str, terms: list[str], offset: int, limit: int
    ) -> SearchResult:
        raise NotImplementedError

    def rebuild(self) -> None:
        """Re-index every product from its stored search text."""
        raise NotImplementedError


def query_terms(query: str) -> list[str]:
    """Normalised words of the query: accents off, lower case, no operators, bounded."""
    words = normalize_for_search(query[:500]).split()
    terms = [re.sub(r"[^0-9a-z]", "", w)[:MAX_TERM_LENGTH] for w in words]
    return [t for t in terms if t][:MAX_TERMS]
