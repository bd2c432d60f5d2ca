"""Fraud screening use cases.

Signals are recorded where they are seen: the checkout's request when the order is
placed (:func:`record_order_signals`), the provider's event for each card attempt
(:func:`record_payment_attempt`, which also throttles then blocks after bursts of
declines). :func:`screen_order` runs in the payment's transaction, before anything ships,
and says approve, hold or cancel; the merchant settles a held order from the inbox.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from comptoir.core import clients, ratelimit, rows
from comptoir.core.exceptions import ComptoirError
from comptoir.core.rows import columns, instance
from comptoir.fraud import geoip, rules
from comptoir.fraud.models import (
    DECISION_TRANSITIONS,
    AttemptOutcome,
    Block,
    BlockLevel,
    BlockScope,
    Decision,
    FraudSettings,
    OrderSignals,
    PaymentAttempt,
    Screening,
)
from comptoir.orders.models import Order
from comptoir.shops.models import Shop

log = logging.getLogger(__name__)

ACTOR = "fraud screening"
REVIEW_KIND = "fraud_review"  # inbox.models.ItemKind.FRAUD_REVIEW


class DecisionNotAllowed(ComptoirError):
    pass


def shop_settings(shop: Shop | int) -> FraudSettings:
    """The shop's thresholds; the defaults (unsaved) until the merchant saves their own.
    Read once per shop instance: the request's shop brings them along (ShopMiddleware)."""
    if isinstance(shop, int):
        found = FraudSettings.objects.filter(shop_id=shop).first()
        return found if found is not None else FraudSettings(shop_id=shop)
    try:
        return shop.fraud_settings
    except FraudSettings.DoesNotExist:
        return FraudSettings(shop=shop)


# -- signals -----------------------------------------------------------------------------


def record_order_signals(
    order: Order, *, ip: str | None, session_key: str = "", user_agent: str = ""
) -> OrderSignals:
    """What the checkout saw of the shopper; call in the transaction placing the order."""
    located = geoip.locate(ip)
    # The order was created in this same transaction: nothing can have recorded it before.
    recorded = OrderSignals(
        order=order,
        shop_id=order.shop_id,
        ip=ip or None,
        ip_country=located.country,
        ip_country_note=located.note,
        session_hash=clients.hash_session(session_key),
        user_agent=user_agent[:300],
        email=order.email,
    )
    rows.insert([recorded])  # plain SQL: one of every order's statements
    return recorded


def record_payment_attempt(
    provider: str, event: Any, *, order: Order | None = None
) -> PaymentAttempt | None:
    """One card attempt the provider reported (a success or a decline), once. A decline
    may throttle or block the IP address, session and card it came from.

    ``order``: the payment's order, when the caller holds it; its signals are kept on it
    for the screening that follows."""
    from comptoir.payments.models import Payment

    if event.kind == "payment.succeeded":
        outcome, dedupe = AttemptOutcome.SUCCEEDED, f"{provider}:ok:{event.reference}"
    elif event.details.get("card_fingerprint") and (
        event.kind == "payment.failed" or event.details.get("reason")
    ):
        # A card refused. A provider may report it for the record only (Stripe's intent
        # events); a failure naming no card (an expired session) is no card attempt.
        outcome, dedupe = AttemptOutcome.DECLINED, f"{provider}:event:{event.event_id}"
    else:
        return None
    if not event.payment_id:
        return None
    # The order's signals say all the attempt needs of its order; a payment of an order
    # placed without the checkout (none recorded) reads its order instead.
    if order is not None:
        signals = signals_of(order)
    else:
        signals = OrderSignals.objects.filter(order__payments__pk=event.payment_id).first()
    if signals is not None:
        shop_id, order_id, email = signals.shop_id, signals.order_id, signals.email
        ip, session = signals.ip, signals.session_hash
    else:
        payment = Payment.objects.select_related("order").filter(pk=event.payment_id).first()
        if payment is None:
            return None
        shop_id, order_id, email = payment.order.shop_id, payment.order_id, payment.order.email
        ip, session = payment.order.client_ip, ""
    details = event.details
    three_ds = str(details.get("three_d_secure") or "")
    shift = details.get("liability_shift")
    if shift is None and three_ds:
        shift = three_ds in rules.LIABILITY_SHIFTED
    attempt = PaymentAttempt(
        dedupe_key=dedupe[:240],
        shop_id=shop_id,
        order_id=order_id,
        payment_id=event.payment_id,
        provider=provider,
        outcome=outcome,
        decline_code=str(details.get("reason") or "")[:60],
        card_fingerprint=str(details.get("card_fingerprint") or "")[:64],
        card_country=str(details.get("card_country") or "")[:2].upper(),
        three_d_secure=three_ds[:30],
        liability_shift=shift,
        ip=ip,
        session_hash=session,
        email=email,
    )
    # The same attempt reported again (a replay; the return page and the webhook) is
    # skipped by the unique key, in one statement.
    PaymentAttempt.objects.bulk_create([attempt], ignore_conflicts=True)
    if outcome == AttemptOutcome.DECLINED:
        # Safe to run for a replay too: a pause already set is not set twice.
        _block_after_declines(attempt)
    return attempt


