"""The back office's download buttons: exports written by a worker, followed, downloaded;
the product feeds downloaded and regenerated."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model

from comptoir.catalog.models import Product
from comptoir.checkout.services import place_order
from comptoir.imports import exports
from comptoir.imports.exports import run_export_job
from comptoir.imports.models import ExportEvent, ExportJob, ExportStatus
from comptoir.imports.platforms import COMPTOIR_COLUMNS
from comptoir.orders.models import Order
from comptoir.seo.feeds import generate_feeds
from comptoir.seo.models import Feed
from tests.factories import build_catalog
from tests.imports.conftest import OURS, csv_text, our_row, run
from tests.selling import add_flat_shipping, details, make_cart, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def merchant(client, db):
    user = get_user_model().objects.create_superuser("boss@example.fr", "boss@example.fr", "pw")
    client.force_login(user)
    return user


def ask_export(client, shop, kind, capture):
    with capture(execute=True):
        return client.post(
            "/admin/imports/exportjob/add/", {"shop": shop.pk, "kind": kind}, follow=True
        )


def test_a_products_export_is_written_by_the_worker_then_downloaded_and_reimports(
    client, shop, merchant, django_capture_on_commit_callbacks, monkeypatch
):
    # Given a catalog of two products, one with two variants
    data = csv_text(
        OURS,
        our_row("mug", "MUG-1"),
        our_row("tee", "TEE-S", option1_name="Size", option1_value="S"),
        our_row("tee", "TEE-M", option1_name="Size", option1_value="M"),
    )
    assert run(shop, data, "comptoir").products_created == 2
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    # When the merchant asks for the products file
    response = ask_export(client, shop, "products", django_capture_on_commit_callbacks)
    # Then a page follows the queued export, refreshing itself, with no file yet
    job = ExportJob.objects.get()
    assert (job.kind, job.status) == ("products", ExportStatus.QUEUED)
    page = response.content.decode()
    assert 'http-equiv="refresh"' in page
    assert "/download/" not in page
    # When a worker has run it
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (ExportStatus.DONE, 3, 3)
    assert list(job.events.values_list("status", flat=True)) == ["queued", "running", "done"]
    page = client.get(f"/admin/imports/exportjob/{job.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "3 rows written." in page
    assert f"/admin/imports/exportjob/{job.pk}/download/" in page
    # (the file is kept out of MEDIA_ROOT: /media/ does not hand it out)
    assert client.get(f"/media/{job.file.name}").status_code == 404
    # Then the download is the CSV, as an attachment, one row per variant
    download = client.get(f"/admin/imports/exportjob/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="maison-products-')
    text = b"".join(download.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == COMPTOIR_COLUMNS
    assert sorted(row[COMPTOIR_COLUMNS.index("sku")] for row in rows[1:]) == [
        "MUG-1",
        "TEE-M",
        "TEE-S",
    ]
    # And importing it back updates the two products, creating none
    report = run(shop, text, "comptoir")
    assert (report.products_created, report.products_updated, report.error_count) == (0, 2, 0)
    assert Product.objects.count() == 2
    # A job runs once: running it again changes nothing
    run_export_job(job.pk)
    assert ExportEvent.objects.filter(job=job).count() == 3


def test_an_orders_export_from_the_back_office(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="MUG-1", price="12.00")
    place_order(make_cart(shop, [(variant, 2)]), details())
    ask_export(client, shop, "orders", django_capture_on_commit_callbacks)
    run_queued_tasks()
    job = ExportJob.objects.get()
    assert (job.status, job.rows_done) == (ExportStatus.DONE, 1)
    text = b"".join(
        client.get(f"/admin/imports/exportjob/{job.pk}/download/").streaming_content
    ).decode()
    header, line = list(csv.reader(io.StringIO(text)))
    assert (line[header.index("sku")], line[header.index("quantity")]) == ("MUG-1", "2")
    assert line[header.index("number")] == str(Order.objects.get().number)


def test_a_failed_export_says_so_and_offers_no_file(
    client, shop, merchant, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(shop):
        raise RuntimeError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(exports, "order_rows", broken)
    ask_export(client, shop, "orders", django_capture_on_commit_callbacks)
    run_queued_tasks()
    job = ExportJob.objects.get()
    assert (job.status, job.file.name) == (ExportStatus.FAILED, "")
    assert "disk full" in job.events.get(status="failed").message
    page = client.get(f"/admin/imports/exportjob/{job.pk}/change/").content.decode()
    assert "The file could not be written." in page
    assert client.get(f"/admin/imports/exportjob/{job.pk}/download/").status_code == 404


def test_the_feeds_are_listed_downloaded_and_regenerated_from_the_export_page(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    # Given a shop whose feeds were generated
    build_catalog(shop, with_images=True)
    generate_feeds(shop)
    assert Feed.objects.filter(shop=shop).count() == 4  # Google and Meta, fr and en
    # Then the export page lists them with a download link each
    page = client.get("/admin/imports/exportjob/add/").content.decode()
    google_fr = f"/admin/imports/exportjob/feeds/{shop.pk}/google/fr/"
    assert google_fr in page
    assert f"/admin/imports/exportjob/feeds/{shop.pk}/meta/en/" in page
    download = client.get(google_fr)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    body = b"".join(download.streaming_content)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<g:id>" in body
    # When the merchant asks for fresh feeds, a worker task is queued
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/imports/exportjob/feeds/{shop.pk}/regenerate/")
    assert response.status_code == 302
    assert run_queued_tasks() == 1
    # A GET does not regenerate anything
    assert client.get(f"/admin/imports/exportjob/feeds/{shop.pk}/regenerate/").status_code == 405


def test_exports_need_a_staff_login(client, shop):
    response = client.get("/admin/imports/exportjob/add/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert ExportJob.objects.count() == 0
