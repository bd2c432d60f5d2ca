"""Django's database sessions, written with one statement instead of a transaction.

Django saves an existing session inside ``transaction.atomic()``: on PostgreSQL that is a
``BEGIN`` and a ``COMMIT``, two round trips to the database around the one ``UPDATE``,
for every request that changes its session (adding to the basket, placing an order). One
``UPDATE`` in autocommit is atomic by itself. Creating a session keeps Django's code
(it relies on the transaction to detect a key collision).

``SESSION_ENGINE = "comptoir.core.sessions"``.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            super().save(must_create=must_create)
            return
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(self._get_session()),
            expire_date=self.get_expiry_date(),
        )
        if not updated:
            # Deleted meanwhile (signed out in another tab): Django's own store says so
            # the same way, and the middleware answers that the session was interrupted.
            raise UpdateError
