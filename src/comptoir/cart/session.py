"""Which basket a request is about: the one whose id the session holds, or the signed-in
customer's open basket. The header's item count is kept in the session too, so that a
page never needs a query to show it (and cached pages, served only to visitors without
a session, never show anyone's count)."""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest

from comptoir.cart.models import Cart
from comptoir.cart.selectors import open_cart
from comptoir.core.rows import attach

CART_KEY = "cart_id"
COUNT_KEY = "cart_count"
# The basket that became the last order: a second "place order" from the same tab (double
# click, back button) finds its order instead of an empty basket.
ORDERED_KEY = "ordered_cart_id"


def current_cart(request: HttpRequest) -> Cart | None:
    """The open basket of this visitor, or None; never creates one."""
    shop = request.shop  # type: ignore[attr-defined]
    user = request.user
    cart_id = request.session.get(CART_KEY)
    if cart_id:
        found = open_cart(shop, cart_id)
        if found is not None and found.customer_id in (None, getattr(user, "pk", None)):
            found.shop = shop  # the request's shop, read once per request: no join
            return found
    if user.is_authenticated:
        found = (
            Cart.objects.select_related("shop")
            .filter(shop=shop, customer=user, order__isnull=True)
            .order_by("-updated_at")
            .first()
        )
        if found is not None:
            remember(request, found)
            return found
    return None


def current_or_new_cart(request: HttpRequest) -> Cart:
    cart = current_cart(request)
    if cart is None:
        cart = new_cart(request)
    return cart


def new_cart(request: HttpRequest) -> Cart:
    user = request.user
    cart = Cart.objects.create(
        shop=request.shop,  # type: ignore[attr-defined]
        customer=user if user.is_authenticated else None,
    )
    cart.shop = request.shop  # type: ignore[attr-defined]
    attach(cart, "lines", [])  # new: no line to look for
    remember(request, cart, count=0)
    return cart


def remember(request: HttpRequest, cart: Cart, *, count: int | None = None) -> None:
    request.session[CART_KEY] = str(cart.pk)
    if count is None:
        count = cart.lines.aggregate(n=Sum("quantity"))["n"] or 0
    request.session[COUNT_KEY] = count


def ordered_cart_id(request: HttpRequest) -> str:
    return str(request.session.get(ORDERED_KEY, ""))


def session_cart_id(request: HttpRequest) -> str:
    """The basket this session holds, open or (read before the order saved it) ordered."""
    return str(request.session.get(CART_KEY, ""))


def start_over_after_order(request: HttpRequest, ordered: Cart) -> None:
    """The ordered basket stays with its order; the visitor's next "add to basket" starts
    an empty one (made then, not with every order: most buyers add nothing afterwards)."""
    request.session[ORDERED_KEY] = str(ordered.pk)
    request.session.pop(CART_KEY, None)
    request.session[COUNT_KEY] = 0
