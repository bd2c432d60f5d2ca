"""The back-office upload: a form that queues the import, then a page that follows its
progress (a meta refresh, no script) and shows the report. The exports work the same way:
a button queues the file, a page follows it and then offers the download; the product
feeds, already kept up to date by the worker, are downloaded or regenerated from there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.core.exceptions import ComptoirError
from comptoir.imports.exports import start_export
from comptoir.imports.models import (
    ExportJob,
    ExportKind,
    ExportStatus,
    ImportJob,
    ImportKind,
    ImportPlatform,
    ImportStatus,
)
from comptoir.imports.services import missing_images, read_progress, start_import
from comptoir.shops.models import Shop

MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024


class UploadForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.all())
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportKind.choices)
    platform = forms.ChoiceField(
        label=gettext_lazy("Exported from"),
        choices=ImportPlatform.choices,
        help_text=gettext_lazy("Not needed for a sitemap or a list of old addresses."),
        required=False,
    )
    file = forms.FileField(label=gettext_lazy("File (CSV, sitemap.xml or list of addresses)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: report what would change, write nothing"), required=False
    )
    keep_valid = forms.BooleanField(
        label=gettext_lazy("Import the valid rows even if some rows have errors"),
        required=False,
        help_text=gettext_lazy("Otherwise a single error means nothing is imported."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 GB."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") != ImportKind.URLS and not data.get("platform"):
            self.add_error("platform", _("Choose the platform the file comes from."))
        return data


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "shop", "status", "dry_run", "rows_done", "created_at"]
    list_filter = ["status", "kind", "platform"]
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a job is read, never edited

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        default = Shop.objects.filter(is_default=True).first()
        form = UploadForm(request.POST or None, request.FILES or None, initial={"shop": default})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                job = start_import(
                    data["shop"],
                    kind=data["kind"],
                    upload=data["file"],
                    platform=data["platform"] if data["kind"] != ImportKind.URLS else "",
                    dry_run=data["dry_run"],
                    keep_valid=data["keep_valid"],
                    user=request.user,
                )
            except ComptoirError as error:
                form.add_error(None, str(error))
            else:
                url = reverse("admin:imports_importjob_change", args=[job.pk])
                return HttpResponseRedirect(url)
        return TemplateResponse(
            request,
            "admin/imports/importjob/upload.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                "title": _("Import a file"),
            },
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        job = get_object_or_404(ImportJob, pk=object_id)
        running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        report = job.report or {}
        issues = report.get("issues", [])
        return TemplateResponse(
            request,
            "admin/imports/importjob/status.html",
            {
                **self.admin_site.each_context(request),
                "job": job,
                "running": running,
                "rows": read_progress(job),
                "report": report,
                "errors": [i for i in issues if not i.get("warning")],
                "warnings": [i for i in issues if i.get("warning")],
                "missing_images": missing_images(job),
                "opts": self.model._meta,
                "title": str(job),
            },
        )


class ExportForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.all())
    kind = forms.ChoiceField(
        label=gettext_lazy("What to export"), choices=ExportKind.choices, widget=forms.RadioSelect
    )


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "shop", "status", "rows_done", "created_at"]
    list_filter = ["status", "kind"]
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an export is downloaded, never edited

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:job_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="imports_exportjob_download",
            ),
            path(
                "feeds/<int:shop_id>/<str:kind>/<str:language>/",
                self.admin_site.admin_view(self.feed_view),
                name="imports_exportjob_feed",
            ),
            path(
                "feeds/<int:shop_id>/regenerate/",
                self.admin_site.admin_view(require_POST(self.regenerate_view)),
                name="imports_exportjob_regenerate",
            ),
        ]
        return own + super().get_urls()

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        wanted = request.GET.get("shop", "")
        default = (Shop.objects.filter(pk=wanted).first() if wanted.isdigit() else None) or (
            Shop.objects.filter(is_default=True).first()
        )
        initial = {"shop": default, "kind": ExportKind.PRODUCTS}
        form = ExportForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            job = start_export(
                form.cleaned_data["shop"], kind=form.cleaned_data["kind"], user=request.user
            )
            return HttpResponseRedirect(reverse("admin:imports_exportjob_change", args=[job.pk]))
        shop = form.cleaned_data.get("shop") if form.is_bound and form.is_valid() else default
        return TemplateResponse(
            request,
            "admin/imports/exportjob/start.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "shop": shop,
                "feeds": _feeds(shop) if shop else [],
                "opts": self.model._meta,
                "title": _("Export"),
            },
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        job = get_object_or_404(ExportJob, pk=object_id)
        return TemplateResponse(
            request,
            "admin/imports/exportjob/status.html",
            {
                **self.admin_site.each_context(request),
                "job": job,
                "running": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
                "ready": job.status == ExportStatus.DONE and bool(job.file.name),
                "opts": self.model._meta,
                "title": str(job),
            },
        )

    def download_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        job = get_object_or_404(ExportJob, pk=job_id, status=ExportStatus.DONE)
        if not job.file.name or not job.file.storage.exists(job.file.name):
            raise Http404
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1],
            content_type="text/csv; charset=utf-8",
        )

    def feed_view(self, request: HttpRequest, shop_id: int, kind: str, language: str) -> Any:
        from comptoir.seo.models import Feed

        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        row = get_object_or_404(Feed, shop_id=shop_id, kind=kind, language=language)
        if not default_storage.exists(row.file_name):
            raise Http404
        return FileResponse(
            default_storage.open(row.file_name, "rb"),
            as_attachment=True,
            filename=row.file_name.rsplit("/", 1)[-1],
        )

    def regenerate_view(self, request: HttpRequest, shop_id: int) -> HttpResponse:
        from comptoir.seo.tasks import generate_feeds

        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        shop = get_object_or_404(Shop, pk=shop_id)
        generate_feeds.enqueue(shop.pk)
        self.message_user(
            request, _("The feeds are being regenerated; this page shows them when they are.")
        )
        return HttpResponseRedirect(reverse("admin:imports_exportjob_add") + f"?shop={shop.pk}")


def _feeds(shop: Shop) -> list[dict[str, object]]:
    """The shop's generated feeds, and whether each still reflects its catalog."""
    from comptoir.seo.models import Feed

    shop.refresh_from_db(fields=["catalog_version"])
    return [
        {"feed": feed, "current": feed.catalog_version == shop.catalog_version}
        for feed in Feed.objects.filter(shop=shop).order_by("kind", "language")
    ]
