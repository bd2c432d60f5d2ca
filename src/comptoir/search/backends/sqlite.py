from __future__ import annotations

from django.db import connection

from comptoir.search.backends.base import COUNT_LIMIT, SearchBackend, SearchResult

FTS_TABLE = "search_product_fts"

CREATE_SQL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_name, search_body,
        content='catalog_producttranslation', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3'
    )""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON catalog_producttranslation
        BEGIN
          INSERT INTO {FTS_TABLE}(rowid, search_name, search_body)
          VALUES (new.id, new.search_name, new.search_body);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON catalog_producttranslation
        BEGIN
          INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name, search_body)
          VALUES ('delete', old.id, old.search_name, old.search_body);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_name, search_body
        ON catalog_producttranslation
        BEGIN
          INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name, search_body)
          VALUES ('delete', old.id, old.search_name, old.search_body);
          INSERT INTO {FTS_TABLE}(rowid, search_name, search_body)
          VALUES (new.id, new.search_name, new.search_body);
        END""",
]
DROP_SQL = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

# CROSS JOIN fixes the join order: SQLite would otherwise scan every translation and probe
# the index for each one (seconds at 100,000 products) instead of starting from the
# index's matches (milliseconds).
MATCHES = f"""
    FROM {FTS_TABLE} f
    CROSS JOIN catalog_producttranslation t ON t.id = f.rowid
    CROSS JOIN catalog_product p ON p.id = t.product_id
    WHERE {FTS_TABLE} MATCH %s AND t.shop_id = %s AND t.language = %s AND p.status = 'active'
"""


class SQLiteSearchBackend(SearchBackend):
    """SQLite FTS5, kept in step with the product translations by triggers.

    Every word matches as a prefix ("cafe moul" finds "café moulu"); the product name
    weighs ten times the description in the BM25 ranking.
    """

    def run(
        self, *, shop_id: int, language: str, terms: list[str], offset: int, limit: int
    ) -> SearchResult:
        match = " ".join(f'"{term}"*' for term in terms)
        params = [match, shop_id, language]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.product_id {MATCHES} ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), p.id "
                "LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 {MATCHES} LIMIT {COUNT_LIMIT + 1})", params
            )
            total = cursor.fetchone()[0]
        return SearchResult(ids, min(total, COUNT_LIMIT), total > COUNT_LIMIT)

    def rebuild(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
