import django.db.models.deletion
from django.db import migrations, models

# Each of these indexes repeats the first column of a longer index or unique constraint
# (product_*, variant_unique_sku, product_unique_slug, product_one_translation_per_language,
# product_option_once), which serves the same look-ups; every import wrote them for nothing.
# Only the indexes go: Django's own AlterField would rebuild the tables on SQLite, and with
# catalog_producttranslation its full-text triggers, and re-check the foreign keys on
# PostgreSQL.
INDEXES = [
    ("catalog_product_shop_id_8ebb3f92", "catalog_product", "shop_id"),
    ("catalog_variant_shop_id_224ed5ac", "catalog_variant", "shop_id"),
    ("catalog_producttranslation_shop_id_3225703c", "catalog_producttranslation", "shop_id"),
    ("catalog_producttranslation_product_id_c4e22f1a", "catalog_producttranslation", "product_id"),
    ("catalog_producttranslation_slug_30b2f8dd", "catalog_producttranslation", "slug"),
    ("catalog_productoption_product_id_d81cc5b1", "catalog_productoption", "product_id"),
]
# PostgreSQL's second index on a slug, for LIKE 'prefix%'.
SLUG_PATTERN = "catalog_producttranslation_slug_30b2f8dd_like"


def drop(apps, schema_editor):
    names = [name for name, _table, _column in INDEXES]
    if schema_editor.connection.vendor == "postgresql":
        names.append(SLUG_PATTERN)
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    for name, table, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{SLUG_PATTERN}" ON "catalog_producttranslation" '
            '("slug" varchar_pattern_ops)'
        )


def without_index(**kwargs):
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, **kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_best_sellers_index"),
        ("shops", "0002_shop_country_and_oss"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="product",
                    name="shop",
                    field=without_index(related_name="products", to="shops.shop"),
                ),
                migrations.AlterField(
                    model_name="productoption",
                    name="product",
                    field=without_index(related_name="product_options", to="catalog.product"),
                ),
                migrations.AlterField(
                    model_name="producttranslation",
                    name="product",
                    field=without_index(related_name="translations", to="catalog.product"),
                ),
                migrations.AlterField(
                    model_name="producttranslation",
                    name="shop",
                    field=without_index(related_name="+", to="shops.shop"),
                ),
                migrations.AlterField(
                    model_name="producttranslation",
                    name="slug",
                    field=models.SlugField(
                        blank=True,
                        db_index=False,
                        help_text="Left blank, it is made from the name.",
                        max_length=220,
                        verbose_name="slug",
                    ),
                ),
                migrations.AlterField(
                    model_name="variant",
                    name="shop",
                    field=without_index(related_name="+", to="shops.shop"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
