"""The basket page and its buttons. Thin: parse, call cart.services, render.

Every price on these pages comes from :func:`comptoir.checkout.services.quote_cart`; the
browser only ever sends a variant id, a line id and a quantity.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from comptoir.cart import services
from comptoir.cart.models import MAX_QUANTITY, Cart
from comptoir.cart.services import CartError
from comptoir.cart.session import current_cart, current_or_new_cart, remember
from comptoir.catalog.models import ProductStatus
from comptoir.checkout.services import CheckoutError, Quote, quote_cart, variant_label
from comptoir.customers.addresses import country_name


@require_safe
def detail(request: HttpRequest) -> HttpResponse:
    return render_basket(request, current_cart(request))


# The product page is served from the page cache to visitors without a session, so it
# cannot carry a per-visitor CSRF token: this view is exempt. What CSRF protects against
# is another site making the browser post with the visitor's cookies; here the session
# cookie is SameSite=Lax (never sent on a cross-site POST), and when the browser says where
# the post comes from (Origin, else Referer) it must be this shop. The worst a forged post
# could do is put an item in a basket the shopper sees before paying.
@csrf_exempt
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    if not same_origin(request):
        return HttpResponseForbidden(_("This form was sent from another site."))
    shop = request.shop  # type: ignore[attr-defined]
    try:
        variant = services.purchasable_variant(shop, request.POST.get("variant", ""))
        quantity = services.parse_quantity(request.POST.get("quantity", "1"))
    except CartError as error:
        return render_basket(request, current_cart(request), error=str(error), status=400)
    cart = current_or_new_cart(request)
    try:
        count = services.add(cart, variant, quantity)
    except CartError as error:
        return render_basket(request, cart, error=str(error), status=400)
    remember(request, cart, count=count)
    messages.success(
        request, _("%(name)s was added to your basket.") % {"name": _product_name(variant.product)}
    )
    return HttpResponseRedirect(reverse("cart:detail"), status=303)


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    cart = current_cart(request)
    if cart is None:
        return HttpResponseRedirect(reverse("cart:detail"), status=303)
    line_id = request.POST.get("line", "")
    try:
        if not line_id.isdigit():
            raise CartError(_("This line is no longer in your basket."))
        if request.POST.get("action") == "remove":
            quantity = 0
        else:
            quantity = services.parse_quantity(request.POST.get("quantity", ""))
        count = services.set_quantity(cart, int(line_id), quantity)
    except CartError as error:
        return render_basket(request, cart, error=str(error), error_line=line_id, status=400)
    remember(request, cart, count=count)
    messages.success(request, _("Your basket was updated."))
    return HttpResponseRedirect(reverse("cart:detail"), status=303)


def same_origin(request: HttpRequest) -> bool:
    own = f"{request.scheme}://{request.get_host()}"
    trusted = {own, *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin:
        return origin in trusted
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in trusted
    return True


def render_basket(
    request: HttpRequest,
    cart: Cart | None,
    *,
    error: str = "",
    error_line: str = "",
    status: int = 200,
) -> HttpResponse:
    from comptoir.storefront.views import _nav

    quote, problem = None, ""
    lines: list[dict[str, Any]] = []
    if cart is not None:
        try:
            quote = quote_cart(cart, country=cart.shop.country)
        except CheckoutError as refused:
            problem = str(refused)
        lines = basket_lines(cart, quote)
    return render(
        request,
        "cart/basket.html",
        {
            "cart": cart,
            "lines": lines,
            "quote": quote,
            "totals": quote.totals if quote else None,
            "problem": problem if lines else "",
            "error": error,
            "error_line": error_line,
            "max_quantity": MAX_QUANTITY,
            "country_name": country_name(request.shop.country),  # type: ignore[attr-defined]
            "nav": _nav(request, get_language()),
            "noindex": True,
        },
        status=status,
    )


def basket_lines(cart: Cart, quote: Quote | None) -> list[dict[str, Any]]:
    """What the basket shows of each line: the catalog's words, the server's prices."""
    priced = {line.key: line for line in quote.totals.lines} if quote else {}
    rows = []
    # The quote fetched the basket's lines with all that is shown of them.
    cart_lines = (
        quote.all_lines
        if quote is not None and quote.basis[:2] == (str(cart.pk), cart.version)
        else cart.lines.select_related("variant__product__cover_image").prefetch_related(
            "variant__product__translations", "variant__option_values"
        )
    )
    for line in cart_lines:
        product = line.variant.product
        translation = product.translation()
        rows.append(
            {
                "line": line,
                "name": translation.name if translation else line.variant.sku,
                "slug": translation.slug if translation else "",
                "label": variant_label(line.variant),
                "image": product.cover_image,
                "priced": priced.get(line.pk),
                "sold": product.status == ProductStatus.ACTIVE,
                "max": MAX_QUANTITY,
            }
        )
    return rows


def _product_name(product: Any) -> str:
    translation = product.translation()
    return translation.name if translation else str(product.pk)
