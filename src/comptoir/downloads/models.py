from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Product, Variant
from comptoir.downloads.storage import private_storage
from comptoir.orders.models import OrderLine

DEFAULT_MAX_DOWNLOADS = 5


def new_grant_token() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes


class DigitalFile(models.Model):
    """A file delivered to buyers of a product (or of one of its variants only)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="digital_files", verbose_name=_("product")
    )
    variant = models.ForeignKey(
        Variant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digital_files",
        verbose_name=_("variant"),
        help_text=_("Leave empty to deliver the file with every variant of the product."),
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to="digital/%Y/%m/", storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digital file")
        verbose_name_plural = _("digital files")
        ordering = ["product_id", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class DownloadGrant(models.Model):
    """The right of one order line to download one file, a limited number of times until
    a date. Created when the order is paid, never before."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="download_grants")
    file = models.ForeignKey(DigitalFile, on_delete=models.CASCADE, related_name="grants")
    # Secret part of the download link; the link carries it signed.
    token = models.CharField(max_length=64, unique=True, default=new_grant_token, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    max_downloads = models.PositiveIntegerField(_("download limit"), default=DEFAULT_MAX_DOWNLOADS)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("download grant")
        verbose_name_plural = _("download grants")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["line", "file"], name="download_grant_once"),
            models.CheckConstraint(
                condition=models.Q(downloads__lte=models.F("max_downloads")),
                name="download_grant_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file} for line {self.line_id}"

    @property
    def remaining(self) -> int:
        return max(0, self.max_downloads - self.downloads)
