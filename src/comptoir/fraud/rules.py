"""The screening rules. Each reads the order, its signals and its card attempts and says
how many points it adds, and why, in a sentence the merchant reads (French or English).

A reason keeps its untranslated message and parameters, translated when shown: the same
screening reads in the language of whoever opens it. Points are the defaults below,
overridden per shop by ``FraudSettings.rule_points``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, cached_property
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from comptoir.fraud.models import (
    AttemptOutcome,
    Block,
    BlockLevel,
    BlockScope,
    FraudSettings,
    OrderSignals,
    PaymentAttempt,
)
from comptoir.orders.models import Order

DEFAULT_POINTS: dict[str, int] = {
    "velocity_orders": 15,
    "velocity_attempts": 15,
    "recent_declines": 25,
    "blocked": 100,
    "billing_shipping_country": 15,
    "ip_country": 20,
    "ip_country_unknown": 0,
    "card_country": 20,
    "first_high_value": 20,
    "disposable_email": 30,
    "three_d_secure_liability_shift": -30,
    "three_d_secure_failed": 25,
    "freight_forwarder": 30,
}

# A few forwarders whose warehouses' addresses shoppers type as their own; each shop adds
# its own in FraudSettings.forwarder_patterns.
DEFAULT_FORWARDERS = (
    "shipito",
    "myus.com",
    "stackry",
    "planet express",
    "forward2me",
    "borderlinx",
    "viabox",
    "comgateway",
    "shop and ship",
    "parcl.com",
)

# 3-D Secure results after which the card's issuer, not the shop, bears a chargeback for
# fraud (Stripe's three_d_secure.result values; the sandbox uses the same words).
LIABILITY_SHIFTED = {"authenticated", "attempt_acknowledged"}
THREE_DS_FAILED = {"failed", "not_supported", "processing_error", "rejected"}


@dataclass(frozen=True)
class Reason:
    rule: str
    points: int
    message: str  # untranslated msgid with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "points": self.points,
            "message": self.message,
            "params": self.params,
        }


def explain(reason: dict[str, Any]) -> str:
    """A stored reason in the active language."""
    params = dict(reason.get("params") or {})
    for key, value in params.items():
        # Some parameters are words themselves (a scope, a country note): translate them too.
        if isinstance(value, str) and key.endswith("_msg"):
            params[key] = gettext(value)
    try:
        return gettext(reason["message"]) % params
    except (KeyError, TypeError, ValueError):
        return str(reason.get("message", ""))


def frozen_params(reason: dict[str, Any]) -> dict[str, Any]:
    """A stored reason's parameters as the inbox keeps them: those that are words themselves
    (``*_msg``) as msgids, translated when shown."""
    return {
        key: {"msgid": value, "lower": False} if key.endswith("_msg") else value
        for key, value in (reason.get("params") or {}).items()
    }


@dataclass
class Facts:
    """What the rules read, gathered once per screening."""

    order: Order
    settings: FraudSettings
    now: datetime
    signals: OrderSignals | None
    attempt: PaymentAttempt | None  # the successful card attempt, if any

    def points(self, rule: str) -> int:
        overrides = self.settings.rule_points or {}
        value = overrides.get(rule, DEFAULT_POINTS[rule])
        try:
            return int(value)
        except (TypeError, ValueError):
            return DEFAULT_POINTS[rule]

    def reason(self, rule: str, message: str, **params: Any) -> Reason:
        return Reason(rule, self.points(rule), message, params)

    @property
    def velocity_since(self) -> datetime:
        return self.now - timedelta(minutes=self.settings.velocity_minutes)

    @cached_property
    def attempt_counts(self) -> dict[str, int]:
        """Every count the rules read, in one statement (one scalar subquery each, each on
        its own index): ``orders_<what>``, other orders placed in the velocity window by
        this email, IP address or session; ``tries_<what>``, card attempts in that window;
        ``declines_<scope>``, declines in the declines window; ``card_orders``, other
        orders this card paid; ``blocked``, whether a block stands on any identity (the
        blocks are read only then); ``paid_before`` when the order is of high value.

        Written as SQL: the ORM took some 6 ms of CPU to build these dozen subqueries,
        for a statement the database answers in a tenth of a millisecond."""
        order = self.order
        counts = _Counts(order.shop_id, order.pk)
        recent = self.velocity_since
        declined = self.now - timedelta(minutes=self.settings.decline_minutes)
        counts.add("orders_email", Order, recent, email=order.email, exclude_order="id")
        counts.add("tries_email", PaymentAttempt, recent, email=order.email)
        signals = self.signals
        if signals and signals.ip:
            counts.add("orders_ip", OrderSignals, recent, ip=signals.ip, exclude_order="order_id")
        if signals and signals.session_hash:
            counts.add(
                "orders_session",
                OrderSignals,
                recent,
                session_hash=signals.session_hash,
                exclude_order="order_id",
            )
        identities = self.identities()
        for scope, value in identities.items():
            counts.add(f"tries_{scope}", PaymentAttempt, recent, **{COLUMNS[scope]: value})
            counts.add(
                f"declines_{scope}",
                PaymentAttempt,
                declined,
                outcome=AttemptOutcome.DECLINED,
                **{COLUMNS[scope]: value},
            )
        if BlockScope.CARD in identities:
            counts.add(
                "card_orders",
                PaymentAttempt,
                recent,
                card_fingerprint=identities[BlockScope.CARD],
                outcome=AttemptOutcome.SUCCEEDED,
                exclude_order="order_id",
                distinct="order_id",
            )
        if identities:
            counts.add_blocked(identities, self.now)
        if order.total >= self.settings.high_value_amount:
            counts.add_paid_before(order)
        return counts.fetch()

    def identities(self) -> dict[str, str]:
        """scope -> value of this order's IP, session and card, where known."""
        found = {}
        if self.signals and self.signals.ip:
            found[BlockScope.IP] = self.signals.ip
        if self.signals and self.signals.session_hash:
            found[BlockScope.SESSION] = self.signals.session_hash
        if self.attempt and self.attempt.card_fingerprint:
            found[BlockScope.CARD] = self.attempt.card_fingerprint
        return found


