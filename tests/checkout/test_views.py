"""The one-page checkout through the Django test client, on the real database: the server
prices everything, refusals re-render the page with the reason and write nothing, a
second "place" finds the first order, and the return from the PSP confirms payment once."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from comptoir.cart.models import Cart
from comptoir.catalog.models import Variant
from comptoir.core.money import to_minor
from comptoir.discounts.models import DiscountCode, DiscountKind
from comptoir.inventory.models import Reservation
from comptoir.orders.links import order_from_token, order_status_path
from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.sandbox_psp.models import SandboxIntent
from comptoir.shipping.models import RateKind, ShippingMethod
from tests.selling import CHECKOUT_FORM, add_flat_shipping, make_variant

pytestmark = pytest.mark.django_db


def links_to(url: str, order: Order) -> bool:
    """Whether ``url`` is the order's status page. The signed token embeds a timestamp,
    so two links to one order can differ by a second: compare what they point to."""
    path = url.split("?", 1)[0].split("testserver", 1)[-1]
    prefix, token = path.rstrip("/").rsplit("/", 1)
    expected_prefix = order_status_path(order).rstrip("/").rsplit("/", 1)[0]
    return prefix == expected_prefix and order_from_token(token) == order


def url(name: str, **kwargs) -> str:
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


CHECKOUT = url("checkout:checkout")
ADD = url("cart:add")


@pytest.fixture
def tea(shop):
    add_flat_shipping(shop, price="4.90", countries="FR,BE,DE")
    return make_variant(shop, sku="TEA-1", price="12.40", stock=5, name="Sencha")


@pytest.fixture
def client(tea):
    client = Client()
    assert client.post(ADD, {"variant": tea.pk, "quantity": "2"}).status_code == 303
    return client


def form_data(client: Client, **overrides: str) -> dict[str, str]:
    """What the page's form posts, read from the page the server rendered."""
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    cart = page.context["cart"]
    data = {
        "email": "Jeanne@Example.org",
        **CHECKOUT_FORM,
        "cart": str(cart.pk),
        "cart_version": str(cart.version),
        "quoted": page.context["quoted"],
        "action": "place",
    }
    data.update(overrides)
    return data


def test_get_shows_the_server_quote_and_only_the_zone_countries(client, tea):
    page = client.get(CHECKOUT)

    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals.goods, totals.shipping, totals.total) == (
        Decimal("24.80"),
        Decimal("4.90"),
        Decimal("29.70"),
    )
    assert totals.total_net + totals.total_vat == totals.total
    html = page.content.decode()
    assert [c for c, _n in page.context["shipping"].fields["country"].choices] == ["FR", "BE", "DE"]
    assert 'name="cart_version"' in html and 'value="place"' in html
    assert "€29.70" in html


def test_placing_with_the_sandbox_goes_to_its_hosted_page_and_starts_a_new_basket(client):
    data = form_data(client)

    response = client.post(CHECKOUT, data, REMOTE_ADDR="203.0.113.9")

    order = Order.objects.get()
    payment = Payment.objects.get()
    intent = SandboxIntent.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/sandbox-psp/pay/{intent.id}/"
    assert (order.total, order.email, order.client_ip) == (
        Decimal("29.70"),
        "jeanne@example.org",
        "203.0.113.9",
    )
    assert (payment.amount, payment.provider, payment.reference) == (
        order.total,
        "sandbox",
        intent.id,
    )
    assert intent.amount == to_minor(order.total, "EUR") == 2970
    assert intent.return_url.endswith("/?return=1")
    assert links_to(intent.return_url, order)
    ordered = Cart.objects.get(pk=data["cart"])
    assert ordered.order_id == order.pk
    # The visitor starts over with an empty basket, made when they next add something.
    assert "cart_id" not in client.session and client.session["cart_count"] == 0
    assert Cart.objects.count() == 1


