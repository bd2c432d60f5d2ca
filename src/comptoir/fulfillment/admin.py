"""The merchant's fulfillment screens in the back office: routes and suppliers (endpoints,
secrets, schedules), shipments with their timeline and a re-send action, and every message
providers sent back."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.admin import ReadOnlyInline
from comptoir.core.exceptions import ComptoirError
from comptoir.fulfillment import selfship, services
from comptoir.fulfillment.forms import ProviderFileForm, TrackingImportForm
from comptoir.fulfillment.models import (
    FulfillmentRoute,
    PackingBatch,
    ProductRoute,
    ReceivedMessage,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    Supplier,
)


@admin.register(FulfillmentRoute)
class FulfillmentRouteAdmin(admin.ModelAdmin):
    list_display = ["name", "shop", "kind", "transport", "is_default", "active"]
    list_filter = ["kind", "transport", "active"]
    actions = ["create_batches"]
    # Providers' endpoints are https; a merchant typing "wms.example/api" means that.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_urls(self):
        return [
            path(
                "<int:pk>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="fulfillment_route_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest, pk: int):
        """A confirmation or stock file the provider sent some other way (by email, say)."""
        from comptoir.fulfillment import confirmations, stock
        from comptoir.fulfillment.models import Channel

        route = get_object_or_404(FulfillmentRoute, pk=pk)
        if not self.has_change_permission(request, route):
            raise PermissionDenied
        form = ProviderFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            if form.cleaned_data["kind"] == "stock":
                report = stock.import_stock_file(
                    route, content, name=upload.name, channel=Channel.UPLOAD
                )
                summary = _("%(n)s stock level(s) changed.") % {"n": len(report.adjusted)}
                errors = report.errors + [
                    _("Unknown SKU: %(sku)s") % {"sku": sku} for sku in report.unknown
                ]
            else:
                answers = confirmations.receive_csv(
                    route, content, channel=Channel.UPLOAD, name=upload.name
                )
                applied = sum(1 for a in answers if a.outcome == "accepted")
                summary = _("%(n)s parcel(s) confirmed.") % {"n": applied}
                errors = [a.detail for a in answers if a.outcome == "rejected"]
            self.message_user(request, summary, messages.SUCCESS)
            for error in errors:
                self.message_user(request, error, messages.ERROR)
        return TemplateResponse(
            request,
            "fulfillment/admin/upload.html",
            {
                **self.admin_site.each_context(request),
                "route": route,
                "form": form,
                "title": _("Import a file from %(route)s") % {"route": route.name},
            },
        )

    @admin.action(description=gettext_lazy("Put the waiting orders in a packing batch"))
    def create_batches(self, request: HttpRequest, queryset) -> None:
        for route in queryset:
            try:
                batch = selfship.create_batch(route, actor=request.user.get_username())
            except ComptoirError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Batch %(n)s: %(count)s parcel(s).")
                        % {"n": batch.pk, "count": batch.shipments.count()},
                        reverse("admin:fulfillment_batch_picklist", args=[batch.pk]),
                        _("Pick list"),
                    ),
                    messages.SUCCESS,
                )

    fieldsets = [
        (None, {"fields": ["shop", "name", "kind", "transport", "is_default", "active"]}),
        (gettext_lazy("HTTP"), {"fields": ["endpoint_url", "secret", "timeout_seconds"]}),
        (gettext_lazy("Email"), {"fields": ["email"]}),
        (
            gettext_lazy("SFTP"),
            {
                "fields": [
                    "sftp_host",
                    "sftp_port",
                    "sftp_username",
                    "sftp_password",
                    "sftp_host_key",
                    "sftp_outbox",
                    "sftp_inbox",
                ]
            },
        ),
        (
            gettext_lazy("Confirmations by email (IMAP)"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_ssl",
                    "imap_username",
                    "imap_password",
                    "imap_folder",
                    "imap_sender",
                ]
            },
        ),
        (
            gettext_lazy("Schedule"),
            {
                "fields": [
                    "batch_every_minutes",
                    "cutoff_time",
                    "max_attempts",
                    "delivered_after_days",
                ]
            },
        ),
    ]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "shop", "email", "route"]
    search_fields = ["name", "email"]


@admin.register(ProductRoute)
class ProductRouteAdmin(admin.ModelAdmin):
    list_display = ["product", "route", "supplier", "supplier_sku"]
    raw_id_fields = ["product"]
    search_fields = ["supplier_sku", "product__variants__sku"]


class LineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["sku", "name", "quantity"]


class EventInline(ReadOnlyInline):
    model = ShipmentEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "order",
        "route",
        "status",
        "attempts",
        "next_attempt_at",
        "carrier",
        "tracking_number",
        "created_at",
    ]
    list_filter = ["status", "route", "carrier"]
    search_fields = ["tracking_number", "order__number", "order__email"]
    list_select_related = ["order", "route"]
    readonly_fields = [f.name for f in Shipment._meta.fields]
    inlines = [LineInline, EventInline]
    actions = ["resend_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Send again to the provider"))
    def resend_selected(self, request: HttpRequest, queryset) -> None:
        sent = 0
        for shipment in queryset.order_by("pk"):
            try:
                services.resend(shipment.pk, actor=request.user.get_username())
            except ComptoirError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                sent += 1
        if sent:
            self.message_user(
                request, _("%(n)s shipment(s) will be sent again.") % {"n": sent}, messages.SUCCESS
            )


@admin.register(ReceivedMessage)
class ReceivedMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "route", "channel", "kind", "outcome", "shipment", "error"]
    list_filter = ["outcome", "channel", "route"]
    search_fields = ["dedupe_key", "body", "error"]
    readonly_fields = [f.name for f in ReceivedMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PackingBatch)
class PackingBatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "route", "created_at", "shipped_at", "links"]
    readonly_fields = ["shop", "route", "created_at", "shipped_at", "links"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("print and export"))
    def links(self, batch: PackingBatch) -> str:
        items = [
            (reverse("admin:fulfillment_batch_picklist", args=[batch.pk]), _("Pick list")),
            (reverse("admin:fulfillment_batch_slips", args=[batch.pk]), _("Packing slips")),
            (
                reverse("admin:fulfillment_batch_slips_pdf", args=[batch.pk]),
                _("Download the packing slips (PDF)"),
            ),
            (reverse("admin:fulfillment_batch_tracking", args=[batch.pk]), _("Tracking numbers")),
        ] + [
            (
                reverse("admin:fulfillment_batch_export", args=[batch.pk, layout]),
                _("%(carrier)s file") % {"carrier": label},
            )
            for layout, label in EXPORT_LABELS.items()
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', items)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/pick-list/", view(self.pick_list_view), name="fulfillment_batch_picklist"
            ),
            path("<int:pk>/slips/", view(self.slips_view), name="fulfillment_batch_slips"),
            path(
                "<int:pk>/slips.pdf", view(self.slips_pdf_view), name="fulfillment_batch_slips_pdf"
            ),
            path(
                "<int:pk>/export/<str:layout>/",
                view(self.export_view),
                name="fulfillment_batch_export",
            ),
            path("<int:pk>/tracking/", view(self.tracking_view), name="fulfillment_batch_tracking"),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, pk: int) -> PackingBatch:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(PackingBatch.objects.select_related("shop", "route"), pk=pk)

    def pick_list_view(self, request: HttpRequest, pk: int):
        batch = self._batch(request, pk)
        return TemplateResponse(
            request,
            "fulfillment/admin/pick_list.html",
            {
                **self.admin_site.each_context(request),
                "batch": batch,
                "rows": selfship.pick_list(batch),
                "title": _("Pick list, batch %(n)s") % {"n": batch.pk},
            },
        )

    def slips_view(self, request: HttpRequest, pk: int):
        batch = self._batch(request, pk)
        shipments = batch.shipments.select_related("order").prefetch_related("lines").order_by("pk")
        return TemplateResponse(
            request,
            "fulfillment/admin/packing_slips.html",
            {"batch": batch, "shipments": shipments, "shop": batch.shop},
        )

    def slips_pdf_view(self, request: HttpRequest, pk: int):
        from comptoir.fulfillment.pdf import render_packing_slips

        batch = self._batch(request, pk)
        response = HttpResponse(render_packing_slips(batch=batch), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="packing-slips-{batch.pk}.pdf"'
        return response

    def export_view(self, request: HttpRequest, pk: int, layout: str):
        batch = self._batch(request, pk)
        if layout not in selfship.LAYOUTS:
            raise Http404
        response = HttpResponse(
            selfship.carrier_csv(batch, layout), content_type="text/csv; charset=windows-1252"
        )
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-{layout}.csv"'
        return response

    def tracking_view(self, request: HttpRequest, pk: int):
        batch = self._batch(request, pk)
        form = TrackingImportForm(request.POST or None)
        result = None
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            if form.is_valid():
                result = selfship.import_tracking(
                    batch,
                    carrier=form.cleaned_data["carrier"],
                    text=form.cleaned_data["numbers"],
                    actor=request.user.get_username(),
                )
                if result.shipped:
                    self.message_user(
                        request,
                        _("%(n)s parcel(s) marked shipped; the customers are told.")
                        % {"n": len(result.shipped)},
                        messages.SUCCESS,
                    )
                for error in result.errors:
                    self.message_user(request, error, messages.ERROR)
        return TemplateResponse(
            request,
            "fulfillment/admin/tracking.html",
            {
                **self.admin_site.each_context(request),
                "batch": batch,
                "form": form,
                "result": result,
                "shipments": batch.shipments.select_related("order").order_by("pk"),
                "title": _("Tracking numbers, batch %(n)s") % {"n": batch.pk},
            },
        )


EXPORT_LABELS = {"colissimo": "Colissimo", "mondial_relay": "Mondial Relay", "generic": "CSV"}
