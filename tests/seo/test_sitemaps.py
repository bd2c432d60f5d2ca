from decimal import Decimal

import pytest
from django.core.cache import cache

from comptoir.seo import sitemaps
from tests.factories import ProductFactory
from tests.seo.schemas import assert_valid

pytestmark = pytest.mark.django_db
NS = {"s": sitemaps.SITEMAP_NS, "x": sitemaps.XHTML_NS}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_index_lists_every_sitemap_and_validates(client, catalog, tmp_path):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = assert_valid(body(response), "siteindex.xsd", tmp_path)
    locs = [e.text for e in document.findall("s:sitemap/s:loc", NS)]
    assert locs == [
        "http://testserver/sitemaps/pages.xml",
        "http://testserver/sitemaps/categories-fr-1.xml",
        "http://testserver/sitemaps/categories-en-1.xml",
        "http://testserver/sitemaps/products-fr-1.xml",
        "http://testserver/sitemaps/products-en-1.xml",
    ]
    assert len(document.findall("s:sitemap/s:lastmod", NS)) == 4


def test_a_product_sitemap_gives_each_page_its_translations(client, catalog, tmp_path):
    response = client.get("/sitemaps/products-fr-1.xml")

    document = assert_valid(body(response), "sitemap.xsd", tmp_path)
    urls = document.findall("s:url", NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [
        "http://testserver/fr/produit/cafe-d-ethiopie/",
        "http://testserver/fr/produit/moka-d-harar/",
        "http://testserver/fr/produit/sencha-du-japon/",
    ]
    links = {link.get("hreflang"): link.get("href") for link in urls[0].findall("x:link", NS)}
    assert links == {
        "fr": "http://testserver/fr/produit/cafe-d-ethiopie/",
        "en": "http://testserver/en/product/ethiopian-coffee/",
        "x-default": "http://testserver/fr/produit/cafe-d-ethiopie/",
    }
    assert urls[0].findtext("s:lastmod", namespaces=NS).endswith("+00:00")


def test_category_and_page_sitemaps_validate(client, catalog, tmp_path):
    english = assert_valid(
        body(client.get("/sitemaps/categories-en-1.xml")), "sitemap.xsd", tmp_path
    )
    pages = assert_valid(body(client.get("/sitemaps/pages.xml")), "sitemap.xsd", tmp_path)

    assert [e.text for e in english.findall("s:url/s:loc", NS)] == [
        "http://testserver/en/category/coffees/",
        "http://testserver/en/category/ground-coffees/",
        "http://testserver/en/category/teas/",
    ]
    assert [e.text for e in pages.findall("s:url/s:loc", NS)] == [
        "http://testserver/fr/",
        "http://testserver/en/",
    ]


def test_sitemaps_split_at_the_limit_and_stream_in_batches(shop, tmp_path):
    """With a limit of 2 URLs and batches of 1 product, 5 products make 3 sitemaps whose
    union is every product once, in order: the split and the keyset paging hold."""
    products = [ProductFactory(shop=shop, name=f"Tasse {i}", price=Decimal(5)) for i in range(5)]
    cache.clear()

    parts = sitemaps.chunks(shop, "products", size=2)
    seen = []
    for chunk in parts:
        xml = "".join(
            sitemaps.render_chunk(
                shop, "http://testserver", kind="products", language="en", chunk=chunk, batch=1
            )
        ).encode()
        document = assert_valid(xml, "sitemap.xsd", tmp_path)
        seen.append([e.text for e in document.findall("s:url/s:loc", NS)])

    assert [c.number for c in parts] == [1, 2, 3]
    assert [len(urls) for urls in seen] == [2, 2, 1]
    assert sum(seen, []) == [f"http://testserver/en/product/tasse-{i}-en/" for i in range(5)]
    assert parts[0].first_id == products[0].pk and parts[0].end_id == products[2].pk


def test_an_unknown_sitemap_is_a_404(client, catalog):
    assert client.get("/sitemaps/products-fr-2.xml").status_code == 404
    assert client.get("/sitemaps/products-de-1.xml").status_code == 404


def test_draft_products_are_left_out(client, shop):
    ProductFactory(shop=shop, name="Brouillon", status="draft")
    ProductFactory(shop=shop, name="En vente")

    xml = body(client.get("/sitemaps/products-fr-1.xml")).decode()

    assert "/fr/produit/en-vente/" in xml
    assert "brouillon" not in xml


def test_a_product_edit_moves_its_lastmod(shop):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.catalog import services
    from comptoir.catalog.models import Product

    product = ProductFactory(shop=shop, name="Bol")
    long_ago = timezone.now() - timedelta(days=30)
    Product.objects.filter(pk=product.pk).update(updated_at=long_ago)

    services.product_changed(product)

    product.refresh_from_db()
    assert product.updated_at > long_ago + timedelta(days=29)
