import pytest

from comptoir.catalog import services
from comptoir.catalog.services import TranslationInput
from comptoir.seo.models import Redirect, RedirectSource
from comptoir.seo.services import add_redirect, import_redirects
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def follow_every_redirect(client, shop):
    """GET each stored old address: one 301 straight to a page that answers 200."""
    for redirect in Redirect.objects.filter(shop=shop):
        response = client.get(redirect.old_path)
        assert response.status_code == 301, redirect.old_path
        assert response["Location"] == redirect.new_path
        assert client.get(response["Location"]).status_code == 200, redirect.new_path


def rename(product, fr, en):
    services.save_product_translations(
        product, {"fr": TranslationInput(name=fr), "en": TranslationInput(name=en)}
    )


def test_a_renamed_product_keeps_its_old_addresses_in_both_languages(client, shop):
    product = ProductFactory(shop=shop, name="Bol bleu", name_en="Blue bowl")

    rename(product, "Bol indigo", "Indigo bowl")

    assert sorted(
        Redirect.objects.filter(shop=shop).values_list("old_path", "new_path", "source")
    ) == [
        ("/en/product/blue-bowl/", "/en/product/indigo-bowl/", RedirectSource.SLUG_CHANGE),
        ("/fr/produit/bol-bleu/", "/fr/produit/bol-indigo/", RedirectSource.SLUG_CHANGE),
    ]
    follow_every_redirect(client, shop)


def test_two_renames_leave_one_hop_from_the_first_address(client, shop):
    product = ProductFactory(shop=shop, name="Bol bleu", name_en="Blue bowl")
    rename(product, "Bol indigo", "Indigo bowl")

    rename(product, "Bol marine", "Navy bowl")

    response = client.get("/fr/produit/bol-bleu/")
    assert response.status_code == 301
    assert response["Location"] == "/fr/produit/bol-marine/"
    assert Redirect.objects.filter(shop=shop).count() == 4
    follow_every_redirect(client, shop)


def test_a_renamed_category_redirects(client, catalog, shop):
    teas = catalog["teas"]

    services.save_category_translations(
        teas, {"fr": TranslationInput(name="Thés du monde"), "en": TranslationInput(name="Teas")}
    )

    assert list(Redirect.objects.filter(shop=shop).values_list("old_path", "new_path")) == [
        ("/fr/categorie/thes/", "/fr/categorie/thes-du-monde/")
    ]
    follow_every_redirect(client, shop)


def test_a_redirect_counts_its_hits(client, catalog, shop):
    add_redirect(shop, old_path="/boutique/cafe.html", new_path="/fr/produit/cafe-d-ethiopie/")

    client.get("/boutique/cafe.html")
    client.get("/boutique/cafe.html")

    assert Redirect.objects.get(shop=shop).hits == 2


def test_a_live_page_wins_over_a_redirect(client, catalog, shop):
    add_redirect(shop, old_path="/fr/produit/cafe-d-ethiopie/", new_path="/fr/")

    assert client.get("/fr/produit/cafe-d-ethiopie/").status_code == 200
    assert Redirect.objects.get(shop=shop).hits == 0


def test_a_redirect_is_found_behind_the_page_cache(client, catalog, shop, settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 60
    add_redirect(shop, old_path="/ancien/", new_path="/fr/")

    first, second = client.get("/ancien/"), client.get("/ancien/")

    assert (first.status_code, second.status_code) == (301, 301)
    assert Redirect.objects.get(shop=shop).hits == 2


def test_a_redirect_of_an_old_query_string_address(client, catalog, shop):
    add_redirect(shop, old_path="/index.php?id_product=7", new_path="/fr/produit/sencha-du-japon/")

    response = client.get("/index.php?id_product=7")

    assert response.status_code == 301
    assert response["Location"] == "/fr/produit/sencha-du-japon/"


def test_a_csv_import_reports_every_bad_line_and_imports_nothing(shop):
    text = "old,new\n/a.html,/fr/\npas-un-chemin,/fr/\n/b.html\n/c.html,/c.html\n/a.html,/en/\n"

    result = import_redirects(shop, text=text)

    assert result.added == 0
    assert result.errors == [
        "Line 3: The old address must start with / (got pas-un-chemin).",
        "Line 4: two columns are expected, the old and the new address.",
        "Line 5: the old and new addresses are the same.",
        "Line 6: /a.html is already redirected on line 2.",
    ]
    assert Redirect.objects.filter(shop=shop).count() == 0


def test_a_csv_import_collapses_chains_and_strips_hosts(client, catalog, shop):
    text = (
        "https://old.example.fr/b.html;/fr/produit/moka-d-harar/\n"
        "/a.html;https://old.example.fr/b.html\n"
    )

    result = import_redirects(shop, text=text)

    assert (result.added, result.errors) == (2, [])
    assert sorted(Redirect.objects.filter(shop=shop).values_list("old_path", "new_path")) == [
        ("/a.html", "/fr/produit/moka-d-harar/"),
        ("/b.html", "/fr/produit/moka-d-harar/"),
    ]
    follow_every_redirect(client, shop)


def test_a_csv_loop_is_refused(shop):
    result = import_redirects(shop, text="/a,/b\n/b,/a\n")

    assert result.added == 0
    assert result.errors == [
        "Line 1: /a is part of a redirect loop.",
        "Line 2: /b is part of a redirect loop.",
    ]
