"""Reading cells: the picker a parser takes many cells of a row with gives what reading
them one by one gives, whatever the shape of the file and of the row."""

from __future__ import annotations

import gc
import io

import pytest

from comptoir.imports.reading import read_csv
from comptoir.imports.services import import_products
from tests.imports.conftest import csv_text


def rows_and_picks(data: str, columns: tuple[str, ...]) -> list[tuple[list[str], list[str]]]:
    csv_file = read_csv(io.BytesIO(data.encode()))
    pick = csv_file.picker(columns)
    return [(pick(row), [row.get(c) for c in columns]) for row in csv_file.rows]


@pytest.mark.parametrize(
    "columns",
    [
        ("B", "A", "C"),  # every column present, out of file order
        ("C",),  # a single one
        ("A", "Missing", "C"),  # one the file lacks
    ],
)
def test_the_picker_gives_the_stripped_cells_row_get_gives(columns):
    # Given full rows, a short row and padded cells
    data = csv_text(["A", "B", "C"], [" a1 ", "b1", " c1"], ["a2", " b2 "], ["a3", "b3", "c3", "x"])
    for picked, one_by_one in rows_and_picks(data, columns):
        # Then each pick is what Row.get reads, cell by cell
        assert picked == one_by_one


def test_the_picker_follows_row_get_when_a_column_name_is_repeated():
    data = csv_text(["A", "B", "A"], ["first", "b", "last"])
    assert rows_and_picks(data, ("A", "B")) == [(["last", "b"], ["last", "b"])]


@pytest.mark.django_db
def test_an_import_leaves_the_garbage_collector_as_it_found_it(shop):
    # Given a collector with nothing frozen
    assert gc.get_freeze_count() == 0
    # When an import runs, and when one fails half-way (a stream that cannot be read)
    import_products(shop, io.BytesIO(csv_text(["Handle"], ["x"]).encode()), platform="shopify")

    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("disk gone")

    with pytest.raises(OSError):
        import_products(shop, Broken(), platform="shopify")
    # Then nothing stays frozen: the objects of the process are collected as before
    assert gc.get_freeze_count() == 0
