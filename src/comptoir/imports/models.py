"""Import jobs, the keys products had on the merchant's old platform, and the images
waiting to be fetched."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Category, Product, ProductImage
from comptoir.core.models import TimeStampedModel
from comptoir.downloads.storage import private_storage
from comptoir.shops.models import Shop


class ImportKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    CUSTOMERS = "customers", _("Customers")
    URLS = "urls", _("Old addresses")


class ImportPlatform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    PRESTASHOP = "prestashop", "PrestaShop"
    COMPTOIR = "comptoir", "Comptoir"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    """Uploaded; waiting for a worker."""
    RUNNING = "running", _("Running")
    """A worker is reading the file."""
    DONE = "done", _("Done")
    """Finished; the report says what was written (nothing for a dry run)."""
    ROLLED_BACK = "rolled_back", _("Nothing imported")
    """The file had errors and the merchant asked for all or nothing: nothing was written."""
    FAILED = "failed", _("Failed")
    """The file could not be read at all, or the worker crashed; nothing was written."""


# Which status may follow which: a job runs once, and its end is final.
TRANSITIONS = {
    ImportStatus.QUEUED: {ImportStatus.RUNNING, ImportStatus.FAILED},
    ImportStatus.RUNNING: {ImportStatus.DONE, ImportStatus.ROLLED_BACK, ImportStatus.FAILED},
    ImportStatus.DONE: set(),
    ImportStatus.ROLLED_BACK: set(),
    ImportStatus.FAILED: set(),
}


def import_file_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.shop_id}/{filename}"


class ImportJob(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    platform = models.CharField(
        _("platform"), max_length=16, choices=ImportPlatform.choices, blank=True
    )
    # Uploads hold customers' names and addresses: kept outside MEDIA_ROOT, which the
    # /media/ view or the front proxy serves to anyone.
    file = models.FileField(
        _("file"), upload_to=import_file_path, max_length=255, storage=private_storage
    )
    dry_run = models.BooleanField(
        _("dry run"), default=False, help_text=_("Report what would change; write nothing.")
    )
    keep_valid = models.BooleanField(
        _("keep the valid rows"),
        default=False,
        help_text=_("Import the valid rows even when others have errors."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    # The report: counts, issues with line and column, redirects, old URLs left unmatched.
    report = models.JSONField(_("report"), default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.platform} #{self.pk}"


class ImportEvent(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.status}"


class LegacyKey(models.Model):
    """How the old platform knew a product or category: Shopify handle, WooCommerce id,
    PrestaShop id. Re-imports update through it; old URLs are matched to pages with it."""

    # No index of its own: the unique (shop, platform, kind, key) one starts with the shop
    # and serves its lookups, and an import then updates one index less per key.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    platform = models.CharField(max_length=16, choices=ImportPlatform.choices)
    kind = models.CharField(max_length=16)  # handle, product, category
    key = models.CharField(max_length=200)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, related_name="+")
    # PrestaShop combinations give a price impact; this is the price it applies to.
    base_price = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "platform", "kind", "key"], name="imports_one_legacy_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.kind}:{self.key}"


class PendingImage(models.Model):
    """An image URL of an imported product, fetched after the import by a background task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To fetch")
        """Not tried yet."""
        FETCHED = "fetched", _("Fetched")
        """Stored as a product image."""
        FAILED = "failed", _("Missing")
        """Unreachable, too large or not an image; the product was imported without it."""

    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=1000)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    image = models.ForeignKey(ProductImage, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["status", "job"], name="imports_pending_image")]

    def __str__(self) -> str:
        return self.url


class NewsletterConsent(models.Model):
    """A customer's newsletter consent as the old shop recorded it, kept with its origin
    so that it can be shown as proof. Comptoir has no newsletter yet; whichever app
    sends one reads this."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="newsletter_consents"
    )
    subscribed = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=ImportPlatform.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "customer"], name="imports_one_consent")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.subscribed}"


class ExportKind(models.TextChoices):
    PRODUCTS = "products", _("Products (CSV to re-import)")
    ORDERS = "orders", _("Orders (CSV, one row per order line)")
    CUSTOMERS = "customers", _("Customers (CSV)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    """Asked for in the back office; waiting for a worker."""
    RUNNING = "running", _("Running")
    """A worker is writing the file."""
    DONE = "done", _("Ready")
    """The file is written and can be downloaded."""
    FAILED = "failed", _("Failed")
    """The worker could not write the file; the event says why."""


EXPORT_TRANSITIONS = {
    ExportStatus.QUEUED: {ExportStatus.RUNNING, ExportStatus.FAILED},
    ExportStatus.RUNNING: {ExportStatus.DONE, ExportStatus.FAILED},
    ExportStatus.DONE: set(),
    ExportStatus.FAILED: set(),
}


class ExportJob(TimeStampedModel):
    """A CSV export written by a worker, so that a catalog of a million rows neither holds
    a web worker nor runs into its timeout; the page follows it and then offers the file."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(_("kind"), max_length=16, choices=ExportKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Orders and customers: outside MEDIA_ROOT, handed out only by the back office.
    file = models.FileField(
        _("file"), upload_to="exports/", max_length=255, blank=True, storage=private_storage
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows to write"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ExportEvent(models.Model):
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=ExportStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.status}"
