"""The back office's product form: a product with its translation, variant and image is
created in one POST; an image can be fetched from an address; bad images are refused."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model

from comptoir.catalog.models import Product, ProductImage
from tests.factories import png_bytes


@pytest.fixture
def merchant(db):
    return get_user_model().objects.create_superuser("merchant@example.fr", "m@example.fr", "pw")


@pytest.fixture
def image_server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/tea.png":
                body, kind = png_bytes(640, 480), "image/png"
            else:
                body, kind = b"<html>not an image</html>", "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def product_form(shop, *, image_url="", upload=None):
    data = {
        "shop": shop.pk,
        "status": "active",
        "kind": "physical",
        "vat_class": "reduced",
        "translations-TOTAL_FORMS": "1",
        "translations-INITIAL_FORMS": "0",
        "translations-MIN_NUM_FORMS": "1",
        "translations-MAX_NUM_FORMS": "1000",
        "translations-0-language": "fr",
        "translations-0-name": "Thé des moines",
        "translations-0-slug": "",
        "translations-0-description": "<p>Doux</p><script>x</script>",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": "MOINE-100",
        "variants-0-gtin": "",
        "variants-0-price": "9.90",
        "variants-0-track_stock": "on",
        "variants-0-stock_quantity": "12",
        "variants-0-position": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-source_url": image_url,
        "images-0-alt": "{}",
        "images-0-position": "0",
    }
    if upload is not None:
        data["images-0-original"] = upload
    return data


def test_a_product_is_created_with_an_image_fetched_from_its_address(
    client, shop, merchant, image_server, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    client.force_login(merchant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/catalog/product/add/",
            product_form(shop, image_url=f"{image_server}/tea.png"),
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get()
    image = ProductImage.objects.get(product=product)
    assert image.source_url == f"{image_server}/tea.png"
    assert (image.width, image.height) == (640, 480)
    assert product.translations.get().slug == "the-des-moines"
    assert "<script>" not in product.translations.get().description
    assert product.min_price == product.variants.get().price
    renditions = DBTaskResult.objects.get(task_path="comptoir.catalog.tasks.make_image_renditions")
    assert renditions.args_kwargs["args"] == [image.pk]


def test_an_address_that_does_not_serve_an_image_is_refused(client, shop, merchant, image_server):
    client.force_login(merchant)

    response = client.post(
        "/admin/catalog/product/add/", product_form(shop, image_url=f"{image_server}/page")
    )

    assert response.status_code == 200
    assert "not an image" in response.content.decode()
    assert Product.objects.count() == 0


def test_an_uploaded_file_that_is_not_an_image_is_refused(client, shop, merchant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(merchant)
    fake = SimpleUploadedFile("tea.png", b"GIF89a not really", content_type="image/png")

    response = client.post("/admin/catalog/product/add/", product_form(shop, upload=fake))

    assert response.status_code == 200
    assert Product.objects.count() == 0
