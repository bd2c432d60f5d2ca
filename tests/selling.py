"""Builders for the selling tests: a shop that ships, carts, checkout details, and the
helpers that run code from many threads each with its own database connection."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django.db import connections
from django.utils import translation

from comptoir.cart import services as cart_services
from comptoir.cart.models import Cart
from comptoir.catalog.models import Variant
from comptoir.catalog.services import VariantInput
from comptoir.checkout.services import CheckoutDetails
from comptoir.shipping.models import RateKind, ShippingMethod, ShippingZone
from comptoir.shops.models import Shop
from tests.factories import ProductFactory

ADDRESS = {
    "name": "Jeanne Martin",
    "line1": "12 rue des Lilas",
    "postcode": "69003",
    "city": "Lyon",
    "country": "FR",
}


# What a shopper types into the checkout form: a guest in Lyon paying by sandbox card.
CHECKOUT_FORM = {
    "shipping-first_name": "Jeanne",
    "shipping-last_name": "Martin",
    "shipping-line1": "12 rue des Lilas",
    "shipping-postal_code": "69003",
    "shipping-city": "Lyon",
    "shipping-country": "FR",
    "billing_same": "on",
    "shipping_method": "colissimo",
    "payment_method": "sandbox",
    "discount_code": "",
}


def add_flat_shipping(
    shop: Shop,
    *,
    price: str = "4.90",
    countries: str = "*",
    code: str = "colissimo",
    free_over: str | None = None,
) -> ShippingMethod:
    zone = ShippingZone.objects.create(shop=shop, name=f"Zone {countries}", countries=countries)
    return ShippingMethod.objects.create(
        zone=zone,
        code=code,
        labels={"fr": "Colissimo", "en": "Colissimo"},
        kind=RateKind.FLAT,
        price=Decimal(price),
        free_over=Decimal(free_over) if free_over else None,
    )


def make_variant(
    shop: Shop,
    *,
    sku: str,
    price: str = "10.00",
    stock: int = 10,
    track_stock: bool = True,
    weight: int | None = 250,
    **product_fields: Any,
) -> Variant:
    product = ProductFactory(
        shop=shop,
        variants=[
            VariantInput(
                sku=sku,
                price=Decimal(price),
                stock_quantity=stock,
                track_stock=track_stock,
                weight_grams=weight,
            )
        ],
        **product_fields,
    )
    return product.variants.get()


def make_cart(shop: Shop, lines: Sequence[tuple[Variant, int]]) -> Cart:
    cart = Cart.objects.create(shop=shop)
    for variant, quantity in lines:
        cart_services.add(
            cart, Variant.objects.select_related("product").get(pk=variant.pk), quantity
        )
    cart.refresh_from_db()
    return cart


def details(
    email: str = "jeanne@example.org", *, payment_method: str = "sandbox", **extra: Any
) -> CheckoutDetails:
    return CheckoutDetails(
        email=email,
        shipping_address=dict(ADDRESS),
        billing_address=dict(ADDRESS),
        shipping_method="",
        payment_method=payment_method,
        **extra,
    )


def drain_tasks() -> None:
    """Run every queued background task with the real database worker."""
    call_command("worker", "--batch", "--interval", "0", verbosity=0)


def run_in_threads(calls: Sequence[Callable[[], Any]], *, workers: int = 16) -> list[Any]:
    """Run each callable on a pool of threads started together, each thread with its own
    database connection (closed at the end). Returns the result or the exception of each
    call, in order."""
    barrier = threading.Barrier(min(workers, len(calls)))
    started: set[int] = set()
    lock = threading.Lock()

    # Threads start with the default language; they speak the caller's, as a request would.
    language = translation.get_language()

    def run(call: Callable[[], Any]) -> Any:
        ident = threading.get_ident()
        with lock:
            first = ident not in started
            started.add(ident)
        if first:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
        try:
            if language is None:
                translation.deactivate_all()
            else:
                translation.activate(language)
            return call()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            return error
        finally:
            # Each call leaves no connection behind in its worker thread.
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, calls))
    return results
