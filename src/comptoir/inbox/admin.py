"""The "needs you" screen: the inbox's changelist is replaced by one page listing open
items grouped by kind, each with its context and its one-click actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.core.exceptions import ComptoirError
from comptoir.inbox.actions import actions_for
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import HANDLED, act_on_item, open_counts
from comptoir.inbox.texts import render
from comptoir.shops.models import Shop

# What the context keys producers write mean, for the merchant.
CONTEXT_LABELS = {
    "order": gettext_lazy("Order"),
    "customer": gettext_lazy("Customer"),
    "total": gettext_lazy("Total"),
    "payment_method": gettext_lazy("Payment method"),
    "placed_on": gettext_lazy("Placed on"),
    "reminded_on": gettext_lazy("Reminder sent on"),
    "cancels_on": gettext_lazy("Cancelled automatically on"),
    "promised_on": gettext_lazy("Promised dispatch"),
    "paid_on": gettext_lazy("Paid on"),
    "status": gettext_lazy("Status"),
    "attempts": gettext_lazy("Attempts"),
    "last_error": gettext_lazy("Last error"),
    "provider": gettext_lazy("Provider"),
    "email": gettext_lazy("Email"),
}


def context_rows(item: InboxItem) -> list[tuple[str, Any]]:
    rows = []
    for key, value in (item.context or {}).items():
        if key.endswith("_url"):
            continue  # a link, shown as a button rather than a row
        label = CONTEXT_LABELS.get(key) or key.replace("_", " ").capitalize()
        if isinstance(value, dict) and "msgid" in value:
            value = render(value)  # a sentence kept untranslated: the reader's language
        rows.append((str(label), value))
    return rows


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    # The list is the custom screen below; an item's own page shows every field, read-only.
    readonly_fields = [f.name for f in InboxItem._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an item is closed, never deleted: it is the merchant's history

    def get_urls(self) -> list[Any]:
        return [
            path(
                "act/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="inbox_inboxitem_act",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The inbox screen. ``?status=closed`` shows the history, ``?kind=`` one kind."""
        status = request.GET.get("status", ItemStatus.OPEN)
        if status not in ItemStatus.values:
            status = ItemStatus.OPEN
        kind = request.GET.get("kind", "")
        shops = list(Shop.objects.order_by("name").values_list("pk", "name"))
        shop_id = request.GET.get("shop", "")
        if shop_id not in {str(pk) for pk, _name in shops}:
            shop_id = ""
        items = InboxItem.objects.filter(status=status).select_related("shop", "order")
        if kind:
            items = items.filter(kind=kind)
        if shop_id:
            items = items.filter(shop_id=shop_id)
        items = items.order_by("kind", "-created_at" if status == "open" else "-closed_at")
        page = Paginator(items, 100).get_page(request.GET.get("page"))
        groups: dict[str, dict[str, Any]] = {}
        for item in page.object_list:
            group = groups.setdefault(
                item.kind, {"kind": item.kind, "label": item.kind_label, "items": []}
            )
            group["items"].append(
                {
                    "item": item,
                    "context": context_rows(item),
                    "actions": actions_for(item) if status == ItemStatus.OPEN else [],
                }
            )
        counts = open_counts(shop_id or None)
        return TemplateResponse(
            request,
            "admin/inbox/inboxitem/inbox.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Needs you") if status == ItemStatus.OPEN else _("Closed items"),
                "groups": list(groups.values()),
                "page": page,
                "status": status,
                "kind": kind,
                "kinds": [(k.value, k.label, counts.get(k.value, 0)) for k in ItemKind],
                "open_total": sum(counts.values()),
                "handled": HANDLED,
                # Merchants with two or three shops see one inbox, and may narrow it.
                "shops": shops if len(shops) > 1 else [],
                "shop_id": shop_id,
            },
        )

    def act_view(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = ""
        back = back or reverse("admin:inbox_inboxitem_changelist")
        try:
            item_id = int(request.POST.get("item", ""))
        except ValueError:
            messages.error(request, _("No item was given."))
            return HttpResponseRedirect(back)
        if not self.has_change_permission(request):
            messages.error(request, _("You may not act on inbox items."))
            return HttpResponseRedirect(back)
        try:
            message = act_on_item(
                item_id, action=request.POST.get("action", ""), actor=request.user.get_username()
            )
        except ComptoirError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(back)


# The back office opens on the inbox: its count and link sit above the list of screens.
admin.site.index_template = "admin/inbox_index.html"
