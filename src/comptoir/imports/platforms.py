"""One small parser per platform: rows in, ``ProductRecord`` and ``Issue`` values out.

Each parser only knows its platform's columns and conventions (Shopify's continuation
rows, WooCommerce's variation rows, PrestaShop's ``Name:Type:Position`` attributes);
validation, writing, redirects and the report are shared by all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import groupby

from django.utils.translation import gettext as _

from comptoir.catalog.text import make_slug
from comptoir.imports.reading import (
    CsvFile,
    FileError,
    Row,
    ValueProblem,
    issue,
    parse_barcode,
    parse_bool,
    parse_decimal,
    parse_int,
    split_list,
)
from comptoir.imports.records import ImageRef, Issue, ProductRecord, VariantRecord

Parsed = Iterator[ProductRecord | Issue]


class Platform:
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    PRESTASHOP = "prestashop"
    COMPTOIR = "comptoir"
    ALL = (SHOPIFY, WOOCOMMERCE, PRESTASHOP, COMPTOIR)


class _Cells:
    """Reads typed cells of one row, collecting problems instead of raising."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.issues: list[Issue] = [issue(row, column, text) for column, text in row.problems]

    def text(self, column: str) -> str:
        return self.row.get(column)

    def _read(self, column: str, parse: Callable[[str], object]) -> object:
        raw = self.row.get(column)
        try:
            return parse(raw)
        except ValueProblem as problem:
            self.issues.append(issue(self.row, column, str(problem)))
            return None

    def decimal(self, column: str) -> Decimal | None:
        warnings: list[str] = []
        value = self._read(column, lambda raw: parse_decimal(raw, warnings=warnings))
        for message in warnings:
            self.issues.append(issue(self.row, column, message, warning=True))
        return value  # type: ignore[return-value]

    def integer(self, column: str) -> int | None:
        return self._read(column, parse_int)  # type: ignore[return-value]

    def boolean(self, column: str, *, default: bool) -> bool:
        value = self._read(column, lambda raw: parse_bool(raw, default=default))
        return default if value is None else bool(value)

    def barcode(self, column: str) -> str:
        raw = self.row.get(column)
        try:
            return parse_barcode(raw)
        except ValueProblem as problem:
            # The row is still imported, without the barcode: the rest of it is sound.
            self.issues.append(issue(self.row, column, str(problem), warning=True))
            return ""


def require_columns(csv_file: CsvFile, columns: list[str]) -> list[Issue]:
    missing = [column for column in columns if column not in csv_file.header]
    return [
        Issue(
            line=1,
            column=column,
            message=_("The required column %(column)s is missing from the header.")
            % {"column": column},
        )
        for column in missing
    ]


def generated_sku(base: str, options: dict[str, str]) -> str:
    """A stable SKU for a variant the old shop left without one: the same file gives the
    same SKUs, so a second import updates instead of duplicating."""
    suffix = "-".join(make_slug(value, 20) for value in options.values())
    return (f"{base}-{suffix}" if suffix else base)[:64]


# --- Shopify ---------------------------------------------------------------------------------


def parse_shopify(csv_file: CsvFile) -> Parsed:
    """Both layouts: the older 46 columns and the newer one with Product Category and
    Status. A product's variants follow on rows with the same Handle and blank product
    fields; rows with only an image add that image."""
    problems = require_columns(csv_file, ["Handle", "Title", "Variant Price"])
    if problems:
        yield from problems
        return
    product_cells = csv_file.picker(SHOPIFY_PRODUCT_COLUMNS)
    variant_cells = csv_file.picker(SHOPIFY_VARIANT_COLUMNS)
    for handle, group in groupby(csv_file.rows, key=lambda row: row.get("Handle")):
        rows = list(group)
        if not handle:
            for row in rows:
                yield issue(row, "Handle", _("The Handle is empty."))
            continue
        yield _shopify_product(handle, rows, product_cells, variant_cells)


