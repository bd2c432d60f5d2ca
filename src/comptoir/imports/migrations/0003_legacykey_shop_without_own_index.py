import django.db.models.deletion
from django.db import migrations, models

# Only the index goes: Django's own AlterField would also drop and re-add the foreign key
# (re-checking every row under lock) on PostgreSQL and rebuild the table on SQLite.
INDEX = "imports_legacykey_shop_id_34e8a82c"


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_export_jobs_private_files"),
        ("shops", "0002_shop_country_and_oss"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="legacykey",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shops.shop",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "imports_legacykey" ("shop_id")',
                ),
            ],
        ),
    ]
