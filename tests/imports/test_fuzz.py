"""Every parser fed random bytes and random CSV: only clean issues, never an exception."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.imports.platforms import (
    parse_comptoir,
    parse_prestashop,
    parse_shopify,
    parse_woocommerce,
)
from comptoir.imports.reading import FileError, read_csv
from comptoir.imports.records import Issue, ProductRecord
from comptoir.imports.writer import validate_record

HEADERS = {
    "shopify": ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU",
                "Variant Price", "Variant Barcode", "Variant Grams", "Variant Inventory Qty",
                "Image Src", "Status"],
    "woocommerce": ["ID", "Type", "SKU", "Name", "Parent", "Regular price", "Sale price",
                    "Stock", "Weight (kg)", "Categories", "Attribute 1 name",
                    "Attribute 1 value(s)", "Images"],
    "prestashop": ["Product ID", "Name *", "Price tax excluded", "Reference #", "EAN13",
                   "Quantity", "Weight", "Image URLs (x,y,z...)"],
    "prestashop_combinations": ["Product ID*", "Attribute (Name:Type:Position)*",
                                "Value (Value:Position)*", "Reference", "Impact on price",
                                "Quantity"],
    "comptoir": ["handle", "name", "sku", "price", "gtin", "stock_quantity", "option1_name",
                 "option1_value", "track_stock", "status"],
}  # fmt: skip
PARSERS = {
    "shopify": (parse_shopify, "shopify"),
    "woocommerce": (parse_woocommerce, "woocommerce"),
    "prestashop": (parse_prestashop, "prestashop"),
    "prestashop_combinations": (parse_prestashop, "prestashop"),
    "comptoir": (parse_comptoir, "comptoir"),
}
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "0", "-1", "12,50", "1,234", "4.6347E+11", "9" * 30, "abc", "1e400",
                     "Blue:0, 8GB:1", "Color:color:0", "variation", "variable", "x > y"]),
)  # fmt: skip


def consume(kind: str, data: bytes) -> None:
    parse, platform = PARSERS[kind]
    try:
        csv_file = read_csv(io.BytesIO(data), unneutralise=platform == "comptoir")
        for item in parse(csv_file):
            if isinstance(item, ProductRecord):
                validate_record(item, platform)
                assert all(isinstance(i, Issue) for i in item.issues)
            else:
                assert isinstance(item, Issue)
    except FileError:
        pass  # a clean, reported refusal of the whole file


def rows_for(kind: str) -> st.SearchStrategy[bytes]:
    header = HEADERS[kind]
    sep = ";" if kind.startswith("prestashop") else ","

    def encode(rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        import csv

        writer = csv.writer(out, delimiter=sep)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    return st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=8).map(encode)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(data=st.binary(max_size=400), kind=st.sampled_from(sorted(PARSERS)))
def test_random_bytes_never_crash_a_parser(data, kind):
    consume(kind, data)


@FUZZ
@given(data=rows_for("shopify"))
def test_random_shopify_rows(data):
    consume("shopify", data)


@FUZZ
@given(data=rows_for("woocommerce"))
def test_random_woocommerce_rows(data):
    consume("woocommerce", data)


@FUZZ
@given(data=rows_for("prestashop"))
def test_random_prestashop_rows(data):
    consume("prestashop", data)


@FUZZ
@given(data=rows_for("prestashop_combinations"))
def test_random_prestashop_combination_rows(data):
    consume("prestashop_combinations", data)


@FUZZ
@given(data=rows_for("comptoir"))
def test_random_comptoir_rows(data):
    consume("comptoir", data)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
@pytest.mark.django_db
def test_random_rows_through_the_whole_import_give_a_report(shop, data):
    # The writer too: whatever a row says, the import ends with a report, never a crash.
    from comptoir.imports.services import import_products

    kind = data.draw(st.sampled_from(["shopify", "woocommerce", "prestashop", "comptoir"]))
    raw = data.draw(rows_for(kind))
    report = import_products(shop, io.BytesIO(raw), platform=PARSERS[kind][1], keep_valid=True)
    assert report.rows >= 0