SHOPIFY_PRODUCT_COLUMNS = (
    "Option1 Name", "Option2 Name", "Option3 Name", "Status", "Published", "Product Category",
    "Type", "Title", "SEO Title", "SEO Description", "Vendor", "Tags",
)  # fmt: skip
SHOPIFY_VARIANT_COLUMNS = (
    "Image Src", "Image Alt Text", "Variant Price", "Variant SKU", "Option1 Value",
    "Option2 Value", "Option3 Value", "Variant Inventory Policy", "Variant Grams",
    "Variant Barcode", "Variant Compare At Price", "Variant Inventory Tracker",
    "Variant Inventory Qty",
)  # fmt: skip


def _typed(
    row: Row, column: str, raw: str, parse: Callable[[str], object], issues: list[Issue]
) -> object:
    try:
        return parse(raw)
    except ValueProblem as problem:
        issues.append(issue(row, column, str(problem)))
        return None


def _price(row: Row, column: str, raw: str, issues: list[Issue]) -> Decimal | None:
    if not raw:  # most compare-at prices: nothing to read, nothing to report
        return None
    warnings: list[str] = []
    try:
        value = parse_decimal(raw, warnings=warnings)
    except ValueProblem as problem:
        issues.append(issue(row, column, str(problem)))
        return None
    for message in warnings:
        issues.append(issue(row, column, message, warning=True))
    return value


def _shopify_product(
    handle: str,
    rows: list[Row],
    product_cells: Callable[[Row], list[str]],
    variant_cells: Callable[[Row], list[str]],
) -> ProductRecord:
    head = rows[0]
    issues: list[Issue] = [issue(head, column, text) for column, text in head.problems]
    (option1, option2, option3, status, published, category, kind, title, seo_title,
     seo_description, vendor, tags) = product_cells(head)  # fmt: skip
    # The options the product varies along, worked out once for all its rows.
    named = [
        (position, name)
        for position, name in enumerate((option1, option2, option3))
        if name and name.lower() != "title"
    ]
    status = status.lower()
    if status not in ("active", "draft", "archived"):
        shown = _typed(head, "Published", published, lambda r: parse_bool(r, default=True), issues)
        status = "active" if shown is None or shown else "draft"
    product = ProductRecord(
        line=head.line,
        handle=handle,
        name=title,
        description=head.raw("Body (HTML)"),
        meta_title=seo_title,
        meta_description=seo_description,
        status=status,
        category_path=split_list(category or kind, ">"),
        brand=vendor,
        tags=split_list(tags),
        slug=handle,
        old_paths=[f"/products/{handle}"],
        legacy_keys=[("product", handle)],
    )
    if not product.name:
        issues.append(issue(head, "Title", _("The first row of a product must give its Title.")))
    for row in rows:
        (image, image_alt, price_raw, sku, value1, value2, value3, policy, grams_raw, barcode,
         compare_raw, tracker, quantity) = variant_cells(row)  # fmt: skip
        if image:
            product.images.append(ImageRef(url=image, alt=image_alt))
        if not (price_raw or sku or value1):
            continue  # an image-only row
        if row is not head:
            issues += [issue(row, column, text) for column, text in row.problems]
        values = (value1, value2, value3)
        options = {name: values[position] for position, name in named if values[position]}
        if policy.lower() == "continue":
            product.allow_backorder = True
        grams_read = _price(row, "Variant Grams", grams_raw, issues)
        grams = int(grams_read.to_integral_value()) if grams_read and grams_read > 0 else None
        price_issues = len(issues)
        price = _price(row, "Variant Price", price_raw, issues)
        price_issues = len(issues) - price_issues
        gtin = ""
        try:
            gtin = parse_barcode(barcode) if barcode else ""
        except ValueProblem as problem:
            # The row is still imported, without the barcode: the rest of it is sound.
            issues.append(issue(row, "Variant Barcode", str(problem), warning=True))
        compare = _price(row, "Variant Compare At Price", compare_raw, issues)
        stock = _typed(row, "Variant Inventory Qty", quantity, parse_int, issues)
        if price is None and not price_issues:
            issues.append(issue(row, "Variant Price", _("The price is missing.")))
        product.variants.append(
            VariantRecord(
                line=row.line,
                sku=sku or generated_sku(handle, options),
                price=price,
                options=options,
                gtin=gtin,
                compare_at_price=compare,
                weight_grams=grams,
                track_stock=bool(tracker) if row.has("Variant Inventory Tracker") else True,
                stock_quantity=stock or 0,  # type: ignore[arg-type]
            )
        )
    product.issues.extend(issues)
    return product


