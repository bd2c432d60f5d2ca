"""The shopper on their own: finds the order by number and email (never telling which was
wrong, a limited number of times), follows the parcel, cancels or corrects the address
while nothing was handed over, and is refused with a clear message afterwards."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from comptoir.checkout.services import place_order
from comptoir.core.models import RateCounter
from comptoir.fulfillment.models import Shipment, ShipmentEvent
from comptoir.fulfillment.services import mark_shipped
from comptoir.inventory.models import StockMovement
from comptoir.orders import selfservice
from comptoir.orders.links import order_from_token, order_status_token
from comptoir.orders.models import (
    Order,
    OrderEvent,
    SelfServiceLimit,
    SelfServiceRules,
)
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import stocked, warehouse
from tests.selling import add_flat_shipping, details, make_cart
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "first_name": "Jeanne",
    "last_name": "Martin",
    "company": "",
    "line1": "3 place Bellecour",
    "line2": "Bâtiment B",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "phone": "",
}


def paid_order(shop, variant, *, quantity: int = 2, email: str = "jeanne@example.org") -> Order:
    """Paid by bank transfer, confirmed by the merchant: a captured payment to refund."""
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    order = place_order(
        make_cart(shop, [(variant, quantity)]), details(email, payment_method="bank_transfer")
    )
    payment = order.payments.get()
    payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="merchant")
    order.refresh_from_db()
    return order


def status_path(order: Order) -> str:
    """The order's signed page in English, the language the tests read."""
    return reverse("orders:status", kwargs={"token": order_status_token(order)})


def without_csrf(html: bytes) -> str:
    """The page without its CSRF token and the values the shopper typed (echoed back)."""
    return re.sub(r'value="[^"]*"', "", html.decode())


def lookup(client: Client, number: str, email: str, **extra):
    return client.post(reverse("orders:lookup"), {"number": number, "email": email}, **extra)


# --- "where is my order?" -----------------------------------------------------------------


def test_the_right_number_and_email_lead_to_the_signed_order_page(shop, client):
    # Given a paid order
    order = paid_order(shop, stocked(shop, "TEA"))

    # When the shopper types its reference (leading zeros, a hash) and the email in capitals
    response = lookup(client, f"#{order.reference}", "  JEANNE@example.org ")

    # Then they land on the order's signed page, which says where it stands
    assert response.status_code == 303
    assert response["Location"].startswith("/en/order/")  # the language browsed in
    assert order_from_token(response["Location"].split("/")[-2]) == order
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Your payment is confirmed; we are getting your order ready." in page.text
    assert page.context["cancel_offer"] == selfservice.Offer(True)


def test_a_wrong_number_and_a_wrong_email_get_the_same_answer(shop):
    order = paid_order(shop, stocked(shop, "TEA"))
    other = paid_order(shop, stocked(shop, "COFFEE"), email="paul@example.org")

    # When one shopper has the wrong number, another the wrong email (someone else's order)
    wrong_number = lookup(Client(), str(order.number + 10), "jeanne@example.org")
    wrong_email = lookup(Client(), str(order.number), "paul@example.org")
    other_number = lookup(Client(), str(other.number), "jeanne@example.org")

    # Then the three pages are the same, once the CSRF token and typed values are set aside
    assert wrong_number.status_code == wrong_email.status_code == other_number.status_code == 404
    assert "We found no order with this number and this email." in wrong_number.text
    body = without_csrf(wrong_number.content)
    assert without_csrf(wrong_email.content) == body
    assert without_csrf(other_number.content) == body


def test_garbage_in_the_form_is_a_form_error_never_a_500(shop, client):
    paid_order(shop, stocked(shop, "TEA"))
    for number, email in [("9" * 30, "a@b.fr"), ("abc", "jeanne@example.org"), ("1", "x")]:
        response = lookup(client, number, email)
        assert response.status_code in (400, 404), (number, email)
    assert lookup(client, "99999999999999999999", "a@example.org").status_code == 404


