import django.db.models.deletion
from django.db import migrations, models

# (shop, old_path) and (shop, new_path) serve every look-up by shop. Only the index goes:
# Django's own AlterField would rebuild the table on SQLite and re-check the foreign key on
# PostgreSQL.
INDEX = "seo_redirect_shop_id_f4a3405f"


class Migration(migrations.Migration):
    dependencies = [
        ("seo", "0003_redirect_by_target_index"),
        ("shops", "0002_shop_country_and_oss"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="redirect",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="redirects",
                        to="shops.shop",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "seo_redirect" ("shop_id")',
                ),
            ],
        ),
    ]
