"""The neutral shape every platform's rows are mapped to before anything is written.

A parser turns the rows of one platform into ``ProductRecord`` (or ``CustomerRecord``)
values and ``Issue`` values; the writer only ever sees these, so the four formats share
one validation, one writer and one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Issue:
    """A problem found in the file, where the merchant can find it: line and column."""

    line: int
    column: str
    message: str
    warning: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "warning": self.warning,
        }


@dataclass
class ImageRef:
    url: str
    alt: str = ""


@dataclass
class VariantRecord:
    line: int
    sku: str
    price: Decimal | None
    options: dict[str, str] = field(default_factory=dict)  # option name -> value
    gtin: str = ""
    compare_at_price: Decimal | None = None
    weight_grams: int | None = None
    track_stock: bool = True
    stock_quantity: int = 0
    legacy_id: str = ""


@dataclass
class ProductRecord:
    line: int
    handle: str  # the key of the product in its source file: Shopify handle, parent SKU, id
    name: str
    description: str = ""
    meta_title: str = ""
    meta_description: str = ""
    status: str = "active"
    category_path: list[str] = field(default_factory=list)  # ["Clothing", "T-shirts"]
    brand: str = ""
    tags: list[str] = field(default_factory=list)
    variants: list[VariantRecord] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    allow_backorder: bool = False
    # The product's addresses on the old shop: paths that get a 301 to the new page.
    old_paths: list[str] = field(default_factory=list)
    # (kind, key) pairs that identify it on the old platform, e.g. ("product", "42").
    legacy_keys: list[tuple[str, str]] = field(default_factory=list)
    slug: str = ""
    # For a file that only adds variants to products of an earlier file (PrestaShop
    # combinations): the legacy product id those variants belong to.
    attach_to_legacy_id: str = ""
    # Set when the record stands for a product already in the catalog whose category stays.
    existing_category_id: int | None = None
    keep_category: bool = False
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(not issue.warning for issue in self.issues)


@dataclass
class AddressRecord:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    phone: str = ""


@dataclass
class CustomerRecord:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    newsletter: bool = False
    addresses: list[AddressRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
