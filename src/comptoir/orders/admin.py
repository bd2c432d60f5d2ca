"""The merchant's order screens: list with filters, the order with its timeline, and the
three actions that need a human — payment received, cancel, refund."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from comptoir.billing.admin import DocumentInline
from comptoir.core.admin import ReadOnlyInline
from comptoir.core.exceptions import ComptoirError
from comptoir.fraud.admin import ScreeningInline
from comptoir.orders import services
from comptoir.orders.models import Order, OrderEvent, OrderLine, SelfServiceRules
from comptoir.orders.states import OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "sku",
        "product_name",
        "variant_label",
        "quantity",
        "unit_price",
        "amount",
        "discount",
        "vat_rate",
        "refunded_quantity",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "provider",
        "status",
        "amount",
        "refunded_amount",
        "reference",
        "created_at",
        "confirmed_at",
        "failure_reason",
    ]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = gettext_lazy("timeline")
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount to refund"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, lines: Sequence[OrderLine] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.restock_fields = []
        for line in lines:
            returnable = line.quantity - line.refunded_quantity
            if not line.variant_id or returnable <= 0:
                continue
            name = f"restock_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=_("Return to stock: %(sku)s — %(name)s (up to %(max)s)")
                % {"sku": line.sku, "name": line.product_name, "max": returnable},
                min_value=0,
                max_value=returnable,
                initial=0,
                required=False,
            )
            self.restock_fields.append((name, line.pk))

    def restock(self) -> dict[int, int]:
        """Line id -> units back on the shelf, leaving out the lines left at 0."""
        return {
            line_id: self.cleaned_data[name]
            for name, line_id in self.restock_fields
            if self.cleaned_data.get(name)
        }


class PaymentStateFilter(admin.SimpleListFilter):
    """Where the money stands, whatever the payment method: the orders to chase."""

    title = gettext_lazy("payment")
    parameter_name = "payment_state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("captured", gettext_lazy("Captured")),
            ("awaiting", gettext_lazy("Awaited")),
            ("failed", gettext_lazy("Failed, not paid")),
            ("refund_failed", gettext_lazy("A refund failed")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        from comptoir.payments.models import Refund

        payments_of = Payment.objects.filter(order=OuterRef("pk"))
        captured = Exists(payments_of.filter(status=PaymentStatus.SUCCEEDED))
        awaiting = Exists(payments_of.filter(status=PaymentStatus.PENDING))
        failed = Exists(payments_of.filter(status=PaymentStatus.FAILED))
        value = self.value()
        if value == "captured":
            return queryset.filter(captured)
        if value == "awaiting":
            return queryset.filter(awaiting & ~captured)
        if value == "failed":
            return queryset.filter(failed & ~captured & ~awaiting)
        if value == "refund_failed":
            unanswered = Refund.objects.filter(
                payment__order=OuterRef("pk"), status="failed"
            ).exclude(retries__status__in=["pending", "succeeded"])
            return queryset.filter(Exists(unanswered))
        return queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "email",
        "status",
        "payment_method",
        "total",
        "shipping_country",
    ]
    list_filter = ["status", PaymentStateFilter, "payment_method", "created_at", "shop"]
    search_fields = ["=number", "email"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    inlines = [LineInline, PaymentInline, ScreeningInline, DocumentInline, EventInline]
    actions = ["mark_payment_received", "cancel_orders"]
    readonly_fields = [
        "shop",
        "number",
        "status",
        "email",
        "language",
        "currency",
        "customer",
        "shipping_address",
        "billing_address",
        "shipping_method",
        "pickup_point",
        "payment_method",
        "discount_code",
        "goods_amount",
        "discount_amount",
        "shipping_amount",
        "total_net",
        "total_vat",
        "total",
        "vat_breakdown",
        "refunded_amount",
        "created_at",
        "paid_at",
        "cancelled_at",
        "reserved_until",
        "promised_dispatch_on",
        "client_ip",
    ]
    fields = readonly_fields
    change_form_template = "admin/orders/order/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from the checkout, never typed in

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an order is never deleted; it is cancelled

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:order_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="orders_order_refund",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Mark the bank transfer or cheque as received"))
    def mark_payment_received(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for order in queryset:
            payment = order.payments.filter(status=PaymentStatus.PENDING).first()
            if (
                order.status != OrderStatus.PENDING_PAYMENT
                or payment is None
                or payment.provider not in ("bank_transfer", "cheque")
            ):
                self.message_user(
                    request,
                    _("%(number)s is not awaiting a bank transfer or a cheque: left as it is.")
                    % {"number": order.reference},
                    messages.WARNING,
                )
                continue
            payments.confirm_payment(
                str(payment.pk),
                amount=None,
                currency=order.currency,
                actor=request.user.get_username(),
            )
            done += 1
        self.message_user(request, _("%(n)s order(s) marked as paid.") % {"n": done})

    @admin.action(description=gettext_lazy("Cancel (stock returned, payment refunded)"))
    def cancel_orders(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for order in queryset:
            if order.status == OrderStatus.CANCELLED:
                self.message_user(
                    request,
                    _("%(number)s was already cancelled.") % {"number": order.reference},
                    messages.WARNING,
                )
                continue
            try:
                services.cancel_order(
                    order.pk,
                    actor=request.user.get_username(),
                    reason=_("cancelled by the merchant"),
                )
            except ComptoirError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s order cancelled: its stock is back, its payment refunded or voided.",
                    "%(n)s orders cancelled: their stock is back, their payments refunded or "
                    "voided.",
                    done,
                )
                % {"n": done},
            )

    def refund_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        form = RefundForm(request.POST or None, lines=list(order.lines.all()))
        if request.method == "POST" and form.is_valid():
            try:
                payments.refund_order(
                    order.pk,
                    amount=form.cleaned_data["amount"],
                    actor=request.user.get_username(),
                    reason=form.cleaned_data["reason"],
                    restock=form.restock(),
                )
            except (ComptoirError, InvalidOperation) as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Refund requested."))
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return TemplateResponse(
            request,
            "admin/orders/order/refund.html",
            {
                **self.admin_site.each_context(request),
                "order": order,
                "form": form,
                "opts": self.model._meta,
                "title": _("Refund order %(n)s") % {"n": order.number},
            },
        )


@admin.register(SelfServiceRules)
class SelfServiceRulesAdmin(admin.ModelAdmin):
    """What shoppers may change on their order page without writing to the shop."""

    list_display = ["shop", "cancel_until", "address_change_until", "within_hours"]
    fields = ["shop", "cancel_until", "address_change_until", "within_hours"]
