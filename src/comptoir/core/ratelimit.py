"""Rate limits shared by every server process: hits counted per key in fixed windows, in
the database (the configured cache may be per process).

The payment step (fraud), "where is my order?" (orders) and the contact form (support)
count here. A key names what is limited and who: ``"pay:3:ip:203.0.113.7"``; callers hash
what they would rather not store (session keys).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from comptoir.core.models import RateCounter

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Counters older than this are purged (the longest window in use is well under it).
KEEP = timedelta(days=1)


def window_start(now: datetime, window: timedelta) -> datetime:
    return EPOCH + ((now - EPOCH) // window) * window


def window_end(now: datetime, window: timedelta) -> datetime:
    return window_start(now, window) + window


def hit(keys: list[str], *, window: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Add one hit to each key's current window and say how many each has now, in one
    statement, atomic on PostgreSQL and SQLite alike (INSERT ... ON CONFLICT ... RETURNING)."""
    keys = _counted(keys)
    if not keys:
        return {}
    start = _window_param(window, now)
    head, tail = _upsert()
    rows = ", ".join(["(%s, %s, 1)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"{head} VALUES {rows} {tail}",
            [value for key in keys for value in (key, start)],
        )
        return {str(key): int(count) for key, count in cursor.fetchall()}


def hit_unless(
    keys: list[str],
    *,
    unless: tuple[str, list[object]],
    window: timedelta,
    now: datetime | None = None,
) -> dict[str, int] | None:
    """:func:`hit`, unless the query ``unless`` (SQL and its parameters) finds a row: then
    None, and no hit is counted. One statement on PostgreSQL (the check and the upsert in
    one WITH), the query then :func:`hit` elsewhere."""
    sql, params = unless
    keys = _counted(keys)
    if connection.vendor != "postgresql" or not keys:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS ({sql})", params)  # noqa: S608
            if cursor.fetchone()[0]:
                return None
        return hit(keys, window=window, now=now)
    start = _window_param(window, now)
    head, tail = _upsert()
    values = ", ".join(["(%s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH found AS (SELECT EXISTS ({sql}) AS yes), "  # noqa: S608
            f"counted AS ({head} SELECT v.k, v.s, 1 FROM (VALUES {values}) AS v (k, s) "
            f"WHERE NOT (SELECT yes FROM found) {tail}) "
            "SELECT found.yes, counted.* FROM found LEFT JOIN counted ON TRUE",
            [*params, *[value for key in keys for value in (key, start)]],
        )
        rows = cursor.fetchall()
    if rows[0][0]:
        return None
    return {str(key): int(count) for _found, key, count in rows if key is not None}


def _counted(keys: list[str]) -> list[str]:
    return [key[:120] for key in keys if key]


def _window_param(window: timedelta, now: datetime | None) -> object:
    return connection.ops.adapt_datetimefield_value(window_start(now or timezone.now(), window))


def _upsert() -> tuple[str, str]:
    """The counters' INSERT up to its rows, and the tail that adds one hit to a key's
    window already counted and returns each key with its hits."""
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    key_, start_, hits = q("key"), q("window_start"), q("hits")
    return (
        f"INSERT INTO {table} ({key_}, {start_}, {hits})",
        f"ON CONFLICT ({key_}, {start_}) DO UPDATE SET {hits} = {table}.{hits} + 1 "
        f"RETURNING {key_}, {hits}",
    )


def purge_expired(*, now: datetime | None = None) -> int:
    """Forget the counters of windows long gone. Periodic."""
    deleted, _rows = RateCounter.objects.filter(
        window_start__lt=(now or timezone.now()) - KEEP
    ).delete()
    return deleted
