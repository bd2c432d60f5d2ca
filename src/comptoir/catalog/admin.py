"""The merchant's catalog screens, on Django's admin.

Saving goes through the catalog services so that the listing fields, the search text,
the image renditions and the page cache follow every edit. Lists avoid full counts and
load related rows in the same query, so they stay quick on a 50,000-product catalog.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from comptoir.catalog import services
from comptoir.catalog.models import (
    Brand,
    Category,
    CategoryTranslation,
    Option,
    OptionValue,
    Product,
    ProductImage,
    ProductTranslation,
    Tag,
    Variant,
)
from comptoir.catalog.text import sanitize_html
from comptoir.seo.services import record_slug_change
from comptoir.shops.services import bump_catalog_version


class ShopScopedAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_catalog_version(obj.shop_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        shop_id = obj.shop_id
        super().delete_model(request, obj)
        bump_catalog_version(shop_id)


def save_shop_scoped_formset(form: Any, formset: Any) -> None:
    """Save inline rows with the parent's shop, sanitised text and unique slugs."""
    parent = form.instance
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    for obj in instances:
        obj.shop_id = parent.shop_id
        if isinstance(obj, ProductTranslation | CategoryTranslation):
            owner = Q(product=parent) if isinstance(obj, ProductTranslation) else Q(category=parent)
            obj.slug = services.unique_slug(
                type(obj), parent.shop_id, obj.language, obj.slug or obj.name, exclude=owner
            )
            obj.description = sanitize_html(obj.description)
            _record_slug_change(obj)
        obj.save()
    formset.save_m2m()


def _record_slug_change(translation: ProductTranslation | CategoryTranslation) -> None:
    """The old address of an edited translation answers with a 301 to the new one."""
    if translation.pk is None:
        return
    old_slug = type(translation).objects.filter(pk=translation.pk).values_list("slug", flat=True)
    kind = "product" if isinstance(translation, ProductTranslation) else "category"
    record_slug_change(
        translation.shop,
        kind=kind,
        language=translation.language,
        old_slug=old_slug.first() or "",
        new_slug=translation.slug,
    )


class ProductTranslationInline(admin.StackedInline):
    model = ProductTranslation
    extra = 0
    min_num = 1
    fields = ["language", "name", "slug", "description", "meta_title", "meta_description"]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 2 if obj is None else 0


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = [
            "sku",
            "gtin",
            "price",
            "compare_at_price",
            "weight_grams",
            "track_stock",
            "stock_quantity",
            "option_values",
            "position",
        ]

    def clean_gtin(self) -> str:
        from comptoir.core.exceptions import ComptoirError

        try:
            return services.normalize_gtin(self.cleaned_data.get("gtin", ""))
        except ComptoirError as error:
            raise forms.ValidationError(str(error)) from None


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        shop_id = getattr(self.instance, "shop_id", None)
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            sku = (form.cleaned_data.get("sku") or "").strip()
            if sku in seen:
                form.add_error("sku", _("This SKU appears twice in this product."))
            seen.add(sku)
            taken = Variant.objects.filter(shop_id=shop_id, sku=sku)
            if form.instance.pk:
                taken = taken.exclude(pk=form.instance.pk)
            if shop_id and taken.exists():
                form.add_error("sku", _("This SKU is already used by another product."))


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ["option_values"]