COLUMNS = {
    BlockScope.IP: "ip",
    BlockScope.SESSION: "session_hash",
    BlockScope.CARD: "card_fingerprint",
}


# -- velocity ----------------------------------------------------------------------------

ORDER_VELOCITY = {
    "email": gettext_noop("%(count)s orders from this email address in %(minutes)s minutes"),
    "ip": gettext_noop("%(count)s orders from this IP address in %(minutes)s minutes"),
    "session": gettext_noop("%(count)s orders from this browser session in %(minutes)s minutes"),
    "card": gettext_noop("%(count)s orders paid with this card in %(minutes)s minutes"),
}
ATTEMPT_VELOCITY = {
    "email": gettext_noop(
        "%(count)s payment attempts from this email address in %(minutes)s minutes"
    ),
    "ip": gettext_noop("%(count)s payment attempts from this IP address in %(minutes)s minutes"),
    "session": gettext_noop(
        "%(count)s payment attempts from this browser session in %(minutes)s minutes"
    ),
    "card": gettext_noop("%(count)s payment attempts with this card in %(minutes)s minutes"),
}


class _Counts:
    """One ``SELECT (SELECT COUNT(*) ...) AS name, ...`` statement over the fraud tables,
    every subquery limited to one shop and read through one of its indexes."""

    def __init__(self, shop_id: int, order_id: int) -> None:
        self.connection = connection
        self.q = connection.ops.quote_name
        self.shop_id, self.order_id = shop_id, order_id
        self.columns: list[str] = []
        self.params: list[Any] = []

    def _table(self, model: Any) -> str:
        return self.q(model._meta.db_table)

    def _when(self, moment: datetime) -> Any:
        return self.connection.ops.adapt_datetimefield_value(moment)

    def add(
        self,
        name: str,
        model: Any,
        since: datetime,
        *,
        exclude_order: str = "",
        distinct: str = "",
        **equal: Any,
    ) -> None:
        q = self.q
        where = [f"{q('shop_id')} = %s", f"{q('created_at')} >= %s"]
        params: list[Any] = [self.shop_id, self._when(since)]
        for column, value in equal.items():
            where.append(f"{q(column)} = %s")
            params.append(str(value))
        if exclude_order:
            where.append(f"{q(exclude_order)} <> %s")
            params.append(self.order_id)
        counted = f"DISTINCT {q(distinct)}" if distinct else "*"
        self.columns.append(
            f"(SELECT COUNT({counted}) FROM {self._table(model)} "  # noqa: S608 - our tables
            f"WHERE {' AND '.join(where)}) AS {q(name)}"
        )
        self.params += params

    def add_blocked(self, identities: dict[str, str], now: datetime) -> None:
        q = self.q
        scopes = " OR ".join([f"({q('scope')} = %s AND {q('value')} = %s)"] * len(identities))
        self.columns.append(
            f"(SELECT COUNT(*) FROM {self._table(Block)} "  # noqa: S608 - our table
            f"WHERE {q('shop_id')} = %s AND {q('level')} = %s AND {q('until')} > %s "
            f"AND ({scopes})) AS {q('blocked')}"
        )
        self.params += [self.shop_id, BlockLevel.BLOCK, self._when(now)]
        self.params += [str(part) for pair in identities.items() for part in pair]

    def add_paid_before(self, order: Order) -> None:
        q = self.q
        customer = f" OR {q('customer_id')} = %s" if order.customer_id else ""
        self.columns.append(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {self._table(Order)} "  # noqa: S608
            f"WHERE {q('shop_id')} = %s AND ({q('email')} = %s{customer}) "
            f"AND {q('paid_at')} IS NOT NULL AND {q('id')} <> %s LIMIT 1) paid) "
            f"AS {q('paid_before')}"
        )
        self.params += [self.shop_id, order.email]
        if order.customer_id:
            self.params.append(order.customer_id)
        self.params.append(order.pk)

    def fetch(self) -> dict[str, int]:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(self.columns)}", self.params)
            names = [column[0] for column in cursor.description]
            values = cursor.fetchone()
        return {name: int(value or 0) for name, value in zip(names, values, strict=True)}


