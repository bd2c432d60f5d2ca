"""A real chromium clicking through the storefront served by a live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself (factories, flush) are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def shop_online(live_server, shop, settings):
    settings.COMPTOIR_PAGE_CACHE_SECONDS = 0
    build_catalog(shop, with_images=True)
    ARTIFACTS.mkdir(exist_ok=True)
    return live_server.url


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_visitor_filters_chooses_a_variant_and_switches_language(browser, shop_online):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # home
    response = page.goto(f"{shop_online}/")
    assert response.ok
    assert page.url == f"{shop_online}/fr/"
    assert page.locator("h1").inner_text() == "Maison Lumière"
    shot(page, "home-desktop")

    # category, from the header navigation
    page.locator("nav.cats").get_by_role("link", name="Cafés").click()
    assert page.url == f"{shop_online}/fr/categorie/cafes/"
    assert page.locator("p.count").inner_text() == "2 produits"

    # a brand filter, applied with the button
    page.get_by_label("Maison Kawa").check()
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"brand=maison-kawa"))
    assert page.locator("p.count").inner_text() == "1 produit"
    assert page.locator(".card .name").all_inner_texts() == ["Café d’Éthiopie"]
    shot(page, "category-filtered-desktop")

    # the product
    page.locator(".card a").first.click()
    assert page.url == f"{shop_online}/fr/produit/cafe-d-ethiopie/"
    assert page.locator(".price.big").inner_text() == "8,50\xa0€"
    assert page.locator(".facts dd").first.inner_text() == "ETH-250-G"

    # a variant, chosen by clicking its option (the script submits the form)
    page.locator("label", has_text="1 kg").click()
    page.wait_for_url(re.compile(r"poids=1-kg"))
    assert page.locator(".price.big").inner_text() == "29,90\xa0€"
    assert page.locator(".facts dd").first.inner_text() == "ETH-1K-G"
    assert page.locator(".stock").inner_text() == "Plus que 3 en stock"
    shot(page, "product-variant-desktop")

    # the English page of the same product
    page.locator("nav.langs").get_by_role("link", name="EN").click()
    assert page.url.startswith(f"{shop_online}/en/product/ethiopian-coffee/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Ethiopian coffee"
    assert page.locator(".price.big").inner_text().startswith("€")
    shot(page, "product-english-desktop")

    assert errors == []
    context.close()


def test_variants_switch_without_javascript(browser, shop_online):
    context = browser.new_context(viewport=MOBILE, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{shop_online}/fr/produit/cafe-d-ethiopie/")

    page.locator("label", has_text="Moulu").click()
    page.get_by_role("button", name=re.compile("choix", re.I)).click()

    page.wait_for_url(re.compile(r"mouture=moulu"))
    assert page.locator(".facts dd").first.inner_text() == "ETH-250-M"
    assert page.locator(".price.big").inner_text() == "8,90\xa0€"
    assert page.locator(".stock").inner_text() == "Rupture de stock"
    context.close()


def test_keyboard_reaches_the_skip_link_then_the_search_field(browser, shop_online):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{shop_online}/fr/")

    page.keyboard.press("Tab")
    skip = page.evaluate(
        "document.activeElement.className + '|' + document.activeElement.getAttribute('href')"
    )
    assert skip == "skip|#main"
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # visible once focused

    focused = []
    for _ in range(5):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert "q" in focused

    page.locator("#q").fill("sencha")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fr/recherche/\?q=sencha"))
    assert page.locator(".card .name").all_inner_texts() == ["Sencha du Japon"]
    context.close()


@pytest.mark.parametrize("viewport_name,viewport", [("mobile", MOBILE), ("desktop", DESKTOP)])
def test_screenshots_of_every_page(browser, shop_online, viewport_name, viewport):
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    pages = {
        "home": "/fr/",
        "category": "/fr/categorie/cafes/",
        "product": "/fr/produit/cafe-d-ethiopie/?poids=1-kg",
        "search": "/fr/recherche/?q=caf",
        "not-found": "/fr/produit/plus-vendu/",
    }
    for name, path in pages.items():
        response = page.goto(f"{shop_online}{path}")
        assert response.status == (404 if name == "not-found" else 200), path
        # nothing may stick out sideways on a phone
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"{path} scrolls sideways by {overflow}px"
        broken = page.evaluate(
            "[...document.images].filter(i => i.complete && i.naturalWidth === 0).length"
        )
        assert broken == 0, path
        shot(page, f"{name}-{viewport_name}")
    context.close()
