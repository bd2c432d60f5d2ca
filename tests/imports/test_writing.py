"""Writing new products: the amounts, flags and prices an import stores are those the
catalog's own code would store for the same values, on either database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from comptoir.catalog.models import Product, Variant
from comptoir.core.money import quantize
from tests.imports.conftest import OURS, csv_text, our_row, run


@pytest.mark.django_db
def test_new_products_store_rounded_amounts_and_plain_flags(shop):
    # Given a file whose prices need rounding to the cent, with and without a former price
    data = csv_text(
        OURS,
        our_row("bol", "BOL-1", "12.345", compare_at_price="19.995"),
        our_row("tasse", "TASSE-1", "7.004", stock_quantity="0"),
        our_row("verre", "VERRE-1", "0.005"),
    )
    # When it is imported
    report = run(shop, data, "comptoir")
    assert report.error_count == 0 and report.products_created == 3
    # Then every amount is rounded half-up to the cent, as ``quantize`` rounds it
    variants = {v.sku: v for v in Variant.objects.filter(shop=shop)}
    for sku, raw, compare in (
        ("BOL-1", "12.345", "19.995"),
        ("TASSE-1", "7.004", None),
        ("VERRE-1", "0.005", None),
    ):
        variant = variants[sku]
        assert variant.price == quantize(Decimal(raw), shop.currency)
        assert variant.compare_at_price == (
            quantize(Decimal(compare), shop.currency) if compare else None
        )
        assert variant.track_stock is True
        product = Product.objects.get(pk=variant.product_id)
        assert product.min_price == product.max_price == variant.price
        assert product.is_featured is False and product.allow_backorder is False
    assert variants["BOL-1"].price == Decimal("12.35")
    assert variants["BOL-1"].compare_at_price == Decimal("20.00")
    assert variants["VERRE-1"].price == Decimal("0.01")
    in_stock = dict(Product.objects.values_list("translations__slug", "in_stock").distinct())
    assert in_stock == {"bol": True, "tasse": False, "verre": True}


@pytest.mark.django_db
def test_imported_values_have_the_types_the_orm_gives_them(shop):
    # Given an imported product, and one saved through the ORM with the same values
    run(shop, csv_text(OURS, our_row("bol", "BOL-1", "12.345")), "comptoir")
    imported = Variant.objects.get(sku="BOL-1")
    saved = Variant.objects.create(
        shop=shop, product_id=imported.product_id, sku="BOL-2", price=Decimal("12.35"),
        track_stock=True, stock_quantity=5, position=1,
    )  # fmt: skip
    # Then the database holds both rows' amounts and flags the same way
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sku, price, track_stock FROM catalog_variant WHERE sku IN (%s, %s)",
            ["BOL-1", "BOL-2"],
        )
        stored = {sku: (price, flag) for sku, price, flag in cursor.fetchall()}
    assert stored["BOL-1"] == stored[saved.sku]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sku, typeof(price), typeof(track_stock) FROM catalog_variant "
                "WHERE sku IN (%s, %s)",
                ["BOL-1", "BOL-2"],
            )
            types = {sku: rest for sku, *rest in cursor.fetchall()}
        assert types["BOL-1"] == types["BOL-2"]