def velocity(facts: Facts) -> list[Reason]:
    counts = facts.attempt_counts
    orders = {
        what: counts[f"orders_{what}"] + 1
        for what in ("email", "ip", "session")
        if f"orders_{what}" in counts
    }
    if "card_orders" in counts:
        orders["card"] = counts["card_orders"] + 1
    tries = {
        what: counts[f"tries_{what}"]
        for what in ("email", *BlockScope.values)
        if f"tries_{what}" in counts
    }
    minutes = facts.settings.velocity_minutes
    reasons = [
        facts.reason("velocity_orders", ORDER_VELOCITY[what], count=count, minutes=minutes)
        for what, count in orders.items()
        if count > facts.settings.velocity_orders
    ]
    reasons += [
        facts.reason("velocity_attempts", ATTEMPT_VELOCITY[what], count=count, minutes=minutes)
        for what, count in tries.items()
        if count > facts.settings.velocity_attempts
    ]
    return reasons


# -- declines and blocks -----------------------------------------------------------------

BLOCKED = {
    BlockScope.IP: gettext_noop("This IP address is blocked after %(declines)s declined payments"),
    BlockScope.SESSION: gettext_noop(
        "This browser session is blocked after %(declines)s declined payments"
    ),
    BlockScope.CARD: gettext_noop("This card is blocked after %(declines)s declined payments"),
}


def declines(facts: Facts) -> list[Reason]:
    """Card testing: declines from the same IP, session or card, and the blocks they set."""
    identities = facts.identities()
    if not identities:
        return []
    reasons = []
    blocked = Q()
    for scope, value in identities.items():
        blocked |= Q(scope=scope, value=value)
    if facts.attempt_counts["blocked"]:
        for block in Block.objects.filter(
            blocked, shop_id=facts.order.shop_id, level=BlockLevel.BLOCK, until__gt=facts.now
        ).order_by("scope"):
            reasons.append(facts.reason("blocked", BLOCKED[block.scope], declines=block.declines))
    if reasons:
        return reasons
    worst = max(facts.attempt_counts[f"declines_{scope}"] for scope in identities)
    if worst >= facts.settings.throttle_after_declines:
        return [
            facts.reason(
                "recent_declines",
                gettext_noop("%(count)s declined payments from the same IP, session or card"),
                count=worst,
            )
        ]
    return []


# -- countries ---------------------------------------------------------------------------


