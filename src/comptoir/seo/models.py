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

    # (shop, old_path) and (shop, new_path) serve every look-up by shop.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="redirects", db_index=False
    )
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
        # add_redirect and the importers re-point the redirects that lead to a path which
        # itself moves: without it, each such lookup read every redirect of the shop.
        indexes = [models.Index(fields=["shop", "new_path"], name="seo_redirect_by_target")]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"


class SeoSettings(models.Model):
    """What a shop says to search engines and shopping feeds beyond its catalog. One row
    per shop, created with its defaults the first time it is read."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="seo_settings")
    robots_extra = models.TextField(
        _("extra robots.txt rules"),
        blank=True,
        help_text=_(
            "Added to the generated robots.txt, e.g. 'Disallow: /fr/categorie/soldes/'. "
            "Search, filtered, basket, checkout and account pages are always excluded."
        ),
    )
    return_days = models.PositiveSmallIntegerField(
        _("days to return an item"),
        default=14,
        help_text=_("Shown to Google with each product; 0 means returns are not accepted."),
    )
    free_returns = models.BooleanField(_("returns are free"), default=False)
    google_product_category = models.CharField(
        _("Google product category"),
        max_length=200,
        blank=True,
        help_text=_("Optional; the Google taxonomy id or path used for every product."),
    )

    class Meta:
        verbose_name = _("search engine settings")
        verbose_name_plural = _("search engine settings")

    def __str__(self) -> str:
        return str(self.shop)


class FeedKind(models.TextChoices):
    GOOGLE = "google", _("Google Merchant Center")
    """RSS 2.0 with the g: namespace."""
    META = "meta", _("Meta catalog")
    """CSV with Meta's column names (Facebook and Instagram shops)."""


class Feed(models.Model):
    """The last generated product feed of a shop, per kind and language: the file lives in
    the media storage, this row says which file is current and from which catalog."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="feeds")
    kind = models.CharField(max_length=10, choices=FeedKind.choices)
    language = models.CharField(max_length=8)
    file_name = models.CharField(max_length=255)
    catalog_version = models.PositiveBigIntegerField()
    items = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("product feed")
        verbose_name_plural = _("product feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "language"], name="seo_one_feed_per_kind_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.language} ({self.items})"
