"""The basket pages through the Django test client: adding from a cached product page
without a CSRF token, quantities validated with a clean 400, prices from the server."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from comptoir.cart.models import Cart, CartLine
from comptoir.catalog.models import ProductStatus
from tests.factories import ShopFactory
from tests.selling import add_flat_shipping, make_variant

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    # English pages: their words are the msgids, stable whatever the translations say.
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


BASKET = url("cart:detail")
ADD = url("cart:add")
UPDATE = url("cart:update")


@pytest.fixture
def selling(shop):
    add_flat_shipping(shop, price="4.90")
    return make_variant(shop, sku="TEA-1", price="12.40", stock=5, name="Sencha")


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_a_visitor_adds_from_a_cached_product_page_without_a_csrf_token(selling, settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 600
    client = csrf_client()
    product_url = url("storefront:product", slug="sencha-en")
    first = client.get(product_url)
    second = client.get(product_url)
    assert first.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert f'action="{ADD}"'.encode() in second.content
    assert b"csrfmiddlewaretoken" not in second.content

    response = client.post(
        ADD, {"variant": selling.pk, "quantity": "2"}, HTTP_ORIGIN="http://testserver"
    )

    assert response.status_code == 303
    assert response["Location"] == BASKET
    cart = Cart.objects.get()
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(selling.pk, 2)]
    assert client.session["cart_id"] == str(cart.pk)
    assert client.session["cart_count"] == 2
    page = client.get(BASKET)
    assert page.status_code == 200
    assert page.context["totals"].total == selling.price * 2 + page.context["totals"].shipping
    assert "€24.80" in page.content.decode()


def test_add_from_another_site_is_refused(selling):
    client = csrf_client()
    response = client.post(
        ADD, {"variant": selling.pk, "quantity": "1"}, HTTP_ORIGIN="https://evil.example"
    )
    referred = client.post(
        ADD, {"variant": selling.pk, "quantity": "1"}, HTTP_REFERER="https://evil.example/page"
    )
    assert (response.status_code, referred.status_code) == (403, 403)
    assert CartLine.objects.count() == 0


@pytest.mark.parametrize(
    "quantity",
    [
        "-1",
        "0",
        "1000000000",
        "1.5",
        "1e3",
        "NaN",
        "",
        " ",
        "²",
        "１",
        "0x10",
        "99999999999999999999999",
    ],
)
def test_bad_quantities_are_a_clean_400_and_change_nothing(selling, quantity):
    client = Client()
    client.post(ADD, {"variant": selling.pk, "quantity": "1"})
    cart = Cart.objects.get()
    version = cart.version
    line = cart.lines.get()

    added = client.post(ADD, {"variant": selling.pk, "quantity": quantity})
    updated = client.post(UPDATE, {"line": line.pk, "quantity": quantity, "action": "update"})

    assert (added.status_code, updated.status_code) == (400, 400)
    assert 'role="alert"' in updated.content.decode()
    line.refresh_from_db()
    cart.refresh_from_db()
    assert (line.quantity, cart.version) == (1, version)


def test_messages_say_why_a_quantity_is_refused(selling):
    client = Client()
    client.post(ADD, {"variant": selling.pk, "quantity": "1"})
    line = CartLine.objects.get()

    decimal = client.post(UPDATE, {"line": line.pk, "quantity": "1.5"})
    too_many = client.post(UPDATE, {"line": line.pk, "quantity": "100"})
    beyond_stock = client.post(UPDATE, {"line": line.pk, "quantity": "6"})

    assert decimal.context["error"] == "The quantity must be a whole number."
    assert too_many.context["error"] == "The quantity must be between 1 and 99."
    assert beyond_stock.context["error"] == "Only 5 left of TEA-1."


def test_unknown_inactive_and_foreign_variants_are_refused(selling, shop):
    other_shop = ShopFactory(code="autre", domain="autre.example")
    foreign = make_variant(other_shop, sku="OTHER-1")
    hidden = make_variant(shop, sku="DRAFT-1", status=ProductStatus.DRAFT)
    client = Client()

    answers = [
        client.post(ADD, {"variant": variant, "quantity": "1"}).status_code
        for variant in ("999999", "abc", "", foreign.pk, hidden.pk, "1" * 40)
    ]

    assert answers == [400] * 6
    assert CartLine.objects.count() == 0


def test_update_and_remove_recompute_the_totals(selling):
    client = Client()
    client.post(ADD, {"variant": selling.pk, "quantity": "1"})
    line = CartLine.objects.get()

    client.post(UPDATE, {"line": line.pk, "quantity": "3", "action": "update"})
    page = client.get(BASKET)
    assert page.context["totals"].goods == selling.price * 3
    assert client.session["cart_count"] == 3

    client.post(UPDATE, {"line": line.pk, "quantity": "3", "action": "remove"})
    assert CartLine.objects.count() == 0
    assert client.session["cart_count"] == 0
    assert "Your basket is empty." in client.get(BASKET).content.decode()


def test_someone_elses_line_cannot_be_changed(selling):
    owner, intruder = Client(), Client()
    owner.post(ADD, {"variant": selling.pk, "quantity": "1"})
    intruder.post(ADD, {"variant": selling.pk, "quantity": "1"})
    owners_line = CartLine.objects.order_by("pk").first()

    response = intruder.post(UPDATE, {"line": owners_line.pk, "quantity": "4"})

    assert response.status_code == 400
    owners_line.refresh_from_db()
    assert owners_line.quantity == 1


def test_the_basket_count_shows_only_with_a_session(selling, settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 600
    visitor, shopper = Client(), Client()
    shopper.post(ADD, {"variant": selling.pk, "quantity": "2"})

    cached = visitor.get(url("storefront:home"))
    personal = shopper.get(url("storefront:home"))

    assert 'class="pill"' not in cached.content.decode()
    assert 'class="pill">2' in personal.content.decode()
    assert "X-Page-Cache" not in personal