def test_tampered_prices_totals_and_currency_are_ignored(client):
    data = form_data(
        client,
        price="0.01",
        unit_price="0.01",
        total="0.01",
        amount="1",
        shipping_price="0",
        currency="USD",
        **{"lines-0-price": "0.01"},
    )

    client.post(CHECKOUT, data)

    order, payment, intent = Order.objects.get(), Payment.objects.get(), SandboxIntent.objects.get()
    assert (order.total, order.currency) == (Decimal("29.70"), "EUR")
    assert (payment.amount, payment.currency) == (Decimal("29.70"), "EUR")
    assert (intent.amount, intent.currency) == (2970, "eur")


def test_a_bank_transfer_order_shows_the_iban_and_the_reference(client, settings):
    response = client.post(CHECKOUT, form_data(client, payment_method="bank_transfer"))

    order = Order.objects.get()
    assert response.status_code == 303
    assert links_to(response["Location"], order)
    page = client.get(response["Location"])
    html = page.content.decode()
    iban = settings.COMPTOIR_PAYMENT_PROVIDERS["bank_transfer"]["options"]["iban"]
    assert page.context["payment_state"] == "manual"
    assert iban in html
    assert order.reference in html and "How to pay" in html
    assert 'action="' + url("orders:pay", token=page.context["token"]) not in html


def test_a_stale_tab_gets_a_message_and_no_order(client, tea):
    data = form_data(client)
    line = Cart.objects.get(pk=data["cart"]).lines.get()
    client.post(url("cart:update"), {"line": line.pk, "quantity": "3"})

    response = client.post(CHECKOUT, data)

    assert response.status_code == 409
    assert "Your basket changed in another window" in response.content.decode()
    assert response.context["totals"].goods == Decimal("37.20")
    assert response.context["cart"].version == int(data["cart_version"]) + 1
    assert Order.objects.count() == 0


def test_stock_gone_between_basket_and_checkout_is_a_message_and_nothing_written(client, tea):
    data = form_data(client)
    Variant.objects.filter(pk=tea.pk).update(stock_quantity=1)

    response = client.post(CHECKOUT, data)

    assert response.status_code == 409
    assert "Only 1 left of TEA-1." in response.content.decode()
    assert (Order.objects.count(), Payment.objects.count(), Reservation.objects.count()) == (
        0,
        0,
        0,
    )
    assert Variant.objects.get(pk=tea.pk).reserved_quantity == 0


def test_choices_changed_without_updating_are_shown_before_ordering(client, shop):
    express = ShippingMethod.objects.create(
        zone=ShippingMethod.objects.get().zone,
        code="express",
        labels={"en": "Express"},
        kind=RateKind.FLAT,
        price=Decimal("9.90"),
        position=5,
    )
    data = form_data(client, shipping_method=express.code)

    response = client.post(CHECKOUT, data)

    assert response.status_code == 409
    assert response.context["totals"].shipping == Decimal("9.90")
    assert Order.objects.count() == 0
    again = client.post(CHECKOUT, {**data, "quoted": response.context["quoted"]})
    assert again.status_code == 303
    assert Order.objects.get().shipping_amount == Decimal("9.90")


@pytest.mark.parametrize(
    ("setup", "typed", "message"),
    [
        ({}, "NOPE", "The code NOPE does not exist."),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "old10", "The code OLD10 has expired."),
        (
            {"starts_at": timezone.now() + timedelta(days=1)},
            "OLD10",
            "The code OLD10 is not valid yet.",
        ),
        (
            {"minimum_basket": Decimal("50")},
            "OLD10",
            "The code OLD10 needs a basket of at least 50",
        ),
        ({"usage_limit": 0}, "OLD10", "The code OLD10 has been used up."),
    ],
)
def test_discount_refusals_are_explained_and_block_the_order(client, shop, setup, typed, message):
    DiscountCode.objects.create(
        shop=shop, code="OLD10", kind=DiscountKind.PERCENTAGE, value=Decimal("10"), **setup
    )

    applied = client.post(CHECKOUT, form_data(client, discount_code=typed, action="update"))
    placed = client.post(CHECKOUT, form_data(client, discount_code=typed))

    assert applied.status_code == 200
    assert applied.context["discount_error"].startswith(message)
    assert applied.context["totals"].discount == Decimal("0")
    assert placed.status_code == 400
    assert placed.context["discount_error"].startswith(message)
    assert Order.objects.count() == 0


