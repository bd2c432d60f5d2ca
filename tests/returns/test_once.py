"""A return is refunded once, and its units go back to stock once, however often
"received" is submitted: twice in a row, twice from the admin, or by eight workers at the
same moment on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import translation

from comptoir.inventory.models import StockMovement
from comptoir.payments.models import Refund
from comptoir.returns import services
from comptoir.returns.models import ReturnEvent, ReturnRefund, ReturnRequest
from comptoir.returns.services import Wanted
from comptoir.returns.states import ReturnStatus
from tests.returns.helpers import deliver, sandbox_paid
from tests.selling import make_variant, run_in_threads
from tests.tasks import run_queued_tasks


def approved_return(client, shop, *, units=2):
    """An approved return of 2 of the 3 units of a delivered card order (10 in stock)."""
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    order = sandbox_paid(client, shop, [(tea, 3)])
    deliver(client, order)
    request = services.request_return(
        order.pk, wanted=[Wanted(order.lines.get().pk, units, "changed_mind")]
    )
    assert request.status == ReturnStatus.APPROVED
    return order, tea, request


def assert_refunded_once(order, tea, request):
    tea.refresh_from_db()
    request.refresh_from_db()
    line = order.lines.get()
    assert [r.amount for r in Refund.objects.all()] == [Decimal("20.00")]
    assert ReturnRefund.objects.filter(return_request=request).count() == 1
    assert tea.stock_quantity == 9  # 10 - 3 sold + 2 back
    assert line.refunded_quantity == 2
    assert StockMovement.objects.filter(order=order, reason="refunded").count() == 1
    assert ReturnEvent.objects.filter(to_status=ReturnStatus.RECEIVED).count() == 1


@pytest.mark.django_db
def test_received_twice_refunds_once_and_restocks_once(client, shop):
    order, tea, request = approved_return(client, shop)

    first = services.receive_return(request.pk, actor="anne")
    second = services.receive_return(request.pk, actor="anne")
    run_queued_tasks()
    third = services.receive_return(request.pk, actor="paul")

    assert (first.status, second.status, third.status) == ("received", "received", "refunded")
    assert_refunded_once(order, tea, request)
    assert Refund.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_received_twice_from_the_admin_refunds_once(client, shop):
    order, tea, request = approved_return(client, shop)
    get_user_model().objects.create_superuser("anne", "anne@example.org", "pw")
    client.login(username="anne", password="pw")  # noqa: S106 - a test password

    answers = [
        client.post(
            "/admin/returns/returnrequest/",
            {"action": "receive", "_selected_action": [request.pk]},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert f"{request.key} received and refunded.".encode() in answers[0].content
    assert_refunded_once(order, tea, request)


@pytest.mark.django_db
def test_the_database_refuses_a_second_refund_of_the_same_payment_by_a_return(client, shop):
    order, _tea, request = approved_return(client, shop)
    services.receive_return(request.pk, actor="anne")
    link = ReturnRefund.objects.get()
    extra = Refund.objects.create(payment_id=link.payment_id, amount=Decimal(1), created_by="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnRefund.objects.create(
            return_request=request, payment_id=link.payment_id, refund=extra
        )


@pytest.mark.django_db
def test_only_an_approved_return_can_be_received(client, shop):
    _order, _tea, request = approved_return(client, shop)
    services.cancel_return(request.pk, actor="customer")

    with translation.override("en"), pytest.raises(services.ReturnTransitionNotAllowed) as refused:
        services.receive_return(request.pk, actor="anne")

    assert str(refused.value) == (
        f"Return {request.key} is Cancelled; only an approved return can be received."
    )
    assert Refund.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_receipts_refund_once_on_postgresql(client, shop):
    order, tea, request = approved_return(client, shop)

    results = run_in_threads(
        [lambda i=i: services.receive_return(request.pk, actor=f"w{i}") for i in range(8)],
        workers=8,
    )

    assert [type(r).__name__ for r in results] == ["ReturnRequest"] * 8
    assert {r.status for r in results} == {ReturnStatus.RECEIVED}
    assert_refunded_once(order, tea, request)
    assert ReturnRequest.objects.get().refund_amount == Decimal("20.00")


@pytest.mark.django_db
def test_the_warehouse_confirms_the_return_by_signed_webhook_once(client, shop):
    from tests.fulfillment.fake_3pl import Fake3PL
    from tests.fulfillment.helpers import signed_post, warehouse

    with Fake3PL() as wms:
        route = warehouse(shop, wms.url)
        order, tea, request = approved_return(client, shop)
        run_queued_tasks()  # the label
        assert list(wms.returns) == [request.key]
        message = {"type": "return", "return_id": request.key, "message_id": "wms-ret-1"}

        # When the warehouse says the parcel came back, twice, then once more by another id
        answers = [
            signed_post(client, route, message),
            signed_post(client, route, message),
            signed_post(client, route, {**message, "message_id": "wms-ret-2"}),
            signed_post(
                client, route, {**message, "return_id": "RET-999", "message_id": "wms-ret-3"}
            ),
            signed_post(client, route, message, secret="wrong"),
        ]

    # Then it is received and refunded once; the unknown return and bad signature refused
    assert [(a.status_code, a.json()["outcome"]) for a in answers] == [
        (200, "accepted"),
        (200, "duplicate"),
        (200, "accepted"),
        (422, "rejected"),
        (401, "rejected"),
    ]
    assert answers[3].json()["detail"] == "return_id: unknown return RET-999"
    assert_refunded_once(order, tea, request)
    assert ReturnEvent.objects.get(to_status=ReturnStatus.RECEIVED).actor == f"provider:{route.pk}"


@pytest.mark.django_db
def test_a_return_is_refunded_only_when_the_provider_confirmed_the_refund(client, shop):
    _order, _tea, request = approved_return(client, shop)
    services.receive_return(request.pk, actor="anne")

    # Before the refund task ran: received, not refunded, whoever asks
    assert services.settle_received_returns() == 0
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert Refund.objects.get().status == "pending"

    run_queued_tasks()  # the provider's refund, then the return's settlement

    request.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED
    assert request.refunded_at is not None
    assert services.settle_received_returns() == 0
