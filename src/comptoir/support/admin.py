"""The merchant's side: a ticket's page is its conversation, with the reply box and the
canned replies; the rest is plain admin for the canned replies and the settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.exceptions import ComptoirError
from comptoir.support import services
from comptoir.support.intents import Intent
from comptoir.support.models import CannedReply, SupportSettings, Ticket
from comptoir.support.states import TicketStatus


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["reference", "email", "status", "intent", "order", "reply_due_at", "created_at"]
    list_filter = ["status", "intent", "shop"]
    search_fields = ["reference", "email", "name", "messages__body"]
    list_select_related = ["order"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:ticket_id>/reply/",
                self.admin_site.admin_view(require_POST(self.reply_view)),
                name="support_ticket_reply",
            ),
            path(
                "<int:ticket_id>/close/",
                self.admin_site.admin_view(require_POST(self.close_view)),
                name="support_ticket_close",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The conversation, instead of a form over the ticket's fields."""
        ticket = get_object_or_404(
            Ticket.objects.select_related("shop", "order"), pk=int(object_id)
        )
        if not self.has_view_or_change_permission(request, ticket):
            return HttpResponseRedirect(reverse("admin:index"))
        canned = [
            {
                "pk": reply.pk,
                "title": reply.title,
                "preview": services.render_placeholders(reply.body, ticket),
            }
            for reply in CannedReply.objects.filter(shop=ticket.shop)
        ]
        return TemplateResponse(
            request,
            "admin/support/ticket/thread.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Ticket %(reference)s") % {"reference": ticket.reference},
                "ticket": ticket,
                "thread": list(ticket.messages.all()),
                "events": list(ticket.events.all()),
                "intent_label": Intent(ticket.intent).label if ticket.intent else "",
                "canned": canned,
                "can_reply": self.has_change_permission(request, ticket),
                "is_closed": ticket.status == TicketStatus.CLOSED,
            },
        )

    def reply_view(self, request: HttpRequest, ticket_id: int) -> HttpResponse:
        back = reverse("admin:support_ticket_change", args=[ticket_id])
        if not self.has_change_permission(request):
            messages.error(request, _("You may not reply to tickets."))
            return HttpResponseRedirect(back)
        canned = request.POST.get("canned", "")
        try:
            services.reply_as_merchant(
                ticket_id,
                body=request.POST.get("body", ""),
                actor=request.user.get_username(),
                canned_reply_id=int(canned) if canned.isdigit() else None,
            )
        except ComptoirError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Reply sent by email."))
        return HttpResponseRedirect(back)

    def close_view(self, request: HttpRequest, ticket_id: int) -> HttpResponse:
        back = reverse("admin:support_ticket_change", args=[ticket_id])
        if not self.has_change_permission(request):
            messages.error(request, _("You may not close tickets."))
            return HttpResponseRedirect(back)
        try:
            services.close_ticket(ticket_id, actor=request.user.get_username())
        except ComptoirError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Ticket closed."))
        return HttpResponseRedirect(back)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "shop"]
    list_filter = ["shop"]


@admin.register(SupportSettings)
class SupportSettingsAdmin(admin.ModelAdmin):
    list_display = ["shop", "first_response_hours", "address", "imap_host"]
