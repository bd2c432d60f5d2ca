"""Gapless numbers (orders, invoices, credit notes): one counter row per series.

The increment takes the row's lock and says the new number in one statement (UPDATE ...
RETURNING, on PostgreSQL and SQLite >= 3.35 alike), which the ORM cannot express. The lock
is held until the caller's transaction ends, so concurrent callers are numbered one after
the other, and a rollback gives the number back.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction


def take_next(counter: type[models.Model], **series: Any) -> int:
    """The next number of the series whose counter row has ``series`` as its column values
    (``shop_id=3``, ``kind="invoice"``); the row is made on the series' first number. Call
    inside the transaction that uses the number."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block
    q = connection.ops.quote_name
    where = " AND ".join(f"{q(column)} = %s" for column in series)
    sql = (
        f"UPDATE {q(counter._meta.db_table)} SET last_number = last_number + 1 "  # noqa: S608
        f"WHERE {where} RETURNING last_number"
    )
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(sql, list(series.values()))
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            # The series' first number: make its counter (in a savepoint, as another
            # transaction may make it at the same time), then increment it as above.
            counter._default_manager.get_or_create(**series)
    raise AssertionError(f"the counter {counter.__name__} {series} could not be incremented")
