"""The promise shown to shoppers and stored on orders, and the watch over it.

:func:`promise_for` is the one place the sentence is made: the product page, the basket
and the confirmation emails all call it (through the template tags), so they can never
disagree. The order's ``promised_dispatch_on`` is set when it is placed, and set again
when a payment arrives long after (a bank transfer three days later cannot be held to
the date promised on the day of the order).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from comptoir.catalog.models import ProductKind
from comptoir.fulfillment import services as fulfillment
from comptoir.promise.calendar import Rules, dispatch_date, next_change
from comptoir.promise.models import DispatchRules, dispatch_cache_key
from comptoir.shops.models import Shop

log = logging.getLogger(__name__)

#: A payment confirmed within this delay keeps the promise made when the order was placed:
#: the shopper crossed the cut-off on the payment provider's page, not by choice.
PAYMENT_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Promise:
    dispatch_on: date
    sentence: str
    # When the promise may change (the cut-off or midnight): a cached page must expire then.
    valid_until: datetime


@dataclass(frozen=True)
class ShopDispatch:
    """A shop's rules loaded once: the calendar, the default lead time, lead per route."""

    rules: Rules
    lead_days: int = 0
    route_lead_days: dict[str, int] = field(default_factory=dict)


DISPATCH_CACHE_SECONDS = 300


def load_dispatch(shop: Shop) -> ShopDispatch:
    """The shop's rules, cached for a few minutes: every product page needs them and has a
    budget of ten queries. Saving the rules clears the cache (DispatchRules.save)."""
    key = dispatch_cache_key(shop.pk)
    dispatch = cache.get(key)
    if dispatch is None:
        dispatch = read_dispatch(shop)
        cache.set(key, dispatch, DISPATCH_CACHE_SECONDS)
    return dispatch


def read_dispatch(shop: Shop) -> ShopDispatch:
    """The shop's rules, or the defaults (15:00, Monday to Friday, French holidays) when
    the merchant has not set any. No query for a shop from the middleware without rules."""
    time_zone = shop_time_zone(shop)
    try:
        stored = shop.dispatch_rules  # joined to the shop by the shop middleware
    except DispatchRules.DoesNotExist:
        stored = None
    if stored is None:
        return ShopDispatch(rules=Rules(time_zone=time_zone))
    return ShopDispatch(
        rules=stored.as_rules(time_zone),
        lead_days=stored.lead_days,
        route_lead_days=dict(stored.route_lead_days or {}),
    )


