"""The shared pipeline, through our own CSV format: encodings, delimiters, errors with line
and column, dry run, all-or-nothing, keep-valid, re-runs that update."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.catalog.models import Product, ProductTranslation, Variant
from comptoir.imports.records import Issue
from tests.imports.conftest import OURS, csv_text, our_row, run

pytestmark = pytest.mark.django_db


def errors(report) -> list[tuple[int, str]]:
    return [(i.line, i.column) for i in report.issues if not i.warning]


def test_a_clean_file_creates_products_variants_and_translations(shop):
    # Given a file of two products, one with two sizes
    data = csv_text(
        OURS,
        our_row("tee", "TEE-S", "19.90", option1_name="Size", option1_value="S",
                category="Clothing > T-shirts", brand="Acme", tags="cotton, summer"),
        our_row("tee", "TEE-M", "21.90", option1_name="Size", option1_value="M"),
        our_row("mug", "MUG-1", "8.50"),
    )  # fmt: skip
    # When it is imported
    report = run(shop, data, "comptoir")
    # Then both products exist, in every shop language, with their listing fields
    assert (report.products_created, report.variants_created, report.error_count) == (2, 3, 0)
    tee = Product.objects.get(variants__sku="TEE-S")
    assert (tee.min_price, tee.max_price) == (Decimal("19.90"), Decimal("21.90"))
    slugs = sorted(tee.translations.values_list("language", "slug"))
    assert slugs == [("en", "tee"), ("fr", "tee")]
    assert str(tee.category) == "T-shirts" and str(tee.category.parent) == "Clothing"
    assert tee.brand.name == "Acme"
    assert sorted(tee.tags.values_list("name", flat=True)) == ["cotton", "summer"]
    assert sorted(
        Variant.objects.get(sku="TEE-M").option_values.values_list("code", flat=True)
    ) == ["m"]


def test_a_second_run_updates_instead_of_duplicating(shop):
    first = csv_text(OURS, our_row("mug", "MUG-1", "8.50"), our_row("bowl", "BOWL-1", "12.00"))
    run(shop, first, "comptoir")
    # When the same products come again with a new price and a new product
    second = csv_text(
        OURS, our_row("mug", "MUG-1", "9.00"), our_row("bowl", "BOWL-1"), our_row("cup", "CUP-1")
    )
    report = run(shop, second, "comptoir")
    # Then the known ones are updated, keyed by handle and SKU, and one is created
    assert (report.products_created, report.products_updated) == (1, 2)
    assert Product.objects.filter(shop=shop).count() == 3
    assert Variant.objects.get(sku="MUG-1").price == Decimal("9.00")
    assert Product.objects.get(variants__sku="MUG-1").min_price == Decimal("9.00")


def test_a_dry_run_reports_what_would_change_and_writes_nothing(shop):
    run(shop, csv_text(OURS, our_row("mug", "MUG-1")), "comptoir")
    data = csv_text(OURS, our_row("mug", "MUG-1", "11.00"), our_row("cup", "CUP-1"))
    report = run(shop, data, "comptoir", dry_run=True)
    assert (report.products_created, report.products_updated) == (1, 1)
    assert report.written is False
    assert Product.objects.filter(shop=shop).count() == 1
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")


def test_one_bad_row_rolls_the_whole_file_back_unless_valid_rows_are_kept(shop):
    data = csv_text(
        OURS,
        our_row("mug", "MUG-1"),
        our_row("cup", "CUP-1", "-3.00"),
        our_row("bowl", "BOWL-1", "abc"),
        our_row("", "X-1", name="Orphan"),
        our_row("plate", "PLATE-1"),
    )
    report = run(shop, data, "comptoir")
    assert report.rolled_back is True
    assert errors(report) == [(3, "price"), (4, "price"), (5, "handle")]
    assert report.issues[0].message == "The price cannot be negative."
    assert Product.objects.filter(shop=shop).count() == 0
    # When the merchant keeps the valid rows
    kept = run(shop, data, "comptoir", keep_valid=True)
    assert kept.rolled_back is False
    assert kept.products_created == 2
    assert sorted(Variant.objects.values_list("sku", flat=True)) == ["MUG-1", "PLATE-1"]


def test_a_missing_required_column_is_reported_on_the_header_line(shop):
    data = "handle,name,sku\nmug,Mug,MUG-1\n"
    report = run(shop, data, "comptoir")
    assert [(i.line, i.column, i.message) for i in report.issues] == [
        (1, "price", "The required column price is missing from the header.")
    ]
    assert Product.objects.count() == 0


def test_duplicate_skus_are_errors_on_the_second_occurrence(shop):
    data = csv_text(OURS, our_row("mug", "SAME"), our_row("cup", "SAME"), our_row("bowl", "B-1"))
    report = run(shop, data, "comptoir", keep_valid=True)
    assert errors(report) == [(3, "sku")]
    assert report.products_created == 2


def test_the_same_handle_twice_in_a_file_is_reported(shop):
    data = csv_text(OURS, our_row("mug", "M-1"), our_row("cup", "C-1"), our_row("mug", "M-2"))
    report = run(shop, data, "comptoir", keep_valid=True)
    assert errors(report) == [(4, "handle")]
    assert Product.objects.count() == 2


def test_bom_crlf_semicolons_and_quoted_newlines_are_read(shop):
    text = csv_text(
        OURS,
        our_row("mug", "MUG-1", description="<p>First line;\nsecond line</p>"),
        sep=";",
        eol="\r\n",
    )
    report = run(shop, b"\xef\xbb\xbf" + text.encode(), "comptoir")
    assert (report.products_created, report.error_count) == (1, 0)
    description = ProductTranslation.objects.get(language="fr").description
    assert description == "<p>First line;\nsecond line</p>"


def test_windows_1252_text_is_decoded(shop):
    text = csv_text(OURS, our_row("the", "THE-1", name="Thé à la menthe – 50 g"))
    report = run(shop, text.encode("cp1252"), "comptoir")
    assert report.error_count == 0
    assert ProductTranslation.objects.get(language="fr").name == "Thé à la menthe – 50 g"


def test_unknown_and_empty_columns_are_ignored(shop):
    header = [*OURS, "", "Loyalty points", ""]
    data = csv_text(header, [*our_row("mug", "MUG-1"), "", "12", ""])
    report = run(shop, data, "comptoir")
    assert (report.products_created, report.error_count) == (1, 0)


def test_a_ten_megabyte_description_is_imported(shop):
    big = "<p>" + "x" * (10 * 1024 * 1024) + "</p>"
    report = run(shop, csv_text(OURS, our_row("big", "BIG-1", description=big)), "comptoir")
    assert report.error_count == 0
    assert len(ProductTranslation.objects.get(language="fr").description) == len(big)


def test_negative_stock_is_kept_and_reported(shop):
    row = our_row("mug", "MUG-1")
    row[OURS.index("stock_quantity")] = "-4"
    report = run(shop, csv_text(OURS, row), "comptoir")
    assert report.products_created == 1
    assert [(i.line, i.column, i.warning) for i in report.issues] == [(2, "stock_quantity", True)]
    assert Variant.objects.get().stock_quantity == -4


def test_french_decimal_commas_are_read_and_reported_ambiguous_ones_refused(shop):
    data = csv_text(
        OURS, our_row("mug", "MUG-1", "12,50"), our_row("cup", "CUP-1", "1,234"), sep=";"
    )
    report = run(shop, data, "comptoir", keep_valid=True)
    assert [(i.line, i.column, i.warning) for i in report.issues] == [
        (2, "price", True),
        (3, "price", False),
    ]
    assert report.issues[0].message == "12,50 uses a decimal comma; it was read as 12.50."
    assert Variant.objects.get().price == Decimal("12.50")


def test_a_barcode_mangled_by_a_spreadsheet_is_reported_never_stored(shop):
    data = csv_text(OURS, our_row("mug", "MUG-1", gtin="4.6347E+11"))
    report = run(shop, data, "comptoir")
    assert [(i.line, i.column, i.warning) for i in report.issues] == [(2, "gtin", True)]
    assert "rounded by a spreadsheet" in report.issues[0].message
    assert Variant.objects.get().gtin == ""


def test_a_binary_file_is_a_clean_error(shop):
    report = run(shop, b"\x89PNG\r\n\x1a\n\x00\x00\x00", "comptoir")
    assert report.rolled_back is True
    assert report.issues == [
        Issue(line=0, column="", message="This is not a CSV file: it contains binary data.")
    ]


def test_a_cell_that_is_not_utf8_far_into_the_file_is_reported_where_it_is(shop):
    # Given 2,000 good rows (past the 64 kB the encoding is guessed from), then a byte of
    # Windows-1252 that is not UTF-8
    rows = [our_row(f"p{n}", f"SKU-{n}") for n in range(2000)]
    good = csv_text(OURS, *rows).encode()
    assert len(good) > 64 * 1024
    data = good + "bad,Caf\xe9,,,,,B-1,,1,,1,,,\n".encode("cp1252")
    # When all or nothing: nothing is written and the line and column are named
    report = run(shop, data, "comptoir")
    assert report.rolled_back is True
    assert [(i.line, i.column, i.message) for i in report.issues] == [
        (2002, "name", "This cell is not valid utf-8 text.")
    ]
    assert Product.objects.count() == 0
    # When keeping the valid rows: every other row is written, batch by batch
    kept = run(shop, data, "comptoir", keep_valid=True, batch_size=500)
    assert (kept.rolled_back, kept.products_created) == (False, 2000)
    assert Product.objects.count() == 2000


def test_nul_bytes_are_refused_at_the_start_and_dropped_from_a_later_cell(shop):
    # A NUL in the first 4 kB says "binary file": the file is refused as a whole
    early = csv_text(OURS, our_row("mug", "MUG-1", description="a\x00b"))
    assert run(shop, early, "comptoir").rolled_back is True
    # Further down it is a stray byte in one cell (PostgreSQL cannot store it): dropped
    rows = [our_row(f"p{n}", f"S-{n}") for n in range(200)]
    late = csv_text(OURS, *rows, our_row("mug", "MUG-1", description="a\x00b"))
    report = run(shop, late, "comptoir")
    assert (report.error_count, report.products_created) == (0, 201)
    mug = ProductTranslation.objects.get(product__variants__sku="MUG-1", language="fr")
    assert mug.description == "ab"


@pytest.mark.postgres
def test_a_batch_the_database_refuses_is_reported_and_the_others_kept(shop):
    # Given a product whose old address is longer than a redirect can hold (PostgreSQL
    # enforces the column's length; SQLite does not)
    header = ["Handle", "Title", "Variant SKU", "Variant Price"]
    long_handle = "h" * 1200
    data = csv_text(header, ["mug", "Mug", "MUG-1", "5"], [long_handle, "Long", "L-1", "5"])
    # When the valid rows are kept, one product per batch
    report = run(shop, data, "shopify", keep_valid=True, batch_size=1)
    # Then the refused batch is an error on its line and the other product is imported
    assert [(i.line, i.column) for i in report.issues] == [(3, "")]
    assert report.issues[0].message.startswith("Lines 3 to 3 could not be written")
    assert list(Variant.objects.values_list("sku", flat=True)) == ["MUG-1"]
