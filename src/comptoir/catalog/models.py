"""The catalog: products with variants, categories as a tree, brands, tags and images.

Translatable text (name, slug, description, meta) lives in one row per language
(``ProductTranslation``, ``CategoryTranslation``), so a shop can add a language without a
migration and a slug is unique per shop and language by a plain database constraint.
Short labels (option names and values, image alt text) are a small JSON map of
language -> text.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel
from comptoir.shops.models import Shop

MAX_OPTIONS_PER_PRODUCT = 3
PRICE = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


def pick_label(labels: dict[str, str], language: str | None = None, fallback: str = "") -> str:
    """The label in ``language`` (default: the active one), else any language, else fallback."""
    language = language or get_language() or "fr"
    return labels.get(language) or next(iter(labels.values()), fallback) if labels else fallback


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    """Being written; invisible on the storefront."""
    ACTIVE = "active", _("Active")
    """On sale: listed, searchable, in the sitemaps."""
    ARCHIVED = "archived", _("Archived")
    """No longer sold; kept for order history and old links."""


class ProductKind(models.TextChoices):
    PHYSICAL = "physical", _("Physical product")
    """Shipped in a parcel; has a weight."""
    DIGITAL = "digital", _("Digital download")
    """Delivered as a file or a link; no shipping."""
    SERVICE = "service", _("Bookable service")
    """An appointment or a session booked for a date."""


class VatClass(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    """France 20 %."""
    INTERMEDIATE = "intermediate", _("Intermediate rate")
    """France 10 % (restaurants, some services)."""
    REDUCED = "reduced", _("Reduced rate")
    """France 5.5 % (food, books)."""
    SUPER_REDUCED = "super_reduced", _("Super-reduced rate")
    """France 2.1 % (press, some medicines)."""
    ZERO = "zero", _("Exempt")
    """No VAT charged."""


class Brand(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "slug"], name="brand_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=100)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["shop", "slug"], name="tag_unique_slug")]

    def __str__(self) -> str:
        return self.name


class Category(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialised path of primary keys, "/3/17/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("visible"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]

    def __str__(self) -> str:
        translation = self.translation()
        return translation.name if translation else f"#{self.pk}"

    def translation(self, language: str | None = None) -> CategoryTranslation | None:
        return _pick_translation(self, language)


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    meta_title = models.CharField(_("meta title"), max_length=70, blank=True)
    meta_description = models.CharField(_("meta description"), max_length=160, blank=True)

    class Meta:
        verbose_name = _("category translation")
        verbose_name_plural = _("category translations")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language"], name="category_one_translation_per_language"
            ),
            models.UniqueConstraint(
                fields=["shop", "language", "slug"], name="category_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Option(models.Model):
    """A dimension products vary along, shared by the shop: size, colour, grind..."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=50)
    labels = models.JSONField(_("labels"), default=dict, help_text=_('e.g. {"fr": "Taille"}'))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="option_unique_code")]

    def __str__(self) -> str:
        return pick_label(self.labels, fallback=self.code)

    @property
    def label(self) -> str:
        return pick_label(self.labels, fallback=self.code)


class OptionValue(models.Model):
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(_("code"), max_length=80)
    labels = models.JSONField(_("labels"), default=dict)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("option value")
        verbose_name_plural = _("option values")
        ordering = ["option_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["option", "code"], name="option_value_unique_code")
        ]

    def __str__(self) -> str:
        return pick_label(self.labels, fallback=self.code)

    @property
    def label(self) -> str:
        return pick_label(self.labels, fallback=self.code)


