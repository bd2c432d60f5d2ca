"""CSV exports: the catalog in our own format (which ``import_products --platform
comptoir`` reads back unchanged) and the orders, one row per order line; written by the
commands, or by a worker for the back office's download buttons (``start_export``).

Text cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) are
written with a leading apostrophe; our importer removes it again.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import IO

from django.core.files.base import File
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from comptoir.catalog.models import Product, ProductImage, ProductTranslation, Variant
from comptoir.core.exceptions import ComptoirError
from comptoir.imports.models import (
    EXPORT_TRANSITIONS,
    ExportEvent,
    ExportJob,
    ExportKind,
    ExportStatus,
)
from comptoir.imports.platforms import COMPTOIR_COLUMNS
from comptoir.imports.reading import neutralise_cell
from comptoir.shops.models import Shop

ORDER_COLUMNS = [
    "number", "created_at", "status", "email", "currency", "total", "total_vat",
    "shipping_amount", "discount_code", "shipping_country", "shipping_name", "sku",
    "product_name", "variant_label", "quantity", "unit_price", "line_amount", "vat_rate",
]  # fmt: skip
CHUNK = 1000


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return neutralise_cell(value)
    return str(value)


def product_rows(shop: Shop) -> Iterator[list[str]]:
    """One row per variant, in our import format, streamed a chunk of products at a time."""
    language = shop.default_language
    products = (
        Product.objects.filter(shop=shop)
        .select_related("brand")
        .prefetch_related(
            Prefetch("translations", queryset=ProductTranslation.objects.filter(language=language)),
            Prefetch(
                "variants",
                queryset=Variant.objects.prefetch_related("option_values__option").order_by(
                    "position", "pk"
                ),
            ),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
            "tags",
        )
        .order_by("pk")
    )
    categories = _category_paths(shop, language)
    for product in products.iterator(chunk_size=CHUNK):
        translation = next(iter(product.translations.all()), None)
        if translation is None:
            continue
        images = " ".join(i.source_url for i in product.images.all() if i.source_url)
        common = {
            "handle": translation.slug,
            "status": product.status,
            "name": translation.name,
            "description": translation.description,
            "meta_title": translation.meta_title,
            "meta_description": translation.meta_description,
            "category": categories.get(product.category_id, ""),
            "brand": product.brand.name if product.brand else "",
            "tags": ", ".join(t.name for t in product.tags.all()),
            "allow_backorder": product.allow_backorder,
            "images": images,
        }
        for variant in product.variants.all():
            row = dict(common)
            row.update(
                sku=variant.sku,
                gtin=variant.gtin,
                price=variant.price,
                compare_at_price=variant.compare_at_price,
                weight_grams=variant.weight_grams,
                track_stock=variant.track_stock,
                stock_quantity=variant.stock_quantity,
            )
            values = sorted(variant.option_values.all(), key=lambda v: v.option.position)
            for n, value in enumerate(values[:3], start=1):
                row[f"option{n}_name"] = value.option.label
                row[f"option{n}_value"] = value.label
            yield [_text(row.get(column)) for column in COMPTOIR_COLUMNS]


def _category_paths(shop: Shop, language: str) -> dict[int, str]:
    from comptoir.catalog.models import Category

    names: dict[int, str] = {}
    paths: dict[int, str] = {}
    for category in Category.objects.filter(shop=shop).prefetch_related("translations"):
        translation = category.translation(language)
        names[category.pk] = translation.name if translation else str(category.pk)
        paths[category.pk] = category.path
    return {
        pk: " > ".join(names.get(int(part), "") for part in path.strip("/").split("/") if part)
        for pk, path in paths.items()
    }


def export_products_csv(shop: Shop, out: IO[str]) -> int:
    """Write the catalog of ``shop`` to ``out``; returns the number of rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COMPTOIR_COLUMNS)
    count = 0
    for row in product_rows(shop):
        writer.writerow(row)
        count += 1
    return count


def order_rows(shop: Shop) -> Iterator[list[str]]:
    from comptoir.orders.models import Order

    orders = Order.objects.filter(shop=shop).prefetch_related("lines").order_by("number")
    for order in orders.iterator(chunk_size=CHUNK):
        address = order.shipping_address or {}
        name = f"{address.get('first_name', '')} {address.get('last_name', '')}".strip()
        head = [
            order.number, order.created_at.isoformat(), order.status, order.email,
            order.currency, order.total, order.total_vat, order.shipping_amount,
            order.discount_code, order.shipping_country, name,
        ]  # fmt: skip
        for line in order.lines.all():
            yield [
                _text(value)
                for value in [
                    *head,
                    line.sku,
                    line.product_name,
                    line.variant_label,
                    line.quantity,
                    line.unit_price,
                    line.amount,
                    line.vat_rate,
                ]  # fmt: skip
            ]


