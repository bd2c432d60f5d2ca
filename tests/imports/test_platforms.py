"""Each platform's real export (the public samples in ../shared/formats) and the old
addresses each import redirects, every redirect followed to a live page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.catalog.models import Category, Product, Variant
from comptoir.imports.models import PendingImage
from comptoir.seo.models import Redirect, RedirectSource
from tests.imports.conftest import csv_text, run, sample

pytestmark = pytest.mark.django_db


def follow_every_redirect(client, shop) -> list[str]:
    """Each redirect's target answers 200: what the redirect middleware will send to."""
    targets = []
    for redirect in Redirect.objects.filter(shop=shop):
        assert redirect.old_path.startswith("/")
        response = client.get(redirect.new_path)
        assert response.status_code == 200, (redirect.old_path, redirect.new_path)
        targets.append(redirect.new_path)
    return targets


@pytest.mark.parametrize(
    ("name", "products", "variants"),
    [
        ("shopify/apparel.csv", 20, 22),
        ("shopify/home-and-garden.csv", 20, 21),
        ("shopify/jewelery.csv", 20, 23),
    ],
)
def test_shopify_samples_in_the_older_layout(client, shop, name, products, variants):
    report = run(shop, sample(name).read_bytes(), "shopify")
    assert (report.products_created, report.variants_created, report.error_count) == (
        products,
        variants,
        0,
    )
    assert Redirect.objects.filter(shop=shop, source=RedirectSource.IMPORT).count() == products
    assert len(follow_every_redirect(client, shop)) == products
    # Re-running the same file updates every product and creates nothing.
    again = run(shop, sample(name).read_bytes(), "shopify")
    assert (again.products_created, again.products_updated) == (0, products)
    assert Variant.objects.filter(shop=shop).count() == variants


def test_shopify_continuation_rows_become_variants_with_options(shop):
    run(shop, sample("shopify/home-and-garden.csv").read_bytes(), "shopify")
    pot = Product.objects.get(translations__slug="clay-plant-pot", translations__language="fr")
    assert sorted(pot.variants.values_list("sku", "price")) == [
        ("clay-plant-pot-large", Decimal("15.99")),
        ("clay-plant-pot-regular", Decimal("9.99")),
    ]
    assert list(pot.product_options.values_list("option__code", flat=True)) == ["size"]
    assert PendingImage.objects.filter(product=pot).count() == 2


def test_the_newer_shopify_template_reports_every_mangled_barcode(client, shop):
    report = run(shop, sample("shopify/product_template.csv").read_bytes(), "shopify")
    assert (report.products_created, report.variants_created, report.error_count) == (3, 16, 0)
    mangled = [i for i in report.issues if i.column == "Variant Barcode"]
    assert [i.line for i in mangled] == [*range(2, 17), 18]  # line 17 has no barcode
    assert all(i.warning and "rounded by a spreadsheet" in i.message for i in mangled)
    assert set(Variant.objects.values_list("gtin", flat=True)) == {""}
    shirt = Product.objects.get(translations__slug="example-shirt", translations__language="fr")
    translation = shirt.translations.get(language="fr")
    assert (translation.meta_title, translation.meta_description) == (
        "Example T-Shirt | Test Store",
        "Cotton shirts from our store.",
    )
    assert str(shirt.category) == "T-Shirts"
    follow_every_redirect(client, shop)


def test_shopify_status_draft_and_inventory_policy(shop):
    header = ["Handle", "Title", "Variant SKU", "Variant Price", "Variant Inventory Qty",
              "Variant Inventory Policy", "Variant Inventory Tracker", "Status"]  # fmt: skip
    data = csv_text(header, ["soon", "Soon", "S-1", "5", "0", "continue", "shopify", "draft"])
    run(shop, data, "shopify")
    product = Product.objects.get()
    assert (product.status, product.allow_backorder, product.in_stock) == ("draft", True, True)


def test_woocommerce_sample_variable_products_categories_and_skipped_kinds(client, shop):
    report = run(shop, sample("woocommerce/sample_products.csv").read_bytes(), "woocommerce")
    assert (report.products_created, report.variants_created, report.error_count) == (16, 21, 0)
    skipped = [(i.line, i.column) for i in report.issues if i.warning]
    assert skipped == [(24, "Type"), (25, "Type")]  # the grouped and the external product
    hoodie = Variant.objects.get(sku="woo-hoodie-blue-logo").product
    assert hoodie.variants.count() == 4
    assert (hoodie.min_price, hoodie.max_price) == (Decimal("42.00"), Decimal("45.00"))
    assert str(hoodie.category) == "Hoodies"
    assert Category.objects.filter(shop=shop).count() == 5
    old = set(Redirect.objects.filter(shop=shop).values_list("old_path", flat=True))
    assert {"/product/hoodie/", "/product-category/clothing/hoodies/"} <= old
    assert len(follow_every_redirect(client, shop)) == 21


def test_woocommerce_variation_without_its_parent_is_an_error(shop):
    header = ["ID", "Type", "SKU", "Name", "Parent", "Regular price"]
    data = csv_text(header, ["9", "variation", "V-1", "Lost", "nowhere", "3"])
    report = run(shop, data, "woocommerce")
    assert [(i.line, i.column) for i in report.issues] == [(2, "Parent")]


