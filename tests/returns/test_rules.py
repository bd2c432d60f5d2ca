"""What the rules approve, what waits for the merchant in the inbox, and what is refused
with a message: late requests, products the shop does not take back, digital goods,
quantities beyond what was delivered, and whatever a tampered form may post."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.utils import translation
from django.utils.translation import gettext

from comptoir.catalog.models import ProductKind
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import act_on_item
from comptoir.orders.links import order_status_path
from comptoir.orders.models import OrderNotification
from comptoir.returns import services
from comptoir.returns.models import NonReturnable, ReturnLine, ReturnPolicy, ReturnRequest
from comptoir.returns.services import ReturnError, Wanted
from comptoir.returns.states import ReturnStatus
from tests.factories import CategoryFactory
from tests.returns.helpers import ask, deliver, sandbox_paid
from tests.selling import make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(shop):
    return make_variant(shop, sku="TEA", price="10.00", stock=10)


def test_the_order_page_offers_what_was_delivered(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 3)])
    line = order.lines.get()
    before = client.get(order_status_path(order))
    deliver(client, order)

    after = client.get(order_status_path(order))

    assert f'name="quantity-{line.pk}"'.encode() not in before.content
    assert f'name="quantity-{line.pk}" min="0" max="3"'.encode() in after.content


def test_a_late_request_waits_in_the_inbox_and_the_merchant_approves_it(client, shop, tea):
    # Given a policy of 30 days and a parcel delivered 31 days ago
    ReturnPolicy.objects.create(shop=shop, withdrawal_days=30)
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order, days_ago=31)

    # When the shopper asks anyway
    response = ask(client, order, {order.lines.get(): 1}, reason="defective")

    # Then the request waits for the merchant, who has an inbox item, and the shopper an email
    assert response.status_code == 303
    request = ReturnRequest.objects.get()
    assert request.status == ReturnStatus.REQUESTED
    assert [r["why"] for r in request.review_reasons] == ["late"]
    item = InboxItem.objects.get(kind=ItemKind.RETURN_REVIEW)
    assert (item.key, item.status, item.order_id) == (f"return:{request.pk}", "open", order.pk)
    with translation.override("en"):  # an English-speaking merchant reads it in English
        assert item.shown_title == f"Order {order.number}: return {request.key} to review"
    assert OrderNotification.objects.filter(order=order, kind="return_requested").count() == 1

    # When the merchant approves it in the inbox
    with translation.override("en"):  # in English, the language the merchant works in
        message = act_on_item(item.pk, action="approve", actor="anne")

    # Then it is approved, the item closed, the instructions owed once
    request.refresh_from_db()
    item.refresh_from_db()
    assert message == f"Return {request.key} approved; the customer is told by email."
    assert request.status == ReturnStatus.APPROVED
    assert item.status == ItemStatus.CLOSED
    assert OrderNotification.objects.filter(order=order, kind="return_approved").count() == 1


def test_a_non_returnable_product_waits_and_the_merchant_refuses_it(client, shop, tea):
    NonReturnable.objects.create(shop=shop, product=tea.product, note="hygiene")
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)

    ask(client, order, {order.lines.get(): 2})
    request = ReturnRequest.objects.get()
    item = InboxItem.objects.get(kind=ItemKind.RETURN_REVIEW)
    assert request.status == ReturnStatus.REQUESTED
    assert [r["why"] for r in request.review_reasons] == ["non_returnable"]

    with translation.override("en"):  # the merchant works in English...
        act_on_item(item.pk, action="refuse", actor="anne")
    with translation.override("fr"):  # ...the customer reads the order's language
        expected_reason = gettext("The shop could not accept this return.")
    assert expected_reason != "The shop could not accept this return."

    request.refresh_from_db()
    item.refresh_from_db()
    assert request.status == ReturnStatus.REFUSED
    assert request.refused_reason == expected_reason
    assert item.status == ItemStatus.CLOSED
    assert OrderNotification.objects.filter(order=order, kind="return_refused").count() == 1
    # A refused return holds nothing: the units may be asked for again (and wait again)
    again = services.request_return(order.pk, wanted=[Wanted(order.lines.get().pk, 2, "other")])
    assert again.status == ReturnStatus.REQUESTED


def test_a_category_and_its_subcategories_are_not_returnable(client, shop):
    hygiene = CategoryFactory(shop=shop, name="Hygiène", name_en="Hygiene")
    brushes = CategoryFactory(shop=shop, name="Brosses", name_en="Brushes", parent=hygiene)
    NonReturnable.objects.create(shop=shop, category=hygiene)
    brush = make_variant(shop, sku="BRUSH", price="5.00", category=brushes)
    order = sandbox_paid(client, shop, [(brush, 1)])
    deliver(client, order)

    request = services.request_return(
        order.pk, wanted=[Wanted(order.lines.get().pk, 1, "changed_mind")]
    )

    assert request.status == ReturnStatus.REQUESTED
    assert [r["why"] for r in request.review_reasons] == ["non_returnable"]


def test_within_the_period_on_the_last_day_is_approved(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 1)])
    deliver(client, order, days_ago=13)

    request = services.request_return(
        order.pk, wanted=[Wanted(order.lines.get().pk, 1, "changed_mind")]
    )

    assert request.status == ReturnStatus.APPROVED
    assert InboxItem.objects.filter(kind=ItemKind.RETURN_REVIEW).count() == 0


def test_quantities_are_checked_against_what_was_delivered_and_already_asked(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 3)])
    line = order.lines.get()

    # (services speak the active language; a page request leaves French active, so say it)
    with translation.override("en"), pytest.raises(ReturnError) as undelivered:
        services.request_return(order.pk, wanted=[Wanted(line.pk, 1, "changed_mind")])
    deliver(client, order)
    with translation.override("en"), pytest.raises(ReturnError) as too_many:
        services.request_return(order.pk, wanted=[Wanted(line.pk, 4, "changed_mind")])
    services.request_return(order.pk, wanted=[Wanted(line.pk, 2, "changed_mind")])
    with translation.override("en"), pytest.raises(ReturnError) as beyond_the_first:
        services.request_return(order.pk, wanted=[Wanted(line.pk, 2, "changed_mind")])

    name = line.product_name
    assert undelivered.value.errors == [f"{name}: it has not been delivered yet."]
    assert too_many.value.errors == [f"{name}: you can return between 1 and 3 unit(s), not 4."]
    assert beyond_the_first.value.errors == [
        f"{name}: you can return between 1 and 1 unit(s), not 2."
    ]
    assert ReturnRequest.objects.count() == 1
    assert list(ReturnLine.objects.values_list("quantity", flat=True)) == [2]


def test_digital_goods_cannot_be_returned(client, shop, tea):
    ebook = make_variant(shop, sku="EBOOK", price="12.00", stock=100, weight=None)
    ebook.product.kind = ProductKind.DIGITAL
    ebook.product.save(update_fields=["kind"])
    order = sandbox_paid(client, shop, [(tea, 1), (ebook, 1)])
    deliver(client, order)
    ebook_line = order.lines.get(sku="EBOOK")

    with translation.override("en"), pytest.raises(ReturnError) as refused:
        services.request_return(
            order.pk,
            wanted=[
                Wanted(order.lines.get(sku="TEA").pk, 1, "changed_mind"),
                Wanted(ebook_line.pk, 1, "changed_mind"),
            ],
        )

    assert refused.value.errors == [
        f"{ebook_line.product_name}: digital products cannot be returned."
    ]
    assert ReturnRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("posted", "count"),
    [
        ({}, 1),  # nothing chosen
        ({"quantity-{line}": "abc", "reason-{line}": "changed_mind"}, 1),
        ({"quantity-{line}": "-1", "reason-{line}": "changed_mind"}, 1),
        ({"quantity-{line}": "1", "reason-{line}": "because"}, 1),
        ({"quantity-{line}": "99999999999", "reason-{line}": "other"}, 1),
        ({"quantity-{other}": "1", "reason-{other}": "other"}, 1),
        ({"quantity-x1": "1"}, 1),
        ({"quantity-{line}": "9", "reason-{line}": ""}, 2),  # two mistakes, two messages
    ],
)
def test_a_wrong_or_tampered_form_says_why_and_changes_nothing(client, shop, tea, posted, count):
    order = sandbox_paid(client, shop, [(tea, 2)])
    other = sandbox_paid(client, shop, [(tea, 1)], email="paul@example.org")
    deliver(client, order)
    ids = {"line": order.lines.get().pk, "other": other.lines.get().pk}
    data = {k.format(**ids): v for k, v in posted.items()}

    from tests.returns.helpers import return_url

    response = client.post(return_url(order), data)

    assert response.status_code == 303
    assert response["Location"] == order_status_path(order)
    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert len(errors) == count
    assert ReturnRequest.objects.count() == 0


def test_a_forged_link_is_not_found(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 1)])
    deliver(client, order)

    from django.urls import reverse

    # The order's secret without its signature, and a signature made up
    unsigned = reverse("returns:request", kwargs={"token": order.token})
    forged = reverse("returns:request", kwargs={"token": f"{order.token}:forged"})
    data = {f"quantity-{order.lines.get().pk}": "1", f"reason-{order.lines.get().pk}": "other"}

    response = client.post(unsigned, data)
    response_en = client.post(forged, data)

    assert (response.status_code, response_en.status_code) == (404, 404)
    assert ReturnRequest.objects.count() == 0


def test_the_shopper_cancels_an_approved_return(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)
    ask(client, order, {order.lines.get(): 2})
    request = ReturnRequest.objects.get()
    from django.urls import reverse
    from django.utils.translation import override

    from comptoir.orders.links import order_status_token

    with override("fr"):
        url = reverse(
            "returns:cancel", kwargs={"token": order_status_token(order), "return_id": request.pk}
        )

    response = client.post(url)

    request.refresh_from_db()
    assert response.status_code == 303
    assert request.status == ReturnStatus.CANCELLED
    assert OrderNotification.objects.filter(order=order, kind="return_cancelled").count() == 1
    # The units may be asked for again
    again = services.request_return(
        order.pk, wanted=[Wanted(order.lines.get().pk, 2, "changed_mind")]
    )
    assert again.status == ReturnStatus.APPROVED
    # And a received return cannot be cancelled any more
    services.receive_return(again.pk, actor="anne")
    with pytest.raises(services.ReturnTransitionNotAllowed):
        services.cancel_return(again.pk, actor="customer")


def test_the_account_order_page_offers_returns_and_comes_back_to_itself(client, shop, tea):
    from django.urls import reverse
    from django.utils.translation import override

    # Given a signed-in customer whose order was delivered
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)
    jeanne = get_user_model().objects.create_user(
        "jeanne@example.org", "jeanne@example.org", "Th3-sencha-pass"
    )
    order.customer = jeanne
    order.save(update_fields=["customer"])
    client.force_login(jeanne)
    with override("fr"):
        page_url = reverse("customers:order", args=[order.number])
    line = order.lines.get()

    # When they open the order in their account and ask for a return from there
    page = client.get(page_url)
    response = ask(client, order, {line: 1}, next="account")

    # Then the page offered the form, and they are back on it with the return approved
    assert page.status_code == 200
    assert f'name="quantity-{line.pk}" min="0" max="2"'.encode() in page.content
    assert b'name="next" value="account"' in page.content
    assert (response.status_code, response["Location"]) == (303, page_url)
    assert ReturnRequest.objects.get().status == ReturnStatus.APPROVED
    again = client.get(page_url)
    assert b"RET-" in again.content
    assert f'name="quantity-{line.pk}" min="0" max="1"'.encode() in again.content


def test_another_visitor_asking_with_next_account_goes_to_the_guest_page(client, shop, tea):
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)

    response = ask(client, order, {order.lines.get(): 1}, next="account")

    assert (response.status_code, response["Location"]) == (303, order_status_path(order))


def test_an_order_refunded_in_full_offers_no_return(client, shop, tea):
    from comptoir.payments.services import refund_order
    from tests.tasks import run_queued_tasks

    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)
    refund_order(order.pk, amount=order.total, actor="anne", reason="a goodwill gesture")
    run_queued_tasks()
    order.refresh_from_db()
    assert order.status == "refunded"

    page = client.get(order_status_path(order))
    with translation.override("en"), pytest.raises(ReturnError) as refused:
        services.request_return(order.pk, wanted=[Wanted(order.lines.get().pk, 1, "other")])

    assert b'name="quantity-' not in page.content
    assert refused.value.errors == ["This order can no longer be returned."]