def test_a_valid_code_is_applied_by_the_server(client, shop):
    DiscountCode.objects.create(
        shop=shop, code="TEN", kind=DiscountKind.PERCENTAGE, value=Decimal("10")
    )

    applied = client.post(CHECKOUT, form_data(client, discount_code="ten", action="update"))
    client.post(CHECKOUT, form_data(client, discount_code="ten", quoted=applied.context["quoted"]))

    assert applied.context["totals"].discount == Decimal("2.48")
    order = Order.objects.get()
    assert (order.discount_code, order.total) == ("TEN", Decimal("27.22"))
    assert Payment.objects.get().amount == Decimal("27.22")


@pytest.mark.parametrize(
    ("country", "postal_code", "ok"),
    [
        ("FR", "6900", False),
        ("FR", "690031", False),
        ("FR", "ABCDE", False),
        ("FR", " 69003 ", True),
        ("BE", "1000", True),
        ("BE", "10000", False),
        ("DE", "10115", True),
        ("DE", "1011", False),
    ],
)
def test_postal_codes_are_checked_per_country(client, country, postal_code, ok):
    data = form_data(client, **{"shipping-country": country, "shipping-postal_code": postal_code})
    data["quoted"] = f"{country}|colissimo|"

    response = client.post(CHECKOUT, data)

    assert response.status_code == (303 if ok else 400)
    assert Order.objects.count() == (1 if ok else 0)
    if not ok:
        html = response.content.decode()
        assert 'aria-invalid="true"' in html
        assert 'aria-describedby="id_shipping-postal_code_error"' in html


def test_missing_fields_and_an_unshipped_country_are_refused(client):
    data = form_data(
        client, email="not-an-email", **{"shipping-city": "", "shipping-country": "US"}
    )

    response = client.post(CHECKOUT, data)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email"}
    assert set(response.context["shipping"].errors) == {"city", "country"}
    assert Order.objects.count() == 0


def test_a_separate_billing_address_is_validated_and_kept(client):
    data = form_data(client, billing_same="")
    del data["billing_same"]
    refused = client.post(CHECKOUT, data)
    assert refused.status_code == 400
    data.update(
        {
            "billing-first_name": "Paul",
            "billing-last_name": "Martin",
            "billing-line1": "1 place Bellecour",
            "billing-postal_code": "69002",
            "billing-city": "Lyon",
            "billing-country": "FR",
        }
    )

    client.post(CHECKOUT, data)

    order = Order.objects.get()
    assert (order.billing_address["first_name"], order.shipping_address["first_name"]) == (
        "Paul",
        "Jeanne",
    )


def test_a_pickup_point_is_required_and_stored(client, shop):
    ShippingMethod.objects.create(
        zone=ShippingMethod.objects.get().zone,
        code="relay",
        labels={"en": "Relay"},
        kind=RateKind.FLAT,
        price=Decimal("3.50"),
        is_pickup=True,
    )
    updated = client.post(CHECKOUT, form_data(client, shipping_method="relay", action="update"))
    assert updated.context["show_pickup"] is True
    data = form_data(client, shipping_method="relay", quoted="FR|relay|")

    refused = client.post(CHECKOUT, data)
    client.post(
        CHECKOUT,
        {
            **data,
            "pickup_id": "R-042",
            "pickup_name": "Tabac du Parc",
            "pickup_address": "3 rue du Parc, 69003 Lyon",
        },
    )

    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"pickup_id", "pickup_name", "pickup_address"}
    order = Order.objects.get()
    assert order.pickup_point == {
        "id": "R-042",
        "name": "Tabac du Parc",
        "address": "3 rue du Parc, 69003 Lyon",
    }
    assert order.shipping_amount == Decimal("3.50")


def test_a_second_place_of_the_same_basket_finds_the_same_order(client):
    data = form_data(client)

    first = client.post(CHECKOUT, data)
    second = client.post(CHECKOUT, data)

    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)
    assert SandboxIntent.objects.count() == 1
    assert second.status_code == 303
    assert second["Location"] == first["Location"]