def signals_of(order: Order) -> OrderSignals | None:
    """The order's signals, read once per order instance (None for an order placed
    without the checkout)."""
    relation = Order.fraud_signals.related  # type: ignore[attr-defined]
    if not relation.is_cached(order):
        relation.set_cached_value(order, OrderSignals.objects.filter(order_id=order.pk).first())
    return relation.get_cached_value(order)  # type: ignore[no-any-return]


def _block_after_declines(attempt: PaymentAttempt) -> None:
    """Card testing: many declines from one IP, session or card. A few pause it briefly
    (throttle), a burst stops it for long (block)."""
    config = shop_settings(attempt.shop_id)
    now = timezone.now()
    since = now - timedelta(minutes=config.decline_minutes)
    declined = PaymentAttempt.objects.filter(
        shop_id=attempt.shop_id, outcome=AttemptOutcome.DECLINED, created_at__gte=since
    )
    scopes = {
        BlockScope.IP: ("ip", attempt.ip),
        BlockScope.SESSION: ("session_hash", attempt.session_hash),
        BlockScope.CARD: ("card_fingerprint", attempt.card_fingerprint),
    }
    for scope, (column, value) in scopes.items():
        if not value:
            continue
        count = declined.filter(**{column: value}).count()
        if count >= config.block_after_declines:
            level, minutes = BlockLevel.BLOCK, config.block_minutes
        elif count >= config.throttle_after_declines:
            level, minutes = BlockLevel.THROTTLE, config.throttle_minutes
        else:
            continue
        current = active_blocks(attempt.shop_id, {scope: str(value)}, now=now)
        if any(b.level == BlockLevel.BLOCK for b in current) or (
            level == BlockLevel.THROTTLE and current
        ):
            continue  # already paused at least as hard
        Block.objects.create(
            shop_id=attempt.shop_id,
            scope=scope,
            value=str(value),
            level=level,
            until=now + timedelta(minutes=minutes),
            declines=count,
        )
        log.warning("%s %s after %s declines (shop %s)", level, scope, count, attempt.shop_id)


def active_blocks(
    shop: Shop | int, identities: dict[str, str], *, now: datetime | None = None
) -> list[Block]:
    """The blocks in force on any of ``identities`` ({scope: value}), latest end first.
    In plain SQL (comptoir.core.rows): every payment step reads them."""
    if not identities:
        return []
    sql, params = _blocks_query(shop, identities, now=now)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY b.until DESC", params)
        return [instance(Block, _block_fields(), row) for row in cursor.fetchall()]  # type: ignore[misc]


def _blocks_query(
    shop: Shop | int, identities: dict[str, str], *, now: datetime | None
) -> tuple[str, list[Any]]:
    """The SELECT of :func:`active_blocks` (``identities`` not empty), and its parameters."""
    select, _fields = columns(Block, "b")
    table = connection.ops.quote_name(Block._meta.db_table)
    matching = " OR ".join(["(b.scope = %s AND b.value = %s)"] * len(identities))
    return (
        f"SELECT {select} FROM {table} b WHERE b.shop_id = %s AND b.until > %s "  # noqa: S608
        f"AND ({matching})",
        [
            shop if isinstance(shop, int) else shop.pk,
            connection.ops.adapt_datetimefield_value(now or timezone.now()),
            *[str(part) for pair in identities.items() for part in pair],
        ],
    )


