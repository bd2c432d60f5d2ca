"""The session store: Django's database sessions, an existing one saved by one UPDATE."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comptoir.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_new_session_is_created_and_an_existing_one_saved_by_one_update():
    # Given a new session, created the way Django creates one
    store = SessionStore()
    store["cart_id"] = "a"
    store.save()
    key = store.session_key

    # When it changes and is saved again
    again = SessionStore(session_key=key)
    again["cart_id"] = "b"
    with CaptureQueriesContext(connection) as ctx:
        again.save()

    # Then one statement wrote it: no transaction (or savepoint) around it
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert Session.objects.count() == 1
    assert SessionStore(session_key=key).load() == {"cart_id": "b"}


def test_saving_a_session_deleted_meanwhile_says_so():
    store = SessionStore()
    store["cart_id"] = "a"
    store.save()
    stale = SessionStore(session_key=store.session_key)
    stale["cart_id"] = "b"  # read, then changed, while another request signs out
    Session.objects.all().delete()

    with pytest.raises(UpdateError):
        stale.save()

    assert Session.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_new_session_is_one_insert():
    store = SessionStore()
    store["cart_id"] = "a"
    with CaptureQueriesContext(connection) as ctx:
        store.save()
    # No "does this key exist?" query, no transaction around the INSERT.
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"]
    assert SessionStore(session_key=store.session_key).load() == {"cart_id": "a"}


def test_a_key_that_exists_already_is_drawn_again(monkeypatch):
    first = SessionStore()
    first["cart_id"] = "first"
    first.save()
    keys = iter([first.session_key, "x" * 32])
    monkeypatch.setattr("comptoir.core.sessions.get_random_string", lambda *a: next(keys))

    second = SessionStore()
    second["cart_id"] = "second"
    second.save()

    assert second.session_key == "x" * 32
    assert SessionStore(session_key=first.session_key).load() == {"cart_id": "first"}
    assert SessionStore(session_key="x" * 32).load() == {"cart_id": "second"}


def test_an_expired_or_unknown_session_loads_empty_with_a_new_key():
    store = SessionStore()
    store["cart_id"] = "a"
    store.save()
    assert SessionStore(session_key=store.session_key).load() == {"cart_id": "a"}
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore(session_key="y" * 32)
    assert unknown.load() == {} and unknown.session_key is None
