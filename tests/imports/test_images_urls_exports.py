"""Images fetched after the import from a real HTTP server on 127.0.0.1; old URL lists
and sitemaps turned into 301s; exports that read back in and neutralise formulas."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from comptoir.catalog.models import Product, ProductImage, Variant
from comptoir.checkout.services import place_order
from comptoir.imports.exports import export_orders_csv, export_products_csv
from comptoir.imports.models import PendingImage
from comptoir.imports.reading import neutralise_cell, restore_cell
from comptoir.imports.urls import import_urls
from comptoir.orders.models import Order
from comptoir.seo.models import Redirect, RedirectSource
from tests.imports.conftest import OURS, csv_text, our_row, run, sample
from tests.imports.test_platforms import follow_every_redirect
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path == "/mug.png":
                body, kind = png_bytes(), "image/png"
            elif self.path == "/page.html":
                body, kind = b"<html>not an image</html>", "text/html"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_images_are_fetched_after_the_import_and_missing_ones_reported(
    shop, image_server, django_capture_on_commit_callbacks
):
    # Given a product with a good image, an HTML page, a missing file and a dead server
    urls = [
        f"{image_server}/mug.png",
        f"{image_server}/page.html",
        f"{image_server}/gone.png",
        "http://127.0.0.1:9/nothing.png",
    ]
    data = csv_text(OURS, our_row("mug", "MUG-1", images=" ".join(urls)))
    # When it is imported, the import itself fetches nothing
    with django_capture_on_commit_callbacks(execute=True):
        report = run(shop, data, "comptoir")
    assert report.images_queued == 4
    assert ProductImage.objects.count() == 0
    # Then the background task fetches what it can
    run_queued_tasks()
    product = Product.objects.get()
    image = ProductImage.objects.get()
    assert (image.product_id, image.source_url, image.width) == (product.pk, urls[0], 40)
    assert product.cover_image_id == image.pk
    failed = dict(PendingImage.objects.filter(status="failed").values_list("url", "error"))
    assert sorted(failed) == sorted(urls[1:])
    assert "not an image" in failed[urls[1]]
    # And a re-import does not queue the images again
    again = run(shop, data, "comptoir")
    assert again.images_queued == 0


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://old.example/</loc></url>
  <url><loc>https://old.example/ipods/1-ipod-nano.html</loc></url>
  <url><loc>https://old.example/fr/ipods/2-7-ipod-shuffle.html</loc></url>
  <url><loc>https://old.example/3-macbook-air.html</loc></url>
  <url><loc>https://old.example/index.php?id_product=4&amp;controller=product</loc></url>
  <url><loc>https://old.example/3-ipods</loc></url>
  <url><loc>https://old.example/content/4-about-us</loc></url>
  <url><loc>https://old.example/brand/1-apple</loc></url>
  <url><loc>https://old.example/99-unknown.html</loc></url>
</urlset>
"""


def test_an_old_prestashop_sitemap_is_redirected_by_product_id(client, shop):
    run(shop, sample("prestashop/products_import.csv").read_bytes(), "prestashop")
    Redirect.objects.all().delete()
    report = import_urls(shop, io.BytesIO(SITEMAP.encode()))
    redirects = dict(
        Redirect.objects.filter(source=RedirectSource.URL_LIST).values_list("old_path", "new_path")
    )
    assert redirects == {
        "/ipods/1-ipod-nano.html": "/fr/produit/ipod-nano/",  # 1.6
        "/fr/ipods/2-7-ipod-shuffle.html": "/fr/produit/ipod-shuffle/",  # 1.7 / 8
        "/3-macbook-air.html": "/fr/produit/macbook-air/",  # 9
        "/index.php?id_product=4&controller=product": "/fr/produit/macbook/",
        "/3-ipods": "/fr/categorie/ipods/",
    }
    assert report.redirects_created == 5
    assert report.unmatched == [
        "https://old.example/content/4-about-us",
        "https://old.example/brand/1-apple",
        "https://old.example/99-unknown.html",
    ]
    assert len(follow_every_redirect(client, shop)) == 5


