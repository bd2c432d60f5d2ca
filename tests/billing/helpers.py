"""Builders for the billing tests: a shop with its legal identity, and paid orders."""

from __future__ import annotations

import io

from pypdf import PdfReader

from comptoir.billing.models import SellerIdentity
from comptoir.checkout.services import place_order
from comptoir.orders.models import Order
from comptoir.payments import services as payments
from tests.selling import add_flat_shipping, details, make_cart, make_variant


def complete_identity(shop, **overrides) -> SellerIdentity:
    fields = {
        "legal_name": "Lumière et Fils SAS",
        "legal_form": "SAS",
        "share_capital": "10 000 EUR",
        "address": "4 place Bellecour\n69002 Lyon",
        "siren": "123456789",
        "siret": "12345678900017",
        "rcs_city": "Lyon",
        "vat_number": "FR32123456789",
        **overrides,
    }
    identity, _created = SellerIdentity.objects.update_or_create(shop=shop, defaults=fields)
    return identity


def placed_order(
    shop,
    *,
    email="jeanne@example.org",
    sku="TEA",
    lines=(("10.00", "standard", 2),),
    payment_method="bank_transfer",
    discount_code="",
):
    """An order awaiting payment (by bank transfer unless told: the refunds of the sandbox
    need its card intent); ``lines`` are (price, VAT class, quantity)."""
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    cart_lines = []
    for index, (price, vat_class, quantity) in enumerate(lines):
        variant = make_variant(
            shop,
            sku=f"{sku}-{index}",
            price=price,
            stock=1000,
            vat_class=vat_class,
            name=f"Thé {sku} {index}",
        )
        cart_lines.append((variant, quantity))
    return place_order(
        make_cart(shop, cart_lines),
        details(email, payment_method=payment_method, discount_code=discount_code),
    )


def pay(order: Order) -> Order:
    payment = order.payments.get()
    outcome = payments.confirm_payment(
        str(payment.pk), amount=payment.amount, currency=payment.currency, actor="test"
    )
    assert outcome == "paid", outcome
    order.refresh_from_db()
    return order


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
