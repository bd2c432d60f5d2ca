"""The same tests run on SQLite (FTS5) and PostgreSQL (tsvector): the backend is the one
``get_search_backend`` picks for the database of the run."""

from decimal import Decimal

import pytest
from django.db import connection

from comptoir.catalog import services
from comptoir.catalog.models import ProductStatus
from comptoir.search.backends import get_search_backend
from comptoir.search.backends.base import query_terms
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def search(shop, query, language="fr", **kwargs):
    return get_search_backend().search(shop_id=shop.pk, language=language, query=query, **kwargs)


def test_the_backend_matches_the_database():
    expected = {"sqlite": "SQLiteSearchBackend", "postgresql": "PostgresSearchBackend"}

    assert type(get_search_backend()).__name__ == expected[connection.vendor]


def test_a_name_match_ranks_before_a_description_match(shop):
    # given: the description match is created first, so id order alone would put it first
    in_description = ProductFactory(
        shop=shop, name="Tasse en grès", description="<p>Pour le café du matin.</p>"
    )
    in_name = ProductFactory(shop=shop, name="Café moulu du Honduras")
    ProductFactory(shop=shop, name="Théière en fonte")

    # when
    result = search(shop, "café")

    # then
    assert result.product_ids == [in_name.pk, in_description.pk]
    assert result.total == 2
    assert result.total_is_capped is False


@pytest.mark.parametrize("query", ["caf", "Caf", "café", "CAFÉ", "cafe", "cafe hondu"])
def test_words_match_as_prefixes_and_without_accents(shop, query):
    cafe = ProductFactory(shop=shop, name="Café du Honduras")
    ProductFactory(shop=shop, name="Chocolat chaud")

    assert search(shop, query).product_ids == [cafe.pk]


def test_all_words_must_match(shop):
    ProductFactory(shop=shop, name="Café du Honduras")

    assert search(shop, "cafe bresil").product_ids == []


def test_accented_query_finds_an_unaccented_name(shop):
    product = ProductFactory(shop=shop, name="Creme de marrons")

    assert search(shop, "crème").product_ids == [product.pk]


def test_other_shops_languages_and_unpublished_products_are_excluded(shop):
    # given
    visible = ProductFactory(shop=shop, name="Café Moka", name_en="Mocha coffee")
    ProductFactory(shop=ShopFactory(), name="Café Moka")
    ProductFactory(shop=shop, name="Café brouillon", status=ProductStatus.DRAFT)
    archived = ProductFactory(shop=shop, name="Café ancien")
    services.set_product_status(archived, status=ProductStatus.ARCHIVED)

    # when / then
    assert search(shop, "cafe").product_ids == [visible.pk]
    assert search(shop, "cafe", language="en").product_ids == []
    assert search(shop, "mocha", language="en").product_ids == [visible.pk]
    assert search(shop, "mocha", language="fr").product_ids == []


def test_a_product_put_on_sale_becomes_searchable(shop):
    draft = ProductFactory(shop=shop, name="Rooibos", status=ProductStatus.DRAFT)
    assert search(shop, "rooibos").product_ids == []

    services.set_product_status(draft, status=ProductStatus.ACTIVE)

    assert search(shop, "rooibos").product_ids == [draft.pk]


def test_a_renamed_product_is_found_by_its_new_name_only(shop):
    product = ProductFactory(shop=shop, name="Sencha")
    translation = product.translation("fr")
    translation.name = "Gyokuro"
    translation.save()

    services.product_changed(product)

    assert search(shop, "gyokuro").product_ids == [product.pk]
    assert search(shop, "sencha").product_ids == []


def test_results_are_paginated_with_offset_and_limit(shop):
    # given
    ids = {
        ProductFactory(shop=shop, name=f"Thé numéro {n}", price=Decimal(n)).pk for n in range(1, 31)
    }

    # when
    first = search(shop, "the numero", offset=0, limit=24)
    second = search(shop, "the numero", offset=24, limit=24)
    beyond = search(shop, "the numero", offset=48, limit=24)

    # then
    assert (len(first.product_ids), len(second.product_ids)) == (24, 6)
    assert first.total == second.total == beyond.total == 30
    assert set(first.product_ids) | set(second.product_ids) == ids
    assert beyond.product_ids == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "OR",
        "-",
        "NOT",
        "AND",
        "NEAR(",
        "a OR b",
        "-cafe",
        "cafe*",
        '"cafe',
        "'",
        "'; DROP TABLE catalog_product; --",
        "cafe:*",
        "!cafe",
        "(cafe",
        "cafe)",
        "&|!",
        "^",
        "col:val",
        "\\",
        "%",
        "_",
        "\x00",
        "☕ 咖啡 كافيه",
        "é" * 60,
        "x" * 500,
        "cafe " * 100,
        "a b c d e f g h i j k",
        "   ",
        "",
    ],
)
def test_hostile_queries_never_fail(shop, query):
    ProductFactory(shop=shop, name="Café")

    result = search(shop, query)

    assert isinstance(result.product_ids, list)
    assert result.total == len(result.product_ids)


@pytest.mark.parametrize(
    ("query", "found"),
    [("cafe*", True), ('"cafe', True), ("-cafe", True), ("(cafe)", True), ("cafe OR the", False)],
)
def test_operators_are_read_as_plain_words(shop, query, found):
    product = ProductFactory(shop=shop, name="Café")

    assert search(shop, query).product_ids == ([product.pk] if found else [])


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Thé VERT  bio", ["the", "vert", "bio"]),
        ('"cafe" -moulu*', ["cafe", "moulu"]),
        ("a b c d e f g h i j", ["a", "b", "c", "d", "e", "f", "g", "h"]),
        ("x" * 60, ["x" * 40]),
        ("☕ !!", []),
    ],
)
def test_query_terms_are_normalised_and_bounded(query, terms):
    assert query_terms(query) == terms


@pytest.mark.parametrize("query", ["coeur de boeuf", "cœur", "BŒUF", "boeu"])
def test_ligatures_are_searchable_both_ways(shop, query):
    tomato = ProductFactory(shop=shop, name="Tomate Cœur de bœuf")

    assert search(shop, query).product_ids == [tomato.pk]