# --- WooCommerce -----------------------------------------------------------------------------


def count_woo_variations(csv_file: CsvFile) -> list[int]:
    """A first pass over a WooCommerce file: how many variation rows each variable product
    (by its order in the file) will receive, attributed exactly as ``parse_woocommerce``
    attributes them. With it, a variable product leaves memory as soon as its last
    variation is read, instead of every one waiting for the end of the file."""
    cells = csv_file.picker(("Type", "Parent", "SKU", "ID"))
    owner: dict[str, int] = {}
    counts: list[int] = []
    try:
        for row in csv_file.rows:
            _count_woo_row(cells(row), owner, counts)
    except FileError:
        pass  # the second pass stops at the same line and reports it
    return counts


def _count_woo_row(cells: list[str], owner: dict[str, int], counts: list[int]) -> None:
    kind, parent, sku, row_id = cells
    types = {t.strip().lower() for t in kind.split(",")}
    if "grouped" in types or "external" in types:
        return
    if "variation" in types:
        if parent in owner:
            counts[owner[parent]] += 1
        return
    if "variable" in types:
        for key in (sku, f"id:{row_id}"):
            if key and key != "id:":
                owner[key] = len(counts)
        counts.append(0)


def parse_woocommerce(csv_file: CsvFile, *, expected: list[int] | None = None) -> Parsed:
    """Simple products stream through; variable products wait for their variation rows,
    which WooCommerce may write anywhere after them. Given ``expected`` (see
    ``count_woo_variations``), each leaves as soon as it is complete; otherwise all wait
    until the end of the file."""
    problems = require_columns(csv_file, ["Type", "Name"])
    if problems:
        yield from problems
        return
    weight_column = next((c for c in csv_file.header if c.startswith("Weight (")), "")
    grams_per_unit = {"Weight (kg)": 1000, "Weight (g)": 1, "Weight (lbs)": Decimal("453.592")}
    factor = grams_per_unit.get(weight_column, 1000)
    variable: dict[str, ProductRecord] = {}  # key: parent SKU and "id:N"
    keys_of: dict[int, list[str]] = {}  # id(product) -> its keys in ``variable``
    remaining: dict[int, int] = {}  # id(product) -> variation rows still to come
    ordinal = 0
    orphans: list[tuple[Row, VariantRecord, str]] = []
    for row in csv_file.rows:
        cells = _Cells(row)
        types = {t.strip().lower() for t in cells.text("Type").split(",")}
        if "grouped" in types or "external" in types:
            message = (
                _("%(name)s is a grouped product, which Comptoir does not sell; it was skipped.")
                if "grouped" in types
                else _(
                    "%(name)s is an external product, which Comptoir does not sell; it was skipped."
                )
            )
            yield issue(row, "Type", message % {"name": cells.text("Name")}, warning=True)
            continue
        if "variation" in types:
            parent = cells.text("Parent")
            variant = _woo_variant(cells, factor, base=parent or cells.text("ID"))
            target = variable.get(parent)
            if target is None:
                yield from cells.issues
                orphans.append((row, variant, parent))
            else:
                target.variants.append(variant)
                target.issues.extend(cells.issues)
                if id(target) in remaining:
                    remaining[id(target)] -= 1
                    if not remaining[id(target)]:
                        yield _release(target, variable, keys_of, remaining)
            continue
        product = _woo_product(cells)
        product.issues.extend(cells.issues)
        if "variable" in types:
            keys = [k for k in (cells.text("SKU"), f"id:{cells.text('ID')}") if k and k != "id:"]
            for key in keys:
                variable[key] = product
            if expected is not None and ordinal < len(expected) and expected[ordinal]:
                keys_of[id(product)] = keys
                remaining[id(product)] = expected[ordinal]
            ordinal += 1
            continue
        cells.issues = []
        product.variants.append(_woo_variant(cells, factor, base=product.handle, simple=True))
        product.issues.extend(cells.issues)
        yield product
    for row, _variant, parent in orphans:
        yield issue(
            row,
            "Parent",
            _("This variation's parent %(parent)s is not a variable product of this file.")
            % {"parent": parent or "?"},
        )
    seen: set[int] = set()
    for product in variable.values():
        if id(product) in seen:
            continue
        seen.add(id(product))
        if not product.variants:
            yield Issue(
                line=product.line,
                column="Type",
                message=_("The variable product %(name)s has no variation rows.")
                % {"name": product.name},
            )
            continue
        yield product


