from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel
from comptoir.shops.models import Shop


class RedirectSource(models.TextChoices):
    MANUAL = "manual", _("Added by hand")
    SLUG_CHANGE = "slug_change", _("Address changed")
    IMPORT = "import", _("Imported from the old shop")
    URL_LIST = "url_list", _("Old sitemap or URL list")


class Redirect(TimeStampedModel):
    """A permanent redirect from an old path on this shop to its new page. ``old_path`` is the
    path only (with its query string when it matters), always starting with "/"."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="redirects")
    old_path = models.CharField(_("old address"), max_length=1000)
    new_path = models.CharField(_("new address"), max_length=1000)
    source = models.CharField(
        _("source"), max_length=20, choices=RedirectSource.choices, default=RedirectSource.MANUAL
    )
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")
        constraints = [
            models.UniqueConstraint(fields=["shop", "old_path"], name="seo_one_redirect_per_path")
        ]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"
