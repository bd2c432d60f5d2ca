from django.db import migrations


def create_index(apps, schema_editor):
    from comptoir.search.backends import postgres, sqlite

    statements = {"sqlite": sqlite.CREATE_SQL, "postgresql": postgres.CREATE_SQL}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    from comptoir.search.backends import postgres, sqlite

    statements = {"sqlite": sqlite.DROP_SQL, "postgresql": postgres.DROP_SQL}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