def _release(
    product: ProductRecord,
    variable: dict[str, ProductRecord],
    keys_of: dict[int, list[str]],
    remaining: dict[int, int],
) -> ProductRecord:
    """A variable product that has all its variations: forgotten, then handed on."""
    for key in keys_of.pop(id(product)):
        if variable.get(key) is product:
            del variable[key]
    del remaining[id(product)]
    return product


def _woo_product(cells: _Cells) -> ProductRecord:
    name = cells.text("Name")
    handle = cells.text("SKU") or f"woo-{cells.text('ID')}"
    slug = make_slug(name, 200)
    categories = split_list(cells.text("Categories"))
    path = split_list(categories[0], ">") if categories else []
    published = cells.text("Published")
    product = ProductRecord(
        line=cells.row.line,
        handle=handle,
        name=name,
        description=cells.row.raw("Description") or cells.text("Short description"),
        status="active" if published in ("1", "") else "draft",
        category_path=path,
        tags=split_list(cells.text("Tags")),
        images=[ImageRef(url=url) for url in split_list(cells.text("Images"))],
        allow_backorder=cells.text("Backorders allowed?").lower() in ("1", "notify", "yes"),
        slug=slug,
        old_paths=[f"/product/{slug}/"],
        legacy_keys=[("product", cells.text("ID"))] if cells.text("ID") else [],
    )
    if not name:
        cells.issues.append(issue(cells.row, "Name", _("The product name is missing.")))
    return product


def _woo_variant(
    cells: _Cells, factor: int | Decimal, *, base: str, simple: bool = False
) -> VariantRecord:
    options: dict[str, str] = {}
    if not simple:
        for n in range(1, 10):
            name = cells.text(f"Attribute {n} name")
            value = cells.text(f"Attribute {n} value(s)")
            if name and value:
                options[name] = value
    regular = cells.decimal("Regular price")
    sale = cells.decimal("Sale price")
    weight = cells.decimal(next((c for c in cells.row.cells if c.startswith("Weight (")), "Weight"))
    stock = cells.integer("Stock")
    if regular is None and sale is None and not cells.issues:
        cells.issues.append(issue(cells.row, "Regular price", _("The price is missing.")))
    return VariantRecord(
        line=cells.row.line,
        sku=cells.text("SKU") or generated_sku(base, options),
        price=sale if sale is not None else regular,
        compare_at_price=regular if sale is not None else None,
        options=options,
        gtin=cells.barcode("GTIN, UPC, EAN, or ISBN")
        if cells.row.has("GTIN, UPC, EAN, or ISBN")
        else "",
        weight_grams=int(weight * factor) if weight else None,
        track_stock=stock is not None,
        stock_quantity=stock or 0,
        legacy_id=cells.text("ID"),
    )


WOO_GTIN = "GTIN, UPC, EAN, or ISBN"


# --- PrestaShop ------------------------------------------------------------------------------

PS_ATTRIBUTES = "Attribute (Name:Type:Position)*"
PS_VALUES = "Value (Value:Position)*"


