"""The request's shop: one plain-SQL query per request, objects built from its row or
copied from the ones this process built from the same row."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.test import RequestFactory

from comptoir.billing.models import SellerIdentity
from comptoir.fraud.models import FraudSettings
from comptoir.orders.models import SelfServiceRules
from comptoir.promise.models import DispatchRules
from comptoir.shops.middleware import SHOP_RELATED, resolve_shop
from comptoir.shops.models import Shop
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def request_for(host: str = "127.0.0.1"):
    return RequestFactory().get("/fr/", HTTP_HOST=host)


def values(instance: Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


SETTINGS_ROWS = (FraudSettings, DispatchRules, SellerIdentity, SelfServiceRules)


def with_every_settings_row(shop: Shop) -> None:
    for model in SETTINGS_ROWS:
        model.objects.get_or_create(shop=shop)
    FraudSettings.objects.filter(shop=shop).update(review_score=25)
    SellerIdentity.objects.filter(shop=shop).update(legal_name="Maison Lumière SARL")


def without_settings_rows(shop: Shop) -> None:
    for model in SETTINGS_ROWS:
        model.objects.filter(shop=shop).delete()


def test_the_shop_and_its_settings_rows_are_those_the_orm_reads(shop, django_assert_num_queries):
    with_every_settings_row(shop)
    with django_assert_num_queries(1):
        found = resolve_shop(request_for())
    expected = Shop.objects.select_related(*SHOP_RELATED).get(pk=shop.pk)
    assert values(found) == values(expected)
    with django_assert_num_queries(0):
        for name in SHOP_RELATED:
            assert values(getattr(found, name)) == values(getattr(expected, name))
            assert getattr(found, name).shop is found


def test_a_missing_settings_row_raises_without_a_query(shop, django_assert_num_queries):
    without_settings_rows(shop)
    resolve_shop(request_for())  # built once in this process
    found = resolve_shop(request_for())  # then copied
    with django_assert_num_queries(0):
        for name in SHOP_RELATED:
            assert not hasattr(found, name)


def test_a_change_made_anywhere_is_seen_on_the_next_request(shop):
    with_every_settings_row(shop)
    assert resolve_shop(request_for()).fraud_settings.review_score == 25
    # A bulk update: no save(), no signal, the shop row itself untouched.
    FraudSettings.objects.filter(shop=shop).update(review_score=40)
    assert resolve_shop(request_for()).fraud_settings.review_score == 40
    Shop.objects.filter(pk=shop.pk).update(tagline="Nouvelle saison")
    assert resolve_shop(request_for()).tagline == "Nouvelle saison"
    SellerIdentity.objects.filter(shop=shop).delete()
    assert not hasattr(resolve_shop(request_for()), "seller_identity")


def test_what_a_request_sets_on_its_shop_stays_in_that_request(shop):
    without_settings_rows(shop)
    first = resolve_shop(request_for())
    first.name = "Changed in memory"
    first.fraud_settings = FraudSettings(shop=first, review_score=1)
    second = resolve_shop(request_for())
    assert second.name == "Maison Lumière"
    assert not hasattr(second, "fraud_settings")


def test_each_host_gets_its_own_shop_and_unknown_hosts_the_default(shop, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other = ShopFactory(code="atelier", name="L'Atelier", domain="atelier.example")
    assert resolve_shop(request_for("atelier.example")).pk == other.pk
    assert resolve_shop(request_for("127.0.0.1")).pk == shop.pk
    assert resolve_shop(request_for("atelier.example")).pk == other.pk


def test_no_default_shop_means_no_shop(db):
    ShopFactory(code="atelier", domain="atelier.example")
    assert resolve_shop(request_for("127.0.0.1")) is None