class Product(TimeStampedModel):
    # No index of its own on shop, product, or slug below: a longer index starting with the
    # column serves the same look-ups, and each index more is written on every import.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="products", db_index=False
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ProductKind.choices, default=ProductKind.PHYSICAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    brand = models.ForeignKey(
        Brand,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("brand"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="products", verbose_name=_("tags"))
    options = models.ManyToManyField(
        Option,
        through="ProductOption",
        blank=True,
        related_name="products",
        verbose_name=_("options"),
    )
    vat_class = models.CharField(
        _("VAT class"), max_length=16, choices=VatClass.choices, default=VatClass.STANDARD
    )
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    allow_backorder = models.BooleanField(
        _("sell when out of stock"),
        default=False,
        help_text=_("Take orders past zero stock; the storefront says 'on back-order'."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    # Denormalised from the variants and the orders, kept by the services, so that listing
    # pages sort and filter on the product row alone.
    min_price = models.DecimalField(**PRICE, default=Decimal("0.00"), editable=False)
    max_price = models.DecimalField(**PRICE, default=Decimal("0.00"), editable=False)
    sales_count = models.PositiveIntegerField(default=0, editable=False)
    in_stock = models.BooleanField(default=True, editable=False)
    cover_image = models.ForeignKey(
        "ProductImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(
                fields=["shop", "status", "category", "min_price"], name="product_cat_price"
            ),
            models.Index(
                fields=["shop", "status", "category", "-published_at"], name="product_cat_new"
            ),
            # Covers the "best sellers" order whole, ties included: no table lookups to sort.
            models.Index(
                fields=["shop", "status", "category", "-sales_count", "-published_at"],
                name="product_cat_best",
            ),
            models.Index(fields=["shop", "status", "-published_at"], name="product_new"),
            models.Index(fields=["shop", "status", "is_featured"], name="product_featured"),
        ]

    def __str__(self) -> str:
        translation = self.translation()
        return translation.name if translation else f"#{self.pk}"

    def translation(self, language: str | None = None) -> ProductTranslation | None:
        return _pick_translation(self, language)


class ProductTranslation(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="translations", db_index=False
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=220,
        blank=True,
        db_index=False,
        help_text=_("Left blank, it is made from the name."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Sanitised HTML: formatting and links only.")
    )
    meta_title = models.CharField(_("meta title"), max_length=70, blank=True)
    meta_description = models.CharField(_("meta description"), max_length=160, blank=True)
    # Accent-free, lower-case text written by the services; what the search backends index.
    search_name = models.TextField(default="", editable=False)
    search_body = models.TextField(default="", editable=False)

    class Meta:
        verbose_name = _("product translation")
        verbose_name_plural = _("product translations")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language"], name="product_one_translation_per_language"
            ),
            models.UniqueConstraint(
                fields=["shop", "language", "slug"], name="product_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class ProductOption(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="product_options", db_index=False
    )
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "option"], name="product_option_once"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.option_id}"


class Variant(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64)
    gtin = models.CharField(_("GTIN / EAN"), max_length=14, blank=True)
    price = models.DecimalField(_("price"), **PRICE)
    compare_at_price = models.DecimalField(
        _("compare-at price"),
        **PRICE,
        null=True,
        blank=True,
        help_text=_("The former price, shown struck through."),
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    track_stock = models.BooleanField(_("track stock"), default=True)
    stock_quantity = models.IntegerField(_("stock"), default=0)
    # Held by unpaid orders; kept by comptoir.inventory.services with conditional UPDATEs.
    reserved_quantity = models.PositiveIntegerField(_("reserved"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    option_values = models.ManyToManyField(
        OptionValue, blank=True, related_name="variants", verbose_name=_("option values")
    )

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="variant_unique_sku")]
        indexes = [models.Index(fields=["shop", "gtin"], name="variant_gtin")]

    def __str__(self) -> str:
        return self.sku

    @property
    def available_quantity(self) -> int:
        return self.stock_quantity - self.reserved_quantity

    def backordered(self, quantity: int) -> bool:
        """Whether ``quantity`` of it would be sold beyond the shelf: a back-order, which
        waits for a delivery no dispatch date can be promised for."""
        return bool(
            self.track_stock and self.product.allow_backorder and quantity > self.available_quantity
        )

    @property
    def is_available(self) -> bool:
        return not self.track_stock or self.available_quantity > 0


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="images"
    )
    original = models.ImageField(_("image"), upload_to=product_image_path, max_length=255)
    source_url = models.URLField(_("fetched from"), blank=True, max_length=1000)
    alt = models.JSONField(_("alternative text"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    # {"240": "products/7/abc-240.webp", ...}: written once the renditions exist.
    renditions = models.JSONField(default=dict, editable=False)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.original.name

    def alt_text(self, language: str | None = None, fallback: str = "") -> str:
        return pick_label(self.alt, language, fallback)


def _pick_translation(obj: Product | Category, language: str | None) -> object | None:
    language = language or get_language() or "fr"
    # Uses prefetched rows when the caller prefetched them; one query otherwise.
    rows = list(obj.translations.all())
    for row in rows:
        if row.language == language:
            return row
    return rows[0] if rows else None
