"""The promise as shoppers see it: one sentence for the product page, the basket and the
emails, stored on the order when it is placed."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.checkout.services import place_order
from comptoir.orders import services as orders
from comptoir.orders.models import Order
from comptoir.promise.models import ClosedPeriod, DispatchRules
from comptoir.promise.services import confirm_promise, promise_for, promised_dispatch
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize(
    ("now", "lead", "english", "french_part"),
    [
        (paris(2026, 12, 1, 10, 0), 0, "Order before 3\xa0pm, dispatched today", "15\xa0h"),
        (paris(2026, 12, 1, 15, 0), 0, "Dispatched tomorrow", ""),
        (paris(2026, 12, 4, 16, 0), 0, "Dispatched Monday", "lundi"),
        (paris(2026, 12, 1, 10, 0), 10, "Dispatched on Tuesday 15 December", "mardi 15 décembre"),
    ],
)
def test_the_sentence_in_the_shoppers_language(shop, now, lead, english, french_part):
    with translation.override("en"):
        assert promise_for(shop, now=now, lead_days=lead).sentence == english
    with translation.override("fr"):
        assert french_part in promise_for(shop, now=now, lead_days=lead).sentence


def test_the_shops_rules_and_closed_days_shape_the_promise(shop):
    rules = DispatchRules.objects.create(shop=shop, cutoff_time=time(11, 30), working_days="135")
    ClosedPeriod.objects.create(rules=rules, start=date(2026, 12, 7), end=date(2026, 12, 9))

    with translation.override("en"):
        monday = promise_for(shop, now=paris(2026, 11, 30, 11, 29))
        after = promise_for(shop, now=paris(2026, 11, 30, 11, 30))
        closed = promise_for(shop, now=paris(2026, 12, 4, 12, 0))

    assert (monday.dispatch_on, monday.sentence) == (
        date(2026, 11, 30),
        "Order before 11:30\xa0am, dispatched today",
    )
    assert after.dispatch_on == date(2026, 12, 2)  # Wednesday: Tuesday is not a dispatch day
    assert closed.dispatch_on == date(2026, 12, 11)  # Monday 7 to Wednesday 9 closed


def placed(shop, **product_fields):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="PROMISE", **product_fields)
    return place_order(make_cart(shop, [(variant, 1)]), details())


def test_an_order_is_promised_at_placement_and_the_emails_say_when(shop, mailoutbox):
    order = placed(shop)
    expected = promise_for(shop).dispatch_on

    order.refresh_from_db()
    assert order.promised_dispatch_on == expected
    payment = order.payments.get()
    from comptoir.payments import services as payments

    payments.confirm_payment(str(payment.pk), amount=payment.amount, currency="EUR", actor="t")
    run_queued_tasks()

    order.refresh_from_db()
    assert order.promised_dispatch_on == expected
    with translation.override("fr"):
        from django.utils.formats import date_format

        planned = date_format(expected, "l j F")
    bodies = {m.extra_headers["X-Comptoir-Kind"]: m.body for m in mailoutbox}
    assert planned in bodies["order_received"]
    assert planned in bodies["payment_confirmed"]
    assert planned in mailoutbox[-1].alternatives[0][0]


def test_a_digital_only_order_promises_nothing(shop):
    order = placed(shop, kind="digital", weight=None, track_stock=False)

    order.refresh_from_db()
    assert order.promised_dispatch_on is None


def test_a_payment_long_after_the_order_moves_the_promise_from_the_payment(shop):
    order = placed(shop)
    placed_at = paris(2026, 12, 1, 10, 0)
    Order.objects.filter(pk=order.pk).update(
        created_at=placed_at, promised_dispatch_on=date(2026, 12, 1)
    )
    order.refresh_from_db()

    # paid within the hour: the promise made at placement stands
    assert confirm_promise(order, paid_at=placed_at + timedelta(minutes=50)) == date(2026, 12, 1)
    # paid by transfer three days later, after the cut-off: dispatched the next working day
    assert confirm_promise(order, paid_at=paris(2026, 12, 4, 16, 0)) == date(2026, 12, 7)
    order.refresh_from_db()
    assert order.promised_dispatch_on == date(2026, 12, 7)


def test_mark_paid_confirms_the_promise(shop):
    order = placed(shop)
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=30), promised_dispatch_on=date(2020, 1, 1)
    )

    orders.mark_paid(order.pk, actor="test")

    order.refresh_from_db()
    assert order.promised_dispatch_on == promise_for(shop).dispatch_on


def test_product_page_and_basket_show_the_promise(client, shop):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="SHOWN", name="Sencha")
    with translation.override("en"):
        promise = promise_for(shop)

    page = client.get(url("storefront:product", slug="sencha-en")).content.decode()
    client.post(url("cart:add"), {"variant": variant.pk, "quantity": 1})
    basket = client.get(url("cart:detail")).content.decode()

    tag = f'<p class="promise" data-dispatch-on="{promise.dispatch_on:%Y-%m-%d}">'
    assert tag in page and promise.sentence in page
    assert tag in basket and promise.sentence in basket


def test_a_cached_product_page_expires_when_the_promise_changes(client, shop, settings):
    # Given a cut-off ten minutes ahead (or midnight, closer still, late in the evening)
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 3600
    local = timezone.now().astimezone(PARIS)
    soon = local + timedelta(minutes=10)
    if soon.date() == local.date():
        DispatchRules.objects.create(shop=shop, cutoff_time=soon.time().replace(microsecond=0))
    make_variant(shop, sku="CACHED", name="Sencha")

    # When the product page is rendered and cached
    response = client.get(url("storefront:product", slug="sencha-en"))

    # Then it is cached only until the promise changes, not for the hour
    assert response["X-Page-Cache"] == "miss"
    left = (promise_for(shop).valid_until - timezone.now()).total_seconds()
    assert 0 < left <= 600
    # the locmem cache's own bookkeeping: when each stored page expires
    expiries = [at for key, at in cache._expire_info.items() if ":page:" in key]
    assert len(expiries) == 1
    assert expiries[0] - time_module.time() <= left + 1


def test_a_mistyped_shop_time_zone_falls_back_to_the_sites(shop, client):
    shop.time_zone = "Europe/Pariss"
    shop.save()
    make_variant(shop, sku="TZ", name="Sencha")

    response = client.get(url("storefront:product", slug="sencha-en"))

    assert response.status_code == 200
    assert promise_for(shop, now=paris(2026, 12, 1, 14, 59)).dispatch_on == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"working_days": "1123"}, "working_days"),
        ({"working_days": "189"}, "working_days"),
        ({"route_lead_days": {"dropship": -1}}, "route_lead_days"),
        ({"route_lead_days": {"dropship": "2"}}, "route_lead_days"),
        ({"route_lead_days": ["dropship"]}, "route_lead_days"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(shop, fields, error_field):
    from django.core.exceptions import ValidationError

    rules = DispatchRules(shop=shop, **fields)

    with pytest.raises(ValidationError) as refused:
        rules.full_clean()

    assert error_field in refused.value.message_dict


def test_a_route_with_its_own_lead_time_delays_the_products_on_it(shop):
    from comptoir.fulfillment.models import FulfillmentRoute, ProductRoute, RouteKind

    DispatchRules.objects.create(shop=shop, route_lead_days={"dropship": 2})
    supplier_route = FulfillmentRoute.objects.create(
        shop=shop, name="Atelier Lin", kind=RouteKind.DROPSHIP
    )
    packed = make_variant(shop, sku="PACKED").product
    dropshipped = make_variant(shop, sku="DROP").product
    ProductRoute.objects.create(product=dropshipped, route=supplier_route)
    tuesday = paris(2026, 12, 1, 10, 0)

    alone = promised_dispatch(shop, [packed], now=tuesday)
    with_dropship = promised_dispatch(shop, [packed, dropshipped], now=tuesday)

    assert alone == date(2026, 12, 1)
    assert with_dropship == date(2026, 12, 3)  # two working days later
