"""The search seam: one small base class, one backend per database engine.

``COMPTOIR_SEARCH_BACKEND`` is ``"auto"`` (the backend made for the database in use) or the
dotted path of a :class:`~comptoir.search.backends.base.SearchBackend` subclass.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from comptoir.search.backends.base import SearchBackend, SearchResult

__all__ = ["SearchBackend", "SearchResult", "get_search_backend"]

BY_VENDOR = {
    "sqlite": "comptoir.search.backends.sqlite.SQLiteSearchBackend",
    "postgresql": "comptoir.search.backends.postgres.PostgresSearchBackend",
}


@cache
def get_search_backend() -> SearchBackend:
    path = settings.COMPTOIR_SEARCH_BACKEND
    if path == "auto":
        path = BY_VENDOR[connection.vendor]
    backend_class = import_string(path)
    return backend_class()
