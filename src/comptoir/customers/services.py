"""Customer accounts: the basket kept across sign-in, an account made from a guest order,
and the address book."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.cart import services as carts
from comptoir.cart.models import Cart
from comptoir.core.exceptions import ComptoirError
from comptoir.customers.models import ADDRESS_FIELDS, Address
from comptoir.orders.models import Order
from comptoir.shops.models import Shop


class AccountError(ComptoirError):
    pass


def basket_after_sign_in(
    user: Any, *, shop: Shop, session_cart_id: str | None
) -> tuple[Cart | None, list[str]]:
    """The basket a customer continues with after signing in: the one filled as a visitor
    folded into their own (quantities add up, within the stock left), or whichever of the
    two exists; and what the shopper is told of quantities that could not be kept."""
    own = (
        Cart.objects.select_related("shop")
        .filter(shop=shop, customer=user, order__isnull=True)
        .order_by("-updated_at")
        .first()
    )
    visitor = None
    if session_cart_id:
        visitor = (
            Cart.objects.select_related("shop")
            .filter(pk=session_cart_id, shop=shop, order__isnull=True, customer__isnull=True)
            .first()
        )
    if visitor is None:
        return own, []
    if own is None:
        Cart.objects.filter(pk=visitor.pk, customer__isnull=True).update(customer=user)
        visitor.customer = user
        return visitor, []
    return own, carts.merge(visitor, own)


@transaction.atomic
def create_account_for_order(order: Order, *, password: str) -> Any:
    """A guest keeps their order in a new account for the order's email; the delivery
    address becomes the first entry of the address book."""
    users = get_user_model()
    email = order.email.strip().lower()
    if order.customer_id:
        raise AccountError(_("This order already belongs to an account."))
    if (
        users.objects.filter(username__iexact=email).exists()
        or users.objects.filter(email__iexact=email).exists()
    ):
        raise AccountError(_("An account already exists for this email; please sign in."))
    user = users.objects.create_user(username=email, email=email, password=password)
    user.first_name = str(order.shipping_address.get("first_name", ""))[:150]
    user.last_name = str(order.shipping_address.get("last_name", ""))[:150]
    user.save(update_fields=["first_name", "last_name"])
    Order.objects.filter(pk=order.pk, customer__isnull=True).update(customer=user)
    if order.shipping_address.get("line1"):
        save_address(user, order.shipping_address, is_default=True)
    return user


@transaction.atomic
def save_address(
    user: Any, data: dict[str, Any], *, address: Address | None = None, is_default: bool = False
) -> Address:
    if address is not None and address.customer_id != user.pk:
        raise AccountError(_("This address belongs to someone else."))
    address = address or Address(customer=user)
    for name in ADDRESS_FIELDS:
        setattr(address, name, str(data.get(name) or "").strip())
    first = not Address.objects.filter(customer=user).exclude(pk=address.pk).exists()
    address.is_default = is_default or first
    address.save()
    if address.is_default:
        Address.objects.filter(customer=user).exclude(pk=address.pk).update(is_default=False)
    return address


@transaction.atomic
def delete_address(user: Any, address_id: int) -> None:
    address = Address.objects.filter(customer=user, pk=address_id).first()
    if address is None:
        raise AccountError(_("No such address."))
    address.delete()
    if address.is_default:
        successor = Address.objects.filter(customer=user).order_by("pk").first()
        if successor:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
