"""Customer pages: sign-in keeps the basket, an account from a guest order, order history
and an address book nobody else can touch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from comptoir.cart.models import Cart, CartLine
from comptoir.customers.models import Address
from comptoir.orders.links import order_status_path
from comptoir.orders.models import Order
from tests.checkout.test_views import CHECKOUT, form_data
from tests.selling import add_flat_shipping, make_variant

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def tea(shop):
    add_flat_shipping(shop, price="4.90", countries="FR")
    return make_variant(shop, sku="TEA-1", price="12.40", stock=20, name="Sencha")


@pytest.fixture
def jeanne(db):
    return get_user_model().objects.create_user(
        "jeanne@example.org", "jeanne@example.org", "Th3-sencha-pass"
    )


def sign_in(client: Client, password: str = "Th3-sencha-pass") -> object:
    return client.post(
        url("customers:login"), {"username": "jeanne@example.org", "password": password}
    )


def test_signing_in_merges_the_visitor_basket_into_the_customer_basket(tea, jeanne, shop):
    own = Cart.objects.create(shop=shop, customer=jeanne)
    CartLine.objects.create(cart=own, variant=tea, quantity=1)
    client = Client()
    client.post(url("cart:add"), {"variant": tea.pk, "quantity": "2"})
    visitor_cart = client.session["cart_id"]

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == url("customers:orders")
    assert client.session["cart_id"] == str(own.pk)
    assert client.session["cart_count"] == 3
    assert list(own.lines.values_list("quantity", flat=True)) == [3]
    assert not Cart.objects.filter(pk=visitor_cart).exists()


def test_a_merged_basket_keeps_no_more_than_the_stock_and_says_so(shop, jeanne):
    # Given 3 teapots in stock, 2 in the customer's basket, 3 put in as a visitor, and a
    # cup with none left but sitting in the visitor's basket
    teapot = make_variant(shop, sku="POT-1", price="30.00", stock=3, name="Théière")
    cup = make_variant(shop, sku="CUP-1", price="8.00", stock=1, name="Tasse")
    own = Cart.objects.create(shop=shop, customer=jeanne)
    CartLine.objects.create(cart=own, variant=teapot, quantity=2)
    client = Client()
    client.post(url("cart:add"), {"variant": teapot.pk, "quantity": "3"})
    client.post(url("cart:add"), {"variant": cup.pk, "quantity": "1"})
    cup.stock_quantity = 0
    cup.save(update_fields=["stock_quantity"])

    # When she signs in
    response = sign_in(client)

    # Then her basket holds what is in stock, and the next page tells her what changed
    assert dict(own.lines.values_list("variant__sku", "quantity")) == {"POT-1": 3}
    assert client.session["cart_count"] == 3
    page = client.get(response["Location"]).content.decode()
    assert "Only 3 left of POT-1." in page
    assert "CUP-1 is out of stock." in page


def test_a_visitor_basket_becomes_the_customer_basket_when_they_have_none(tea, jeanne):
    client = Client()
    client.post(url("cart:add"), {"variant": tea.pk, "quantity": "2"})

    sign_in(client)

    cart = Cart.objects.get()
    assert cart.customer == jeanne
    assert client.session["cart_id"] == str(cart.pk)


def test_a_wrong_password_is_refused_with_a_linked_message(shop, jeanne):
    response = sign_in(Client(), password="nope")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="login-errors"' in html and 'id="login-errors"' in html


def test_a_guest_creates_an_account_from_the_order_page(tea):
    client = Client()
    client.post(url("cart:add"), {"variant": tea.pk, "quantity": "1"})
    client.post(CHECKOUT, form_data(client, payment_method="bank_transfer"))
    order = Order.objects.get()
    page = client.get(order_status_path(order))
    assert page.context["claim"] is True
    token = page.context["token"]

    weak = client.post(
        url("customers:claim", token=token), {"password1": "123", "password2": "123"}
    )
    created = client.post(
        url("customers:claim", token=token),
        {"password1": "Th3-sencha-pass", "password2": "Th3-sencha-pass"},
    )

    assert weak.status_code == 400
    assert created.status_code == 303
    user = get_user_model().objects.get()
    order.refresh_from_db()
    assert (user.email, order.customer_id) == ("jeanne@example.org", user.pk)
    assert Address.objects.get(customer=user).postal_code == "69003"
    history = client.get(url("customers:orders"))
    assert [o.pk for o in history.context["orders"]] == [order.pk]
    detail = client.get(url("customers:order", number=order.number))
    assert detail.status_code == 200 and order.reference in detail.content.decode()
    assert client.get(order_status_path(order)).context["claim"] is False


def test_no_account_offer_when_the_email_already_has_one(tea, jeanne):
    client = Client()
    client.post(url("cart:add"), {"variant": tea.pk, "quantity": "1"})
    client.post(CHECKOUT, form_data(client, payment_method="bank_transfer"))
    order = Order.objects.get()
    token = client.get(order_status_path(order)).context["token"]

    response = client.post(
        url("customers:claim", token=token),
        {"password1": "Other-pass-42", "password2": "Other-pass-42"},
    )

    assert response.status_code == 303
    assert get_user_model().objects.count() == 1
    assert Order.objects.get().customer_id is None


def test_a_signed_in_checkout_is_prefilled_and_linked_to_the_customer(tea, jeanne):
    Address.objects.create(
        customer=jeanne,
        first_name="Jeanne",
        last_name="Martin",
        line1="12 rue des Lilas",
        postal_code="69003",
        city="Lyon",
        country="FR",
        is_default=True,
    )
    client = Client()
    sign_in(client)
    client.post(url("cart:add"), {"variant": tea.pk, "quantity": "1"})

    page = client.get(CHECKOUT)
    client.post(CHECKOUT, form_data(client))

    assert page.context["form"].initial["email"] == "jeanne@example.org"
    assert page.context["shipping"].initial["postal_code"] == "69003"
    assert Order.objects.get().customer == jeanne


def test_the_address_book_belongs_to_its_owner(jeanne, shop):
    other = get_user_model().objects.create_user("paul@example.org", "paul@example.org", "x")
    theirs = Address.objects.create(
        customer=other,
        first_name="Paul",
        last_name="P",
        line1="1 rue",
        postal_code="75001",
        city="Paris",
    )
    client = Client()
    sign_in(client)

    added = client.post(
        url("customers:address_add"),
        {
            "first_name": "Jeanne",
            "last_name": "Martin",
            "line1": "12 rue des Lilas",
            "postal_code": "69003",
            "city": "Lyon",
            "country": "FR",
        },
    )
    bad = client.post(
        url("customers:address_add"),
        {
            "first_name": "Jeanne",
            "last_name": "Martin",
            "line1": "12 rue des Lilas",
            "postal_code": "6900",
            "city": "Lyon",
            "country": "FR",
        },
    )
    mine = Address.objects.get(customer=jeanne)
    edited = client.post(
        url("customers:address_edit", pk=mine.pk),
        {
            "first_name": "Jeanne",
            "last_name": "Martin",
            "line1": "14 rue des Lilas",
            "postal_code": "69003",
            "city": "Lyon",
            "country": "FR",
        },
    )

    assert (added.status_code, bad.status_code, edited.status_code) == (303, 400, 303)
    assert Address.objects.get(pk=mine.pk).line1 == "14 rue des Lilas"
    assert Address.objects.get(pk=mine.pk).is_default is True
    assert client.get(url("customers:address_edit", pk=theirs.pk)).status_code == 404
    assert client.post(url("customers:address_delete", pk=theirs.pk)).status_code == 404
    assert client.post(url("customers:address_delete", pk=mine.pk)).status_code == 303
    assert list(Address.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_someone_elses_order_is_a_404(tea, jeanne, shop):
    other = get_user_model().objects.create_user("paul@example.org", "paul@example.org", "x")
    order = Order.objects.create(
        shop=shop,
        number=7,
        customer=other,
        email="paul@example.org",
        currency="EUR",
        payment_method="sandbox",
        total=Decimal("10.00"),
    )
    client = Client()
    sign_in(client)
    assert client.get(url("customers:order", number=order.number)).status_code == 404
    assert client.get(url("customers:orders")).context["orders"].count() == 0


def test_account_pages_need_a_sign_in(db, shop):
    response = Client().get(url("customers:addresses"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("customers:login"))
