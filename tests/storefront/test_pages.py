import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.translation import override

from comptoir.catalog import services
from comptoir.catalog.models import ProductStatus
from tests.factories import CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def url(name, language="fr", query="", **kwargs):
    with override(language):
        return reverse(f"storefront:{name}", kwargs=kwargs or None) + query


def text_of(response):
    return response.content.decode()


class Links(HTMLParser):
    """The stylesheets, scripts and alternates a page links to."""

    def __init__(self):
        super().__init__()
        self.static, self.alternates, self.product_links = [], {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.static.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.static.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "alternate":
            self.alternates[attrs["hreflang"]] = attrs["href"]
        elif tag == "a" and "/produit/" in attrs.get("href", ""):
            self.product_links.append(attrs["href"])


def links(response):
    parser = Links()
    parser.feed(text_of(response))
    return parser


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 0


# --- the pages ------------------------------------------------------------------------------


def test_root_redirects_to_the_shops_default_language(client, shop):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_home_shows_categories_and_products(client, catalog):
    response = client.get(url("home"))

    assert response.status_code == 200
    page = text_of(response)
    assert "<title>Maison Lumière — Thés et cafés de caractère</title>" in page
    assert '<a href="/fr/categorie/cafes/">Cafés</a>' in page
    assert '<a href="/fr/categorie/thes/">Thés</a>' in page
    assert links(response).product_links.count("/fr/produit/cafe-d-ethiopie/") == 2  # fav + new
    assert "Sencha du Japon" in page
    assert "Moka d’Harar" in page


def test_category_lists_its_whole_subtree(client, catalog):
    response = client.get(url("category", slug="cafes"))

    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Cafés</h1>" in page
    assert '<p class="count">2 produits</p>' in page
    assert links(response).product_links == [
        "/fr/produit/moka-d-harar/",
        "/fr/produit/cafe-d-ethiopie/",
    ]
    assert "Sencha" not in page
    assert '<li><a href="/fr/categorie/cafes-moulus/">Cafés moulus</a></li>' in page


def test_product_page_shows_the_first_available_variant(client, catalog):
    response = client.get(url("product", slug="cafe-d-ethiopie"))

    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Café d’Éthiopie</h1>" in page
    assert '<p class="brandname">Maison Kawa</p>' in page
    assert '<p class="price big">8,50\xa0€</p>' in page
    assert "<dd>ETH-250-G</dd>" in page
    assert '<p class="stock in_stock">En stock</p>' in page
    assert "<p>Notes <strong>florales</strong>.</p>" in page


@pytest.mark.parametrize(
    ("query", "sku", "price", "stock"),
    [
        ("?poids=1-kg&mouture=grains", "ETH-1K-G", "29,90\xa0€", "stock low_stock"),
        ("?poids=250-g&mouture=moulu", "ETH-250-M", "8,90\xa0€", "stock out_of_stock"),
        ("?mouture=moulu", "ETH-250-M", "8,90\xa0€", "stock out_of_stock"),
        ("?poids=1-kg", "ETH-1K-G", "29,90\xa0€", "stock low_stock"),
        ("?poids=unknown", "ETH-250-G", "8,50\xa0€", "stock in_stock"),
    ],
)
def test_variant_is_chosen_by_the_query_string_without_javascript(
    client, catalog, query, sku, price, stock
):
    response = client.get(url("product", slug="cafe-d-ethiopie", query=query))

    assert response.status_code == 200
    page = text_of(response)
    assert f"<dd>{sku}</dd>" in page
    assert f'<p class="price big">{price}</p>' in page
    assert f'<p class="{stock}">' in page


def test_variant_form_submits_the_option_codes_by_get(client, catalog):
    page = text_of(client.get(url("product", slug="cafe-d-ethiopie", query="?poids=1-kg")))

    assert '<form class="variants" method="get" data-autosubmit>' in page
    assert '<input type="radio" name="poids" value="1-kg" checked>' in page
    assert '<input type="radio" name="poids" value="250-g">' in page
    assert '<input type="radio" name="mouture" value="grains" checked>' in page
    assert "<dt>EAN</dt><dd>4006381333931</dd>" in page


def test_english_pages_use_english_slugs_names_and_prices(client, catalog):
    response = client.get(url("product", "en", slug="ethiopian-coffee"))

    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="en">' in page
    assert "<h1>Ethiopian coffee</h1>" in page
    assert '<p class="price big">€8.50</p>' in page
    assert client.get(url("category", "en", slug="coffees")).status_code == 200


def test_pages_link_their_translations_with_hreflang(client, catalog):
    response = client.get(url("product", slug="cafe-d-ethiopie"))

    assert links(response).alternates == {
        "fr": "http://testserver/fr/produit/cafe-d-ethiopie/",
        "en": "http://testserver/en/product/ethiopian-coffee/",
        "x-default": "http://testserver/fr/produit/cafe-d-ethiopie/",
    }
    assert '<a href="/en/product/ethiopian-coffee/" hreflang="en" lang="en">EN</a>' in text_of(
        response
    )


def test_a_slug_of_the_other_language_is_not_found(client, catalog):
    assert client.get(url("product", "fr", slug="ethiopian-coffee")).status_code == 404


def test_a_language_the_shop_does_not_sell_in_is_not_found(client, db):
    ShopFactory(is_default=True, languages="fr")

    assert client.get("/fr/").status_code == 200
    assert client.get("/en/").status_code == 404


def test_search_page_lists_ranked_results(client, catalog):
    response = client.get(url("search", query="?q=caf"))

    assert response.status_code == 200
    page = text_of(response)
    assert "Résultats pour « caf »" in page or "Résultats pour “caf”" in page
    assert links(response).product_links == ["/fr/produit/cafe-d-ethiopie/"]
    assert '<meta name="robots" content="noindex, follow">' in page


def test_search_without_a_query_shows_an_empty_form(client, catalog):
    response = client.get(url("search"))

    assert response.status_code == 200
    assert links(response).product_links == []


# --- filters, sorts, pagination -------------------------------------------------------------


def _cards(client, query):
    response = client.get(url("category", slug="cafes", query=query))
    assert response.status_code == 200
    return links(response).product_links


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?brand=maison-kawa", ["/fr/produit/cafe-d-ethiopie/"]),
        ("?brand=terres-hautes", ["/fr/produit/moka-d-harar/"]),
        (
            "?brand=maison-kawa&brand=terres-hautes",
            ["/fr/produit/moka-d-harar/", "/fr/produit/cafe-d-ethiopie/"],
        ),
        ("?o=mouture:moulu", ["/fr/produit/cafe-d-ethiopie/"]),
        ("?o=poids:1-kg&o=mouture:grains", ["/fr/produit/cafe-d-ethiopie/"]),
        ("?o=poids:5-kg", []),
        ("?min_price=10", ["/fr/produit/moka-d-harar/", "/fr/produit/cafe-d-ethiopie/"]),
        ("?min_price=30", []),
        ("?max_price=9", ["/fr/produit/cafe-d-ethiopie/"]),
        ("?max_price=8,6", ["/fr/produit/cafe-d-ethiopie/"]),
        # a product matches when its price range overlaps the wanted one
        (
            "?min_price=14,5&max_price=15",
            ["/fr/produit/moka-d-harar/", "/fr/produit/cafe-d-ethiopie/"],
        ),
        ("?sort=price", ["/fr/produit/cafe-d-ethiopie/", "/fr/produit/moka-d-harar/"]),
        ("?sort=-price", ["/fr/produit/moka-d-harar/", "/fr/produit/cafe-d-ethiopie/"]),
        ("?sort=newest", ["/fr/produit/moka-d-harar/", "/fr/produit/cafe-d-ethiopie/"]),
    ],
)
def test_category_filters_and_sorts(client, catalog, query, expected):
    assert _cards(client, query) == expected


