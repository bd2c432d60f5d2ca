"""A paid order becomes one shipment per fulfillment route, once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from comptoir.fulfillment.models import (
    FulfillmentRoute,
    ProductRoute,
    RouteKind,
    Shipment,
    ShipmentEvent,
    Supplier,
    Transport,
)
from comptoir.fulfillment.services import first_slot, split_order
from comptoir.orders.services import cancel_order, mark_paid
from tests.fulfillment.helpers import paid_order, stocked, warehouse

pytestmark = pytest.mark.django_db


def test_an_order_on_three_routes_is_split_into_three_shipments(shop):
    # Given a warehouse as default, a dropship supplier, and one product packed at home
    wms = warehouse(shop, "http://127.0.0.1:9/")
    dropship = FulfillmentRoute.objects.create(
        shop=shop,
        name="Fournisseur",
        kind=RouteKind.DROPSHIP,
        transport=Transport.EMAIL,
        email="commandes@fournisseur.example",
        batch_every_minutes=60,
    )
    home = FulfillmentRoute.objects.create(shop=shop, name="Chez moi", kind=RouteKind.SELF_SHIP)
    supplier = Supplier.objects.create(shop=shop, name="Fournisseur", route=dropship)
    tea = stocked(shop, "TEA")
    mug = stocked(shop, "MUG")
    ProductRoute.objects.create(product=mug.product, supplier=supplier)
    pot = stocked(shop, "POT", route=home)
    cup = stocked(shop, "CUP")

    # When the order is paid
    order = paid_order(shop, [(tea, 2), (mug, 1), (pot, 1), (cup, 3)])

    # Then there is one shipment per route with the right lines
    shipments = {s.route_id: s for s in Shipment.objects.filter(order=order)}
    assert set(shipments) == {wms.pk, dropship.pk, home.pk}
    assert sorted(shipments[wms.pk].lines.values_list("sku", "quantity")) == [
        ("CUP", 3),
        ("TEA", 2),
    ]
    assert list(shipments[dropship.pk].lines.values_list("sku", "quantity")) == [("MUG", 1)]
    assert list(shipments[home.pk].lines.values_list("sku", "quantity")) == [("POT", 1)]
    assert {s.status for s in shipments.values()} == {"pending"}
    # Only the warehouse sends at once; the supplier waits for its hourly batch; home, never
    assert shipments[wms.pk].next_attempt_at is not None
    assert shipments[home.pk].next_attempt_at is None
    assert shipments[dropship.pk].next_attempt_at > shipments[wms.pk].next_attempt_at
    tasks = DBTaskResult.objects.filter(task_path="comptoir.fulfillment.tasks.dispatch_shipment")
    assert [t.args_kwargs["args"] for t in tasks] == [[shipments[wms.pk].pk]]
    assert ShipmentEvent.objects.filter(kind="created").count() == 3


def test_splitting_or_paying_again_creates_nothing_more(shop):
    # Given a paid order split into one shipment
    tea = stocked(shop, "TEA")
    order = paid_order(shop, [(tea, 1)])
    assert Shipment.objects.count() == 1

    # When the payment is confirmed again and the split is run again
    mark_paid(order.pk, actor="webhook replay")
    with transaction.atomic():
        again = split_order(order)

    # Then still one shipment, on the shop's default route (packed by the merchant)
    assert Shipment.objects.count() == 1
    assert [s.pk for s in again] == list(Shipment.objects.values_list("pk", flat=True))
    route = Shipment.objects.get().route
    assert (route.kind, route.is_default) == (RouteKind.SELF_SHIP, True)


def test_the_database_refuses_a_second_shipment_for_the_same_order_and_route(shop):
    from django.db import IntegrityError

    tea = stocked(shop, "TEA")
    order = paid_order(shop, [(tea, 1)])
    shipment = Shipment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.create(shop=shop, order=order, route=shipment.route)


def test_an_order_with_only_digital_lines_has_no_shipment(shop):
    ebook = stocked(shop, "EBOOK")
    ebook.product.kind = "digital"
    ebook.product.save()
    order = paid_order(shop, [(ebook, 1)])
    assert order.lines.get().kind == "digital"
    assert Shipment.objects.count() == 0


def test_cancelling_a_paid_order_cancels_its_shipments(shop):
    wms = warehouse(shop, "http://127.0.0.1:9/")
    order = paid_order(shop, [(stocked(shop, "TEA", route=wms), 1)])
    cancel_order(order.pk, actor="merchant", reason="customer changed their mind")
    shipment = Shipment.objects.get()
    assert shipment.status == "cancelled"
    assert shipment.next_attempt_at is None


def test_a_batched_route_waits_for_its_slot_or_the_cut_off():
    # (a route not yet saved has no shop: its cut-off is read in UTC)
    route = FulfillmentRoute(batch_every_minutes=30, cutoff_time=time(15, 0))
    assert first_slot(route, datetime(2026, 12, 1, 9, 10, tzinfo=UTC)) == datetime(
        2026, 12, 1, 9, 30, tzinfo=UTC
    )
    route.batch_every_minutes = 24 * 60
    assert first_slot(route, datetime(2026, 12, 1, 9, 10, tzinfo=UTC)) == datetime(
        2026, 12, 1, 15, 0, tzinfo=UTC
    )
    assert first_slot(route, datetime(2026, 12, 1, 16, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 0, 0, tzinfo=UTC
    )
    route.batch_every_minutes = 0
    now = datetime(2026, 12, 1, 9, 10, 7, tzinfo=UTC)
    assert first_slot(route, now) == now


def test_the_cut_off_is_on_the_shop_clock(shop):
    # Given a shop in Paris (UTC+1 in December) whose warehouse takes orders until 3 pm
    shop.time_zone = "Europe/Paris"
    route = FulfillmentRoute(shop=shop, batch_every_minutes=24 * 60, cutoff_time=time(15, 0))
    # Then an order at 13:30 UTC (14:30 in Paris) leaves at 14:00 UTC, 3 pm in Paris
    assert first_slot(route, datetime(2026, 12, 1, 13, 30, tzinfo=UTC)) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )


def test_routes_are_read_in_one_statement_as_the_orm_would_give_them(
    shop, django_assert_num_queries
):
    from comptoir.fulfillment.services import (
        default_route,
        overridden_routes,
        route_for_products,
    )

    # Given a product on its own route, one through its supplier, one whose route is
    # inactive, one whose own route wins over its supplier's, and one with nothing
    wms = warehouse(shop, "http://127.0.0.1:9/")
    dropship = FulfillmentRoute.objects.create(
        shop=shop, name="Fournisseur", kind=RouteKind.DROPSHIP, transport=Transport.EMAIL
    )
    off = FulfillmentRoute.objects.create(
        shop=shop, name="Fermé", kind=RouteKind.SELF_SHIP, active=False
    )
    home = FulfillmentRoute.objects.create(shop=shop, name="Chez moi", kind=RouteKind.SELF_SHIP)
    supplier = Supplier.objects.create(shop=shop, name="Fournisseur", route=dropship)
    own = stocked(shop, "OWN", route=home).product
    through = stocked(shop, "SUP").product
    ProductRoute.objects.create(product=through, supplier=supplier)
    closed = stocked(shop, "OFF", route=off).product
    both = stocked(shop, "BOTH").product
    ProductRoute.objects.create(product=both, route=home, supplier=supplier)
    plain = stocked(shop, "PLAIN").product
    ids = {own.pk, through.pk, closed.pk, both.pk, plain.pk}

    # When each product's route is read
    with transaction.atomic(), django_assert_num_queries(1):
        routes = route_for_products(shop, ids)

    # Then the same routes as the ORM's reads, with every column, and the shop set
    with transaction.atomic():
        expected = {**dict.fromkeys(ids, default_route(shop)), **overridden_routes(ids)}
    assert {pk: route.pk for pk, route in routes.items()} == {
        own.pk: home.pk,
        through.pk: dropship.pk,
        closed.pk: wms.pk,
        both.pk: home.pk,
        plain.pk: wms.pk,
    }
    assert {pk: r.pk for pk, r in expected.items()} == {pk: r.pk for pk, r in routes.items()}
    for route in routes.values():
        fresh = FulfillmentRoute.objects.get(pk=route.pk)
        assert [getattr(route, f.attname) for f in FulfillmentRoute._meta.concrete_fields] == [
            getattr(fresh, f.attname) for f in FulfillmentRoute._meta.concrete_fields
        ]
        assert route.shop is shop
    assert route_for_products(shop, set()) == {}


def test_a_shop_without_a_default_route_gets_one_on_its_first_split(shop):
    from comptoir.fulfillment.services import route_for_products

    tea = stocked(shop, "TEA").product
    assert not FulfillmentRoute.objects.filter(shop=shop).exists()

    with transaction.atomic():
        routes = route_for_products(shop, {tea.pk})

    default = FulfillmentRoute.objects.get(shop=shop, is_default=True)
    assert routes == {tea.pk: default} and default.kind == RouteKind.SELF_SHIP
