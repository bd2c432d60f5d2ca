"""The merchant's return screens: the shop's policy with its non-returnable products, and
each return with its timeline and the actions approve, refuse, received, cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.admin import ReadOnlyInline
from comptoir.core.exceptions import ComptoirError
from comptoir.returns import services
from comptoir.returns.models import (
    NonReturnable,
    ReturnEvent,
    ReturnLine,
    ReturnPolicy,
    ReturnRefund,
    ReturnRequest,
)


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "shop",
        "withdrawal_days",
        "return_shipping_paid_by",
        "refund_shipping_on_full_return",
    ]
    fields = [
        "shop",
        "withdrawal_days",
        "return_address",
        "instructions",
        "return_shipping_paid_by",
        "refund_shipping_on_full_return",
    ]


@admin.register(NonReturnable)
class NonReturnableAdmin(admin.ModelAdmin):
    list_display = ["shop", "product", "category", "note"]
    list_filter = ["shop"]
    autocomplete_fields = ["product", "category"]


class LineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["order_line", "quantity", "reason"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ReturnEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = ReturnRefund
    fields = ["refund"]
    readonly_fields = fields


def _run(request: HttpRequest, queryset: QuerySet, use_case: Any, done: str, **kwargs: Any) -> None:
    actor = request.user.get_username()
    for item in queryset.order_by("pk"):
        try:
            use_case(item.pk, actor=actor, **kwargs)
        except ComptoirError as refused:
            messages.error(request, f"{item.key}: {refused}")
        else:
            messages.success(request, done % {"key": item.key})


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["key", "order", "status", "created_at", "refund_amount"]
    list_filter = ["status", "shop"]
    search_fields = ["order__number", "order__email"]
    readonly_fields = [
        "shop",
        "order",
        "status",
        "note",
        "review_reasons",
        "label",
        "refund_amount",
        "shipping_refunded",
        "created_at",
        "decided_at",
        "received_at",
        "refunded_at",
    ]
    fields = [*readonly_fields, "refused_reason"]
    inlines = [LineInline, RefundInline, EventInline]
    actions = ["approve", "refuse", "receive", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the shopper asks from the order page

    @admin.action(description=gettext_lazy("Approve the selected returns"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(request, queryset, services.approve_return, _("%(key)s approved."))

    @admin.action(description=gettext_lazy("Refuse the selected returns"))
    def refuse(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The reason the merchant typed on the return's page, else a polite default.
        for item in queryset.order_by("pk"):
            reason = item.refused_reason  # empty: the service says it in the customer's language
            _run(
                request,
                queryset.filter(pk=item.pk),
                services.refuse_return,
                _("%(key)s refused."),
                reason=reason,
            )

    @admin.action(description=gettext_lazy("Parcel received: refund and restock"))
    def receive(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(request, queryset, services.receive_return, _("%(key)s received and refunded."))

    @admin.action(description=gettext_lazy("Cancel the selected returns"))
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(request, queryset, services.cancel_return, _("%(key)s cancelled."))