def test_an_empty_basket_goes_back_to_the_basket(tea):
    response = Client().get(CHECKOUT)
    assert response.status_code == 303
    assert response["Location"] == url("cart:detail")


def pay_with_card(client: Client, number: str = "4242424242424242") -> str:
    intent = SandboxIntent.objects.get()
    response = client.post(
        f"/sandbox-psp/pay/{intent.id}/",
        {"number": number, "expiry": "12/39", "cvc": "123", "name": "Jeanne"},
    )
    assert response.status_code == 302
    return response["Location"]


def test_the_return_from_the_psp_confirms_the_payment_once(client):
    client.post(CHECKOUT, form_data(client))
    return_url = pay_with_card(client)
    order = Order.objects.get()
    assert return_url.endswith("/?return=1")
    assert links_to(return_url, order)
    path = return_url.split("testserver", 1)[-1]

    pages = [client.get(path) for _ in range(3)]

    order.refresh_from_db()
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert order.status == "paid"
    assert [p.context["payment_state"] for p in pages] == ["confirmed"] * 3
    assert "Payment confirmed" in pages[0].content.decode()
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert OrderNotification.objects.filter(order=order, kind="payment_confirmed").count() == 1
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert Variant.objects.get().stock_quantity == 3


@pytest.mark.parametrize("webhook_event", ["evt_webhook", "return:same"])
def test_a_webhook_applied_while_the_return_page_loads_is_shown(client, monkeypatch, webhook_event):
    # Given the webhook confirming the payment after the page read the order, before the
    # page applies the return: under another event id ("already confirmed", the page's
    # objects refreshed under lock), or the same one ("duplicate": read again)
    from comptoir.payments.providers.sandbox import SandboxProvider

    client.post(CHECKOUT, form_data(client))
    path = pay_with_card(client).split("testserver", 1)[-1]
    real = SandboxProvider.fetch_status

    def webhook_first(self, payment):
        event = real(self, payment)
        if webhook_event != "return:same":
            event = type(event)(**{**event.__dict__, "event_id": webhook_event})
        payments.apply_event("sandbox", event)
        return real(self, payment)

    monkeypatch.setattr(SandboxProvider, "fetch_status", webhook_first)

    page = client.get(path)

    assert page.context["payment_state"] == "confirmed"
    assert page.context["order"].status == "paid"
    assert page.context["payment"].status == PaymentStatus.SUCCEEDED
    order = Order.objects.get()
    assert OrderEvent.objects.filter(order=order, kind="payment_confirmed").count() == 1


def test_a_return_before_the_card_is_accepted_says_awaiting(client):
    client.post(CHECKOUT, form_data(client))
    order = Order.objects.get()

    page = client.get(order_status_path(order) + "?return=1")

    assert page.context["payment_state"] == "awaiting"
    assert Order.objects.get().status == "pending_payment"


def test_a_failed_payment_can_be_tried_again(client):
    client.post(CHECKOUT, form_data(client))
    order = Order.objects.get()
    payments.fail_payment(
        str(Payment.objects.get().pk), reason="card_declined", actor="provider:sandbox"
    )
    page = client.get(order_status_path(order))
    assert page.context["payment_state"] == "failed"
    assert "Payment failed" in page.content.decode()

    response = client.post(url("orders:pay", token=page.context["token"]))

    assert response.status_code == 303
    retry = Payment.objects.get(status=PaymentStatus.PENDING)
    assert Payment.objects.count() == 2
    assert response["Location"] == f"/sandbox-psp/pay/{retry.reference}/"
    assert SandboxIntent.objects.get(pk=retry.reference).amount == 2970
    again = client.post(url("orders:pay", token=page.context["token"]))
    assert again["Location"] == response["Location"]
    assert Payment.objects.count() == 2


def test_a_forged_order_link_is_a_404(client):
    client.post(CHECKOUT, form_data(client))
    token = re.search(r"/order/([^/]+)/", order_status_path(Order.objects.get()))[1]
    assert client.get(url("orders:status", token=token[:-2] + "xx")).status_code == 404
    assert client.post(url("orders:pay", token="nope")).status_code == 404
