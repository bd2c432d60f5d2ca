from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from comptoir.shops.models import Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "domain", "is_default", "currency", "default_language"]
    search_fields = ["name", "code", "domain"]
    readonly_fields = ["catalog_version"]
    fieldsets = [
        (None, {"fields": ["name", "code", "domain", "is_default", "tagline", "contact_email"]}),
        (
            _("Languages and currency"),
            {
                "fields": [
                    "default_language",
                    "languages",
                    "currency",
                    "prices_include_tax",
                    "time_zone",
                ]
            },
        ),
        (_("VAT"), {"fields": ["country", "oss_registered", "vat_overrides"]}),
        (_("Appearance"), {"fields": ["logo", "primary_colour", "accent_colour"]}),
        (_("Stock"), {"fields": ["low_stock_threshold", "catalog_version"]}),
    ]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        from comptoir.shops.services import bump_catalog_version

        bump_catalog_version(obj.pk)