def test_lookups_are_limited_per_ip_and_per_session(shop, settings):
    settings.COMPTOIR_LOOKUP_LIMIT = 3
    order = paid_order(shop, stocked(shop, "TEA"))
    guesser = Client(REMOTE_ADDR="203.0.113.7")

    # Given three wrong guesses from one address
    for guess in range(3):
        assert lookup(guesser, str(900 + guess), "jeanne@example.org").status_code == 404

    # When it tries again, even with the right details, or from a fresh session
    right = lookup(guesser, order.reference, "jeanne@example.org")
    fresh_session = lookup(Client(REMOTE_ADDR="203.0.113.7"), order.reference, order.email)

    # Then it is refused and told to wait; another address is not
    assert right.status_code == fresh_session.status_code == 429
    assert "Too many attempts." in right.text
    elsewhere = lookup(Client(REMOTE_ADDR="198.51.100.2"), order.reference, order.email)
    assert elsewhere.status_code == 303
    # Every attempt is counted twice (IP and session), in the database every worker
    # shares: two addresses, three sessions; and no address is stored as such
    counters = RateCounter.objects.filter(key__startswith="lookup:")
    assert (counters.count(), sum(counters.values_list("hits", flat=True))) == (5, 2 * 6)
    assert not RateCounter.objects.filter(key__contains="203.0.113.7").exists()


def test_the_storefront_footer_links_to_the_lookup(shop, client):
    page = client.get(reverse("orders:lookup"))
    assert page.status_code == 200
    assert f'href="{reverse("orders:lookup")}"' in page.text
    assert "Find my order" in page.text


# --- the order page ----------------------------------------------------------------------


def test_the_order_page_shows_the_parcel_its_tracking_and_the_history(shop, client):
    # Given a paid order whose parcel left with Colissimo
    order = paid_order(shop, stocked(shop, "TEA"))
    shipment = Shipment.objects.get(order=order)
    mark_shipped(shipment.pk, carrier="La Poste", tracking_number="6A12345678901", actor="test")

    # When the shopper opens the order page
    page = client.get(status_path(order))

    # Then it says so in plain words, links to the carrier, and tells the story newest first
    assert page.status_code == 200
    assert "Your order is on its way." in page.text
    assert "<code>6A12345678901</code>" in page.text
    link = "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    assert f'href="{link}"' in page.text
    titles = [moment.title for moment in page.context["timeline"]]
    assert titles == ["Parcel handed to Colissimo / La Poste", "Payment confirmed", "Order placed"]
    assert page.context["timeline"][0].detail == "Tracking number 6A12345678901"
    # ...and neither cancelling nor changing the address is offered any more
    assert 'href="' + reverse("orders:cancel", kwargs={"token": page.context["token"]}) not in (
        page.text
    )
    assert "This order has already left." in page.text


def test_the_account_page_shows_the_same_part(shop, client, django_user_model):
    user = django_user_model.objects.create_user("jeanne@example.org", "jeanne@example.org", "x")
    order = paid_order(shop, stocked(shop, "TEA"))
    Order.objects.filter(pk=order.pk).update(customer=user)
    client.force_login(user)

    page = client.get(reverse("customers:order", args=[order.number]))

    assert page.status_code == 200
    assert "Your payment is confirmed; we are getting your order ready." in page.text
    cancel = reverse("orders:cancel", kwargs={"token": page.context["token"]})
    assert f'href="{cancel}?back=account"' in page.text

    # And cancelling from there comes back to the account's order page
    confirm = client.get(f"{cancel}?back=account")
    assert 'name="back" value="account"' in confirm.text
    done = client.post(cancel, {"back": "account"})
    assert done["Location"] == reverse("customers:order", args=[order.number])
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    # ...which a stranger cannot turn into a redirect to someone's account page
    client.logout()
    stranger = Client().post(cancel, {"back": "account"})
    assert stranger["Location"].startswith("/en/order/")


# --- cancelling --------------------------------------------------------------------------


