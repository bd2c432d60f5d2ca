"""Helpers for the import tests: the real samples (when present) and CSV builders."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from comptoir.imports.services import ImportReport, import_products
from comptoir.shops.models import Shop


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    """Uploaded and exported files (kept outside MEDIA_ROOT) go to a temporary folder."""
    settings.COMPTOIR_PRIVATE_ROOT = tmp_path / "private"


REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / ".." / "shared" / "formats"


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"sample {relative} absent: ../shared/formats is not beside the repository")
    return path


def csv_text(header: list[str], *rows: list[str], sep: str = ",", eol: str = "\n") -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return eol.join(sep.join(cell(v) for v in line) for line in (header, *rows)) + eol


def run(shop: Shop, data: bytes | str, platform: str, **options: object) -> ImportReport:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return import_products(shop, io.BytesIO(raw), platform=platform, **options)  # type: ignore[arg-type]


OURS = [
    "handle", "name", "description", "category", "brand", "tags", "sku", "gtin", "price",
    "compare_at_price", "stock_quantity", "option1_name", "option1_value", "images",
]  # fmt: skip


def our_row(handle: str, sku: str, price: str = "10.00", **cells: str) -> list[str]:
    values = {"handle": handle, "name": handle.replace("-", " ").title(), "sku": sku,
              "price": price, "stock_quantity": "5", **cells}  # fmt: skip
    return [values.get(column, "") for column in OURS]
