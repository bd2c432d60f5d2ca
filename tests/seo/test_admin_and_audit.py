from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from comptoir.catalog.services import TranslationInput, VariantInput
from comptoir.seo.audit import run_audit
from comptoir.seo.models import Redirect
from comptoir.seo.services import add_redirect
from tests.factories import BrandFactory, CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(db):
    return get_user_model().objects.create_superuser("merchant@example.fr", "m@example.fr", "pw")


def test_a_slug_edited_in_the_back_office_redirects(client, shop, merchant):
    teas = CategoryFactory(shop=shop, name="Thés", name_en="Teas")
    fr, en = teas.translations.order_by("language").reverse()
    client.force_login(merchant)
    form = {
        "shop": shop.pk,
        "position": "0",
        "is_active": "on",
        "translations-TOTAL_FORMS": "2",
        "translations-INITIAL_FORMS": "2",
        "translations-MIN_NUM_FORMS": "1",
        "translations-MAX_NUM_FORMS": "1000",
    }
    for i, (row, slug) in enumerate(((fr, "thes-rares"), (en, "teas"))):
        form.update(
            {
                f"translations-{i}-id": row.pk,
                f"translations-{i}-category": teas.pk,
                f"translations-{i}-language": row.language,
                f"translations-{i}-name": row.name,
                f"translations-{i}-slug": slug,
                f"translations-{i}-description": "",
                f"translations-{i}-meta_title": "",
                f"translations-{i}-meta_description": "",
            }
        )

    response = client.post(f"/admin/catalog/category/{teas.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Redirect.objects.values_list("old_path", "new_path")) == [
        ("/fr/categorie/thes/", "/fr/categorie/thes-rares/")
    ]
    client.logout()
    moved = client.get("/fr/categorie/thes/")
    assert (moved.status_code, moved["Location"]) == (301, "/fr/categorie/thes-rares/")
    assert client.get(moved["Location"]).status_code == 200


def test_a_csv_file_is_imported_from_the_back_office(client, shop, merchant):
    client.force_login(merchant)
    upload = SimpleUploadedFile("r.csv", b"old,new\n/a.html,/fr/\n/b.html,/en/\n")

    response = client.post("/admin/seo/redirect/import/", {"shop": shop.pk, "file": upload})

    assert response.status_code == 302
    assert sorted(Redirect.objects.values_list("old_path", "new_path")) == [
        ("/a.html", "/fr/"),
        ("/b.html", "/en/"),
    ]


def test_a_bad_csv_file_shows_its_lines_and_imports_nothing(client, shop, merchant):
    client.force_login(merchant)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    upload = SimpleUploadedFile("r.csv", b"/a.html,/fr/\nnope\n")

    response = client.post("/admin/seo/redirect/import/", {"shop": shop.pk, "file": upload})

    assert response.status_code == 200
    assert "Line 2: two columns are expected" in response.content.decode()
    assert Redirect.objects.count() == 0


def findings(shop):
    return {f.code: f for f in run_audit(shop)}


def test_the_audit_finds_what_to_fix(shop):
    brand = BrandFactory(shop=shop, name="Kawa")
    long_text = "<p>" + "Un café de caractère, torréfié chaque semaine. " * 5 + "</p>"
    ProductFactory(
        shop=shop,
        brand=brand,
        translations={
            "fr": TranslationInput(name="Café", description=long_text),
            "en": TranslationInput(name="Coffee", description=long_text),
        },
        variants=[VariantInput(sku="C1", price=Decimal(9), gtin="4006381333931")],
    )
    ProductFactory(shop=shop, name="Tasse", description="<p>Jolie.</p>")
    ProductFactory(
        shop=shop,
        translations={
            "fr": TranslationInput(name="Tasse", description='<a href="/fr/produit/nulle/">x</a>'),
            "en": TranslationInput(name="Cup", description='<a href="/en/product/coffee/">y</a>'),
        },
    )
    add_redirect(shop, old_path="/a", new_path="/b")
    Redirect.objects.create(shop=shop, old_path="/b", new_path="/c")  # written around the service

    found = findings(shop)

    assert found["duplicate_names"].count == 1
    assert found["duplicate_names"].examples == ["[fr] Tasse ×2"]
    assert found["missing_descriptions"].count == 0
    assert found["thin_descriptions"].count == 4  # "Jolie." twice and the two links
    assert found["missing_images"].count == 3
    assert found["missing_brand"].count == 2
    assert found["missing_gtin"].count == 2
    assert found["redirect_chains"].examples == ["/a → /b → …"]
    assert found["broken_links"].examples == ["Tasse: /fr/produit/nulle/"]


def test_the_audit_command_and_page(client, shop, merchant, capsys):
    ProductFactory(shop=shop, name="Tasse")

    call_command("seo_audit")
    client.force_login(merchant)
    page = client.get("/admin/seo/redirect/audit/")

    out = capsys.readouterr().out
    assert "!! Products without an image: 1" in out
    assert out.strip().endswith("problem(s) found in maison.")
    assert page.status_code == 200
    assert 'id="missing_images"' in page.content.decode()
