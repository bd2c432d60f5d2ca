"""The merchant's SEO screens: redirects (edited one by one or imported from a CSV file),
the shop's search-engine settings, the product feeds, and the SEO audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from comptoir.seo import services
from comptoir.seo.audit import run_audit
from comptoir.seo.models import Feed, Redirect, SeoSettings
from comptoir.shops.models import Shop

MAX_IMPORT_BYTES = 5 * 1024 * 1024
AUDIT_CACHE_SECONDS = 600


class RedirectForm(forms.ModelForm):
    class Meta:
        model = Redirect
        fields = ["shop", "old_path", "new_path", "source"]

    def clean_old_path(self) -> str:
        return _clean_path(self.cleaned_data.get("old_path", ""), _("old"))

    def clean_new_path(self) -> str:
        return _clean_path(self.cleaned_data.get("new_path", ""), _("new"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("old_path") and data.get("old_path") == data.get("new_path"):
            raise forms.ValidationError(_("The old and new addresses are the same."))
        return data


def _clean_path(value: str, name: str) -> str:
    from comptoir.core.exceptions import ComptoirError

    try:
        return services.normalize_path(value, field_name=str(name))
    except ComptoirError as error:
        raise forms.ValidationError(str(error)) from None


class ImportForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=Shop.objects.all(), label=_("shop"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Two columns, the old address then the new one; a header row is allowed."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    form = RedirectForm
    list_display = ["old_path", "new_path", "source", "hits", "updated_at", "shop"]
    list_filter = ["source", "shop"]
    search_fields = ["old_path", "new_path"]
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "admin/seo/redirect/change_list.html"

    def save_model(self, request: HttpRequest, obj: Redirect, form: Any, change: bool) -> None:
        # Through the service, so that chains collapse whoever typed the redirect.
        if change:
            Redirect.objects.filter(pk=obj.pk).delete()
        saved = services.add_redirect(
            obj.shop, old_path=obj.old_path, new_path=obj.new_path, source=obj.source
        )
        if saved is not None:
            obj.pk = saved.pk

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="seo_redirect_import",
            ),
            path(
                "audit/",
                self.admin_site.admin_view(self.audit_view),
                name="seo_audit",
            ),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        errors: list[str] = []
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = services.import_redirects(
                form.cleaned_data["shop"], text=form.cleaned_data["file"]
            )
            if not result.errors:
                self.message_user(
                    request,
                    _("%(count)s redirects imported.") % {"count": result.added},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:seo_redirect_changelist"))
            errors = result.errors
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import redirects"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/seo/redirect/import.html", context)

    def audit_view(self, request: HttpRequest) -> HttpResponse:
        shops = list(Shop.objects.all())
        chosen = next((s for s in shops if str(s.pk) == request.GET.get("shop")), None)
        shop = chosen or next((s for s in shops if s.is_default), shops[0] if shops else None)
        findings = []
        if shop is not None:
            # About 20 s on a million products: kept ten minutes unless asked afresh.
            key = f"seo-audit:{shop.pk}:{shop.catalog_version}"
            findings = None if request.GET.get("fresh") else cache.get(key)
            if findings is None:
                findings = run_audit(shop)
                cache.set(key, findings, AUDIT_CACHE_SECONDS)
        context = {
            **self.admin_site.each_context(request),
            "title": _("SEO audit"),
            "shops": shops,
            "shop": shop,
            "findings": findings,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/seo/audit.html", context)


@admin.register(SeoSettings)
class SeoSettingsAdmin(admin.ModelAdmin):
    list_display = ["shop", "return_days", "free_returns"]

    def save_model(self, request: HttpRequest, obj: SeoSettings, form: Any, change: bool) -> None:
        from comptoir.shops.services import bump_catalog_version

        super().save_model(request, obj, form, change)
        # Product pages show the return policy: cached pages must follow.
        bump_catalog_version(obj.shop_id)


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["shop", "kind", "language", "items", "generated_at", "seconds", "address"]
    list_filter = ["kind", "shop"]

    @admin.display(description=_("address"))
    def address(self, obj: Feed) -> str:
        name = "seo:feed" if obj.kind == "google" else "seo:meta_feed"
        return reverse(name, kwargs={"kind": obj.kind, "language": obj.language})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
