"""A product sold past zero stock: its page says "on back-order", the basket takes more
than the shelf holds, and the order reserves beyond the stock. A product that does not
allow it is refused with the stock left, as before."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from comptoir.cart.models import CartLine
from comptoir.inventory.models import Reservation
from comptoir.orders.models import Order
from comptoir.payments.models import Payment
from tests.selling import CHECKOUT_FORM, add_flat_shipping, make_variant

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en", **kwargs) -> str:
    with override(language):
        return reverse(name, kwargs=kwargs or None)


ADD = url("cart:add")
CHECKOUT = url("checkout:checkout")


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def preorder(shop):
    """A kettle out of stock that the shop still sells (made to order)."""
    add_flat_shipping(shop)
    return make_variant(
        shop,
        sku="KETTLE",
        price="40.00",
        stock=0,
        name="Bouilloire",
        name_en="Kettle",
        allow_backorder=True,
    )


@pytest.fixture
def shelf_only(shop):
    """A teapot with 2 left, not sold beyond them."""
    return make_variant(
        shop, sku="TEAPOT", price="25.00", stock=2, name="Théière", name_en="Teapot"
    )


def test_the_page_of_a_product_out_of_stock_says_on_back_order_and_sells_it(client, preorder):
    # When a shopper opens the page of the kettle, with none in stock, in both languages
    french = client.get(url("storefront:product", "fr", slug="bouilloire"))
    english = client.get(url("storefront:product", "en", slug="kettle"))

    # Then it says it is on back-order, offers the button, and tells search engines so
    assert (french.status_code, english.status_code) == (200, 200)
    fr_html, en_html = french.content.decode(), english.content.decode()
    assert '<p class="stock backorder">Sur commande</p>' in fr_html
    assert '<p class="stock backorder">On back-order</p>' in en_html
    for html in (fr_html, en_html):
        assert "out_of_stock" not in html
        assert "disabled" not in html.split('class="add-to-cart"', 1)[1].split("</form>", 1)[0]
        assert "https://schema.org/BackOrder" in html
        # and promises no dispatch date: it waits for a delivery
        assert 'class="promise"' not in html


def test_the_page_of_a_product_without_back_orders_says_out_of_stock(client, shop):
    # Given the same product, not sold past zero
    make_variant(shop, sku="KETTLE", stock=0, name="Bouilloire", name_en="Kettle")

    # When its page is opened
    html = client.get(url("storefront:product", "en", slug="kettle")).content.decode()

    # Then it is out of stock and cannot be added
    assert '<p class="stock out_of_stock">Out of stock</p>' in html
    assert "backorder" not in html
    assert '<button type="submit" disabled aria-disabled="true">Out of stock</button>' in html


def test_the_basket_takes_more_than_the_stock_of_a_back_order_product(preorder):
    client = Client()

    # When the shopper adds 3 kettles (0 in stock), then 2 more
    first = client.post(ADD, {"variant": preorder.pk, "quantity": "3"})
    second = client.post(ADD, {"variant": preorder.pk, "quantity": "2"})

    # Then both are accepted and the basket holds 5
    assert (first.status_code, second.status_code) == (303, 303)
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(preorder.pk, 5)]
    assert client.session["cart_count"] == 5


def test_the_basket_refuses_more_than_the_stock_of_a_product_without_back_orders(shelf_only):
    client = Client()
    client.post(ADD, {"variant": shelf_only.pk, "quantity": "1"})

    # When the shopper asks for 3 teapots, 2 being left
    response = client.post(ADD, {"variant": shelf_only.pk, "quantity": "2"})
    update = client.post(
        url("cart:update"), {"line": CartLine.objects.get().pk, "quantity": "3", "action": "update"}
    )

    # Then both are refused with the stock left, and the basket keeps its 1
    assert (response.status_code, update.status_code) == (400, 400)
    assert response.context["error"] == "Only 2 left of TEAPOT."
    assert update.context["error"] == "Only 2 left of TEAPOT."
    assert "Only 2 left of TEAPOT." in response.content.decode()
    assert list(CartLine.objects.values_list("quantity", flat=True)) == [1]


def test_placing_the_order_reserves_beyond_the_stock(preorder):
    # Given a basket of 4 kettles, none on the shelf
    client = Client()
    assert client.post(ADD, {"variant": preorder.pk, "quantity": "4"}).status_code == 303
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    cart = page.context["cart"]

    # When the order is placed
    response = client.post(
        CHECKOUT,
        {
            "email": "jeanne@example.org",
            **CHECKOUT_FORM,
            "payment_method": "bank_transfer",
            "cart": str(cart.pk),
            "cart_version": str(cart.version),
            "quoted": page.context["quoted"],
            "action": "place",
        },
    )

    # Then it is taken, with its 4 units reserved past the empty shelf
    assert response.status_code == 303, response.content.decode()[:2000]
    order = Order.objects.get()
    assert list(order.lines.values_list("sku", "quantity")) == [("KETTLE", 4)]
    assert Payment.objects.filter(order=order).count() == 1
    reservation = Reservation.objects.get(order=order)
    assert (reservation.variant_id, reservation.quantity, reservation.held) == (
        preorder.pk,
        4,
        True,
    )
    preorder.refresh_from_db()
    assert (preorder.stock_quantity, preorder.reserved_quantity) == (0, 4)
    assert preorder.available_quantity == -4
    # and no dispatch date is promised, so none can be missed
    assert order.promised_dispatch_on is None


def test_a_back_order_product_still_on_the_shelf_is_promised_like_any_other(client, preorder):
    # Given 5 kettles back on the shelf
    preorder.stock_quantity = 5
    preorder.save(update_fields=["stock_quantity"])

    html = client.get(url("storefront:product", "en", slug="kettle")).content.decode()

    assert 'class="promise"' in html