def test_cancelling_before_dispatch_refunds_once_restocks_and_nothing_leaves(
    shop, client, mailoutbox
):
    with Fake3PL() as wms:
        # Given a paid order for the warehouse, its dispatch task not run yet
        warehouse(shop, wms.url)
        tea = stocked(shop, "TEA", stock=10)
        order = paid_order(shop, tea)
        token = client.get(status_path(order)).context["token"]

        # When the shopper confirms the cancellation, twice (a double click)
        confirm = client.get(reverse("orders:cancel", kwargs={"token": token}))
        first = client.post(reverse("orders:cancel", kwargs={"token": token}))
        second = client.post(reverse("orders:cancel", kwargs={"token": token}), follow=True)
        run_queued_tasks()

    # Then the page asked first, the order is cancelled and refunded exactly once
    assert confirm.status_code == 200
    assert "Yes, cancel my order" in confirm.text
    assert first.status_code == 303
    assert "This order is cancelled." in second.text
    order.refresh_from_db()
    assert order.status == "refunded"
    assert list(Refund.objects.values_list("amount", "status")) == [(Decimal("24.90"), "succeeded")]
    # ...the stock is back, by one movement
    tea.refresh_from_db()
    assert tea.stock_quantity == 10
    assert list(StockMovement.objects.order_by("pk").values_list("delta", "reason")) == [
        (-2, "sold"),
        (2, "cancelled"),
    ]
    # ...the parcel never reached the warehouse
    assert Shipment.objects.get().status == "cancelled"
    assert wms.requests == []
    # ...the event names the customer, and the cancellation email went out
    event = OrderEvent.objects.get(kind="status", to_status="cancelled")
    assert (event.actor, event.note) == ("customer", "cancelled by the customer")
    subjects = [message.subject for message in mailoutbox]  # in the order's language
    assert f"Maison Lumière — Commande {order.reference} annulée" in subjects


def test_cancelling_is_refused_once_the_warehouse_has_the_parcel(shop, client):
    with Fake3PL() as wms:
        # Given a paid order the warehouse acknowledged
        warehouse(shop, wms.url)
        order = paid_order(shop, stocked(shop, "TEA"))
        run_queued_tasks()
        assert Shipment.objects.get().status == "dispatched"

        # When the shopper tries to cancel, and to change the address
        token = client.get(status_path(order)).context["token"]
        cancelled = client.post(reverse("orders:cancel", kwargs={"token": token}), follow=True)
        moved = client.post(
            reverse("orders:address", kwargs={"token": token}), {**NEW_ADDRESS, "confirm": "1"}
        )

    # Then both are refused with a clear message, and nothing changed
    message = "Your order is already being prepared for dispatch: it can no longer be cancelled."
    assert message in cancelled.text
    assert moved.status_code == 409
    assert "its delivery address can no longer be changed" in moved.text
    order.refresh_from_db()
    assert order.status == "fulfilling"
    assert Refund.objects.count() == 0
    assert OrderEvent.objects.filter(kind="shipping_address_changed").count() == 0
    with pytest.raises(selfservice.SelfServiceRefused):
        selfservice.cancel_by_shopper(order.pk)


def test_a_parcel_in_a_packing_batch_counts_as_handed_over(shop):
    from comptoir.fulfillment.selfship import create_batch

    order = paid_order(shop, stocked(shop, "TEA"))
    assert selfservice.cancel_offer(order).allowed
    create_batch(Shipment.objects.get().route, actor="merchant")

    order.refresh_from_db()
    assert not selfservice.cancel_offer(order).allowed
    assert not selfservice.address_offer(order).allowed


@pytest.mark.parametrize(
    ("cancel_until", "pending", "paid"),
    [
        (SelfServiceLimit.NEVER, False, False),
        (SelfServiceLimit.UNTIL_PAID, True, False),
        (SelfServiceLimit.UNTIL_HANDED_OVER, True, True),
    ],
)
def test_the_shop_decides_up_to_which_point(shop, cancel_until, pending, paid):
    SelfServiceRules.objects.create(shop=shop, cancel_until=cancel_until)
    add_flat_shipping(shop)
    unpaid = place_order(
        make_cart(shop, [(stocked(shop, "TEA"), 1)]), details(payment_method="bank_transfer")
    )
    settled = paid_order(shop, stocked(shop, "COFFEE"))

    assert selfservice.cancel_offer(unpaid).allowed is pending
    assert selfservice.cancel_offer(settled).allowed is paid
    # The address follows its own rule (the default here)
    assert selfservice.address_offer(settled).allowed is True


