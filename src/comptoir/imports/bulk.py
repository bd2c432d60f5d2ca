"""Writing many rows at once, in each database's fastest way that keeps the same result.

The catalog writer hands over plain tuples (values already in database form): building a
model instance and preparing each field through the ORM cost more than the database's own
work. PostgreSQL receives them through ``COPY`` (psycopg writes each value in C; an INSERT
had every value quoted into the statement in Python first); rows that may meet existing
ones go in one ``INSERT ... SELECT ... ON CONFLICT`` reading them from one JSON
parameter. SQLite takes multi-row INSERT statements.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from itertools import chain

from django.db import connection
from django.db.models import Model


def insert_rows(
    model: type[Model],
    fields: list[str],
    rows: list[tuple[object, ...]],
    *,
    returning: bool = False,
    ignore_conflicts: bool = False,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> list[int]:
    """INSERT ``rows`` into ``model``'s table. With ``returning``, the new primary keys in
    row order. With ``ignore_conflicts``, rows that would break a unique constraint are
    skipped; with ``conflict`` (the unique fields) and ``update``, they update those
    fields of the existing row instead."""
    if not rows:
        return []
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    conflict_columns = [meta.get_field(name).column for name in conflict]
    update_columns = [meta.get_field(name).column for name in update]
    on_conflict = _on_conflict(conflict_columns, update_columns, ignore_conflicts)
    if connection.vendor == "postgresql":
        if on_conflict:
            # Values are read as the column's type without its length or precision: an
            # explicit cast to varchar(200) would cut a longer value short, where the
            # INSERT's own assignment refuses it, as COPY does.
            types = [meta.get_field(name).db_type(connection).split("(")[0] for name in fields]
            _insert_from_json(meta.db_table, columns, types, rows, on_conflict)
            return []
        return _copy(meta.db_table, meta.pk.column, columns, rows, returning=returning)
    return _sqlite_insert(meta.db_table, meta.pk.column, columns, rows, returning, on_conflict)


def _on_conflict(conflict: list[str], update: list[str], ignore: bool) -> str:
    qn = connection.ops.quote_name
    if update:
        targets = ", ".join(qn(c) for c in conflict)
        sets = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in update)
        return f" ON CONFLICT ({targets}) DO UPDATE SET {sets}"
    return " ON CONFLICT DO NOTHING" if ignore else ""


def _copy(
    table: str,
    pk: str,
    columns: list[str],
    rows: list[tuple[object, ...]],
    *,
    returning: bool,
) -> list[int]:
    """COPY returns nothing, so new primary keys are drawn from the table's sequence first
    and written with the rows."""
    qn = connection.ops.quote_name
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            # The sequence is looked up once, not once per row (3.5 µs a row otherwise).
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
                "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [table, pk, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
            rows = [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        # Django's own cursor has no COPY; its error wrapper keeps errors Django's.
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def _insert_from_json(
    table: str,
    columns: list[str],
    types: list[str],
    rows: list[tuple[object, ...]],
    on_conflict: str,
) -> None:
    """One INSERT whose rows arrive as a single JSON array of arrays: Python's json module
    writes it in C, where psycopg built one array parameter per column in Python (a tenth
    of the importing process's time). A temporary staging table filled by COPY did the
    same, but each batch had to empty it again: DELETE left the rows for every later batch
    to scan, as the import is one transaction, and TRUNCATE cost 6 ms a batch."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    values = ", ".join(f"(r ->> {i})::{db_type}" for i, db_type in enumerate(types))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(table)} ({names}) SELECT {values} "
            f"FROM jsonb_array_elements(%s::jsonb) AS r{on_conflict}",
            # Decimals and datetimes as text, which the casts above read back exactly.
            [json.dumps(rows, default=str, ensure_ascii=False)],
        )


def _sqlite_insert(
    table: str,
    pk: str,
    columns: list[str],
    rows: list[tuple[object, ...]],
    returning: bool,
    on_conflict: str,
) -> list[int]:
    """Multi-row statements, not ``executemany``: run once per row, a statement ends with a
    savepoint at which the FTS5 index of the translations flushes its pending terms, which
    made the insert five times slower.

    The statements are written with sqlite3's own ``?`` marks and run by its cursor
    directly: Django's cursor rewrote every ``%s`` of them with a regular expression first,
    4 % of an import into SQLite for statements of thousands of values."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    row_sql = "(" + ", ".join(["?"] * len(columns)) + ")"
    suffix = on_conflict + (f" RETURNING {qn(pk)}" if returning else "")
    per_statement = max(1, min(500, 30000 // len(columns)))  # SQLite allows 32,766 variables
    ids: list[int] = []
    with connection.cursor() as cursor, connection.wrap_database_errors:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sqlite_cursor = sqlite3.Cursor.execute(
                cursor.cursor,
                f"INSERT INTO {qn(table)} ({names}) VALUES "
                + ", ".join([row_sql] * len(chunk))
                + suffix,
                list(chain.from_iterable(chunk)),
            )
            if returning:
                ids += [row[0] for row in sqlite_cursor.fetchall()]
    return ids


def select_in(sql: str, params: list[object], column: str, values: list[str]) -> list[tuple]:
    """``sql`` (a SELECT ending in its WHERE conditions, its parameters marked ``%s``)
    narrowed to rows whose ``column`` is one of ``values``. The ORM prepares each value of
    an ``__in`` through its field, which cost a bulk import more than the queries
    themselves."""
    if not values:
        return []
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One index probe per value, whatever the statistics say. The tables an import
            # fills have none yet (nothing analyses rows the import has not committed), and
            # with ``column = ANY(...)`` PostgreSQL then took the shop_id index for a
            # selective one: each lookup read every row of the shop (30 ms per batch at
            # 100,000 products, growing with the file). OFFSET 0 keeps the subquery apart.
            cursor.execute(
                "SELECT found.* FROM jsonb_array_elements_text(%s::jsonb) AS wanted(value) "
                f"CROSS JOIN LATERAL ({sql} AND {column} = wanted.value OFFSET 0) AS found",
                [json.dumps(list(dict.fromkeys(values)), ensure_ascii=False), *params],
            )
            return cursor.fetchall()
        # sqlite3's own ? marks through its cursor, as in _sqlite_insert: Django's cursor
        # rewrote each of the batch's thousand-odd %s with a regular expression first.
        head = sql.replace("%s", "?")
        with connection.wrap_database_errors:
            for start in range(0, len(values), 30000):
                chunk = values[start : start + 30000]
                marks = ", ".join(["?"] * len(chunk))
                found = sqlite3.Cursor.execute(
                    cursor.cursor, f"{head} AND {column} IN ({marks})", [*params, *chunk]
                )
                rows += found.fetchall()
    return rows