def test_filtered_pages_are_not_indexed_and_keep_the_choices(client, catalog):
    page = text_of(
        client.get(
            url("category", slug="cafes", query="?brand=maison-kawa&o=mouture:moulu&min_price=2")
        )
    )

    assert '<meta name="robots" content="noindex, follow">' in page
    assert '<input type="checkbox" name="brand" value="maison-kawa" checked>' in page
    assert '<input type="checkbox" name="o" value="mouture:moulu" checked>' in page
    assert 'name="min_price" min="0" step="0.01" inputmode="decimal" value="2"' in page


@pytest.fixture
def mugs(shop):
    """A category with 26 products, 24 per page."""
    category = CategoryFactory(shop=shop, name="Tasses")
    for n in range(26):
        ProductFactory(shop=shop, category=category, name=f"Tasse {n:02d}", price=Decimal(n + 1))
    return category


def test_category_pages_are_paginated(client, mugs):
    # when
    first = client.get(url("category", slug="tasses", query="?sort=price"))
    second = client.get(url("category", slug="tasses", query="?sort=price&page=2"))

    # then
    assert len(links(first).product_links) == 24
    assert links(second).product_links == ["/fr/produit/tasse-24/", "/fr/produit/tasse-25/"]
    assert '<a rel="next" href="?sort=price&amp;page=2">' in text_of(first)
    assert '<a rel="prev" href="?sort=price&amp;page=1">' in text_of(second)
    assert '<p class="count">26 produits</p>' in text_of(first)
    assert '<p class="count">26 produits</p>' in text_of(second)
    assert client.get(url("category", slug="tasses", query="?page=3")).status_code == 404


