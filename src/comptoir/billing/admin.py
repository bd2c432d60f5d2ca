"""The merchant's screens: the shop's legal identity, and the issued documents (read only,
with their PDF)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from comptoir.billing import services
from comptoir.billing.links import document_path
from comptoir.billing.models import Document, SellerIdentity


@admin.register(SellerIdentity)
class SellerIdentityAdmin(admin.ModelAdmin):
    list_display = ["shop", "legal_name", "siren", "vat_number", "vat_exempt", "facturx"]
    fields = [
        "shop",
        "legal_name",
        "legal_form",
        "share_capital",
        "address",
        "siren",
        "siret",
        "rcs_city",
        "vat_number",
        "vat_exempt",
        "payment_terms",
        "late_penalty_rate",
        "facturx",
        "missing_mentions",
    ]
    readonly_fields = ["missing_mentions"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The shop is the row's key: changing it would move the identity to another shop.
        return ["shop", "missing_mentions"] if obj is not None else ["missing_mentions"]

    @admin.display(description=_("missing mentions"))
    def missing_mentions(self, identity: SellerIdentity) -> str:
        # Said on the form itself: invoices issued meanwhile go out without these.
        missing = identity.missing()
        if not missing:
            return "—"
        return ", ".join(str(SellerIdentity._meta.get_field(n).verbose_name) for n in missing)

    def save_model(
        self, request: HttpRequest, obj: SellerIdentity, form: Any, change: bool
    ) -> None:
        services.save_identity(obj)


@admin.display(description=_("PDF"))
def pdf_link(document: Document) -> str:
    return format_html('<a href="{}">{}.pdf</a>', document_path(document), document.reference)


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["reference", "kind", "order", "issued_at", "total", pdf_link]
    list_filter = ["shop", "kind"]
    search_fields = ["reference", "order__number", "order__email"]
    fields = ["reference", "kind", "order", "invoice", "issued_at", "total", "sha256", pdf_link]
    readonly_fields = fields


class DocumentInline(ReadOnly, admin.TabularInline):
    """The order's invoice and credit notes, on the order page."""

    model = Document
    fk_name = "order"
    extra = 0
    can_delete = False
    fields = ["reference", "kind", "issued_at", "total", pdf_link]
    readonly_fields = fields
