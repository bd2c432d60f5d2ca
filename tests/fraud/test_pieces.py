"""The pieces of fraud screening on their own: the client's IP behind proxies, the IP
country seam, the Stripe mapping, the rules that the flows do not reach, the admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory, override_settings

from comptoir.catalog.models import Variant
from comptoir.checkout.services import place_order
from comptoir.core import clients
from comptoir.fraud import geoip, services
from comptoir.fraud.models import (
    AttemptOutcome,
    Decision,
    FraudSettings,
    PaymentAttempt,
    Screening,
)
from comptoir.fraud.rules import explain, frozen_params
from comptoir.inbox.texts import freeze, render
from comptoir.orders import services as orders
from comptoir.payments.providers.base import ProviderEvent
from comptoir.payments.providers.stripe import _card_details
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db


def request(remote: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No trusted proxy: the header is the client's own words, ignored
        ([], "198.51.100.7", "1.2.3.4", "198.51.100.7"),
        # Through our proxy: the address it appended, not what the client wrote before it
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        # Two trusted hops
        (
            ["10.0.0.0/8", "172.16.0.1"],
            "10.0.0.2",
            "6.6.6.6, 203.0.113.9, 172.16.0.1",
            "203.0.113.9",
        ),
        # A port and an IPv6 address in brackets are read
        (["10.0.0.2"], "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        # Garbage in the chain: the nearest proxy is all we know
        (["10.0.0.2"], "10.0.0.2", "not-an-ip", "10.0.0.2"),
        # A request from the proxy with no header
        (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_the_client_ip_believes_only_trusted_proxies(proxies, remote, forwarded, expected):
    with override_settings(COMPTOIR_TRUSTED_PROXIES=proxies):
        assert clients.client_ip(request(remote, forwarded)) == expected


def test_without_a_geolocation_file_the_country_is_unknown_and_the_rule_says_so(shop):
    # Given the default resolver and no database configured
    geoip.resolver.cache_clear()
    with override_settings(
        COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER="comptoir.fraud.geoip.MaxMindResolver",
        COMPTOIR_FRAUD_GEOIP_DATABASE="",
    ):
        located = geoip.locate("198.51.100.7")
        order = placed(shop, client_ip="198.51.100.7")
    geoip.resolver.cache_clear()
    assert (located.country, located.note) == ("", "no IP geolocation database is configured")

    screening = paid(order)

    assert screening.reasons == [
        {
            "rule": "ip_country_unknown",
            "points": 0,
            "message": "IP country not checked: %(note_msg)s",
            "params": {"note_msg": "no IP geolocation database is configured"},
        }
    ]
    assert explain(screening.reasons[0]) == (
        "IP country not checked: no IP geolocation database is configured"
    )
    # As the inbox keeps it: the note is a msgid of its own, translated when shown
    frozen = freeze(screening.reasons[0]["message"], frozen_params(screening.reasons[0]))
    assert frozen["params"] == {
        "note_msg": {"msgid": "no IP geolocation database is configured", "lower": False}
    }
    assert render(frozen) == "IP country not checked: no IP geolocation database is configured"


def placed(shop, *, price="10.00", quantity=1, email="jeanne@example.org", **extra):
    if not shop.shipping_zones.exists():
        add_flat_shipping(shop)
    sku = f"V{Variant.objects.count() + 1}"
    variant = make_variant(shop, sku=sku, price=price, stock=20)
    return place_order(make_cart(shop, [(variant, quantity)]), details(email, **extra))


def paid(order) -> Screening:
    orders.mark_paid(order.pk, actor="test")
    return Screening.objects.get(order=order)


def test_a_first_order_of_high_value_scores_and_a_second_does_not(shop):
    FraudSettings.objects.create(shop=shop, high_value_amount=Decimal("100.00"))
    first = paid(placed(shop, price="60.00", quantity=2, client_ip="203.0.113.9"))
    second = paid(placed(shop, price="61.00", quantity=2, client_ip="203.0.113.9"))

    assert [r["rule"] for r in first.reasons] == ["first_high_value"]
    assert explain(first.reasons[0]) == (
        "First order of this customer, of 124.90 EUR (high value from 100.00)"
    )
    assert second.reasons == []


def test_a_freight_forwarder_address_is_held(shop):
    # Given the shop's own forwarder pattern, and the shopper's address at it
    FraudSettings.objects.create(shop=shop, forwarder_patterns="12 rue des Lilas\n")
    order = placed(shop, client_ip="203.0.113.9")

    screening = paid(order)

    assert [(r["rule"], r["points"]) for r in screening.reasons] == [("freight_forwarder", 30)]
    assert screening.decision == Decision.HELD
    assert order.shipments.count() == 0


def test_order_velocity_per_email_counts_the_window(shop):
    FraudSettings.objects.create(shop=shop, velocity_orders=2, velocity_minutes=60)
    for _ in range(2):
        placed(shop, client_ip="203.0.113.9")
    third = placed(shop, client_ip="203.0.113.9")

    screening = paid(third)

    assert [explain(r) for r in screening.reasons] == [
        "3 orders from this email address in 60 minutes",
        "3 orders from this IP address in 60 minutes",
    ]


def test_the_stripe_card_maps_to_a_payment_attempt(shop):
    order = placed(shop)
    charge_card = {
        "latest_charge": {
            "payment_method_details": {
                "card": {
                    "last4": "4242",
                    "fingerprint": "fp_abc",
                    "country": "us",
                    "three_d_secure": {"result": "attempt_acknowledged"},
                }
            }
        }
    }
    event = ProviderEvent(
        event_id="evt_1",
        kind="payment.succeeded",
        payment_id=str(order.payments.get().pk),
        reference="cs_1",
        details=_card_details(charge_card),
    )

    services.record_payment_attempt("stripe", event)
    services.record_payment_attempt("stripe", event)

    attempt = PaymentAttempt.objects.get()
    assert (
        attempt.outcome,
        attempt.card_fingerprint,
        attempt.card_country,
        attempt.three_d_secure,
        attempt.liability_shift,
    ) == (AttemptOutcome.SUCCEEDED, "fp_abc", "US", "attempt_acknowledged", True)


def test_the_admin_order_page_explains_the_screening(admin_client, shop):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    order = placed(shop, email="quick@yopmail.com", client_ip="203.0.113.9")
    paid(order)

    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert "fraud screening" in page.lower()
    assert "+30" in page and "Disposable email address (yopmail.com)" in page


def test_the_settings_form_refuses_unknown_rules_and_inverted_thresholds(admin_client, shop):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings = FraudSettings.objects.create(shop=shop)
    url = f"/admin/fraud/fraudsettings/{settings.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(shop=shop.pk, review_score=50, cancel_score=40, rule_points='{"nope": 3}')

    response = admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Unknown rules: nope." in errors["rule_points"][0]
    assert errors["cancel_score"] == ["Cancelling must need at least the score of a review."]
    settings.refresh_from_db()
    assert (settings.review_score, settings.cancel_score) == (30, 80)


def test_system_checks_name_bad_fraud_settings():
    with override_settings(
        COMPTOIR_TRUSTED_PROXIES=["10.0.0.0/8", "nonsense"],
        COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER="comptoir.fraud.nope.Resolver",
    ):
        ids = sorted({m.id for m in run_checks() if m.id.startswith("fraud.")})
    assert ids == ["fraud.E001", "fraud.E002"]


def test_a_failure_naming_no_card_is_no_card_attempt(shop):
    order = placed(shop)
    expired = ProviderEvent(
        event_id="evt_exp",
        kind="payment.failed",
        payment_id=str(order.payments.get().pk),
        reference="cs_2",
        details={"reason": "expired"},
    )

    assert services.record_payment_attempt("stripe", expired) is None
    assert PaymentAttempt.objects.count() == 0
