"""The shopper's own order pages: "where is my order?", cancel, change the delivery
address. Thin: parse, call ``orders.selfservice``, say what happened."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from comptoir.core import clients
from comptoir.customers.addresses import country_name
from comptoir.customers.forms import AddressFields
from comptoir.orders import selfservice
from comptoir.orders.links import order_status_token
from comptoir.orders.models import Order
from comptoir.orders.views import _order


class LookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Order number"),
        max_length=20,
        help_text=gettext_lazy("In your confirmation email, for example 000123."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email used for the order"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    from comptoir.storefront.views import _nav

    return render(
        request,
        template,
        {**context, "nav": _nav(request, get_language()), "noindex": True},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Order number and email in, the order's signed page out; the same refusal whichever
    of the two was wrong, and a limit on attempts per client IP and session."""
    if request.method != "POST":
        return _page(request, "orders/lookup.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    if not request.session.session_key:
        request.session.save()
    allowed = selfservice.allow_lookup(
        ip=clients.client_ip(request) or "", session_key=request.session.session_key or ""
    )
    if not allowed:
        return _page(
            request,
            "orders/lookup.html",
            {
                "form": form,
                "refusal": _(
                    "Too many attempts. Please wait a quarter of an hour, or use the link in "
                    "your confirmation email."
                ),
            },
            status=429,
        )
    if not form.is_valid():
        return _page(request, "orders/lookup.html", {"form": form}, status=400)
    order = selfservice.find_order(
        request.shop,  # type: ignore[attr-defined]
        number=form.cleaned_data["number"],
        email=form.cleaned_data["email"],
    )
    if order is None:
        return _page(
            request,
            "orders/lookup.html",
            {
                "form": form,
                "refusal": _(
                    "We found no order with this number and this email. Check both in your "
                    "confirmation email."
                ),
            },
            status=404,
        )
    return HttpResponseRedirect(_status_path(order), status=303)


def _status_path(order: Order) -> str:
    """The order's signed page in the language the shopper is browsing in (the emails'
    links use the order's)."""
    return reverse("orders:status", kwargs={"token": order_status_token(order)})


def _back(request: HttpRequest, order: Order) -> str:
    """Back to the page the shopper came from: their account's order page, or the link's."""
    account = request.POST.get("back") == "account" and request.user.is_authenticated
    if account and order.customer_id == request.user.pk:
        return reverse("customers:order", args=[order.number])
    return _status_path(order)


@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "are you sure?"; only the POST of that page cancels."""
    order = _order(request, token)
    if request.method != "POST":
        offer = selfservice.cancel_offer(order)
        back = request.GET.get("back", "")
        return _page(
            request,
            "orders/cancel.html",
            {"order": order, "token": token, "offer": offer, "back": back},
        )
    try:
        selfservice.cancel_by_shopper(order.pk)
    except selfservice.SelfServiceRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Your order is cancelled. A confirmation email is on its way.")
            if not order.paid_at
            else _(
                "Your order is cancelled and your payment is being refunded. A confirmation "
                "email is on its way."
            ),
        )
    return HttpResponseRedirect(_back(request, order), status=303)


@require_http_methods(["GET", "HEAD", "POST"])
def change_address(request: HttpRequest, token: str) -> HttpResponse:
    """The form, then a page showing the new address to confirm, then the change."""
    order = _order(request, token)
    country = order.shipping_country or order.shipping_address.get("country", "")
    countries = [(country, country_name(country))] if country else []
    offer = selfservice.address_offer(order)
    context = {"order": order, "token": token, "offer": offer}
    if request.method != "POST":
        initial = {**order.shipping_address, "country": country}
        back = request.GET.get("back", "")
        form = AddressFields(initial=initial, countries=countries)
        return _page(request, "orders/address.html", {**context, "form": form, "back": back})
    back = request.POST.get("back", "")
    form = AddressFields(request.POST, countries=countries)
    if not offer.allowed or not form.is_valid():
        status = 409 if not offer.allowed else 400
        return _page(
            request, "orders/address.html", {**context, "form": form, "back": back}, status=status
        )
    if request.POST.get("confirm") != "1":
        return _page(
            request,
            "orders/address.html",
            {**context, "form": form, "back": back, "confirming": True, "new": form.address()},
        )
    try:
        selfservice.change_shipping_address(order.pk, address=form.address())
    except selfservice.SelfServiceRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Your delivery address is changed. A confirmation email is on its way.")
        )
    return HttpResponseRedirect(_back(request, order), status=303)
