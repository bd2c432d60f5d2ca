from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from comptoir.core import ratelimit
from comptoir.core.models import RateCounter

pytestmark = pytest.mark.django_db

WINDOW = timedelta(minutes=10)


def test_hits_are_counted_per_key_and_window_in_one_statement(django_assert_num_queries):
    start = ratelimit.window_start(timezone.now(), WINDOW)
    with transaction.atomic():
        with django_assert_num_queries(1):
            first = ratelimit.hit(["a", "b"], window=WINDOW, now=start)
        counts = [first, ratelimit.hit(["a", "b"], window=WINDOW, now=start + timedelta(minutes=9))]
        counts.append(ratelimit.hit(["b"], window=WINDOW, now=start))
    later = ratelimit.hit(["a"], window=WINDOW, now=start + WINDOW)

    assert counts == [{"a": 1, "b": 1}, {"a": 2, "b": 2}, {"b": 3}]
    assert later == {"a": 1}
    assert sorted(RateCounter.objects.values_list("key", "hits")) == [
        ("a", 1),
        ("a", 2),
        ("b", 3),
    ]


def test_old_windows_are_purged():
    start = ratelimit.window_start(timezone.now(), WINDOW)
    ratelimit.hit(["a", "b"], window=WINDOW, now=start)
    ratelimit.hit(["a"], window=WINDOW, now=start + WINDOW)

    assert ratelimit.purge_expired(now=start + WINDOW) == 0
    assert ratelimit.purge_expired(now=start + ratelimit.KEEP + WINDOW) == 2
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["a"]


def test_no_key_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert ratelimit.hit(["", ""], window=WINDOW) == {}


def test_hits_are_counted_unless_the_query_finds_a_row(django_assert_num_queries):
    # Given a query that finds a row only for "stop"
    start = ratelimit.window_start(timezone.now(), WINDOW)
    table = RateCounter._meta.db_table
    ratelimit.hit(["stop"], window=WINDOW, now=start)

    def unless(key):
        return (f'SELECT 1 FROM "{table}" WHERE "key" = %s', [key])  # noqa: S608

    # When keys are hit unless it finds one, the query and the hits in one statement on
    # PostgreSQL (the query, then the hits, elsewhere)
    statements = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(statements):
        counted = ratelimit.hit_unless(["a", "b"], unless=unless("none"), window=WINDOW, now=start)
    again = ratelimit.hit_unless(["a"], unless=unless("none"), window=WINDOW, now=start)
    refused = ratelimit.hit_unless(["a", "b"], unless=unless("stop"), window=WINDOW, now=start)
    nothing = ratelimit.hit_unless([], unless=unless("none"), window=WINDOW, now=start)

    # Then the hits are counted, except where the query found a row
    assert (counted, again, refused, nothing) == ({"a": 1, "b": 1}, {"a": 2}, None, {})
    assert sorted(RateCounter.objects.values_list("key", "hits")) == [
        ("a", 2),
        ("b", 1),
        ("stop", 1),
    ]
