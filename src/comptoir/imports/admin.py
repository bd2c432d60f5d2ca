"""The back-office upload: a form that queues the import, then a page that follows its
progress (a meta refresh, no script) and shows the report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.exceptions import ComptoirError
from comptoir.imports.models import ImportJob, ImportKind, ImportPlatform, ImportStatus
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