def test_a_time_limit_closes_self_service(shop):
    from datetime import timedelta

    from django.utils import timezone

    SelfServiceRules.objects.create(shop=shop, within_hours=2)
    order = paid_order(shop, stocked(shop, "TEA"))
    assert selfservice.cancel_offer(order).allowed
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=3))
    order.refresh_from_db()
    offer = selfservice.cancel_offer(order)
    assert offer == selfservice.Offer(
        False, "Orders can be changed here within 2 hours; please write to us."
    )


def test_cancel_and_address_change_take_only_a_post(shop, client):
    order = paid_order(shop, stocked(shop, "TEA"))
    token = client.get(status_path(order)).context["token"]
    csrf_client = Client(enforce_csrf_checks=True)

    assert client.put(reverse("orders:cancel", kwargs={"token": token})).status_code == 405
    assert csrf_client.post(reverse("orders:cancel", kwargs={"token": token})).status_code == 403
    assert client.get(reverse("orders:cancel", kwargs={"token": "forged"})).status_code == 404
    order.refresh_from_db()
    assert order.status == "paid"


# --- changing the address ----------------------------------------------------------------


def test_a_new_address_reaches_the_warehouse(shop, client, mailoutbox):
    with Fake3PL() as wms:
        # Given a paid order for the warehouse, not sent yet
        warehouse(shop, wms.url)
        order = paid_order(shop, stocked(shop, "TEA"))
        old = dict(order.shipping_address)
        token = client.get(status_path(order)).context["token"]
        url = reverse("orders:address", kwargs={"token": token})

        # When the shopper fills in the new address, then confirms it
        form = client.get(url)
        confirm = client.post(url, NEW_ADDRESS)
        done = client.post(url, {**NEW_ADDRESS, "confirm": "1"})
        assert Order.objects.get(pk=order.pk).shipping_address["line1"] == "3 place Bellecour"
        # ...and the dispatch task runs afterwards
        run_queued_tasks()

    # Then the first POST only asked for a confirmation; the second changed the address
    assert form.status_code == 200
    assert confirm.status_code == 200
    assert "Confirm the new address" in confirm.text
    assert done.status_code == 303
    assert done["Location"].startswith("/en/order/")
    assert order_from_token(done["Location"].split("/")[-2]) == order
    # ...the warehouse received the new address, and only it
    shipment = Shipment.objects.get()
    assert wms.shipments[shipment.key]["ship_to"] == NEW_ADDRESS
    assert len(wms.shipments) == 1
    # ...the change is on record, who, old and new
    event = OrderEvent.objects.get(kind="shipping_address_changed")
    assert event.actor == "customer"
    assert event.data == {"old": old, "new": NEW_ADDRESS}
    assert ShipmentEvent.objects.filter(shipment=shipment, kind="address_changed").count() == 1
    # ...and the customer was told
    with translation.override(order.language):  # the email speaks the order's language
        subject = gettext("Order %(number)s: delivery address changed") % {
            "number": order.reference
        }
    changed = [m for m in mailoutbox if m.subject == f"Maison Lumière — {subject}"]
    assert len(changed) == 1
    assert "3 place Bellecour" in changed[0].body


def test_the_address_keeps_its_country_and_is_validated(shop, client):
    order = paid_order(shop, stocked(shop, "TEA"))
    token = client.get(status_path(order)).context["token"]
    url = reverse("orders:address", kwargs={"token": token})

    abroad = client.post(url, {**NEW_ADDRESS, "country": "BE", "postal_code": "1000"})
    bad_code = client.post(url, {**NEW_ADDRESS, "postal_code": "690", "confirm": "1"})

    assert abroad.status_code == bad_code.status_code == 400
    errors = bad_code.context["form"].errors
    assert errors["postal_code"] == ["A French postal code has 5 digits."]
    with pytest.raises(selfservice.SelfServiceRefused, match="must be in France"):
        selfservice.change_shipping_address(order.pk, address={**NEW_ADDRESS, "country": "BE"})
    order.refresh_from_db()
    assert order.shipping_address["line1"] == "12 rue des Lilas"
    assert OrderEvent.objects.filter(kind="shipping_address_changed").count() == 0
