"""The customer's pages: sign in (keeping the basket), the account made after a guest
order, order history and the address book. Thin: parse, call customers.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from comptoir.cart.session import CART_KEY, remember
from comptoir.customers import services
from comptoir.customers.addresses import delivery_countries
from comptoir.customers.forms import AddressBookForm, ClaimAccountForm
from comptoir.customers.models import Address
from comptoir.orders.links import order_from_token, order_status_path
from comptoir.orders.models import Order
from comptoir.orders.views import _claim_offer, order_context

LOGIN = reverse_lazy("customers:login")


def _nav(request: HttpRequest) -> Any:
    from comptoir.storefront.views import _nav as storefront_nav

    return storefront_nav(request, get_language())


class SignInView(auth_views.LoginView):
    template_name = "customers/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "nav": _nav(self.request), "noindex": True}

    def form_valid(self, form: Any) -> HttpResponse:
        # Read before login(): signing in gives the session a new key (and, if another
        # customer was signed in, a clean slate).
        visitor_cart = self.request.session.get(CART_KEY)
        response = super().form_valid(form)
        cart, notes = services.basket_after_sign_in(
            form.get_user(),
            shop=self.request.shop,  # type: ignore[attr-defined]
            session_cart_id=visitor_cart,
        )
        if cart is not None:
            remember(self.request, cart)
        for note in notes:
            messages.warning(self.request, note)
        return response

    def get_default_redirect_url(self) -> str:
        return reverse("customers:orders")


class SignOutView(auth_views.LogoutView):
    def get_success_url(self) -> str:
        return reverse("storefront:home")


@require_POST
def claim(request: HttpRequest, token: str) -> HttpResponse:
    """A guest turns their order into an account by choosing a password."""
    order = order_from_token(token, request.shop)  # type: ignore[attr-defined]
    if order is None:
        raise Http404
    if not _claim_offer(request, order):
        messages.info(request, _("Please sign in to see this order in your account."))
        return HttpResponseRedirect(order_status_path(order), status=303)
    form = ClaimAccountForm(request.POST, email=order.email)
    if not form.is_valid():
        payment = order.payments.order_by("-created_at").first()
        return render(
            request,
            "orders/status.html",
            {
                **order_context(order, payment),
                "token": token,
                "claim": True,
                "claim_form": form,
                "nav": _nav(request),
                "noindex": True,
            },
            status=400,
        )
    try:
        user = services.create_account_for_order(order, password=form.cleaned_data["password1"])
    except services.AccountError as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(order_status_path(order), status=303)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your account is ready; this order is in it."))
    return HttpResponseRedirect(reverse("customers:order", args=[order.number]), status=303)


@require_safe
@login_required(login_url=LOGIN)
def orders(request: HttpRequest) -> HttpResponse:
    rows = Order.objects.filter(customer=request.user, shop=request.shop)  # type: ignore[attr-defined]
    return render(
        request,
        "customers/orders.html",
        {
            "orders": rows.order_by("-created_at")[:200],
            "nav": _nav(request),
            "noindex": True,
        },
    )


@require_safe
@login_required(login_url=LOGIN)
def order(request: HttpRequest, number: int) -> HttpResponse:
    found = get_object_or_404(
        Order,
        customer=request.user,
        shop=request.shop,  # type: ignore[attr-defined]
        number=number,
    )
    payment = found.payments.order_by("-created_at").first()
    return render(
        request,
        "customers/order.html",
        {
            **order_context(found, payment),
            "status_path": order_status_path(found),
            "nav": _nav(request),
            "noindex": True,
        },
    )


@require_safe
@login_required(login_url=LOGIN)
def addresses(request: HttpRequest) -> HttpResponse:
    rows = Address.objects.filter(customer=request.user).order_by("-is_default", "pk")
    return render(
        request,
        "customers/addresses.html",
        {
            "addresses": rows,
            "nav": _nav(request),
            "noindex": True,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
def address_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    address = get_object_or_404(Address, pk=pk, customer=request.user) if pk else None
    countries = delivery_countries(request.shop)  # type: ignore[attr-defined]
    if address and address.country not in {code for code, _name in countries}:
        from comptoir.customers.addresses import country_name

        countries = [*countries, (address.country, country_name(address.country))]
    if request.method == "POST":
        form = AddressBookForm(request.POST, countries=countries)
        if form.is_valid():
            services.save_address(
                request.user,
                form.address(),
                address=address,
                is_default=form.cleaned_data["is_default"],
            )
            messages.success(request, _("Address saved."))
            return HttpResponseRedirect(reverse("customers:addresses"), status=303)
    else:
        form = AddressBookForm(
            initial=AddressBookForm.initial_from(address) if address else {}, countries=countries
        )
    return render(
        request,
        "customers/address_form.html",
        {
            "form": form,
            "address": address,
            "nav": _nav(request),
            "noindex": True,
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@login_required(login_url=LOGIN)
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Address, pk=pk, customer=request.user)
    services.delete_address(request.user, pk)
    messages.success(request, _("Address deleted."))
    return HttpResponseRedirect(reverse("customers:addresses"), status=303)