def parse_prestashop(csv_file: CsvFile, *, vat_rate: Decimal = Decimal(0)) -> Parsed:
    """The products file, or the combinations file that adds variants to products of an
    earlier products import (recognised by its attribute column)."""
    if PS_ATTRIBUTES in csv_file.header:
        yield from _prestashop_combinations(csv_file)
        return
    problems = require_columns(csv_file, ["Name *", "Price tax excluded"])
    if problems:
        yield from problems
        return
    if vat_rate:
        yield Issue(
            line=1,
            column="Price tax excluded",
            message=_("PrestaShop prices exclude VAT; %(rate)s %% VAT was added to each.")
            % {"rate": vat_rate},
            warning=True,
        )
    for row in csv_file.rows:
        cells = _Cells(row)
        legacy_id = cells.text("Product ID")
        name = cells.text("Name *")
        rewrite = cells.text("URL rewritten") or make_slug(name, 128)
        price = cells.decimal("Price tax excluded")
        if price is not None and vat_rate:
            price = (price * (1 + vat_rate / 100)).quantize(Decimal("0.01"))
        elif price is None and not cells.issues:
            cells.issues.append(issue(row, "Price tax excluded", _("The price is missing.")))
        weight = cells.decimal("Weight")
        handle = legacy_id or cells.text("Reference #")
        if not handle:
            cells.issues.append(
                issue(row, "Product ID", _("A product needs a Product ID or a Reference #."))
            )
        quantity = cells.integer("Quantity")
        alts = split_list(cells.text("Image alt texts (x,y,z...)"))
        urls = split_list(cells.text("Image URLs (x,y,z...)"))
        product = ProductRecord(
            line=row.line,
            handle=f"ps-{handle}",
            name=name,
            description=row.raw("Description") or row.raw("Summary"),
            meta_title=cells.text("Meta title"),
            meta_description=cells.text("Meta description"),
            status="active" if cells.boolean("Active (0/1)", default=True) else "draft",
            category_path=split_list(cells.text("Categories (x,y,z...)"))[:1],
            brand=cells.text("Manufacturer"),
            tags=split_list(cells.text("Tags (x,y,z...)")),
            images=[
                ImageRef(url=url, alt=alts[i] if i < len(alts) else "")
                for i, url in enumerate(urls)
            ],
            slug=rewrite,
            old_paths=[f"/{legacy_id}-{rewrite}.html"] if legacy_id else [],
            legacy_keys=[("product", legacy_id)] if legacy_id else [],
        )
        product.variants.append(
            VariantRecord(
                line=row.line,
                sku=(cells.text("Reference #") or f"ps-{handle}")[:64],
                price=price,
                gtin=cells.barcode("EAN13"),
                weight_grams=int(weight * 1000) if weight else None,
                track_stock=quantity is not None,
                stock_quantity=quantity or 0,
            )
        )
        if not name:
            cells.issues.append(issue(row, "Name *", _("The product name is missing.")))
        product.issues.extend(cells.issues)
        yield product


def _prestashop_combinations(csv_file: CsvFile) -> Parsed:
    problems = require_columns(csv_file, ["Product ID*", PS_ATTRIBUTES, PS_VALUES])
    if problems:
        yield from problems
        return
    for product_id, group in groupby(csv_file.rows, key=lambda row: row.get("Product ID*")):
        rows = list(group)
        record = ProductRecord(
            line=rows[0].line, handle=f"ps-{product_id}", name="", attach_to_legacy_id=product_id
        )
        for row in rows:
            cells = _Cells(row)
            options = _ps_options(cells)
            impact = cells.decimal("Impact on price") or Decimal(0)
            quantity = cells.integer("Quantity")
            weight = cells.decimal("Impact on weight")
            record.variants.append(
                VariantRecord(
                    line=row.line,
                    sku=cells.text("Reference") or generated_sku(f"ps-{product_id}", options),
                    # The price is the product's price plus this impact; the writer adds it.
                    price=impact,
                    options=options,
                    gtin=cells.barcode("EAN13"),
                    weight_grams=int(weight * 1000) if weight else None,
                    track_stock=quantity is not None,
                    stock_quantity=quantity or 0,
                )
            )
            for url in split_list(cells.text("Image URLs (x,y,z...)")):
                if url not in {image.url for image in record.images}:
                    record.images.append(ImageRef(url=url))
            record.issues.extend(cells.issues)
        if not product_id:
            record.issues.append(issue(rows[0], "Product ID*", _("The Product ID is missing.")))
        yield record