# --- bad input: clean 400 or 404, never 500 -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/fr/produit/nope/",
        "/fr/categorie/nope/",
        "/fr/nope/",
        "/de/",
        "/fr/produit/%00/",
        "/fr/produit/cafe-d-ethiopie/../../admin/",
    ],
)
def test_unknown_addresses_are_404(client, catalog, path):
    assert client.get(path).status_code == 404


def test_a_draft_product_is_not_found(client, shop):
    ProductFactory(shop=shop, name="Secret", status=ProductStatus.DRAFT)

    assert client.get(url("product", slug="secret")).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?page=0", "Le numéro de page doit être un nombre entier"),
        ("?page=-1", "Le numéro de page doit être un nombre entier"),
        ("?page=abc", "Le numéro de page doit être un nombre entier"),
        ("?page=999999", "Le numéro de page doit être un nombre entier"),
        ("?page=1.5", "Le numéro de page doit être un nombre entier"),
        ("?page=%C2%B2", "Le numéro de page doit être un nombre entier"),
        ("?sort=evil", "evil"),
        ("?o=bad", "bad"),
        ("?o=poids:", "poids:"),
        ("?o=Poids:1-kg", "Poids:1-kg"),
        ("?min_price=abc", "abc"),
        ("?min_price=NaN", "NaN"),
        ("?max_price=1e999", "1e999"),
        ("?min_price=-5", "-5"),
        ("?max_price=Infinity", "Infinity"),
        ("?brand=%3Cscript%3Ealert(1)%3C/script%3E", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("?" + "&".join(f"brand=b{n}" for n in range(41)), ""),
    ],
)
def test_bad_listing_parameters_are_a_clean_400(client, catalog, query, message):
    response = client.get(url("category", slug="cafes", query=query))

    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert "<script>alert" not in page
    assert "Maison Lumière" in page  # the shop's chrome, not a bare error


def test_a_page_number_does_not_overflow_the_database(client, catalog):
    assert client.get(url("category", slug="cafes", query="?page=10000")).status_code == 404
    assert client.get(url("search", query="?q=cafe&page=10000")).status_code == 404


