"""The one-page checkout: GET shows it with the server's quote; POST either updates the
quote (``action=update``, the discount's "apply" button, the shipping choice) or places
the order (``action=place``). Works without JavaScript; nothing here computes a price.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from comptoir.cart.models import Cart
from comptoir.cart.session import (
    current_cart,
    ordered_cart_id,
    session_cart_id,
    start_over_after_order,
)
from comptoir.cart.views import basket_lines
from comptoir.checkout.forms import CheckoutForm, posted_initial
from comptoir.checkout.rendering import RENDERER
from comptoir.checkout.services import (
    CheckoutDetails,
    CheckoutError,
    EmptyBasket,
    Quote,
    StaleCart,
    place_order_and_payment,
    quote_cart,
)
from comptoir.core import clients
from comptoir.core.exceptions import ComptoirError
from comptoir.customers.addresses import all_countries, delivery_countries
from comptoir.customers.forms import AddressFields
from comptoir.discounts.services import DiscountRefused
from comptoir.fraud import services as fraud
from comptoir.fraud.views import refused as payment_step_refused
from comptoir.inventory.exceptions import OutOfStock
from comptoir.orders.models import Order
from comptoir.orders.views import go_pay
from comptoir.payments.registry import providers
from comptoir.shipping.services import shop_zones


@dataclass
class Page:
    """Everything the checkout template needs, and the HTTP status to answer with."""

    cart: Cart
    form: CheckoutForm
    shipping: AddressFields
    # The billing address form, built when first asked for: placing an order with the
    # billing address the same as the shipping one never needs it.
    make_billing: Callable[[], AddressFields] = field(repr=False)
    quote: Quote | None
    country: str = ""
    errors: list[str] = field(default_factory=list)
    discount_error: str = ""
    status: int = 200

    @cached_property
    def billing(self) -> AddressFields:
        billing = self.make_billing()
        # Billing fields are ignored while "same as shipping" is ticked: no browser-side
        # "required" on them, or the hidden fields would block the order.
        billing.use_required_attribute = False
        return billing


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "update") if request.method == "POST" else ""
    if action == "place":
        # The payment step: paused after declines, and rate limited per IP and session.
        refusal = fraud.check_payment_step(request)
        if refusal is not None:
            return payment_step_refused(request, refusal)
    posted = request.POST.get("cart", "") if action == "place" else ""
    if posted and posted == ordered_cart_id(request):
        # The same basket posted again (double click, back button, second tab): go to
        # the order it already became, and to its one payment.
        again = placed_again(request, posted)
        if again is not None:
            return again
    cart = current_cart(request)
    if cart is None and posted and posted == session_cart_id(request):
        # A double click whose second request read the session before the first one
        # saved it: its basket was ordered meanwhile. Its order, not "your basket is empty".
        again = placed_again(request, posted)
        if again is not None:
            return again
    try:
        if cart is None:
            raise EmptyBasket
        # Pricing the basket reads its lines, and says when there are none.
        page = prepare(request, cart, data=None if request.method == "GET" else request.POST)
    except EmptyBasket:
        return empty_basket(request)
    if request.method == "GET" or action != "place":
        return show(request, page)
    return place(request, page)


def placed_again(request: HttpRequest, cart_id: str) -> HttpResponse | None:
    """To the payment of the order this session's basket already became, if it did."""
    order = Order.objects.filter(cart__pk=cart_id, shop=request.shop).first()  # type: ignore[attr-defined]
    return go_pay(request, order) if order is not None else None