def _block_fields() -> list[Any]:
    return columns(Block, "b")[1]


# -- the payment step --------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why the payment step answers 429, and for how long."""

    message: str  # translated, for the shopper
    retry_after: int  # seconds


def check_payment_step(request: Any, *, now: datetime | None = None) -> Refusal | None:
    """Count this visit to the payment step, and refuse it when its IP address or session
    is paused after declines, or came too often. Shared by every server process: the
    counters and the blocks are database rows."""
    now = now or timezone.now()
    shop = request.shop
    ip = clients.client_ip(request)
    session = clients.hash_session(clients.session_key(request))
    identities = {BlockScope.IP: ip or "", BlockScope.SESSION: session}
    identities = {k: v for k, v in identities.items() if v}
    config = shop_settings(shop)
    window = timedelta(minutes=max(config.payment_step_minutes, 1))
    limits = {}
    if ip:
        limits[f"pay:{shop.pk}:ip:{ip}"] = config.payment_steps_per_ip
    if session:
        limits[f"pay:{shop.pk}:session:{session}"] = config.payment_steps_per_session
    # This visit is counted unless a block is in force, and whether one is is asked in the
    # same statement (PostgreSQL): the blocks are read only when there is one.
    if identities:
        hits = ratelimit.hit_unless(
            list(limits), unless=_blocks_query(shop, identities, now=now), window=window, now=now
        )
    else:
        hits = ratelimit.hit(list(limits), window=window, now=now)
    blocks = active_blocks(shop, identities, now=now) if hits is None else []
    if blocks:
        block = max(blocks, key=lambda b: (b.level == BlockLevel.BLOCK, b.until))
        wait = _seconds(block.until - now)
        if block.level == BlockLevel.BLOCK:
            message = gettext(
                "Too many declined payments came from your connection. Payments are blocked "
                "for now; please contact us if you need help."
            )
        else:
            minutes = math.ceil(wait / 60)
            message = ngettext(
                "Too many declined payments in a short time. Please wait %(minutes)s minute "
                "before trying again.",
                "Too many declined payments in a short time. Please wait %(minutes)s minutes "
                "before trying again.",
                minutes,
            ) % {"minutes": minutes}
        return Refusal(message, wait)
    if hits is None:  # the block ended between the two statements: counted next time
        return None
    if any(hits[key] > limit for key, limit in limits.items()):
        wait = _seconds(ratelimit.window_end(now, window) - now)
        minutes = math.ceil(wait / 60)
        message = ngettext(
            "Too many payment attempts. Please wait %(minutes)s minute before trying again.",
            "Too many payment attempts. Please wait %(minutes)s minutes before trying again.",
            minutes,
        ) % {"minutes": minutes}
        return Refusal(message, wait)
    return None


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


# -- screening ---------------------------------------------------------------------------


def screen_order(
    order: Order,
    *,
    actor: str = ACTOR,
    now: datetime | None = None,
    attempt: PaymentAttempt | None = None,
) -> Screening:
    """Score ``order`` as it is being marked paid and decide. Call in the payment's
    transaction, with the order locked, before anything is fulfilled.

    ``attempt``: the successful card attempt just recorded for this payment, if the caller
    has it; else the order's latest one is read."""
    from comptoir.orders import services as orders

    assert transaction.get_connection().in_atomic_block
    # Reached once per order (mark_locked_order_paid returns early for a paid order); the
    # one-to-one key refuses a second screening should a new caller forget it.
    now = now or timezone.now()
    config = shop_settings(order.shop)
    if (
        attempt is None
        or attempt.order_id != order.pk
        or attempt.outcome != AttemptOutcome.SUCCEEDED
    ):
        attempt = (
            PaymentAttempt.objects.filter(order=order, outcome=AttemptOutcome.SUCCEEDED)
            .order_by("-created_at")
            .first()
        )
    facts = rules.Facts(
        order=order, settings=config, now=now, signals=signals_of(order), attempt=attempt
    )
    score, reasons = rules.evaluate(facts)
    if score >= config.cancel_score:
        decision = Decision.CANCELLED
    elif score >= config.review_score:
        decision = Decision.HELD
    else:
        decision = Decision.APPROVED
    screening = Screening(
        order=order,
        score=score,
        decision=decision,
        automatic_decision=decision,
        reasons=[r.as_dict() for r in reasons],
        decided_by=actor,
        decided_at=now,
    )
    rows.insert([screening])
    orders.record_event(
        order,
        "fraud_screening",
        actor=actor,
        note=f"{decision} (score {score})",
        data={"score": score, "decision": decision, "rules": [r.rule for r in reasons]},
    )
    if decision == Decision.HELD:
        _open_review(order, screening)
    return screening