@pytest.mark.parametrize(
    "query", ["?q=" + "a" * 201, "?q=" + "é" * 10_000, "?q=cafe&page=0", "?q=cafe&page=x"]
)
def test_bad_search_parameters_are_a_clean_400(client, catalog, query):
    assert client.get(url("search", query=query)).status_code == 400


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("home", {}),
        ("category", {"slug": "cafes"}),
        ("product", {"slug": "cafe-d-ethiopie"}),
        ("search", {}),
    ],
)
def test_a_10000_character_query_string_never_fails(client, catalog, name, kwargs):
    query = "?" + "&".join(f"x{n}=" + "%27%22%3C" * 30 for n in range(37))
    assert 10_000 <= len(query) <= 11_000

    response = client.get(url(name, query=query, **kwargs))

    assert response.status_code in (200, 400)


def test_hostile_search_queries_render(client, catalog):
    for query in ['"', "*", "OR", "-", "%3Cscript%3E", "%E2%98%95", "%00"]:
        response = client.get(url("search", query=f"?q={query}"))
        assert response.status_code == 200, query
        assert "<script>" not in text_of(response).split("</head>")[1]


def test_a_script_in_a_description_never_reaches_the_page(client, catalog):
    page = text_of(client.get(url("product", slug="sencha-du-japon")))

    assert "<p>Vert et iodé.</p>" in page
    assert "alert(" not in page
    # The storefront's own deferred script; the rest is JSON-LD data, never run.
    assert page.count("<script") - page.count('<script type="application/ld+json">') == 1


def test_a_post_is_refused(client, catalog):
    assert client.post(url("home")).status_code == 405


def test_404_page_renders_the_shop_chrome(client, catalog):
    response = client.get("/fr/produit/plus-vendu/")

    assert response.status_code == 404
    page = text_of(response)
    assert "<title>Page introuvable | Maison Lumière</title>" in page
    assert '<a class="brand" href="/fr/">Maison Lumière</a>' in page
    assert 'action="/fr/recherche/"' in page
    assert '<a class="button" href="/fr/">Retour à la boutique</a>' in page
    assert '<li><a href="/fr/categorie/cafes/">Cafés</a></li>' in page
    assert "<p>Maison Lumière — Thés et cafés de caractère</p>" in page


def test_without_any_shop_the_storefront_says_how_to_start(client, db):
    response = client.get("/fr/")

    assert response.status_code == 503
    assert "No shop is configured yet" in text_of(response)


def test_the_shop_is_chosen_by_host_name(client, catalog, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "port.example"]
    other = ShopFactory(name="Boutique du Port", domain="port.example", languages="fr")
    ProductFactory(shop=other, name="Sardines")

    response = client.get("/fr/", HTTP_HOST="port.example")

    assert response.status_code == 200
    assert "Boutique du Port" in text_of(response)
    assert "Sardines" in text_of(response)
    assert "Café d’Éthiopie" not in text_of(response)


# --- budgets --------------------------------------------------------------------------------


def test_product_page_with_its_css_and_js_weighs_under_60_kb(client, catalog):
    response = client.get(url("product", slug="cafe-d-ethiopie"))
    static = links(response).static

    sizes = {"page": len(response.content)}
    for href in static:
        path = finders.find(href.removeprefix("/static/"))
        assert path, href
        with open(path, "rb") as handle:
            sizes[href] = len(handle.read())

    assert sorted(static) == [
        "/static/storefront/storefront.css",
        "/static/storefront/storefront.js",
    ]
    assert sum(sizes.values()) < 60 * 1024, sizes


@pytest.mark.parametrize(
    "name,kwargs,query",
    [
        ("home", {}, ""),
        ("category", {"slug": "cafes"}, ""),
        ("category", {"slug": "cafes"}, "?brand=maison-kawa&o=poids:250-g&min_price=1&sort=price"),
        ("product", {"slug": "cafe-d-ethiopie"}, "?poids=1-kg"),
        ("search", {}, "?q=cafe"),
    ],
)
def test_every_page_needs_at_most_ten_queries(
    client, catalog, django_assert_max_num_queries, name, kwargs, query
):
    with django_assert_max_num_queries(10):
        response = client.get(url(name, query=query, **kwargs))

    assert response.status_code == 200