class ProductImageForm(forms.ModelForm):
    """An image is uploaded, or fetched from the address the merchant pastes; either way it
    is checked (real image, accepted format, size) before anything is stored."""

    source_url = forms.URLField(
        label=_("fetched from"), required=False, max_length=1000, assume_scheme="https"
    )

    class Meta:
        model = ProductImage
        fields = ["original", "source_url", "variant", "alt", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["original"].required = False

    def clean(self) -> dict[str, Any]:
        from urllib.parse import urlsplit

        from django.core.files.base import ContentFile

        from comptoir.catalog.images import check_image_bytes, fetch_image
        from comptoir.core.exceptions import ComptoirError

        data = super().clean()
        upload = data.get("original")
        url = (data.get("source_url") or "").strip()
        try:
            if upload is not None and upload is not False and "original" in self.changed_data:
                content = upload.read()
                upload.seek(0)
                _format, self.instance.width, self.instance.height = check_image_bytes(
                    content, name=upload.name
                )
            elif url and not self.instance.original:
                content = fetch_image(url)
                _format, self.instance.width, self.instance.height = check_image_bytes(
                    content, name=url
                )
                name = urlsplit(url).path.rsplit("/", 1)[-1] or "image.jpg"
                data["original"] = ContentFile(content, name=name[:100])
            elif not self.instance.original and self.has_changed():
                raise ComptoirError(_("Upload an image or paste its address."))
        except ComptoirError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "original", "source_url", "variant", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj: ProductImage) -> str:
        if not obj.pk or not obj.original:
            return ""
        from django.core.files.storage import default_storage

        name = obj.renditions.get("240") or next(iter(obj.renditions.values()), obj.original.name)
        return format_html('<img src="{}" width="80" alt="">', default_storage.url(name))


@admin.register(Product)
class ProductAdmin(ShopScopedAdmin):
    list_display = ["__str__", "status", "kind", "min_price", "in_stock", "brand", "updated_at"]
    list_filter = ["status", "kind", "is_featured", "in_stock", "vat_class", "shop"]
    list_select_related = ["brand"]
    search_fields = ["translations__name", "variants__sku", "variants__gtin"]
    autocomplete_fields = ["category", "brand", "tags"]
    list_per_page = 50
    date_hierarchy = None
    inlines = [ProductTranslationInline, VariantInline, ProductImageInline]
    fields = [
        "shop",
        "status",
        "kind",
        "category",
        "brand",
        "tags",
        "vat_class",
        "is_featured",
        "allow_backorder",
    ]
    actions = ["make_active", "make_archived"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("translations")

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Joins over translations and variants can repeat a product; distinct keeps one.
        results, _ = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_shop_scoped_formset(form, formset)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        product = form.instance
        new_images = [
            image
            for formset in formsets
            if formset.model is ProductImage
            for image in formset.new_objects
        ]
        services.product_changed(product)
        if new_images:
            from comptoir.catalog.tasks import make_image_renditions

            for image in new_images:
                transaction.on_commit(lambda pk=image.pk: make_image_renditions.enqueue(pk))

    @admin.action(description=_("Put on sale"))
    def make_active(self, request: HttpRequest, queryset: Any) -> None:
        for product in queryset:
            services.set_product_status(product, status="active")

    @admin.action(description=_("Archive"))
    def make_archived(self, request: HttpRequest, queryset: Any) -> None:
        for product in queryset:
            services.set_product_status(product, status="archived")


class CategoryTranslationInline(admin.StackedInline):
    model = CategoryTranslation
    extra = 0
    min_num = 1
    fields = ["language", "name", "slug", "description", "meta_title", "meta_description"]


@admin.register(Category)
class CategoryAdmin(ShopScopedAdmin):
    list_display = ["__str__", "path", "position", "is_active"]
    list_filter = ["is_active", "depth", "shop"]
    search_fields = ["translations__name"]
    autocomplete_fields = ["parent"]
    inlines = [CategoryTranslationInline]
    fields = ["shop", "parent", "position", "is_active"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("translations")

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        results, _ = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_shop_scoped_formset(form, formset)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.update_category_path(form.instance)
        bump_catalog_version(form.instance.shop_id)


@admin.register(Brand)
class BrandAdmin(ShopScopedAdmin):
    list_display = ["name", "slug", "shop"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(ShopScopedAdmin):
    list_display = ["name", "slug", "shop"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class OptionValueInline(admin.TabularInline):
    model = OptionValue
    extra = 1


@admin.register(Option)
class OptionAdmin(ShopScopedAdmin):
    list_display = ["code", "labels", "position", "shop"]
    search_fields = ["code"]
    inlines = [OptionValueInline]


@admin.register(OptionValue)
class OptionValueAdmin(admin.ModelAdmin):
    list_display = ["code", "option", "labels"]
    search_fields = ["code", "option__code"]
    list_select_related = ["option"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # edited inside its option; registered for autocomplete
