"""Indexes for finding an account by email whatever its case (``username__iexact``,
``email__iexact``): the order page's account offer and sign-up ask it for every guest
who pays, and without them PostgreSQL reads every account. PostgreSQL only: Django's
case-insensitive match there is ``UPPER(col::text) = UPPER(%s)``, the expression these
index; SQLite's is a ``LIKE``, which an index of this kind does not serve."""

from django.conf import settings
from django.db import migrations

INDEXES = (("customers_user_username_upper", "username"), ("customers_user_email_upper", "email"))


def _user_table(apps):
    model = apps.get_model(settings.AUTH_USER_MODEL)
    return model._meta.db_table, {f.name: f.column for f in model._meta.concrete_fields}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table, columns = _user_table(apps)
    quote = schema_editor.quote_name
    for name, field in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"(UPPER({quote(columns[field])}::text))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _field in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