def explained(screening: Screening) -> list[tuple[int, str]]:
    """(points, reason) in the active language."""
    return [(int(r.get("points", 0)), rules.explain(r)) for r in screening.reasons]


def _open_review(order: Order, screening: Screening) -> None:
    from comptoir.inbox.services import open_item
    from comptoir.inbox.texts import freeze, lines

    # Each reason kept untranslated, so each merchant reads the item in their own language.
    reasons = [
        {
            **freeze(reason["message"], rules.frozen_params(reason)),
            "prefix": f"{int(reason['points']):+d} ",
        }
        for reason in screening.reasons
    ]
    open_item(
        order.shop,
        kind=REVIEW_KIND,
        key=f"order:{order.pk}",
        title=gettext_noop("Order %(number)s held for fraud review (score %(score)s)"),
        title_params={"number": order.reference, "score": screening.score},
        detail=gettext_noop("Score %(score)s, from these reasons:\n%(reasons)s"),
        detail_params={"score": screening.score, "reasons": lines(reasons)},
        context={"score": screening.score},
        order=order,
    )


def release_order(order: Order) -> None:
    """Fulfil a paid order that screening let through: its downloads and its parcels.
    In the transaction that marks it paid or approves it, with the order locked: each
    happens once (approved at payment, or held then approved once), so the order has no
    parcel yet."""
    from comptoir.downloads.services import grant_downloads
    from comptoir.fulfillment.services import split_order

    grant_downloads(order)
    # The parcels owed, and their dispatch tasks, exist iff the payment is committed.
    split_order(order, unsplit=True)


def _decide(order_id: int, target: str, *, actor: str) -> tuple[Order, Screening]:
    from comptoir.orders import services as orders

    order = orders.lock_order(order_id)
    screening = Screening.objects.select_for_update().filter(order=order).first()
    if screening is None or target not in DECISION_TRANSITIONS[screening.decision]:
        raise DecisionNotAllowed(gettext("This order is not held for review."))
    previous = screening.decision
    screening.decision, screening.decided_by = target, actor
    screening.decided_at = timezone.now()
    screening.save(update_fields=["decision", "decided_by", "decided_at"])
    orders.record_event(
        order,
        "fraud_review",
        actor=actor,
        note=f"{previous} -> {target}",
        data={"from": previous, "to": target},
    )
    return order, screening


@transaction.atomic
def approve_held_order(order_id: int, *, actor: str) -> Order:
    """The merchant vouches for a held order: it ships like any other."""
    from comptoir.inbox.services import close_item
    from comptoir.orders.states import OrderStatus

    order, _screening = _decide(order_id, Decision.APPROVED, actor=actor)
    if order.status != OrderStatus.PAID:
        raise DecisionNotAllowed(gettext("This order is no longer paid; it cannot ship."))
    release_order(order)
    close_item(
        order.shop,
        kind=REVIEW_KIND,
        key=f"order:{order.pk}",
        reason=gettext("Approved by %(who)s") % {"who": actor},
    )
    return order


@transaction.atomic
def cancel_held_order(order_id: int, *, actor: str) -> Order:
    """The merchant refuses a held order: cancelled, stock back, payment refunded."""
    from comptoir.inbox.services import close_item
    from comptoir.orders import services as orders

    order, _screening = _decide(order_id, Decision.CANCELLED, actor=actor)
    order = orders.cancel_order(order.pk, actor=actor, reason=gettext("refused after fraud review"))
    close_item(
        order.shop,
        kind=REVIEW_KIND,
        key=f"order:{order.pk}",
        reason=gettext("Cancelled by %(who)s") % {"who": actor},
    )
    return order
