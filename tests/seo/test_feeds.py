import csv
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from lxml import etree

from comptoir.catalog import services
from comptoir.core.periodic import JOBS
from comptoir.seo.feeds import generate_feeds, refresh_stale_feeds
from comptoir.seo.models import Feed
from comptoir.shipping.models import ShippingMethod, ShippingZone
from tests.factories import build_catalog
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"


@pytest.fixture
def goods(shop):
    zone = ShippingZone.objects.create(shop=shop, name="France", countries="FR")
    ShippingMethod.objects.create(zone=zone, code="colissimo", price=Decimal("4.90"))
    return build_catalog(shop, with_images=True)


def google_items(shop, language="fr"):
    row = Feed.objects.get(shop=shop, kind="google", language=language)
    with default_storage.open(row.file_name, "rb") as handle:
        document = etree.parse(handle).getroot()
    assert document.tag == "rss" and document.get("version") == "2.0"
    return {
        item.findtext(f"{G}id"): {child.tag.replace(G, ""): child.text for child in item}
        for item in document.iter("item")
    }


def test_the_google_feed_has_every_required_attribute(shop, goods):
    generate_feeds(shop)

    items = google_items(shop)
    assert sorted(items)[:3] == ["ETH-1K-G", "ETH-250-G", "ETH-250-M"]
    assert len(items) == 5
    one_kilo = items["ETH-1K-G"]
    assert one_kilo["title"] == "Café d’Éthiopie – Grains, 1 kg"
    assert one_kilo["description"] == "Notes florales."
    assert one_kilo["link"] == (
        "http://127.0.0.1:8000/fr/produit/cafe-d-ethiopie/?mouture=grains&poids=1-kg"
    )
    assert one_kilo["image_link"].startswith("http://127.0.0.1:8000/media/products/")
    assert one_kilo["price"] == "29.90 EUR"
    assert one_kilo["availability"] == "in_stock"
    assert one_kilo["condition"] == "new"
    assert one_kilo["brand"] == "Maison Kawa"
    assert one_kilo["gtin"] == "4006381333931"
    assert one_kilo["item_group_id"] == str(goods["ethiopia"].pk)
    assert one_kilo["product_type"] == "Cafés"
    assert items["ETH-250-M"]["availability"] == "out_of_stock"
    sencha = next(item for item in items.values() if item["title"] == "Sencha du Japon")
    assert sencha["identifier_exists"] == "no"
    assert "item_group_id" not in sencha


def test_the_google_feed_writes_shipping_and_sale_prices(shop, goods):
    variant = goods["sencha"].variants.get()
    variant.compare_at_price = Decimal("15.00")
    variant.save()

    generate_feeds(shop)

    row = Feed.objects.get(shop=shop, kind="google", language="fr")
    xml = default_storage.open(row.file_name).read().decode()
    assert f"<g:id>{variant.sku}</g:id><g:title>Sencha du Japon</g:title>" in xml
    sencha = google_items(shop)[variant.sku]
    assert (sencha["price"], sencha["sale_price"]) == ("15.00 EUR", "12.40 EUR")
    assert "<g:shipping><g:country>FR</g:country><g:price>4.90 EUR</g:price></g:shipping>" in xml


def test_the_meta_feed_is_a_csv_with_meta_s_columns(shop, goods):
    generate_feeds(shop)

    row = Feed.objects.get(shop=shop, kind="meta", language="en")
    rows = list(csv.DictReader(io.StringIO(default_storage.open(row.file_name).read().decode())))
    assert len(rows) == 5 and row.items == 5
    one_kilo = next(r for r in rows if r["id"] == "ETH-1K-G")
    assert one_kilo["availability"] == "in stock"
    assert one_kilo["price"] == "29.90 EUR"
    assert one_kilo["link"].startswith("http://127.0.0.1:8000/en/product/ethiopian-coffee/?")
    assert one_kilo["shipping"] == "FR::Standard:4.90 EUR"


def test_a_product_without_image_is_left_out_of_the_feeds(shop):
    build_catalog(shop)

    generate_feeds(shop)

    assert Feed.objects.get(shop=shop, kind="google", language="fr").items == 0


def test_feeds_are_regenerated_only_when_the_catalog_changed(shop, goods):
    assert refresh_stale_feeds() == [shop.code]
    first = dict(Feed.objects.values_list("pk", "file_name"))

    assert refresh_stale_feeds() == []
    services.set_product_status(goods["moka"], status="archived")
    assert refresh_stale_feeds() == [shop.code]

    rows = Feed.objects.filter(shop=shop)
    assert rows.count() == 4
    assert all(rows.values_list("items", flat=True)) and set(
        rows.filter(kind="google").values_list("items", flat=True)
    ) == {4}
    for name in first.values():
        assert not default_storage.exists(name)  # the old files are gone


def test_the_feed_url_serves_the_file_with_caching_headers(client, shop, goods):
    generate_feeds(shop)

    response = client.get("/feeds/google-fr.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert b"<g:price>29.90 EUR</g:price>" in b"".join(response.streaming_content)
    again = client.get("/feeds/google-fr.xml", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_feed_not_generated_yet_is_queued_and_served_afterwards(client, shop, goods):
    first = client.get("/feeds/meta-fr.csv")

    assert first.status_code == 503
    assert first["Retry-After"] == "300"
    run_queued_tasks()
    assert client.get("/feeds/meta-fr.csv").status_code == 200


def test_the_feeds_have_a_periodic_job():
    assert [job.task for job in JOBS if job.name == "seo.refresh_feeds"] == [
        "comptoir.seo.tasks.refresh_feeds"
    ]
