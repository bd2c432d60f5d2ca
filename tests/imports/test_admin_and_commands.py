"""The back-office upload (queued, followed, reported) and the commands."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from comptoir.catalog.models import Product
from comptoir.imports.models import ImportEvent, ImportJob, ImportStatus
from tests.imports.conftest import OURS, csv_text, our_row
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def merchant(db):
    return get_user_model().objects.create_superuser("merchant@example.fr", "m@example.fr", "pw")


def upload(client, shop, data: str, capture, **fields):
    with capture(execute=True):
        return client.post(
            "/admin/imports/importjob/add/",
            {
                "shop": shop.pk,
                "kind": "products",
                "platform": "comptoir",
                "file": SimpleUploadedFile("products.csv", data.encode(), "text/csv"),
                **fields,
            },
            follow=True,
        )


def test_an_upload_is_queued_then_its_report_is_shown(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    data = csv_text(OURS, our_row("mug", "MUG-1"), our_row("cup", "CUP-1", "-1"))
    # When the merchant uploads a file with one bad row and keeps the valid rows
    response = upload(client, shop, data, django_capture_on_commit_callbacks, keep_valid="on")
    # Then the status page refreshes itself until a worker has run the job
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    assert b'http-equiv="refresh"' in response.content
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert list(job.events.values_list("status", flat=True)) == ["queued", "running", "done"]
    page = client.get(f"/admin/imports/importjob/{job.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' not in page
    # (the message keeps the language the worker ran in)
    assert "<td>3</td><td>price</td><td>Error" in page
    assert "The price cannot be negative.</td>" in page
    assert Product.objects.count() == 1
    # A job runs once: running it again changes nothing
    from comptoir.imports.services import run_import_job

    run_import_job(job.pk)
    assert ImportEvent.objects.filter(job=job).count() == 3


def test_an_all_or_nothing_upload_with_an_error_writes_nothing(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    data = csv_text(OURS, our_row("mug", "MUG-1"), our_row("cup", "C-1", "x"))
    upload(client, shop, data, django_capture_on_commit_callbacks)
    run_queued_tasks()
    job = ImportJob.objects.get()
    assert (job.status, job.report["error_count"]) == (ImportStatus.ROLLED_BACK, 1)
    assert Product.objects.count() == 0
    page = client.get(f"/admin/imports/importjob/{job.pk}/change/").content.decode()
    assert "Nothing was imported" in page


def test_the_upload_form_requires_a_platform_for_products(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    response = upload(client, shop, "x", django_capture_on_commit_callbacks, platform="")
    assert response.status_code == 200
    assert "Choose the platform the file comes from." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_import_products_command_prints_progress_and_a_summary(shop, tmp_path, capsys):
    path = tmp_path / "products.csv"
    path.write_text(csv_text(OURS, our_row("mug", "MUG-1"), our_row("cup", "CUP-1")))
    out = io.StringIO()
    call_command("import_products", str(path), "--platform", "comptoir", "--dry-run", stdout=out)
    assert "would create 2 products" in out.getvalue()
    assert "2 rows read" in capsys.readouterr().err
    assert Product.objects.count() == 0
    call_command("import_products", str(path), "--platform", "comptoir", stdout=out)
    assert Product.objects.count() == 2


def test_the_command_fails_loudly_when_the_file_is_rolled_back(shop, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(csv_text(OURS, our_row("mug", "MUG-1", "-2")))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_products", str(path), "--platform", "comptoir", stdout=out)
    assert "error: line 2, column price: The price cannot be negative." in out.getvalue()


def test_export_then_import_urls_commands(shop, tmp_path):
    products = tmp_path / "p.csv"
    products.write_text(csv_text(OURS, our_row("mug", "MUG-1")))
    call_command("import_products", str(products), "--platform", "comptoir", stdout=io.StringIO())
    exported = tmp_path / "export.csv"
    call_command("export_products", str(exported), stdout=io.StringIO())
    assert exported.read_text().splitlines()[1].startswith("mug,active,Mug,")
    urls = tmp_path / "urls.txt"
    urls.write_text("https://old.example/products/mug\nhttps://old.example/pages/about\n")
    out = io.StringIO()
    call_command("import_urls", str(urls), stdout=out)
    assert "created 1 redirects, 1 without a target" in out.getvalue()


def test_an_old_url_list_uploaded_in_the_back_office(
    client, shop, merchant, django_capture_on_commit_callbacks
):
    from comptoir.seo.models import Redirect
    from tests.imports.conftest import run

    run(shop, csv_text(OURS, our_row("mug", "MUG-1")), "comptoir")
    client.force_login(merchant)
    listing = "https://old.example/products/mug\nhttps://old.example/pages/faq\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/imports/importjob/add/",
            {"shop": shop.pk, "kind": "urls", "platform": "",
             "file": SimpleUploadedFile("urls.txt", listing.encode(), "text/plain")},
        )  # fmt: skip
    run_queued_tasks()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE
    assert job.report["unmatched_urls"] == ["https://old.example/pages/faq"]
    assert Redirect.objects.get(old_path="/products/mug").new_path == "/fr/produit/mug/"
    page = client.get(f"/admin/imports/importjob/{job.pk}/change/").content.decode()
    assert "https://old.example/pages/faq" in page
