"""A return end to end: paid on the sandbox PSP, delivered, asked for from the order page,
approved by the rules, the label or the address emailed over SMTP, received, refunded by
the provider and the units back on the shelf."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from comptoir.inventory.models import StockMovement
from comptoir.orders.links import order_status_path
from comptoir.orders.states import OrderStatus
from comptoir.payments.models import Refund
from comptoir.returns import services
from comptoir.returns.models import ReturnEvent, ReturnPolicy, ReturnRequest
from comptoir.returns.states import ReturnStatus
from comptoir.sandbox_psp.models import SandboxRefund
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import warehouse
from tests.returns.helpers import ask, body, deliver, kinds, sandbox_paid
from tests.selling import make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_a_return_through_the_warehouse_gets_a_label_and_a_full_refund(client, shop, smtp):
    with Fake3PL() as wms:
        # Given an order of 2 x 10.00 + 4.90 delivery, paid by card, shipped by the 3PL
        route = warehouse(shop, wms.url)
        tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
        order = sandbox_paid(client, shop, [(tea, 2)])
        deliver(client, order)
        line = order.lines.get()

        # When the shopper asks to return both from the order page
        response = ask(client, order, {line: 2})
        run_queued_tasks()

        # Then it is approved by the rules, and the warehouse gave the label
        assert response.status_code == 303
        request = ReturnRequest.objects.get()
        assert request.status == ReturnStatus.APPROVED
        assert list(wms.returns) == [request.key]
        sent = wms.returns[request.key]
        assert (sent["type"], sent["order"], sent["shipment_id"]) == (
            "return",
            order.reference,
            order.shipments.get().key,
        )
        assert sent["lines"] == [{"sku": "TEA", "name": line.product_name, "quantity": 2}]
        assert request.label["label_url"] == f"https://labels.example/{request.key}.pdf"
        assert route.pk == order.shipments.get().route_id
        # And the approval email, in the order's language, carries the label's link
        approved = smtp.inbox.wait_for(4)[-1]
        assert approved["X-Comptoir-Kind"] == "return_approved"
        with translation.override("fr"):
            subject = gettext("Order %(number)s: your return is approved") % {
                "number": order.reference
            }
        # (a long non-ASCII subject is folded; unfolded it starts with the fold's space)
        assert approved["Subject"].strip() == f"Maison Lumière — {subject}"
        for text in body(approved):
            assert request.label["label_url"] in text
            assert request.label["tracking_number"] in text

        # When the parcel comes back and the merchant says so
        services.receive_return(request.pk, actor="anne")
        run_queued_tasks()

    # Then the goods and the delivery cost are refunded by the PSP, the stock is back
    request.refresh_from_db()
    order.refresh_from_db()
    tea.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED
    assert (request.refund_amount, request.shipping_refunded) == (Decimal("24.90"), True)
    assert [r.amount for r in Refund.objects.all()] == [Decimal("24.90")]
    assert Refund.objects.get().status == "succeeded"
    assert SandboxRefund.objects.count() == 1
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.90"))
    assert tea.stock_quantity == 10
    assert StockMovement.objects.filter(order=order, reason="refunded").count() == 1
    assert list(
        ReturnEvent.objects.filter(kind="status").values_list("from_status", "to_status")
    ) == [
        ("", "requested"),
        ("requested", "approved"),
        ("approved", "received"),
        ("received", "refunded"),
    ]
    smtp.inbox.wait_for(6)
    assert kinds(smtp) == [
        "order_received",
        "payment_confirmed",
        "shipment_shipped",
        "return_approved",
        "return_received",
        "refunded",
    ]


def test_a_return_packed_by_the_merchant_gets_the_address_and_partial_refunds(client, shop, smtp):
    # Given a shop that packs its own parcels, with a return address and instructions
    ReturnPolicy.objects.create(
        shop=shop,
        return_address="Maison Lumière\n3 quai Saint-Vincent\n69001 Lyon",
        instructions="Glissez le bon de commande dans le colis.",
    )
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    mug = make_variant(shop, sku="MUG", price="8.00", stock=5)
    order = sandbox_paid(client, shop, [(tea, 2), (mug, 1)])
    deliver(client, order)
    tea_line, mug_line = order.lines.get(sku="TEA"), order.lines.get(sku="MUG")

    # When the shopper returns one tea, it is approved and received
    ask(client, order, {tea_line: 1}, reason="wrong_item")
    first = ReturnRequest.objects.get()
    services.receive_return(first.pk, actor="anne")
    run_queued_tasks()

    # Then one unit is refunded, not the delivery: the rest is kept
    first.refresh_from_db()
    assert (first.status, first.refund_amount, first.shipping_refunded) == (
        ReturnStatus.REFUNDED,
        Decimal("10.00"),
        False,
    )
    approved = next(m for m in smtp.inbox.wait_for(5) if m["X-Comptoir-Kind"] == "return_approved")
    for text in body(approved):
        assert "3 quai Saint-Vincent" in text
        assert "Glissez le bon de commande dans le colis." in text
        assert "labels.example" not in text

    # When everything else comes back in a second return
    ask(client, order, {tea_line: 1, mug_line: 1})
    second = ReturnRequest.objects.exclude(pk=first.pk).get()
    services.receive_return(second.pk, actor="anne")
    run_queued_tasks()

    # Then it pays the rest and the standard delivery cost (EU withdrawal rule), once
    second.refresh_from_db()
    order.refresh_from_db()
    tea.refresh_from_db()
    mug.refresh_from_db()
    assert (second.refund_amount, second.shipping_refunded) == (Decimal("22.90"), True)
    assert [r.amount for r in Refund.objects.order_by("created_at")] == [
        Decimal("10.00"),
        Decimal("22.90"),
    ]
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("32.90"))
    assert (tea.stock_quantity, mug.stock_quantity) == (10, 5)
    # And nothing is left to return: the order page no longer offers the form
    page = client.get(order_status_path(order))
    assert page.status_code == 200
    assert b'name="quantity-' not in page.content


def test_without_refunding_delivery_a_full_return_pays_the_goods_only(client, shop):
    ReturnPolicy.objects.create(shop=shop, refund_shipping_on_full_return=False)
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    order = sandbox_paid(client, shop, [(tea, 1)])
    deliver(client, order)

    ask(client, order, {order.lines.get(): 1})
    request = services.receive_return(ReturnRequest.objects.get().pk, actor="anne")

    assert (request.refund_amount, request.shipping_refunded) == (Decimal("10.00"), False)
    assert [r.amount for r in Refund.objects.all()] == [Decimal("10.00")]


def test_a_warehouse_refusing_the_label_leaves_the_address_by_email(client, shop):
    from comptoir.orders.models import OrderNotification

    ReturnPolicy.objects.create(shop=shop, return_address="3 quai Saint-Vincent, Lyon")
    with Fake3PL() as wms:
        warehouse(shop, wms.url)
        tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
        order = sandbox_paid(client, shop, [(tea, 1)])
        deliver(client, order)
        wms.plan = ["400"]

        ask(client, order, {order.lines.get(): 1})
        run_queued_tasks()

    request = ReturnRequest.objects.get()
    assert (request.status, request.label) == (ReturnStatus.APPROVED, {})
    failed = ReturnEvent.objects.get(kind="label_failed")
    assert failed.note.startswith("HTTP 400: ")
    approved = OrderNotification.objects.get(order=order, kind="return_approved")
    assert (approved.context["label"], approved.context["address"]) == (
        {},
        "3 quai Saint-Vincent, Lyon",
    )


def test_a_warehouse_down_is_asked_again_later_and_nothing_is_emailed_yet(client, shop):
    from django_tasks_db.models import DBTaskResult

    from comptoir.orders.models import OrderNotification

    with Fake3PL() as wms:
        warehouse(shop, wms.url)
        tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
        order = sandbox_paid(client, shop, [(tea, 1)])
        deliver(client, order)
        wms.plan = ["500"]

        ask(client, order, {order.lines.get(): 1})
        run_queued_tasks()

    request = ReturnRequest.objects.get()
    assert request.label == {}
    assert OrderNotification.objects.filter(order=order, kind="return_approved").count() == 0
    retry = DBTaskResult.objects.get(
        task_path="comptoir.returns.tasks.request_return_label", status="READY"
    )
    assert retry.args_kwargs["args"] == [request.pk]
    assert retry.run_after is not None


def test_a_shop_pricing_without_vat_refunds_what_was_paid_vat_included(client, shop):
    shop.prices_include_tax = False
    shop.save(update_fields=["prices_include_tax"])
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    order = sandbox_paid(client, shop, [(tea, 2)])
    deliver(client, order)
    line = order.lines.get()
    assert (line.vat_rate, order.total) == (Decimal("0.2000"), Decimal("29.88"))

    ask(client, order, {line: 1})
    first = services.receive_return(ReturnRequest.objects.get().pk, actor="anne")
    ask(client, order, {line: 1})
    second = services.receive_return(ReturnRequest.objects.exclude(pk=first.pk).get().pk, actor="a")

    assert (first.refund_amount, second.refund_amount) == (Decimal("12.00"), Decimal("17.88"))
    order.refresh_from_db()
    assert sum(r.amount for r in Refund.objects.all()) == order.total


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_step_emails_the_shopper_once_in_the_orders_language(client, shop, smtp, language):
    from comptoir.returns.models import NonReturnable
    from comptoir.returns.services import Wanted

    # Given a delivered order of a product the shop does not take back, and another one
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    mug = make_variant(shop, sku="MUG", price="8.00", stock=10)
    NonReturnable.objects.create(shop=shop, product=tea.product)
    order = sandbox_paid(client, shop, [(tea, 1), (mug, 1)], language=language)
    deliver(client, order)
    tea_line, mug_line = order.lines.get(sku="TEA"), order.lines.get(sku="MUG")

    # When one return waits and is refused, and another is approved then cancelled
    waiting = services.request_return(order.pk, wanted=[Wanted(tea_line.pk, 1, "other")])
    services.refuse_return(waiting.pk, actor="anne", reason="Produit descellé.")
    services.refuse_return(waiting.pk, actor="anne", reason="again")
    approved = services.request_return(order.pk, wanted=[Wanted(mug_line.pk, 1, "damaged")])
    services.cancel_return(approved.pk, actor="customer")
    services.cancel_return(approved.pk, actor="customer")
    run_queued_tasks()

    # Then each step sent one email, text and HTML, naming the return, in that language
    messages = smtp.inbox.wait_for(7)
    assert kinds(smtp)[3:] == [
        "return_requested",
        "return_refused",
        "return_approved",
        "return_cancelled",
    ]
    for message, request in zip(messages[3:], [waiting, waiting, approved, approved], strict=True):
        assert message["X-Comptoir-Order"] == order.reference
        for text in body(message):
            assert request.key in text
    with translation.override(language):
        subject = gettext("Order %(number)s: return cancelled") % {"number": order.reference}
    assert messages[-1]["Subject"].strip() == f"Maison Lumière — {subject}"
    assert "Produit descellé." in body(messages[4])[0]
