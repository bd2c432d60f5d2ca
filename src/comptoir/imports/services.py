"""Importing a merchant's files: one pipeline for every platform.

read (streaming CSV, encoding and delimiter detected) -> parse (one small parser per
platform, to neutral records) -> validate (shared, with line and column) -> write (in
batches). The whole file is one transaction: with errors and without "keep the valid
rows", or in a dry run, it is rolled back and the report says what would have changed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.core.files.base import File
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.exceptions import ComptoirError
from comptoir.imports.models import (
    TRANSITIONS,
    ImportEvent,
    ImportJob,
    ImportKind,
    ImportStatus,
    PendingImage,
)
from comptoir.imports.platforms import (
    Platform,
    count_woo_variations,
    parse_comptoir,
    parse_prestashop,
    parse_shopify,
    parse_woocommerce,
)
from comptoir.imports.reading import FileError, read_csv
from comptoir.imports.records import Issue, ProductRecord
from comptoir.imports.writer import CatalogWriter, validate_record
from comptoir.shops.models import Shop
from comptoir.shops.services import bump_catalog_version

BATCH_SIZE = 500
# A report keeps this many issues; past it only the counts grow (a million-row file with
# an error on every row must not need a gigabyte to say so).
MAX_REPORTED_ISSUES = 1000


class _Rollback(Exception):
    pass


@dataclass
class ImportReport:
    platform: str = ""
    dry_run: bool = False
    keep_valid: bool = False
    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    records_rejected: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    redirects_created: int = 0
    images_queued: int = 0
    error_count: int = 0
    warning_count: int = 0
    issues: list[Issue] = field(default_factory=list)
    rolled_back: bool = False
    seconds: float = 0.0
    unmatched_urls: list[str] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        if issue.warning:
            self.warning_count += 1
        else:
            self.error_count += 1
        if len(self.issues) < MAX_REPORTED_ISSUES:
            self.issues.append(issue)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if not i.warning]

    @property
    def written(self) -> bool:
        return not (self.dry_run or self.rolled_back)

    def as_dict(self) -> dict[str, object]:
        data = {
            name: getattr(self, name)
            for name in (
                "platform", "dry_run", "keep_valid", "rows", "products_created",
                "products_updated", "variants_created", "variants_updated", "records_rejected",
                "customers_created", "customers_updated",
                "redirects_created", "images_queued", "error_count", "warning_count",
                "rolled_back", "seconds", "unmatched_urls",
            )
        }  # fmt: skip
        data["issues"] = [i.as_dict() for i in self.issues]
        return data


def _vat_rate(shop: Shop) -> Decimal:
    """PrestaShop exports prices without VAT; a shop that enters prices with VAT needs it,
    unless it sells under the VAT franchise: then the price without VAT is the price paid."""
    from comptoir.billing.selectors import under_vat_franchise

    if not shop.prices_include_tax or under_vat_franchise(shop):
        return Decimal(0)
    from comptoir.catalog.models import VatClass
    from comptoir.taxes.rates import HUNDRED, is_eu, vat_rate

    country = shop.country if is_eu(shop.country) else "FR"
    standard = vat_rate(
        VatClass.STANDARD, destination=country, origin=country, overrides=shop.vat_overrides
    )
    return standard * HUNDRED


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """The objects that exist before a long import (Django's, the project's modules) are
    left out of the garbage collector's passes until it ends: its full passes went through
    all of them again and again, 5 % of an import's CPU. What the import creates is
    collected as before, so memory stays bounded."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_products(
    shop: Shop,
    stream: IO[bytes],
    *,
    platform: str,
    dry_run: bool = False,
    keep_valid: bool = False,
    job_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a product CSV of ``platform`` into ``shop``; see the module docstring."""
    if platform not in Platform.ALL:
        raise ComptoirError(_("Unknown platform %(platform)s.") % {"platform": platform})
    report = ImportReport(platform=platform, dry_run=dry_run, keep_valid=keep_valid)
    started = time.monotonic()
    with _older_objects_frozen():
        _import_products(
            shop, stream, platform=platform, dry_run=dry_run, keep_valid=keep_valid,
            job_id=job_id, batch_size=batch_size, progress=progress, report=report,
        )  # fmt: skip
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _import_products(
    shop: Shop,
    stream: IO[bytes],
    *,
    platform: str,
    dry_run: bool,
    keep_valid: bool,
    job_id: int | None,
    batch_size: int,
    progress: Callable[[ImportReport], None] | None,
    report: ImportReport,
) -> None:
    try:
        start = stream.tell() if stream.seekable() else 0
        csv_file = read_csv(stream, unneutralise=platform == Platform.COMPTOIR)
        if platform == Platform.PRESTASHOP:
            items = parse_prestashop(csv_file, vat_rate=_vat_rate(shop))
        elif platform == Platform.WOOCOMMERCE and stream.seekable():
            # Read the file twice: counting the variations first keeps memory bounded.
            expected = count_woo_variations(csv_file)
            stream.seek(start)
            items = parse_woocommerce(read_csv(stream), expected=expected)
        else:
            items = {
                Platform.SHOPIFY: parse_shopify,
                Platform.WOOCOMMERCE: parse_woocommerce,
                Platform.COMPTOIR: parse_comptoir,
            }[platform](csv_file)
        # All or nothing, and every dry run, is one transaction. Keeping the valid rows
        # commits batch by batch instead: a long import then neither holds SQLite's write
        # lock (and the shop's checkouts) for its whole length nor hides its progress.
        per_batch = keep_valid and not dry_run
        with nullcontext() if per_batch else transaction.atomic():
            writer = CatalogWriter(shop, platform=platform, job_id=job_id)
            batch: list[ProductRecord] = []

            def flush() -> None:
                # Once an error dooms an all-or-nothing import, the rest is only checked.
                if batch and (keep_valid or dry_run or not report.error_count):
                    try:
                        with transaction.atomic():
                            issues = writer.write(batch)
                    except DatabaseError as exc:
                        # What the checks did not foresee costs this batch, not the file.
                        writer.load_caches()
                        issues = [
                            Issue(
                                line=batch[0].line,
                                column="",
                                message=_(
                                    "Lines %(first)s to %(last)s could not be written: %(error)s"
                                )
                                % {"first": batch[0].line, "last": batch[-1].line, "error": exc},
                            )
                        ]
                        report.records_rejected += len(batch) - 1
                    for issue in issues:
                        report.add(issue)
                        report.records_rejected += 1
                batch.clear()
                _copy_counts(writer, report)
                if progress is not None:
                    progress(report)

            for item in items:
                if isinstance(item, Issue):
                    report.add(item)
                    continue
                report.rows += max(1, len(item.variants))
                validate_record(item, platform)
                for issue in item.issues:
                    report.add(issue)
                if item.has_errors:
                    report.records_rejected += 1
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            flush()
            if report.error_count and not keep_valid:
                report.rolled_back = True
            if dry_run or report.rolled_back:
                raise _Rollback
            bump_catalog_version(shop.pk)
            if writer.counts.images_queued:
                from comptoir.imports.tasks import fetch_import_images

                transaction.on_commit(lambda: fetch_import_images.enqueue(job_id))
    except _Rollback:
        pass
    except FileError as exc:
        report.add(Issue(line=0, column="", message=str(exc)))
        # Keeping the valid rows, the batches before the unreadable line stay written.
        report.rolled_back = not (keep_valid and not dry_run)


def _copy_counts(writer: CatalogWriter, report: ImportReport) -> None:
    counts = writer.counts
    report.products_created = counts.products_created
    report.products_updated = counts.products_updated
    report.variants_created = counts.variants_created
    report.variants_updated = counts.variants_updated
    report.redirects_created = counts.redirects_created
    report.images_queued = counts.images_queued
    report.unmatched_urls = counts.not_redirected


# --- images, after the import ----------------------------------------------------------------


def fetch_pending_images(*, job_id: int | None = None, limit: int = 500) -> tuple[int, int]:
    """Fetch up to ``limit`` pending images (of one job, or any); returns (fetched, failed).

    Each image is its own small transaction: a slow or broken server costs that image
    only, and the product stays on sale without it, reported as missing."""
    from comptoir.catalog.images import add_image, fetch_image
    from comptoir.catalog.models import Product

    pending = PendingImage.objects.filter(status=PendingImage.Status.PENDING)
    if job_id is not None:
        pending = pending.filter(job_id=job_id)
    fetched = failed = 0
    for row in list(pending.order_by("product_id", "position")[:limit]):
        try:
            data = fetch_image(row.url)
            name = row.url.rsplit("/", 1)[-1].split("?")[0] or "image.jpg"
            with transaction.atomic():
                product = Product.objects.get(pk=row.product_id)
                image = add_image(
                    product, data, filename=name, alt={"fr": row.alt} if row.alt else {},
                    source_url=row.url,
                )  # fmt: skip
                PendingImage.objects.filter(pk=row.pk).update(
                    status=PendingImage.Status.FETCHED, image=image, error=""
                )
            fetched += 1
        except ComptoirError as exc:
            PendingImage.objects.filter(pk=row.pk).update(
                status=PendingImage.Status.FAILED, error=str(exc)[:300]
            )
            failed += 1
    return fetched, failed


def missing_images(job: ImportJob) -> list[dict[str, object]]:
    return list(
        PendingImage.objects.filter(job=job, status=PendingImage.Status.FAILED).values(
            "product_id", "url", "error"
        )[:MAX_REPORTED_ISSUES]
    )


# --- jobs (the back-office upload) ------------------------------------------------------------


def _move(job: ImportJob, status: str, message: str = "") -> None:
    if status not in TRANSITIONS[ImportStatus(job.status)]:
        raise ComptoirError(f"An import cannot go from {job.status} to {status}.")
    job.status = status
    ImportEvent.objects.create(job=job, status=status, message=message[:2000])


@transaction.atomic
def start_import(
    shop: Shop,
    *,
    kind: str,
    upload: File,
    platform: str = "",
    dry_run: bool = False,
    keep_valid: bool = False,
    user: object | None = None,
) -> ImportJob:
    """Store the upload and queue its import; the page then follows the job's progress."""
    from comptoir.imports.tasks import run_import

    if kind not in ImportKind.values:
        raise ComptoirError(f"Unknown import kind {kind!r}.")
    if kind != ImportKind.URLS and platform not in Platform.ALL:
        raise ComptoirError(_("Choose the platform the file comes from."))
    job = ImportJob(
        shop=shop,
        kind=kind,
        platform=platform,
        dry_run=dry_run,
        keep_valid=keep_valid,
        created_by=user if getattr(user, "pk", None) else None,
    )
    job.file.save(upload.name or "import.csv", upload, save=False)
    job.save()
    ImportEvent.objects.create(job=job, status=ImportStatus.QUEUED)
    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def run_import_job(job_id: int) -> ImportJob:
    """Run a queued job once; a job that already ran is left as it is."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("shop").get(pk=job_id)
        if job.status != ImportStatus.QUEUED:
            return job
        _move(job, ImportStatus.RUNNING)
        job.save(update_fields=["status", "updated_at"])

    def progress(report: ImportReport) -> None:
        # Inside the import's transaction this row change is not yet visible to others;
        # the progress file is, so the page can show how far the worker is.
        _write_progress(job, report.rows)

    try:
        with job.file.open("rb") as stream:
            if job.kind == ImportKind.PRODUCTS:
                report = import_products(
                    job.shop, stream, platform=job.platform, dry_run=job.dry_run,
                    keep_valid=job.keep_valid, job_id=job.pk, progress=progress,
                )  # fmt: skip
            elif job.kind == ImportKind.CUSTOMERS:
                from comptoir.imports.customers import import_customers

                report = import_customers(
                    job.shop, stream, platform=job.platform, dry_run=job.dry_run,
                    keep_valid=job.keep_valid,
                )  # fmt: skip
            else:
                from comptoir.imports.urls import import_urls

                report = import_urls(job.shop, stream, dry_run=job.dry_run)
        status = ImportStatus.ROLLED_BACK if report.rolled_back else ImportStatus.DONE
        message = ""
    except Exception as exc:  # noqa: BLE001 - the job must end, and say why
        report = ImportReport(platform=job.platform)
        report.add(Issue(line=0, column="", message=str(exc)[:500]))
        status, message = ImportStatus.FAILED, repr(exc)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        _move(job, status, message)
        job.report = report.as_dict()
        job.rows_done = report.rows
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "report", "rows_done", "finished_at", "updated_at"])
    return job


def _progress_path(job: ImportJob) -> str:
    return f"{job.file.name}.progress"


def _write_progress(job: ImportJob, rows: int) -> None:
    from django.core.files.base import ContentFile

    storage = job.file.storage
    path = _progress_path(job)
    if storage.exists(path):
        storage.delete(path)
    storage.save(path, ContentFile(str(rows).encode()))


def read_progress(job: ImportJob) -> int:
    """Rows read so far by a running job (0 before the first batch)."""
    if job.status != ImportStatus.RUNNING:
        return job.rows_done
    try:
        with job.file.storage.open(_progress_path(job), "rb") as handle:
            return int(handle.read() or 0)
    except (OSError, ValueError):
        return 0
