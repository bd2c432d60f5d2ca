"""What the checkout page shows and what its form can be made to do: the totals with and
without VAT as the page writes them, a posted quantity that is not the basket's, and the
same form sent 20 times at once plus once more from a stale second tab."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from comptoir.cart.models import Cart, CartLine
from comptoir.fraud.models import FraudSettings
from comptoir.inventory.models import Reservation
from comptoir.orders.models import Order, OrderEvent, OrderLine, OrderNotification
from comptoir.payments.models import Payment
from comptoir.sandbox_psp.models import SandboxIntent
from tests.checkout.test_views import links_to
from tests.selling import CHECKOUT_FORM, add_flat_shipping, make_variant, run_in_threads


def url(name: str, language: str = "en", **kwargs) -> str:
    with override(language):
        return reverse(name, kwargs=kwargs or None)


ADD = url("cart:add")
CHECKOUT = url("checkout:checkout")
NBSP = "\u00a0"


def shopper_with(variant, quantity: int) -> Client:
    client = Client()
    assert client.post(ADD, {"variant": variant.pk, "quantity": str(quantity)}).status_code == 303
    return client


def form_data(client: Client, **overrides: str) -> dict[str, str]:
    """What the page's form posts, read from the page the server rendered."""
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    cart = page.context["cart"]
    return {
        "email": "jeanne@example.org",
        **CHECKOUT_FORM,
        "cart": str(cart.pk),
        "cart_version": str(cart.version),
        "quoted": page.context["quoted"],
        "action": "place",
        **overrides,
    }


# --- (a) the totals with and without VAT ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "rows"),
    [
        (
            "fr",
            [
                f'<tr><th scope="row">Articles</th><td>24,00{NBSP}€</td></tr>',
                f'<tr class="grand"><th scope="row">Total</th><td>30,00{NBSP}€</td></tr>',
                f'<tr class="muted"><th scope="row">Total HT</th><td>25,00{NBSP}€</td></tr>',
                f'<tr class="muted"><th scope="row">TVA 20 %</th><td>5,00{NBSP}€</td></tr>',
                f'<tr class="muted"><th scope="row">dont TVA</th><td>5,00{NBSP}€</td></tr>',
                f"Valider la commande — 30,00{NBSP}€</button>",
            ],
        ),
        (
            "en",
            [
                '<tr><th scope="row">Items</th><td>€24.00</td></tr>',
                '<tr class="grand"><th scope="row">Total</th><td>€30.00</td></tr>',
                '<tr class="muted"><th scope="row">Total excluding VAT</th><td>€25.00</td></tr>',
                '<tr class="muted"><th scope="row">VAT 20 %</th><td>€5.00</td></tr>',
                '<tr class="muted"><th scope="row">of which VAT</th><td>€5.00</td></tr>',
                "Place the order — €30.00</button>",
            ],
        ),
    ],
)
def test_the_page_shows_the_total_with_and_without_vat(shop, language, rows):
    # Given a shop whose prices include VAT, and a basket of 2 x 12.00 shipped for 6.00
    assert shop.prices_include_tax
    add_flat_shipping(shop, price="6.00")
    mug = make_variant(shop, sku="MUG", price="12.00", name="Tasse", name_en="Mug")
    client = shopper_with(mug, 2)

    # When the shopper opens the checkout page in a language
    page = client.get(url("checkout:checkout", language))

    # Then its totals say 30.00 with VAT, 25.00 without, 5.00 of VAT at 20 %, written
    # as that language writes amounts
    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals.total, totals.total_net, totals.total_vat) == (
        Decimal("30.00"),
        Decimal("25.00"),
        Decimal("5.00"),
    )
    html = page.content.decode()
    table = html[html.index('<table class="totals">') : html.index("</table>")]
    for row in rows[:-1]:
        assert row in table, row
    assert rows[-1] in html


# --- (b) a tampered quantity ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_quantity_is_ignored_and_the_basket_is_ordered(shop):
    # Given a basket of 2 teas (5 in stock)
    add_flat_shipping(shop, price="4.90")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=5, name="Sencha")
    client = shopper_with(tea, 2)
    line = CartLine.objects.get()

    # When the order is placed with every quantity field a tamperer would try set to 5
    tampered = {
        "quantity": "5",
        "qty": "5",
        "lines-0-quantity": "5",
        "lines-TOTAL_FORMS": "1",
        "lines-0-variant": str(tea.pk),
        f"quantity-{line.pk}": "5",
        f"quantity_{line.pk}": "5",
        f"lines-{line.pk}-quantity": "5",
        f"quantities[{line.pk}]": "5",
        "line": str(line.pk),
        "variant": str(tea.pk),
    }
    response = client.post(CHECKOUT, form_data(client, **tampered))

    # Then the order has the basket's 2, priced by the server, and only 2 are reserved
    assert response.status_code == 303
    order = Order.objects.get()
    assert list(order.lines.values_list("sku", "quantity", "amount")) == [
        ("TEA-1", 2, Decimal("24.80"))
    ]
    assert order.total == Decimal("29.70")
    assert Payment.objects.get().amount == Decimal("29.70")
    assert Reservation.objects.get().quantity == 2
    tea.refresh_from_db()
    assert (tea.stock_quantity, tea.reserved_quantity) == (5, 2)
    line.refresh_from_db()
    assert line.quantity == 2