def test_a_full_category_page_needs_at_most_ten_queries(
    client, mugs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(url("category", slug="tasses"))

    assert response.status_code == 200


# --- page cache -----------------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 600


def test_second_visit_is_served_from_the_page_cache(
    client, catalog, page_cache, django_assert_num_queries
):
    first = client.get(url("home"))

    with django_assert_num_queries(1):  # the shop row, which carries the catalog version
        second = client.get(url("home"))

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_a_catalog_change_invalidates_the_cached_pages(client, catalog, page_cache):
    # given
    client.get(url("home"))
    assert client.get(url("home"))["X-Page-Cache"] == "hit"

    # when
    ProductFactory(shop=catalog["ethiopia"].shop, name="Nouveau Darjeeling")

    # then
    response = client.get(url("home"))
    assert response["X-Page-Cache"] == "miss"
    assert "Nouveau Darjeeling" in text_of(response)


def test_status_change_invalidates_the_product_page(client, catalog, page_cache):
    page = url("product", slug="sencha-du-japon")
    assert client.get(page).status_code == 200

    services.set_product_status(catalog["sencha"], status=ProductStatus.ARCHIVED)

    assert client.get(page).status_code == 404


def test_pages_are_cached_per_address(client, catalog, page_cache):
    client.get(url("product", slug="cafe-d-ethiopie"))

    response = client.get(url("product", slug="cafe-d-ethiopie", query="?poids=1-kg"))

    assert response["X-Page-Cache"] == "miss"
    assert "<dd>ETH-1K-G</dd>" in text_of(response)


def test_visitors_with_a_session_are_never_served_from_the_cache(client, catalog, page_cache):
    client.get(url("home"))
    client.cookies["sessionid"] = "abc"

    response = client.get(url("home"))

    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_errors_are_not_cached(client, catalog, page_cache):
    client.get(url("category", slug="cafes", query="?page=0"))

    response = client.get(url("category", slug="cafes", query="?page=0"))

    assert response.status_code == 400
    assert "X-Page-Cache" not in response


def test_a_cached_page_keeps_the_security_headers(client, catalog, page_cache):
    miss = client.get(url("home"))

    hit = client.get(url("home"))

    assert hit["X-Page-Cache"] == "hit"
    assert {k: hit.get(k) for k in ("X-Frame-Options", "Content-Language")} == {
        k: miss.get(k) for k in ("X-Frame-Options", "Content-Language")
    }


def test_theme_colours_come_from_the_shop(client, shop):
    shop.primary_colour = "#123456"
    shop.save()

    page = text_of(client.get(url("home")))

    assert re.search(r":root\{--primary:#123456;--accent:#b5562b\}", page)


def test_header_categories_link_to_the_pages_language(client, catalog):
    # given the French home page seen first (the header's categories are then cached)
    french = text_of(client.get(url("home")))

    # when the English one is asked for, same catalog version
    english = text_of(client.get(url("home", "en")))

    # then each links its own language's category pages
    assert '<nav class="cats"' in french
    assert f'<a href="{url("category", slug="cafes")}">Cafés</a>' in french
    assert f'<a href="{url("category", "en", slug="coffees")}">Coffees</a>' in english
    assert "/fr/categorie/" not in english.split('<nav class="cats"')[1].split("</nav>")[0]


def test_a_header_category_still_unpacks_as_name_and_slug_for_themes():
    from comptoir.storefront.views import NavLink

    # given a header category as the templates get it
    link = NavLink("Cafés", "cafes", "/fr/categorie/cafes/")

    # when a theme's template unpacks it as before
    name, slug = link

    # then it reads as (name, slug), with its URL alongside
    assert (name, slug) == ("Cafés", "cafes") == (link.name, link.slug)
    assert link.url == "/fr/categorie/cafes/"
