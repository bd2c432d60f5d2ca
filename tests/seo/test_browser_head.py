"""The head of a product page as chromium sees it, with a screenshot of the page."""

from __future__ import annotations

import json

import pytest

from tests.browser.test_storefront_browser import ARTIFACTS, DESKTOP, browser, shop_online  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chromium_reads_the_product_page_s_head(browser, shop_online):  # noqa: F811
    page = browser.new_context(viewport=DESKTOP, locale="fr-FR").new_page()

    page.goto(f"{shop_online}/fr/produit/cafe-d-ethiopie/")
    page.screenshot(path=str(ARTIFACTS / "seo-product-page.png"), full_page=True)

    head = page.evaluate(
        """() => ({
            title: document.title,
            canonical: document.querySelector('link[rel=canonical]').href,
            hreflang: [...document.querySelectorAll('link[rel=alternate]')]
                .map(l => [l.hreflang, l.href]),
            og: Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')]
                .map(m => [m.getAttribute('property'), m.content])),
            jsonld: [...document.querySelectorAll('script[type="application/ld+json"]')]
                .map(s => s.textContent),
            mainAlt: document.querySelector('img.main').alt,
        })"""
    )
    assert head["title"] == "Café d’Éthiopie | Maison Lumière"
    assert head["canonical"] == f"{shop_online}/fr/produit/cafe-d-ethiopie/"
    assert head["hreflang"] == [
        ["fr", f"{shop_online}/fr/produit/cafe-d-ethiopie/"],
        ["en", f"{shop_online}/en/product/ethiopian-coffee/"],
        ["x-default", f"{shop_online}/fr/produit/cafe-d-ethiopie/"],
    ]
    assert head["og"]["og:type"] == "product"
    assert head["og"]["og:image"].startswith(f"{shop_online}/media/products/")
    types = [json.loads(block)["@type"] for block in head["jsonld"]]
    assert types == ["Product", "BreadcrumbList"]
    assert json.loads(head["jsonld"][0])["offers"]["price"] == "8.50"
    assert head["mainAlt"] == "Photo"