def export_orders_csv(shop: Shop, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ORDER_COLUMNS)
    count = 0
    for row in order_rows(shop):
        writer.writerow(row)
        count += 1
    return count


CUSTOMER_COLUMNS = [
    "email", "first_name", "last_name", "newsletter", "company", "line1", "line2",
    "postal_code", "city", "country", "phone",
]  # fmt: skip


def customer_rows(shop: Shop) -> Iterator[list[str]]:
    """One row per customer with their default address, in the format
    ``import_customers --platform comptoir`` reads."""
    from django.contrib.auth import get_user_model

    from comptoir.customers.models import Address
    from comptoir.imports.models import NewsletterConsent

    consents = dict(
        NewsletterConsent.objects.filter(shop=shop).values_list("customer_id", "subscribed")
    )
    users = (
        get_user_model()
        .objects.filter(is_staff=False)
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_default", "pk"))
        )
        .order_by("pk")
    )
    for user in users.iterator(chunk_size=CHUNK):
        if not user.email:
            continue
        address = next(iter(user.addresses.all()), None)
        values = {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "newsletter": consents.get(user.pk, False),
            **(address.as_dict() if address else {}),
        }
        yield [_text(values.get(column)) for column in CUSTOMER_COLUMNS]


def export_customers_csv(shop: Shop, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CUSTOMER_COLUMNS)
    count = 0
    for row in customer_rows(shop):
        writer.writerow(row)
        count += 1
    return count


# --- export jobs (the back office's download buttons) ----------------------------------------

# Rows between two progress updates of a running export.
PROGRESS_EVERY = 2000


def _move(job: ExportJob, status: str, message: str = "") -> None:
    if status not in EXPORT_TRANSITIONS[ExportStatus(job.status)]:
        raise ComptoirError(f"An export cannot go from {job.status} to {status}.")
    job.status = status
    ExportEvent.objects.create(job=job, status=status, message=message[:2000])


def _export_source(job: ExportJob) -> tuple[list[str], Iterator[list[str]], int]:
    """Header, rows and (about) how many rows, for the kind of ``job``."""
    shop = job.shop
    if job.kind == ExportKind.PRODUCTS:
        total = Variant.objects.filter(product__shop=shop).count()
        return COMPTOIR_COLUMNS, product_rows(shop), total
    if job.kind == ExportKind.ORDERS:
        from comptoir.orders.models import OrderLine

        total = OrderLine.objects.filter(order__shop=shop).count()
        return ORDER_COLUMNS, order_rows(shop), total
    from django.contrib.auth import get_user_model

    total = get_user_model().objects.filter(is_staff=False).count()
    return CUSTOMER_COLUMNS, customer_rows(shop), total


@transaction.atomic
def start_export(shop: Shop, *, kind: str, user: object | None = None) -> ExportJob:
    """Queue an export of ``kind``; the back office follows it, then offers the file."""
    from comptoir.imports.tasks import run_export

    if kind not in ExportKind.values:
        raise ComptoirError(f"Unknown export kind {kind!r}.")
    job = ExportJob.objects.create(
        shop=shop, kind=kind, created_by=user if getattr(user, "pk", None) else None
    )
    ExportEvent.objects.create(job=job, status=ExportStatus.QUEUED)
    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


def run_export_job(job_id: int) -> ExportJob:
    """Write the file of a queued export once; an export that already ran is left as is.

    Rows stream from the database to a temporary file a chunk at a time, so memory stays
    flat whatever the size; the count of rows written is saved as it goes, outside any
    transaction, for the page to show."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("shop").get(pk=job_id)
        if job.status != ExportStatus.QUEUED:
            return job
        _move(job, ExportStatus.RUNNING)
        job.save(update_fields=["status", "updated_at"])
    try:
        header, rows, total = _export_source(job)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        name = f"{job.shop.code}-{job.kind}-{stamp}.csv"
        with tempfile.TemporaryFile("w+b") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(header)
            count = 0
            for count, row in enumerate(rows, start=1):
                writer.writerow(row)
                if count % PROGRESS_EVERY == 0:
                    ExportJob.objects.filter(pk=job.pk).update(rows_done=count)
            text.flush()
            raw.seek(0)
            job.file.save(name, File(raw), save=False)
            text.detach()
        status, message = ExportStatus.DONE, ""
    except Exception as exc:  # noqa: BLE001 - the job must end, and say why
        count, status, message = 0, ExportStatus.FAILED, repr(exc)
    with transaction.atomic():
        file_name = job.file.name
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        _move(job, status, message)
        job.file.name = file_name if status == ExportStatus.DONE else ""
        job.rows_done = count
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "file", "rows_done", "finished_at", "updated_at"])
    return job