# --- (c) one form sent 20 times at once, and a stale second tab -----------------------------


@pytest.mark.django_db(transaction=True)
def test_20_parallel_posts_of_one_form_and_a_stale_tab_make_one_order(shop):
    # Given a shopper's basket of 2, whose checkout page is open in two tabs; the payment
    # step's per-session limit lifted (fraud screening, tested in tests/fraud), or the
    # double clicks past the tenth would be told to wait
    add_flat_shipping(shop, price="4.90")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=50, name="Sencha")
    FraudSettings.objects.create(
        shop=shop, payment_steps_per_session=1000, payment_steps_per_ip=1000
    )
    browser = shopper_with(tea, 2)
    first_tab = form_data(browser)
    second_tab = form_data(browser)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value

    def tab() -> Client:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        return client

    # When the first tab's form is sent 20 times at once, each over its own connection
    responses = run_in_threads([lambda: tab().post(CHECKOUT, first_tab) for _ in range(20)])

    # Then there is one order, with one payment started at the PSP, and every submission
    # leads to it: none says "your basket is empty", even one that read the session
    # before the first one saved it
    assert [r for r in responses if isinstance(r, Exception)] == []
    assert {r.status_code for r in responses} == {303}
    order = Order.objects.get()
    payment = Payment.objects.get()
    intent = SandboxIntent.objects.get()
    assert (payment.order_id, payment.reference, payment.amount) == (
        order.pk,
        intent.id,
        Decimal("29.70"),
    )
    assert {r["Location"] for r in responses} == {f"/sandbox-psp/pay/{intent.id}/"}
    assert list(OrderLine.objects.values_list("quantity", flat=True)) == [2]
    assert Reservation.objects.get().quantity == 2
    assert OrderEvent.objects.filter(kind="placed").count() == 1
    assert OrderNotification.objects.filter(kind="order_received").count() == 1
    assert Cart.objects.get(pk=first_tab["cart"]).order_id == order.pk

    # And when the second tab, opened before, is sent afterwards
    stale = tab().post(CHECKOUT, second_tab, follow=True)

    # Then it makes no second order or payment: it goes on to pay the first one, for its
    # amount
    assert stale.redirect_chain == [(f"/sandbox-psp/pay/{intent.id}/", 303)]
    assert "<h1>Pay 29.70 EUR</h1>" in stale.content.decode()
    assert (Order.objects.count(), Payment.objects.count(), SandboxIntent.objects.count()) == (
        1,
        1,
        1,
    )

    # And once the first tab has paid, the second tab, sent again, shows the paid order
    paid = browser.post(
        f"/sandbox-psp/pay/{intent.id}/",
        {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "Jeanne"},
    )
    assert paid.status_code == 302
    assert browser.get(paid["Location"].split("testserver", 1)[-1]).status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"
    again = tab().post(CHECKOUT, second_tab, follow=True)
    assert again.status_code == 200
    [(landed, status)] = again.redirect_chain
    assert status == 303
    assert links_to(landed, order)
    html = again.content.decode()
    assert "Order 000001" in html
    assert (
        '<p class="alert ok">Payment confirmed. Thank you! A confirmation email is on its way.</p>'
        in html
    )
    assert (Order.objects.count(), Payment.objects.count(), SandboxIntent.objects.count()) == (
        1,
        1,
        1,
    )
    tea.refresh_from_db()
    assert (tea.stock_quantity, tea.reserved_quantity) == (48, 0)


@pytest.mark.django_db
def test_a_second_click_that_read_the_session_before_the_first_saved_it_goes_to_the_order(
    shop,
):
    # Given a basket, and the session as a second click read it: before the first click's
    # order saved it (the basket still its own, not yet "ordered")
    add_flat_shipping(shop, price="4.90")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=5, name="Sencha")
    browser = shopper_with(tea, 2)
    form = form_data(browser)
    as_read = dict(browser.session.items())

    first = browser.post(CHECKOUT, form)
    session = browser.session
    session.clear()
    session.update(as_read)
    session.save()

    # When the second click's form arrives
    second = browser.post(CHECKOUT, form)

    # Then it goes where the first one went, to the order's one payment
    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"]
    assert "/sandbox-psp/pay/" in second["Location"]
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_placing_with_no_basket_and_an_empty_cart_field_says_the_basket_is_empty(shop):
    client = Client()

    response = client.post(CHECKOUT, {"action": "place", "cart": ""})

    assert response.status_code == 303
    assert response["Location"] == url("cart:detail")
    assert Order.objects.count() == 0