def empty_basket(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Your basket is empty."))
    return HttpResponseRedirect(reverse("cart:detail"), status=303)


def prepare(request: HttpRequest, cart: Cart, *, data: Any) -> Page:
    """The page for ``cart``; raises EmptyBasket when it has no line at all."""
    shop = request.shop  # type: ignore[attr-defined]
    # Read once: the address form's countries and the shipping quote both need them.
    zones = shop_zones(shop)
    countries = delivery_countries(shop, zones=zones)
    allowed = {code for code, _name in countries}
    if data is None:
        initial, ship_initial = initial_values(request)
        bill_initial = dict(ship_initial)
    else:
        initial = posted_initial(data, CheckoutForm)
        ship_initial = posted_initial(data, AddressFields, "shipping")
        bill_initial = posted_initial(data, AddressFields, "billing")
    country = str(ship_initial.get("country") or "")
    if country not in allowed:
        country = countries[0][0]
        ship_initial["country"] = country
    quote, errors, discount_error = None, [], ""
    method = str(initial.get("shipping_method") or "")
    code = str(initial.get("discount_code") or "").strip()
    email = str(initial.get("email") or "").strip()
    try:
        quote = quote_cart(
            cart,
            country=country,
            shipping_method=method,
            discount_code=code,
            email=email,
            zones=zones,
        )
    except DiscountRefused as refused:
        discount_error = str(refused)
    except EmptyBasket:
        raise
    except CheckoutError as refused:
        errors.append(str(refused))
    if quote is None:
        # Show the basket priced without what was refused, and say why.
        try:
            quote = quote_cart(
                cart,
                country=country,
                shipping_method=method if discount_error else "",
                zones=zones,
            )
        except EmptyBasket:
            raise
        except CheckoutError as refused:
            errors.append(str(refused))
    if quote and quote.shipping_choice:
        initial["shipping_method"] = quote.shipping_choice.code
    options = quote.shipping_options if quote else []
    kwargs = {
        "shipping_codes": [o.code for o in options],
        "pickup_codes": {o.code for o in options if o.method.is_pickup},
        "payment_choices": [(code, str(p.label)) for code, p in providers().items()],
    }
    if data is not None and data.get("action") == "place":
        form = CheckoutForm(data, **kwargs)
        shipping = AddressFields(data, prefix="shipping", countries=countries, renderer=RENDERER)

        def make_billing() -> AddressFields:
            return AddressFields(
                data, prefix="billing", countries=all_countries(shop), renderer=RENDERER
            )
    else:
        form = CheckoutForm(initial=initial, **kwargs)
        shipping = AddressFields(
            initial=ship_initial, prefix="shipping", countries=countries, renderer=RENDERER
        )

        def make_billing() -> AddressFields:
            return AddressFields(
                initial=bill_initial,
                prefix="billing",
                countries=all_countries(shop),
                renderer=RENDERER,
            )

    return Page(cart, form, shipping, make_billing, quote, country, errors, discount_error)


def initial_values(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    user = request.user
    if not user.is_authenticated:
        return {"billing_same": True}, {}
    address = user.addresses.order_by("-is_default", "pk").first()  # type: ignore[union-attr]
    return (
        {"billing_same": True, "email": user.email},
        address.as_dict()
        if address
        else {"first_name": user.first_name, "last_name": user.last_name},
    )


def place(request: HttpRequest, page: Page) -> HttpResponse:
    form, shipping = page.form, page.shipping
    valid = form.is_valid() & shipping.is_valid()
    if valid and not form.cleaned_data["billing_same"]:
        valid = page.billing.is_valid()
    if valid:
        valid = form.check_business_buyer(
            shipping if form.cleaned_data["billing_same"] else page.billing
        )
    if page.errors or page.discount_error or page.quote is None or not valid:
        page.status = 400
        return show(request, page)
    if request.POST.get("quoted", quoted(page)) != quoted(page):
        # The shopper changed the country, shipping method or code without updating the
        # totals: show the new ones before taking the order.
        return again(
            request,
            page,
            status=409,
            error=_(
                "The totals changed with your choices; please check them and place the order again."
            ),
        )
    address = shipping.address()
    details = CheckoutDetails(
        email=form.cleaned_data["email"],
        shipping_address=address,
        billing_address=form.billing_address(
            address if form.cleaned_data["billing_same"] else page.billing.address()
        ),
        shipping_method=form.cleaned_data["shipping_method"] or "",
        payment_method=form.cleaned_data["payment_method"],
        language=get_language() or "fr",
        discount_code=form.cleaned_data["discount_code"].strip(),
        pickup_point=form.pickup_point(),
        cart_version=_int(request.POST.get("cart_version")),
        customer=request.user if request.user.is_authenticated else None,
        client_ip=clients.client_ip(request),
        session_key=clients.session_key(request),
        user_agent=clients.user_agent(request),
    )
    try:
        # The quote the page just computed for these same choices: priced once.
        order, payment = place_order_and_payment(page.cart, details, quote=page.quote)
    except DiscountRefused as refused:
        return again(request, page, discount_error=str(refused), status=409)
    except (StaleCart, OutOfStock) as refused:
        return again(request, page, error=str(refused), status=409)
    except ComptoirError as refused:
        return again(request, page, error=str(refused), status=400)
    start_over_after_order(request, page.cart)
    return go_pay(request, order, created=payment)


def quoted(page: Page) -> str:
    """What the totals on the page were computed for (country, method, code)."""
    quote = page.quote
    if quote is None:
        return ""
    method = quote.shipping_choice.code if quote.shipping_choice else ""
    code = quote.discount.code.code.upper() if quote.discount else ""
    return f"{page.country}|{method}|{code}"


def again(
    request: HttpRequest, page: Page, *, error: str = "", discount_error: str = "", status: int
) -> HttpResponse:
    """The order was refused: show the page again with fresh totals and the reason."""
    cart = Cart.objects.select_related("shop").get(pk=page.cart.pk)
    try:
        fresh = prepare(request, cart, data=request.POST)
    except EmptyBasket:
        return empty_basket(request)
    fresh.errors = [*([error] if error else []), *fresh.errors]
    fresh.discount_error = discount_error or fresh.discount_error
    fresh.status = status
    return show(request, fresh)


def show(request: HttpRequest, page: Page) -> HttpResponse:
    from comptoir.storefront.views import _nav

    form = page.form
    quote = page.quote
    selected = quote.shipping_choice.code if quote and quote.shipping_choice else ""
    if form.is_bound:
        selected = form.data.get("shipping_method", selected)
    pickup_codes = form.pickup_codes
    same = (
        form.data.get("billing_same") is not None
        if form.is_bound
        else bool(form.initial.get("billing_same", True))
    )
    return render(
        request,
        "checkout/checkout.html",
        {
            "page": page,
            "quoted": quoted(page),
            "cart": page.cart,
            "form": form,
            "shipping": page.shipping,
            "billing": page.billing,
            "quote": quote,
            "totals": quote.totals if quote else None,
            "lines": basket_lines(page.cart, quote),
            "errors": page.errors,
            "discount_error": page.discount_error,
            "selected_shipping": selected,
            "show_pickup": selected in pickup_codes,
            "has_pickup": bool(pickup_codes),
            "billing_same": same,
            "payment_methods": [(code, p.label) for code, p in providers().items()],
            "selected_payment": (
                form.data.get("payment_method")
                if form.is_bound
                else form.initial.get("payment_method")
            ),
            "nav": _nav(request, get_language()),
            "noindex": True,
        },
        status=page.status,
    )


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
