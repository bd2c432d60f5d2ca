from django.contrib import admin

from comptoir.promise.models import ClosedPeriod, DispatchRules


class ClosedPeriodInline(admin.TabularInline):
    model = ClosedPeriod
    extra = 1


@admin.register(DispatchRules)
class DispatchRulesAdmin(admin.ModelAdmin):
    list_display = ["shop", "cutoff_time", "working_days", "lead_days", "french_holidays"]
    inlines = [ClosedPeriodInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        from comptoir.shops.services import bump_catalog_version

        # Cached product pages carry the promise: new rules show on the next request.
        bump_catalog_version(form.instance.shop_id)