def countries(facts: Facts) -> list[Reason]:
    order = facts.order
    shipping = (order.shipping_address.get("country") or order.shipping_country or "").upper()
    billing = (order.billing_address.get("country") or shipping).upper()
    reasons = []
    if shipping and billing and shipping != billing:
        reasons.append(
            facts.reason(
                "billing_shipping_country",
                gettext_noop(
                    "Billing country %(billing)s differs from shipping country %(shipping)s"
                ),
                billing=billing,
                shipping=shipping,
            )
        )
    signals = facts.signals
    if signals is not None:
        ip_country = signals.ip_country
        if not ip_country:
            reasons.append(
                facts.reason(
                    "ip_country_unknown",
                    gettext_noop("IP country not checked: %(note_msg)s"),
                    note_msg=signals.ip_country_note or gettext_noop("the IP address is unknown"),
                )
            )
        elif ip_country not in {billing, shipping}:
            reasons.append(
                facts.reason(
                    "ip_country",
                    gettext_noop(
                        "Ordered from %(ip_country)s, billed in %(billing)s and "
                        "shipped to %(shipping)s"
                    ),
                    ip_country=ip_country,
                    billing=billing,
                    shipping=shipping,
                )
            )
    card_country = facts.attempt.card_country if facts.attempt else ""
    if card_country and billing and card_country != billing:
        reasons.append(
            facts.reason(
                "card_country",
                gettext_noop("Card issued in %(card)s, billing country %(billing)s"),
                card=card_country,
                billing=billing,
            )
        )
    return reasons


# -- the customer ------------------------------------------------------------------------


def first_high_value(facts: Facts) -> list[Reason]:
    order = facts.order
    if order.total < facts.settings.high_value_amount:
        return []
    if facts.attempt_counts["paid_before"]:
        return []
    return [
        facts.reason(
            "first_high_value",
            gettext_noop(
                "First order of this customer, of %(total)s %(currency)s (high value "
                "from %(threshold)s)"
            ),
            total=str(order.total),
            currency=order.currency,
            threshold=str(facts.settings.high_value_amount),
        )
    ]


@cache
def disposable_domains() -> frozenset[str]:
    """The maintained list of the ``disposable-email-domains`` package, or the few bundled
    here when the package is missing."""
    try:
        from disposable_email_domains import blocklist
    except ImportError:
        from pathlib import Path

        bundled = Path(__file__).with_name("disposable_domains.txt").read_text()
        return frozenset(
            line.strip().lower()
            for line in bundled.splitlines()
            if line.strip() and "#" not in line
        )
    return frozenset(blocklist)


def disposable_email(facts: Facts) -> list[Reason]:
    domain = facts.order.email.rpartition("@")[2].lower().strip(".")
    # A subdomain of a disposable domain is as disposable (x.mailinator.com).
    parts = domain.split(".")
    candidates = {".".join(parts[i:]) for i in range(len(parts) - 1)}
    if candidates & disposable_domains():
        return [
            facts.reason(
                "disposable_email",
                gettext_noop("Disposable email address (%(domain)s)"),
                domain=domain,
            )
        ]
    return []


# -- the card ----------------------------------------------------------------------------


def three_d_secure(facts: Facts) -> list[Reason]:
    attempt = facts.attempt
    if attempt is None or not attempt.three_d_secure:
        return []
    result = attempt.three_d_secure
    if attempt.liability_shift:
        return [
            facts.reason(
                "three_d_secure_liability_shift",
                gettext_noop("3-D Secure %(result)s: liability shifted to the card issuer"),
                result=result,
            )
        ]
    if result in THREE_DS_FAILED:
        return [
            facts.reason(
                "three_d_secure_failed",
                gettext_noop("3-D Secure %(result)s: no liability shift"),
                result=result,
            )
        ]
    return []


# -- the address -------------------------------------------------------------------------


def forwarder_patterns(settings: FraudSettings) -> list[str]:
    own = [line.strip().lower() for line in settings.forwarder_patterns.splitlines()]
    return [p for p in (*DEFAULT_FORWARDERS, *own) if p]


def freight_forwarder(facts: Facts) -> list[Reason]:
    address = facts.order.shipping_address or {}
    text = " ".join(str(v) for k, v in address.items() if k != "country" and v)
    text = re.sub(r"\s+", " ", text.lower())
    for pattern in forwarder_patterns(facts.settings):
        if pattern in text:
            return [
                facts.reason(
                    "freight_forwarder",
                    gettext_noop("Shipping address looks like a parcel forwarder (%(pattern)s)"),
                    pattern=pattern,
                )
            ]
    return []


RULES: list[Callable[[Facts], list[Reason]]] = [
    velocity,
    declines,
    countries,
    first_high_value,
    disposable_email,
    three_d_secure,
    freight_forwarder,
]


def evaluate(facts: Facts) -> tuple[int, list[Reason]]:
    reasons = [reason for rule in RULES for reason in rule(facts)]
    return sum(r.points for r in reasons), reasons