def test_prestashop_products_then_combinations(client, shop):
    report = run(shop, sample("prestashop/products_import.csv").read_bytes(), "prestashop")
    assert (report.products_created, report.error_count) == (7, 0)
    # Prices exclude VAT in PrestaShop; the shop enters them with VAT (20 % in France).
    nano = Variant.objects.get(sku="RP-demo_1")
    assert nano.price == Decimal("120.00")
    assert Redirect.objects.filter(old_path="/1-iPod-Nano.html").exists()
    combos = sample("prestashop/combinations_import.csv").read_bytes()
    report = run(shop, combos, "prestashop", keep_valid=True)
    # Two rows of the sample repeat a reference: reported, the rest imported.
    assert [(i.line, i.column) for i in report.errors] == [
        (23, "Reference"),
        (25, "Reference"),
        (25, "Value (Value:Position)*"),
    ]
    product = Product.objects.get(pk=nano.product_id)
    blue16 = product.variants.get(sku="RP-Nano-Blue-16GB")
    assert blue16.price == Decimal("160.00")  # 120 + 40 impact
    assert not product.variants.filter(sku="RP-demo_1").exists()
    assert sorted(blue16.option_values.values_list("code", flat=True)) == ["16gb", "blue"]
    follow_every_redirect(client, shop)


def test_a_shop_under_the_vat_franchise_keeps_prestashop_prices_as_they_are(shop):
    from comptoir.billing.models import SellerIdentity

    # Given a shop that charges no VAT (art. 293 B du CGI)
    SellerIdentity.objects.filter(shop=shop).update(vat_exempt=True)
    shop.refresh_from_db()

    # When it imports PrestaShop's prices, which exclude VAT
    report = run(shop, sample("prestashop/products_import.csv").read_bytes(), "prestashop")

    # Then the price without VAT is the price paid: nothing added
    assert (report.products_created, report.error_count) == (7, 0)
    assert Variant.objects.get(sku="RP-demo_1").price == Decimal("100.00")


def test_prestashop_combinations_for_an_unknown_product_are_reported(shop):
    header = ["Product ID*", "Attribute (Name:Type:Position)*", "Value (Value:Position)*",
              "Reference", "Impact on price"]  # fmt: skip
    data = csv_text(header, ["77", "Size:select:0", "M:0", "R-M", "0"], sep=";")
    report = run(shop, data, "prestashop")
    assert [(i.line, i.column) for i in report.issues] == [(2, "Product ID*")]
    assert report.rolled_back is True


def test_old_addresses_of_products_not_on_sale_are_listed_not_redirected(shop):
    report = run(shop, sample("shopify/product_template.csv").read_bytes(), "shopify")
    active = Redirect.objects.filter(shop=shop).values_list("old_path", flat=True)
    assert list(active) == ["/products/example-shirt"]
    assert report.unmatched_urls == ["/products/example-pants", "/products/example-hat"]


WOO_HEADER = ["ID", "Type", "SKU", "Name", "Parent", "Regular price", "Attribute 1 name",
              "Attribute 1 value(s)"]  # fmt: skip
WOO_ROWS = [
    ["1", "variable", "TEE", "Tee", "", "", "Size", "S, M"],
    ["2", "variation", "TEE-S", "Tee S", "TEE", "10", "Size", "S"],
    ["3", "simple", "MUG", "Mug", "", "5", "", ""],
    ["4", "variable", "CAP", "Cap", "", "", "Colour", "Red"],
    ["5", "variation", "CAP-R", "Cap red", "id:4", "8", "Colour", "Red"],
    ["6", "variation", "TEE-M", "Tee M", "TEE", "10", "Size", "M"],
    ["7", "variable", "BAG", "Bag", "", "", "Colour", "Blue"],
]


def test_woocommerce_variable_products_leave_memory_once_their_variations_are_read(shop):
    import io

    from comptoir.imports.platforms import count_woo_variations, parse_woocommerce
    from comptoir.imports.reading import read_csv

    data = csv_text(WOO_HEADER, *WOO_ROWS).encode()
    # Given the counts of a first pass: TEE gets 2 variations (one after MUG), CAP 1, BAG 0
    expected = count_woo_variations(read_csv(io.BytesIO(data)))
    assert expected == [2, 1, 0]
    # When the file is parsed with them
    items = list(parse_woocommerce(read_csv(io.BytesIO(data)), expected=expected))
    # Then each variable product comes out right after its last variation, not at the end
    # (BAG, which has none, is reported at the end as before)
    seen = [getattr(item, "handle", None) or item.message for item in items]
    assert seen == ["MUG", "CAP", "TEE", "The variable product Bag has no variation rows."]
    assert [v.sku for v in items[2].variants] == ["TEE-S", "TEE-M"]
    # And without the counts, the products are the same, the variable ones at the end
    items = list(parse_woocommerce(read_csv(io.BytesIO(data))))
    assert [getattr(i, "handle", None) for i in items] == ["MUG", "TEE", "CAP", None]


def test_a_woocommerce_import_read_twice_writes_every_variation(shop):
    report = run(shop, csv_text(WOO_HEADER, *WOO_ROWS[:-1]), "woocommerce")
    assert (report.products_created, report.variants_created, report.error_count) == (3, 4, 0)
    assert sorted(Variant.objects.values_list("sku", flat=True)) == [
        "CAP-R",
        "MUG",
        "TEE-M",
        "TEE-S",
    ]