def _ps_options(cells: _Cells) -> dict[str, str]:
    """``Color:color:0, Disk space:select:1`` with ``Blue:0, 16GB:1`` -> {Color: Blue, ...}."""
    names = [part.split(":")[0].strip() for part in split_list(cells.text(PS_ATTRIBUTES))]
    values = [part.split(":")[0].strip() for part in split_list(cells.text(PS_VALUES))]
    if len(names) != len(values) or not names or not all(names) or not all(values):
        cells.issues.append(
            issue(
                cells.row,
                PS_VALUES,
                _("The attributes and their values do not match one to one."),
            )
        )
        return {}
    return dict(zip(names, values, strict=True))


# --- our own format --------------------------------------------------------------------------

COMPTOIR_COLUMNS = [
    "handle",
    "status",
    "name",
    "description",
    "meta_title",
    "meta_description",
    "category",
    "brand",
    "tags",
    "sku",
    "gtin",
    "price",
    "compare_at_price",
    "weight_grams",
    "track_stock",
    "stock_quantity",
    "allow_backorder",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "images",
]


def parse_comptoir(csv_file: CsvFile) -> Parsed:
    """What ``export_products_csv`` writes: one row per variant, product fields on each."""
    problems = require_columns(csv_file, ["handle", "name", "sku", "price"])
    if problems:
        yield from problems
        return
    for handle, group in groupby(csv_file.rows, key=lambda row: row.get("handle")):
        rows = list(group)
        cells = _Cells(rows[0])
        status = cells.text("status").lower() or "active"
        if status not in ("active", "draft", "archived"):
            cells.issues.append(
                issue(rows[0], "status", _("The status must be active, draft or archived."))
            )
        product = ProductRecord(
            line=rows[0].line,
            handle=handle,
            name=cells.text("name"),
            description=rows[0].raw("description"),
            meta_title=cells.text("meta_title"),
            meta_description=cells.text("meta_description"),
            status=status,
            category_path=split_list(cells.text("category"), ">"),
            brand=cells.text("brand"),
            tags=split_list(cells.text("tags")),
            images=[ImageRef(url=url) for url in cells.text("images").split()],
            allow_backorder=cells.boolean("allow_backorder", default=False),
            slug=handle,
        )
        if not handle:
            cells.issues.append(issue(rows[0], "handle", _("The handle is empty.")))
        if not product.name:
            cells.issues.append(issue(rows[0], "name", _("The product name is missing.")))
        issues = cells.issues
        for row in rows:
            vcells = _Cells(row) if row is not rows[0] else cells
            options = {
                vcells.text(f"option{i}_name"): vcells.text(f"option{i}_value")
                for i in (1, 2, 3)
                if vcells.text(f"option{i}_name") and vcells.text(f"option{i}_value")
            }
            sku = vcells.text("sku")
            if not sku:
                vcells.issues.append(issue(row, "sku", _("The SKU is missing.")))
            price = vcells.decimal("price")
            if price is None and not vcells.issues:
                vcells.issues.append(issue(row, "price", _("The price is missing.")))
            product.variants.append(
                VariantRecord(
                    line=row.line,
                    sku=sku,
                    price=price,
                    options=options,
                    gtin=vcells.barcode("gtin"),
                    compare_at_price=vcells.decimal("compare_at_price"),
                    weight_grams=vcells.integer("weight_grams"),
                    track_stock=vcells.boolean("track_stock", default=True),
                    stock_quantity=vcells.integer("stock_quantity") or 0,
                )
            )
            if vcells is not cells:
                issues.extend(vcells.issues)
        product.issues.extend(issues)
        yield product