def test_shopify_and_woocommerce_url_lists(client, shop):
    run(shop, sample("shopify/apparel.csv").read_bytes(), "shopify")
    run(shop, sample("woocommerce/sample_products.csv").read_bytes(), "woocommerce")
    Redirect.objects.all().delete()
    listing = "\n".join(
        [
            "https://shop.example/collections/men/products/ocean-blue-shirt",
            "https://shop.example/products/classic-varsity-top",
            "https://shop.example/product/hoodie/",
            "https://shop.example/product-category/clothing/tshirts/",
            "https://shop.example/?p=44",
            "https://shop.example/blog/news",
        ]
    )
    report = import_urls(shop, io.BytesIO(listing.encode()))
    assert report.redirects_created == 5
    assert report.unmatched == ["https://shop.example/blog/news"]
    assert len(follow_every_redirect(client, shop)) == 5


def test_the_sample_sitemap_is_read_and_its_unknown_addresses_listed(shop):
    report = import_urls(shop, sample("sitemaps/sitemap.xml").open("rb"), dry_run=True)
    assert report.read == 5 and report.redirects_created == 0
    assert len(report.unmatched) == 4  # every address but the home page


def test_a_broken_sitemap_is_a_clean_error(shop):
    report = import_urls(shop, io.BytesIO(b"<urlset><url><loc>x</loc></url"))
    assert report.rolled_back is True
    assert report.issues[0].message.startswith("The sitemap is not valid XML")


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''"])
def test_neutralised_cells_come_back_unchanged(text):
    assert neutralise_cell(text)[0] == "'"
    assert restore_cell(neutralise_cell(text)) == text
    assert restore_cell(neutralise_cell("plain")) == "plain"


def test_the_products_export_reads_back_into_an_identical_catalog(shop):
    # Given a catalog imported with a name a spreadsheet would run as a formula
    data = csv_text(
        OURS,
        our_row("tee", "TEE-S", "19.90", name='=HYPERLINK("http://evil")',
                option1_name="Size", option1_value="S", category="Clothing > Tops",
                brand="Acme", tags="cotton"),
        our_row("tee", "TEE-M", "21.90", option1_name="Size", option1_value="M"),
        our_row("mug", "MUG-1", "8.50", description="-20% <b>this week</b>"),
    )  # fmt: skip
    run(shop, data, "comptoir")
    out = io.StringIO()
    # When it is exported
    assert export_products_csv(shop, out) == 3
    text = out.getvalue()
    assert "'=HYPERLINK" in text and "'-20%" in text
    # Then importing the export changes nothing and duplicates nothing
    report = run(shop, text, "comptoir")
    assert (report.products_created, report.products_updated, report.error_count) == (0, 2, 0)
    assert Product.objects.count() == 2
    tee = Variant.objects.get(sku="TEE-M").product
    assert tee.translations.get(language="fr").name == '=HYPERLINK("http://evil")'
    out2 = io.StringIO()
    export_products_csv(shop, out2)
    assert out2.getvalue() == text


def test_the_orders_export_has_one_row_per_line_and_neutralises_formulas(shop):
    # Given an order whose email a prankster started with "=" and whose name starts with "@"
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="MUG-1", price="12.00")
    cart = make_cart(shop, [(variant, 2)])
    order = place_order(cart, details())
    Order.objects.filter(pk=order.pk).update(
        email="=cmd@example.com",
        shipping_address={**order.shipping_address, "first_name": "@Jeanne"},
    )
    out = io.StringIO()
    # When the orders are exported
    assert export_orders_csv(shop, out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header, line = rows
    # Then the dangerous cells start with an apostrophe and the figures are plain
    assert header[:4] == ["number", "created_at", "status", "email"]
    assert line[header.index("email")] == "'=cmd@example.com"
    assert line[header.index("shipping_name")].startswith("'@Jeanne")
    assert (line[header.index("sku")], line[header.index("quantity")]) == ("MUG-1", "2")
    assert line[header.index("unit_price")] == "12.00"


def test_a_sitemap_index_asks_for_its_sitemaps(shop):
    report = import_urls(shop, sample("sitemaps/sitemap_index.xml").open("rb"))
    assert report.rolled_back is True
    assert report.issues[0].message == (
        "This is a sitemap index: upload the sitemaps it lists, one by one."
    )
