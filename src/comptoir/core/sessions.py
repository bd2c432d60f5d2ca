"""Django's database sessions, written with one statement instead of a transaction.

Django saves an existing session inside ``transaction.atomic()``: on PostgreSQL that is a
``BEGIN`` and a ``COMMIT``, two round trips to the database around the one ``UPDATE``,
for every request that changes its session (adding to the basket, placing an order). One
``UPDATE`` in autocommit is atomic by itself. Creating one, Django first asks whether its
new random key exists, then inserts it in a transaction: here the ``INSERT`` alone, its
primary key telling a collision (one in 36^32) by an error, and a new key is drawn.
Loading one is a plain-SQL read of its data: nearly every basket and checkout request
loads its session, and the ORM's query costs several times its run.

``SESSION_ENGINE = "comptoir.core.sessions"``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            # Unknown or expired: a new session, with a new key, as Django's store does.
            self._session_key = None
            return {}
        return self.decode(row[0])  # type: ignore[no-any-return]

    def _get_new_session_key(self) -> str:
        # No query to ask whether it exists: the INSERT says so (see create).
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            self.create()  # Django's loop: a new key until one is inserted
            return
        if must_create:
            self._insert()
            return
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(self._get_session()),
            expire_date=self.get_expiry_date(),
        )
        if not updated:
            # Deleted meanwhile (signed out in another tab): Django's own store says so
            # the same way, and the middleware answers that the session was interrupted.
            raise UpdateError

    def _insert(self) -> None:
        row = self.create_model_instance(self._get_session(no_load=True))
        try:
            if transaction.get_connection().in_atomic_block:
                # Inside a caller's transaction: a savepoint keeps it usable after a
                # collision.
                with transaction.atomic():
                    row.save(force_insert=True)
            else:
                row.save(force_insert=True)
        except IntegrityError:
            raise CreateError from None
