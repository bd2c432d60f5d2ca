"""Finding an account by email whatever its case reads an index, not every account."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_the_case_insensitive_email_lookup_uses_the_indexes():
    users = get_user_model()
    users.objects.bulk_create(
        users(username=f"u{n}@example.org", email=f"u{n}@example.org") for n in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(users._meta.db_table)}")
    query = users.objects.filter(
        Q(username__iexact="Jeanne@Example.org") | Q(email__iexact="Jeanne@Example.org")
    )

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the plan with indexes, if any
        plan = query.explain()

    assert "customers_user_username_upper" in plan and "customers_user_email_upper" in plan
    assert not query.exists()
