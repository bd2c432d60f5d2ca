"""The merchant's fulfillment screens in the back office: routes and suppliers (endpoints,
secrets, schedules), shipments with their timeline and a re-send action, and every message
providers sent back."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.exceptions import ComptoirError
from comptoir.fulfillment import services
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FulfillmentRoute)
class FulfillmentRouteAdmin(admin.ModelAdmin):
    list_display = ["name", "shop", "kind", "transport", "is_default", "active"]
    list_filter = ["kind", "transport", "active"]
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
    list_display = ["__str__", "route", "created_at", "shipped_at"]
    readonly_fields = ["shop", "route", "created_at", "shipped_at"]
