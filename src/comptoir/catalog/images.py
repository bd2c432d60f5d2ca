"""Product images: accepted from an upload or fetched from a URL, resized to WebP.

An image is checked (real image, allowed format, size) before anything is stored, then
resized to each width of ``COMPTOIR_IMAGE_WIDTHS`` that does not enlarge it. The storefront
serves the renditions with ``srcset`` so a phone downloads the 480 px file, not the original.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from comptoir.catalog.models import Product, ProductImage
from comptoir.core.exceptions import ComptoirError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
FETCH_TIMEOUT_SECONDS = 10
# Decompression bombs: refuse anything over ~50 megapixels before decoding it.
Image.MAX_IMAGE_PIXELS = 50_000_000


def check_image_bytes(data: bytes, *, name: str) -> tuple[str, int, int]:
    """Return (format, width, height) or raise a ComptoirError that says what is wrong."""
    if len(data) > settings.COMPTOIR_IMAGE_MAX_BYTES:
        limit = settings.COMPTOIR_IMAGE_MAX_BYTES // (1024 * 1024)
        raise ComptoirError(f"{name}: the image is larger than {limit} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ComptoirError(f"{name}: this file is not an image we can read.") from None
    if fmt not in ACCEPTED_FORMATS:
        raise ComptoirError(f"{name}: {fmt} images are not accepted; use JPEG, PNG or WebP.")
    return fmt, width, height


@transaction.atomic
def add_image(
    product: Product,
    data: bytes,
    *,
    filename: str,
    alt: dict[str, str] | None = None,
    source_url: str = "",
    position: int | None = None,
    process_now: bool = False,
) -> ProductImage:
    """Store an image for ``product`` and have its renditions made.

    Renditions are made by a background task enqueued with the row, unless ``process_now``
    (the demo and the generator, which want the shop complete when they return).
    """
    from comptoir.catalog.services import refresh_product_listing
    from comptoir.shops.services import bump_catalog_version

    _, width, height = check_image_bytes(data, name=filename)
    if position is None:
        position = product.images.count()
    stem = PurePosixPath(filename).stem[:80] or "image"
    image = ProductImage(
        product=product,
        alt=alt or {},
        source_url=source_url,
        position=position,
        width=width,
        height=height,
    )
    image.original.save(
        f"{stem}{PurePosixPath(filename).suffix.lower()}", ContentFile(data), save=False
    )
    image.save()
    if process_now:
        make_renditions(image)
    else:
        from comptoir.catalog.tasks import make_image_renditions

        transaction.on_commit(lambda: make_image_renditions.enqueue(image.pk))
    refresh_product_listing(product)
    bump_catalog_version(product.shop_id)
    return image


def fetch_image(url: str) -> bytes:
    """Download an image with a timeout, a size limit and a type check."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ComptoirError(f"{url}: only http and https image addresses can be fetched.")
    request = urllib.request.Request(url, headers={"User-Agent": "Comptoir image fetcher"})
    limit = settings.COMPTOIR_IMAGE_MAX_BYTES
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            content_type = response.headers.get_content_type()
            if not content_type.startswith("image/"):
                raise ComptoirError(f"{url}: the server sent {content_type}, not an image.")
            data = response.read(limit + 1)
    except ComptoirError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ComptoirError(f"{url}: the image could not be fetched ({reason}).") from None
    if len(data) > limit:
        raise ComptoirError(f"{url}: the image is larger than {limit // (1024 * 1024)} MB.")
    return data


def make_renditions(image: ProductImage) -> dict[str, str]:
    """Write one WebP file per configured width and record them on the row. Idempotent."""
    with default_storage.open(image.original.name, "rb") as handle:
        source = Image.open(handle)
        source = ImageOps.exif_transpose(source)
        source.load()
    if source.mode not in ("RGB", "RGBA"):
        source = source.convert("RGBA" if "transparency" in source.info else "RGB")
    stem = PurePosixPath(image.original.name).with_suffix("")
    renditions: dict[str, str] = {}
    widths = sorted(settings.COMPTOIR_IMAGE_WIDTHS)
    for width in widths:
        if width > source.width and renditions:
            break
        target = min(width, source.width)
        height = round(source.height * target / source.width)
        resized = (
            source
            if target == source.width
            else source.resize((target, height), Image.Resampling.LANCZOS)
        )
        buffer = io.BytesIO()
        resized.save(buffer, "WEBP", quality=80, method=4)
        name = f"{stem}-{width}.webp"
        if default_storage.exists(name):
            default_storage.delete(name)
        renditions[str(target)] = default_storage.save(name, ContentFile(buffer.getvalue()))
    ProductImage.objects.filter(pk=image.pk).update(
        renditions=renditions, width=source.width, height=source.height
    )
    image.renditions = renditions
    return renditions
