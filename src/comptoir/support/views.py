"""The shopper's side: the contact form, "ask about this order" from the order page, the
ticket page with its answer and "did this help?", and the inbound-email webhook.
Thin: parse, call support.services / support.inbound."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from comptoir.core import clients, ratelimit
from comptoir.core.exceptions import ComptoirError
from comptoir.orders.links import order_from_token
from comptoir.shops.models import Shop
from comptoir.support import inbound, mail, services
from comptoir.support.forms import ContactForm, CustomerReplyForm, OrderQuestionForm
from comptoir.support.intents import Intent
from comptoir.support.models import Ticket
from comptoir.support.states import Channel, Direction, TicketStatus


def TOO_MANY() -> str:  # noqa: N802 - reads as the message it is
    return _(
        "You have sent several messages in a short time. Please wait a few minutes and try again."
    )


def PASSED_ON() -> str:  # noqa: N802
    return _("Thank you. Your question has been passed on to the shop, who will reply by email.")


def too_many_message() -> str:
    return _(
        "You have sent several messages in a short time. Please wait a few minutes and try again."
    )


def passed_on() -> str:
    return _("Thank you. Your question has been passed on to the shop, who will reply by email.")


def _nav(request: HttpRequest) -> Any:
    from comptoir.storefront.views import _nav as storefront_nav

    return storefront_nav(request, get_language())


def rate_limited(request: HttpRequest, scope: str) -> bool:
    """Counts this request; True once an address has sent more than the limit (default 5
    messages in 10 minutes) to one shop, counted by every server alike (core.ratelimit)."""
    limit = getattr(settings, "COMPTOIR_SUPPORT_RATE_LIMIT", 5)
    window = timedelta(seconds=getattr(settings, "COMPTOIR_SUPPORT_RATE_WINDOW", 600))
    ip = clients.client_ip(request) or "?"
    key = f"support:{scope}:{request.shop.pk}:{ip}"  # type: ignore[attr-defined]
    return ratelimit.hit([key], window=window)[key[:120]] > limit


def ticket_path(ticket: Ticket) -> str:
    return reverse("support:ticket", kwargs={"token": mail.ticket_token(ticket)})


def too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["form_error"] = TOO_MANY()
    return render(request, template, {**context, "nav": _nav(request)}, status=429)


@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    form = ContactForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "noindex": True}
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["website"]:
            # A robot: it is thanked like a person and nothing is kept.
            return render(request, "support/sent.html", {"nav": _nav(request)})
        if rate_limited(request, "contact"):
            return too_many(request, "support/contact.html", context)
        if form.is_valid():
            data = form.cleaned_data
            ticket = services.open_ticket(
                shop,
                name=data["name"],
                email=data["email"],
                order_number=data["order_number"],
                body=data["message"],
                channel=Channel.FORM,
                language=get_language() or shop.default_language,
            )
            return HttpResponseRedirect(ticket_path(ticket), status=303)
    return render(request, "support/contact.html", {**context, "nav": _nav(request)})


@require_http_methods(["GET", "HEAD", "POST"])
def ask_about_order(request: HttpRequest, token: str) -> HttpResponse:
    """The question asked from the order page: the signed link proves the order is theirs."""
    shop: Shop = request.shop  # type: ignore[attr-defined]
    order = order_from_token(token, shop)
    if order is None:
        raise Http404
    form = OrderQuestionForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "order": order, "token": token, "noindex": True}
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["website"]:
            return render(request, "support/sent.html", {"nav": _nav(request)})
        if rate_limited(request, "order"):
            return too_many(request, "support/ask.html", context)
        if form.is_valid():
            address = order.shipping_address or {}
            ticket = services.open_ticket(
                shop,
                name=str(address.get("first_name") or address.get("name") or ""),
                email=order.email,
                order=order,
                order_number=order.reference,
                subject=_("Order %(number)s") % {"number": order.reference},
                body=form.cleaned_data["message"],
                channel=Channel.ORDER_PAGE,
                language=get_language() or order.language,
            )
            return HttpResponseRedirect(ticket_path(ticket), status=303)
    return render(request, "support/ask.html", {**context, "nav": _nav(request)})


def _ticket(request: HttpRequest, token: str) -> Ticket:
    ticket = mail.ticket_from_token(token)
    if ticket is None or ticket.shop_id != request.shop.pk:  # type: ignore[attr-defined]
        raise Http404
    return ticket


@require_safe
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    found = _ticket(request, token)
    thread = list(found.messages.all())
    answer = next(
        (m for m in reversed(thread) if m.direction == Direction.OUT and m.channel == Channel.AUTO),
        None,
    )
    return render(
        request,
        "support/ticket.html",
        {
            "ticket": found,
            "token": token,
            "thread": thread,
            "answer": answer,
            "intent_label": Intent(found.intent).label if found.intent else "",
            "ask_feedback": found.status == TicketStatus.ANSWERED,
            "promise_hours": mail.settings_for(found.shop).first_response_hours,
            "reply_form": CustomerReplyForm(),
            "nav": _nav(request),
            "noindex": True,
        },
    )


@require_POST
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    found = _ticket(request, token)
    helped = request.POST.get("helped")
    if helped not in ("yes", "no"):
        messages.error(request, _("Choose Yes or No."))
        return HttpResponseRedirect(ticket_path(found), status=303)
    try:
        services.record_feedback(found.pk, helped=helped == "yes")
    except ComptoirError as refused:
        messages.error(request, str(refused))
    else:
        if helped == "yes":
            messages.success(request, _("Glad we could help. Your question is closed."))
        else:
            messages.success(request, passed_on())
    return HttpResponseRedirect(ticket_path(found), status=303)


@require_POST
def reply(request: HttpRequest, token: str) -> HttpResponse:
    found = _ticket(request, token)
    form = CustomerReplyForm(request.POST)
    if rate_limited(request, "reply"):
        messages.error(request, too_many_message())
    elif not form.is_valid():
        messages.error(request, form.errors["message"][0])
    else:
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("shop")
                .get(pk=found.pk)
            )
            services.add_customer_reply(
                locked, body=form.cleaned_data["message"], channel=Channel.FORM
            )
        messages.success(request, _("Your message has been sent to the shop."))
    return HttpResponseRedirect(ticket_path(found), status=303)


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest, shop_code: str) -> HttpResponse:
    """An email service posts a customer's email here (JSON or form), signed."""
    shop = Shop.objects.filter(code=shop_code).first()
    if shop is None:
        return JsonResponse({"error": "unknown shop"}, status=404)
    try:
        outcome = inbound.receive_webhook(
            shop,
            timestamp=request.headers.get(inbound.TIMESTAMP_HEADER, ""),
            signature=request.headers.get(inbound.SIGNATURE_HEADER, ""),
            content_type=request.content_type or "",
            body=request.body,
        )
    except inbound.Refused as refused:
        return JsonResponse({"error": str(refused)}, status=refused.status)
    return JsonResponse({"outcome": outcome.result, "ticket": outcome.ticket})