def shop_time_zone(shop: Shop) -> str:
    """The shop's time zone; a mistyped one falls back to the site's, rather than break
    every product page (and is logged so it gets fixed)."""
    try:
        ZoneInfo(shop.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.error("shop %s has an unknown time zone %r", shop.pk, shop.time_zone)
        return settings.TIME_ZONE
    return shop.time_zone


def rules_for(shop: Shop) -> Rules:
    return load_dispatch(shop).rules


def lead_days_for(dispatch: ShopDispatch, products: Iterable[Any]) -> int | None:
    """The longest lead time among the physical products, or None if nothing ships. A
    route with its own lead time (``{"dropship": 2}``) counts for the products on it; the
    routes are read only when the merchant set such a lead time."""
    physical = [
        product
        for product in products
        if getattr(product, "kind", ProductKind.PHYSICAL) == ProductKind.PHYSICAL
    ]
    if not physical:
        return None
    if not dispatch.route_lead_days:
        return dispatch.lead_days
    kinds = fulfillment.route_kinds(physical[0].shop_id, {product.pk for product in physical})
    return max(
        int(dispatch.route_lead_days.get(kinds[product.pk], dispatch.lead_days))
        for product in physical
    )


def promise_for(
    shop: Shop,
    *,
    now: datetime | None = None,
    lead_days: int = 0,
    dispatch: ShopDispatch | None = None,
) -> Promise:
    """The promise for an order placed ``now``, in the active language."""
    now = now or timezone.now()
    rules = (dispatch or load_dispatch(shop)).rules
    day = dispatch_date(rules, now, lead_days)
    return Promise(
        dispatch_on=day,
        sentence=describe(day, rules=rules, now=now),
        valid_until=next_change(rules, now),
    )


def describe(day: date, *, rules: Rules, now: datetime) -> str:
    """ "Order before 3 pm, dispatched today", "Dispatched tomorrow", "Dispatched Monday"."""
    today = now.astimezone(rules.zone).date()
    if day == today:
        return _("Order before %(time)s, dispatched today") % {"time": format_cutoff(rules.cutoff)}
    if day == today + timedelta(days=1):
        return _("Dispatched tomorrow")
    if day < today + timedelta(days=7):
        return _("Dispatched %(weekday)s") % {"weekday": date_format(day, "l")}
    return _("Dispatched on %(date)s") % {"date": date_format(day, "l j F")}


def format_cutoff(moment: time) -> str:
    """3 pm / 3:30 pm in English; 15 h / 15 h 30 in French."""
    if (get_language() or "fr").startswith("en"):
        hour = moment.hour % 12 or 12
        suffix = "am" if moment.hour < 12 else "pm"
        minutes = f":{moment.minute:02d}" if moment.minute else ""
        return f"{hour}{minutes}\u00a0{suffix}"
    minutes = f"\u00a0{moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour}\u00a0h{minutes}"


def planned_dispatch(day: date) -> str:
    """What an email says: an absolute date, since it is read later."""
    return _("Planned dispatch: %(date)s") % {"date": date_format(day, "l j F")}


def order_products(order: Any) -> list[Any]:
    return [
        line.variant.product
        for line in order.lines.select_related("variant__product")
        if line.variant_id
    ]


def promised_dispatch(
    shop: Shop, products: Iterable[Any], *, now: datetime | None = None
) -> date | None:
    """The dispatch date to promise for an order of these products, placed now; None if
    nothing ships. The checkout stores it on the order as it creates it."""
    dispatch = load_dispatch(shop)
    lead = lead_days_for(dispatch, products)
    return None if lead is None else dispatch_date(dispatch.rules, now or timezone.now(), lead)


def confirm_promise(order: Any, *, paid_at: datetime | None = None) -> date | None:
    """The payment arrived: an order paid long after it was placed is promised from the
    payment, never earlier than what it was promised before."""
    paid_at = paid_at or order.paid_at or timezone.now()
    if order.promised_dispatch_on is None or paid_at - order.created_at <= PAYMENT_GRACE:
        return order.promised_dispatch_on
    dispatch = load_dispatch(order.shop)
    lead = lead_days_for(dispatch, order_products(order))
    if lead is None:
        return order.promised_dispatch_on
    day = max(order.promised_dispatch_on, dispatch_date(dispatch.rules, paid_at, lead))
    if day != order.promised_dispatch_on:
        order.promised_dispatch_on = day
        type(order).objects.filter(pk=order.pk).update(promised_dispatch_on=day)
    return day


#: Paid and not yet gone: what the promise is watched on, whatever the fulfillment route.
WAITING_TO_LEAVE = ("paid", "fulfilling")


def raise_missed_promises(*, now: datetime | None = None) -> int:
    """Open a PROMISE_MISSED inbox item for every paid order still not shipped after the
    day it was promised to leave (in its shop's time zone). An order whose item is already
    open is left alone, so the item says when it was first raised. Returns how many items
    were opened. Run periodically; the item closes itself once the order ships or is
    cancelled (inbox.causes)."""
    from django.db.models import Exists, OuterRef
    from django.utils import translation

    from comptoir.core.money import Money
    from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
    from comptoir.inbox.services import open_item
    from comptoir.inbox.texts import day
    from comptoir.orders.models import Order

    now = now or timezone.now()
    # No shop's local date is more than a day ahead of UTC: refine per shop below.
    already_open = InboxItem.objects.filter(
        order=OuterRef("pk"), kind=ItemKind.PROMISE_MISSED, status=ItemStatus.OPEN
    )
    candidates = (
        Order.objects.filter(
            status__in=WAITING_TO_LEAVE,
            promised_dispatch_on__lt=now.date() + timedelta(days=1),
        )
        .exclude(Exists(already_open))
        .select_related("shop")
        .order_by("pk")
    )
    late = 0
    for order in candidates.iterator(chunk_size=500):
        today = now.astimezone(ZoneInfo(shop_time_zone(order.shop))).date()
        if order.promised_dispatch_on >= today:
            continue
        late += 1
        with translation.override(order.shop.default_language):
            open_item(
                order.shop,
                kind=ItemKind.PROMISE_MISSED,
                key=f"order:{order.pk}",
                title=gettext_noop("Order %(number)s should have left on %(date)s"),
                title_params={
                    "number": order.number,
                    "date": day(order.promised_dispatch_on, "l j F"),
                },
                detail=gettext_noop(
                    "The order is paid but has not shipped. Ship it, or tell the customer and "
                    "cancel it."
                ),
                detail_params={},
                context={
                    "customer": order.email,
                    "total": str(Money(order.total, order.currency)),
                    "promised_on": date_format(order.promised_dispatch_on, "DATE_FORMAT"),
                    "paid_on": date_format(
                        timezone.localtime(order.paid_at), "SHORT_DATETIME_FORMAT"
                    )
                    if order.paid_at
                    else "",
                    "status": str(order.get_status_display()),
                },
                order=order,
            )
    return late
