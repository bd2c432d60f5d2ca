import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from comptoir.catalog import images
from comptoir.catalog.models import Product, ProductImage
from comptoir.core.exceptions import ComptoirError
from tests.factories import ProductFactory, png_bytes

pytestmark = pytest.mark.django_db


def test_add_image_makes_webp_renditions_of_each_width_that_fits(shop):
    # given: a 1200 x 800 picture, narrower than the 1440 rendition
    product = ProductFactory(shop=shop)

    # when
    image = images.add_image(
        product,
        png_bytes(1200, 800),
        filename="Tasse Bleue.PNG",
        alt={"fr": "Une tasse"},
        process_now=True,
    )

    # then
    image.refresh_from_db()
    assert (image.width, image.height) == (1200, 800)
    assert image.original.name == f"products/{product.pk}/Tasse_Bleue.png"
    assert sorted(image.renditions, key=int) == ["240", "480", "960"]
    for width, name in image.renditions.items():
        assert name == f"products/{product.pk}/Tasse_Bleue-{width}.webp"
        with Image.open(Path(settings.MEDIA_ROOT) / name) as rendition:
            assert rendition.format == "WEBP"
            assert rendition.size == (int(width), int(width) * 2 // 3)
    assert Product.objects.get(pk=product.pk).cover_image_id == image.pk


def test_a_small_image_gets_one_rendition_at_its_own_width(shop):
    product = ProductFactory(shop=shop)

    image = images.add_image(product, png_bytes(200, 100), filename="mini.png", process_now=True)

    assert list(image.renditions) == ["200"]
    with Image.open(Path(settings.MEDIA_ROOT) / image.renditions["200"]) as rendition:
        assert rendition.size == (200, 100)


def test_renditions_are_left_to_the_worker_unless_asked(shop, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    product = ProductFactory(shop=shop)

    with django_capture_on_commit_callbacks(execute=True):
        image = images.add_image(product, png_bytes(300, 300), filename="later.png")

    assert image.renditions == {}
    task = DBTaskResult.objects.get()
    assert task.task_path == "comptoir.catalog.tasks.make_image_renditions"
    assert task.args_kwargs["args"] == [image.pk]


def test_a_file_that_is_not_an_image_is_refused(shop):
    product = ProductFactory(shop=shop)

    with pytest.raises(ComptoirError) as error:
        images.add_image(product, b"%PDF-1.4 not a picture", filename="notice.png")

    assert str(error.value) == "notice.png: this file is not an image we can read."
    assert ProductImage.objects.count() == 0


def test_a_truncated_image_is_refused(shop):
    product = ProductFactory(shop=shop)

    with pytest.raises(ComptoirError, match="not an image we can read"):
        images.add_image(product, png_bytes(50, 50)[:60], filename="cut.png")


def test_an_image_over_the_size_limit_is_refused(shop):
    product = ProductFactory(shop=shop)
    data = b"\x89PNG" + b"\0" * settings.COMPTOIR_IMAGE_MAX_BYTES

    with pytest.raises(ComptoirError) as error:
        images.add_image(product, data, filename="huge.png")

    assert str(error.value) == "huge.png: the image is larger than 15 MB."
    assert ProductImage.objects.count() == 0


def test_an_image_format_outside_the_list_is_refused(shop):
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "BMP")

    with pytest.raises(ComptoirError) as error:
        images.check_image_bytes(buffer.getvalue(), name="old.bmp")

    assert str(error.value) == "old.bmp: BMP images are not accepted; use JPEG, PNG or WebP."


# --- fetching from a real HTTP server -------------------------------------------------------

PNG = png_bytes(64, 48)


class Handler(BaseHTTPRequestHandler):
    routes = {
        "/photo.png": ("image/png", PNG),
        "/page.html": ("text/html; charset=utf-8", b"<html>not an image</html>"),
        "/big.png": ("image/png", b"\0" * (1024 * 1024 + 10)),
    }

    def do_GET(self):
        if self.path == "/slow.png":
            time.sleep(1.5)
        if self.path not in self.routes and self.path != "/slow.png":
            self.send_error(404)
            return
        content_type, body = self.routes.get(self.path, ("image/png", PNG))
        try:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first: that is what the timeout test wants

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def image_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_image_downloads_an_image(image_server, shop):
    data = images.fetch_image(f"{image_server}/photo.png")

    assert data == PNG
    image = images.add_image(
        ProductFactory(shop=shop),
        data,
        filename="photo.png",
        source_url=f"{image_server}/photo.png",
        process_now=True,
    )
    assert (image.width, image.height) == (64, 48)


def test_fetch_image_refuses_a_page_that_is_not_an_image(image_server):
    url = f"{image_server}/page.html"

    with pytest.raises(ComptoirError) as error:
        images.fetch_image(url)

    assert str(error.value) == f"{url}: the server sent text/html, not an image."


def test_fetch_image_reports_a_missing_image(image_server):
    url = f"{image_server}/gone.png"

    with pytest.raises(ComptoirError) as error:
        images.fetch_image(url)

    assert str(error.value) == f"{url}: the image could not be fetched (Not Found)."


def test_fetch_image_stops_reading_past_the_size_limit(image_server, settings):
    settings.COMPTOIR_IMAGE_MAX_BYTES = 1024 * 1024
    url = f"{image_server}/big.png"

    with pytest.raises(ComptoirError) as error:
        images.fetch_image(url)

    assert str(error.value) == f"{url}: the image is larger than 1 MB."


def test_fetch_image_gives_up_after_its_timeout(image_server, monkeypatch):
    monkeypatch.setattr(images, "FETCH_TIMEOUT_SECONDS", 0.3)
    url = f"{image_server}/slow.png"

    with pytest.raises(ComptoirError) as error:
        images.fetch_image(url)

    assert str(error.value) == f"{url}: the image could not be fetched (timed out)."


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.png", "http://"])
def test_fetch_image_only_accepts_http_addresses(url):
    with pytest.raises(ComptoirError) as error:
        images.fetch_image(url)

    assert str(error.value) == f"{url}: only http and https image addresses can be fetched."


def test_product_without_images_keeps_no_cover(shop):
    product = ProductFactory(shop=shop, price=Decimal("3"))

    assert product.cover_image is None
