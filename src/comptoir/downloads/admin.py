from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comptoir.downloads.models import DigitalFile, DownloadGrant


@admin.register(DigitalFile)
class DigitalFileAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "variant", "created_at"]
    search_fields = ["name"]
    raw_id_fields = ["product", "variant"]
    fields = ["product", "variant", "name", "stored_file", "file"]
    readonly_fields = ["stored_file"]
    # The stock widget links to the file's public URL, which a private file does not have.
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}

    @admin.display(description=_("stored file"))
    def stored_file(self, obj: DigitalFile) -> str:
        return obj.file.name or "—"


@admin.register(DownloadGrant)
class DownloadGrantAdmin(admin.ModelAdmin):
    """Read-only, except the limit and the date: the merchant may give a customer more."""

    list_display = ["file", "line", "downloads", "max_downloads", "expires_at"]
    list_select_related = ["file", "line"]
    raw_id_fields = ["line", "file"]
    readonly_fields = ["line", "file", "downloads", "last_downloaded_at", "created_at"]
    fields = [*readonly_fields, "max_downloads", "expires_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # grants come from a paid order
