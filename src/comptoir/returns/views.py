"""The shopper's return request, from the guest order page (signed link) or the account's
order page: thin, it parses the form and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.exceptions import ComptoirError
from comptoir.orders.links import order_from_token, order_status_path
from comptoir.orders.models import Order
from comptoir.returns import services
from comptoir.returns.forms import parse_request


@require_POST
def request_return(request: HttpRequest, token: str) -> HttpResponse:
    order = _order(request, token)
    wanted, note, errors = parse_request(request.POST)
    if not errors:
        try:
            created = services.request_return(order.pk, wanted=wanted, note=note)
        except services.ReturnError as refused:
            errors = refused.errors
        else:
            if created.status == "approved":
                messages.success(
                    request,
                    _("Your return is approved. The instructions are on their way by email."),
                )
            else:
                messages.success(
                    request, _("Your return request is sent; we will answer it by email.")
                )
    for error in errors:
        messages.error(request, error)
    return _back(request, order)


@require_POST
def cancel_return(request: HttpRequest, token: str, return_id: int) -> HttpResponse:
    order = _order(request, token)
    if not order.returns.filter(pk=return_id).exists():
        raise Http404
    try:
        services.cancel_return(return_id, actor="customer", reason=_("cancelled by the customer"))
    except ComptoirError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Your return is cancelled."))
    return _back(request, order)


def _back(request: HttpRequest, order: Order) -> HttpResponse:
    # The account's order page when asked from there by its owner; the guest page otherwise.
    if (
        request.POST.get("next") == "account"
        and request.user.is_authenticated
        and order.customer_id == request.user.pk
    ):
        return HttpResponseRedirect(reverse("customers:order", args=[order.number]), status=303)
    return HttpResponseRedirect(order_status_path(order), status=303)


def _order(request: HttpRequest, token: str) -> Order:
    order = order_from_token(token, request.shop)  # type: ignore[attr-defined]
    if order is None:
        raise Http404
    return order
