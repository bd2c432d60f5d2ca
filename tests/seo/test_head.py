"""The <head> of rendered pages: canonical, hreflang, robots, OpenGraph, and the JSON-LD
blocks checked for the properties Google requires for rich results."""

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from comptoir.seo.models import SeoSettings
from comptoir.shipping.models import ShippingMethod, ShippingZone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 0


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.jsonld = {}, [], []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("name") or attrs["property"]] = attrs["content"]
        elif tag == "link" and attrs.get("rel") in ("canonical", "alternate"):
            self.links.append((attrs["rel"], attrs.get("hreflang"), attrs["href"]))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld = True

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_jsonld = False

    def canonical(self):
        return [href for rel, _lang, href in self.links if rel == "canonical"]

    def typed(self, kind):
        found = [block for block in self.jsonld if block["@type"] == kind]
        assert len(found) == 1, [b["@type"] for b in self.jsonld]
        return found[0]


def head_of(response):
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


def test_a_product_page_has_google_s_product_and_offer_properties(client, catalog, shop):
    zone = ShippingZone.objects.create(shop=shop, name="France", countries="FR")
    ShippingMethod.objects.create(zone=zone, code="colissimo", price=Decimal("4.90"))
    SeoSettings.objects.create(shop=shop, return_days=30, free_returns=True)

    head = head_of(client.get("/fr/produit/cafe-d-ethiopie/?poids=1-kg&mouture=grains"))

    product = head.typed("Product")
    assert product["@context"] == "https://schema.org"
    assert product["name"] == "Café d’Éthiopie"
    assert product["description"] == "Notes florales."
    assert product["sku"] == "ETH-1K-G"
    assert product["gtin"] == "4006381333931"
    assert product["brand"] == {"@type": "Brand", "name": "Maison Kawa"}
    offer = product["offers"]
    assert offer["price"] == "29.90"
    assert offer["priceCurrency"] == "EUR"
    assert offer["availability"] == "https://schema.org/LimitedAvailability"
    assert offer["url"] == "http://testserver/fr/produit/cafe-d-ethiopie/"
    assert offer["shippingDetails"]["shippingRate"] == {
        "@type": "MonetaryAmount",
        "value": "4.90",
        "currency": "EUR",
    }
    assert offer["shippingDetails"]["shippingDestination"]["addressCountry"] == "FR"
    assert offer["hasMerchantReturnPolicy"] == {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": "FR",
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 30,
        "returnMethod": "https://schema.org/ReturnByMail",
        "returnFees": "https://schema.org/FreeReturn",
    }
    crumbs = head.typed("BreadcrumbList")["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Accueil", "http://testserver/fr/"),
        (2, "Cafés", "http://testserver/fr/categorie/cafes/"),
        (3, "Café d’Éthiopie", "http://testserver/fr/produit/cafe-d-ethiopie/"),
    ]


def test_a_product_page_is_canonical_without_its_variant_query(client, catalog):
    head = head_of(client.get("/en/product/ethiopian-coffee/?poids=1-kg"))

    assert head.canonical() == ["http://testserver/en/product/ethiopian-coffee/"]
    assert head.meta["og:url"] == "http://testserver/en/product/ethiopian-coffee/"
    assert head.meta["og:type"] == "product"
    assert head.meta["og:title"] == "Ethiopian coffee | Maison Lumière"
    assert head.meta["description"] == "Floral notes."
    assert head.meta["product:price:amount"] == "29.90"
    assert head.meta["twitter:card"] == "summary"
    assert "robots" not in head.meta


def test_a_product_without_description_gets_a_default_one(client, catalog):
    head = head_of(client.get("/en/product/harar-mocha/"))

    assert head.meta["description"] == "Harar mocha at Maison Lumière: €15.00."


def test_an_image_gives_og_image_and_a_default_alt(client, shop):
    from tests.factories import build_catalog

    build_catalog(shop, with_images=True)

    response = client.get("/fr/produit/moka-d-harar/")
    head = head_of(response)

    assert head.meta["og:image"].startswith("http://testserver/media/products/")
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.typed("Product")["image"] == [head.meta["og:image"]]
    assert 'alt="Photo"' in response.content.decode()


def test_the_home_page_describes_the_organisation_and_its_search(client, catalog):
    head = head_of(client.get("/en/"))

    organization = head.typed("Organization")
    assert organization["name"] == "Maison Lumière"
    assert organization["url"] == "http://testserver/en/"
    action = head.typed("WebSite")["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://testserver/en/search/?q={search_term}"
    assert action["query-input"] == "required name=search_term"
    assert head.canonical() == ["http://testserver/en/"]


def test_a_paginated_category_page_is_its_own_canonical(client, shop):
    from tests.factories import CategoryFactory, ProductFactory

    bowls = CategoryFactory(shop=shop, name="Bols", name_en="Bowls")
    for i in range(30):
        ProductFactory(shop=shop, category=bowls, name=f"Bol {i}")

    head = head_of(client.get("/fr/categorie/bols/?page=2"))

    assert head.canonical() == ["http://testserver/fr/categorie/bols/?page=2"]
    assert ("alternate", "en", "http://testserver/en/category/bowls/?page=2") in head.links
    assert "robots" not in head.meta
    assert head.meta["og:title"] == "Bols — page 2 | Maison Lumière"


@pytest.mark.parametrize(
    "path",
    [
        "/fr/categorie/cafes/?sort=price",
        "/fr/categorie/cafes/?brand=maison-kawa",
        "/fr/recherche/?q=cafe",
    ],
)
def test_sorted_filtered_and_search_pages_are_noindex(client, catalog, path):
    assert head_of(client.get(path)).meta["robots"] == "noindex, follow"


def test_a_sorted_page_points_to_the_plain_listing(client, catalog):
    head = head_of(client.get("/fr/categorie/cafes/?sort=price"))

    assert head.canonical() == ["http://testserver/fr/categorie/cafes/"]


def test_robots_txt_keeps_crawlers_out_and_names_the_sitemap(client, shop):
    SeoSettings.objects.create(shop=shop, robots_extra="Disallow: /fr/categorie/soldes/")

    response = client.get("/robots.txt")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    for path in ("/fr/recherche/", "/en/search/", "/fr/panier/", "/en/basket/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /*?sort=" in lines
    assert "Disallow: /fr/categorie/soldes/" in lines
    assert lines[-1] == "Sitemap: http://testserver/sitemap.xml"


@pytest.mark.parametrize("name", ["cart:detail", "customers:login"])
def test_private_pages_are_noindex(client, shop, name):
    from django.urls import reverse
    from django.utils.translation import override

    with override("fr"):
        path = reverse(name)

    assert head_of(client.get(path)).meta["robots"] == "noindex, follow"
