"""What a storefront page tells search engines and social networks in its <head>:
canonical address, hreflang alternates, description, OpenGraph and Twitter cards, and the
schema.org JSON-LD blocks Google reads (Product, BreadcrumbList, Organization, WebSite).

Built from what the view already loaded: no query of its own except the shipping rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.text import Truncator

from comptoir.catalog.text import html_to_text
from comptoir.seo.models import SeoSettings
from comptoir.shipping.models import ShippingMethod, ShippingZone
from comptoir.shipping.services import quote
from comptoir.shops.models import Shop

DESCRIPTION_LENGTH = 155
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
SCHEMA = "https://schema.org"


@dataclass
class Head:
    title: str
    description: str
    canonical: str  # absolute
    alternates: dict[str, str] = field(default_factory=dict)  # language -> absolute URL
    x_default: str = ""
    noindex: bool = False
    og_type: str = "website"
    image: str = ""
    image_alt: str = ""
    locale: str = ""
    price: tuple[str, str] | None = None  # (amount, currency) for og product:price
    jsonld: list[dict[str, Any]] = field(default_factory=list)


def site_root(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def build_head(
    request: HttpRequest,
    *,
    title: str,
    description: str,
    canonical_path: str,
    alternates: dict[str, str],
    noindex: bool = False,
    **extra: Any,
) -> Head:
    """``alternates`` are the relative URLs the language switch uses."""
    shop: Shop = request.shop  # type: ignore[attr-defined]
    root = site_root(request)
    absolute = {code: root + url for code, url in alternates.items()}
    language = getattr(request, "LANGUAGE_CODE", shop.default_language)
    return Head(
        title=title,
        description=description,
        canonical=root + canonical_path,
        alternates=absolute if len(absolute) > 1 else {},
        x_default=absolute.get(shop.default_language, "") if len(absolute) > 1 else "",
        noindex=noindex,
        locale=OG_LOCALES.get(language, language),
        **extra,
    )


def plain_text(html: str) -> str:
    text = " ".join(html_to_text(html or "").split())
    # Tags become spaces in the plain text, also before the full stop that ends them.
    return re.sub(r"\s+([.,])", r"\1", text)


def describe(*candidates: str) -> str:
    """The first non-empty text, as plain text of at most 155 characters."""
    for candidate in candidates:
        text = plain_text(candidate)
        if text:
            return Truncator(text).chars(DESCRIPTION_LENGTH)
    return ""


def image_url(image: Any, root: str) -> str:
    """The largest rendition of an image (else the original), as an absolute URL."""
    if not image:
        return ""
    renditions = image.renditions or {}
    name = renditions[max(renditions, key=int)] if renditions else image.original.name
    url = default_storage.url(name)
    return url if url.startswith("http") else root + url


@dataclass(frozen=True)
class OfferTerms:
    """Shipping and returns, the same for every product of a shop."""

    methods: list[ShippingMethod]  # active methods delivering in the shop's own country
    return_days: int
    free_returns: bool

    def shipping(self, *, weight_grams: int, price: Decimal) -> Decimal | None:
        """The lowest delivery price of one unit, None when no method delivers it."""
        prices = [quote(m, weight_grams=weight_grams, goods_amount=price) for m in self.methods]
        known = [p for p in prices if p is not None]
        return min(known) if known else None


METHOD_FIELDS = ("id", "code", "kind", "price", "bands", "free_over", "is_active", "position")


def offer_terms(shop: Shop) -> OfferTerms:
    """Read once per catalog version and cached for a few minutes: product pages and
    feeds ask for every product."""
    key = f"offer-terms:{shop.pk}:{shop.catalog_version}"
    terms = cache.get(key)
    if terms is None:
        terms = _read_offer_terms(shop)
        cache.set(key, terms, 300)
    return terms


def _read_offer_terms(shop: Shop) -> OfferTerms:
    # One query (shop, its settings, zones and methods joined) rather than three: this
    # runs on uncached product pages, which have a budget of ten queries.
    rows = list(
        Shop.objects.filter(pk=shop.pk)
        .values(
            "seo_settings__return_days",
            "seo_settings__free_returns",
            "shipping_zones__id",
            "shipping_zones__countries",
            *(f"shipping_zones__methods__{name}" for name in METHOD_FIELDS),
        )
        .order_by("shipping_zones__position", "shipping_zones__id")
    )
    first = rows[0] if rows else {}
    return_days = first.get("seo_settings__return_days")
    free_returns = bool(first.get("seo_settings__free_returns"))
    zones: dict[int, tuple[list[str], list[ShippingMethod]]] = {}
    for row in rows:
        if row["shipping_zones__id"] is None:
            continue
        countries = ShippingZone(countries=row["shipping_zones__countries"]).country_codes
        methods = zones.setdefault(row["shipping_zones__id"], (countries, []))[1]
        if (
            row["shipping_zones__methods__id"] is not None
            and row["shipping_zones__methods__is_active"]
        ):
            fields = {name: row[f"shipping_zones__methods__{name}"] for name in METHOD_FIELDS}
            methods.append(ShippingMethod(**fields))
    # The zone shipping.services.zone_for would pick: the one naming the country, else
    # the first catch-all.
    country = shop.country.upper()
    chosen = next((m for codes, m in zones.values() if country in codes), None)
    if chosen is None:
        chosen = next((m for codes, m in zones.values() if "*" in codes), [])
    chosen.sort(key=lambda m: (m.position, m.pk))
    return OfferTerms(
        methods=chosen,
        return_days=(
            SeoSettings._meta.get_field("return_days").default
            if return_days is None
            else return_days
        ),
        free_returns=free_returns,
    )


def breadcrumb_jsonld(items: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(items, start=1)
        ],
    }


def organization_jsonld(shop: Shop, root: str, home_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Organization",
        "@id": f"{root}/#organization",
        "name": shop.name,
        "url": home_url,
    }
    if shop.logo:
        url = shop.logo.url
        data["logo"] = url if url.startswith("http") else root + url
    if shop.contact_email:
        data["email"] = shop.contact_email
        data["contactPoint"] = {
            "@type": "ContactPoint",
            "contactType": "customer service",
            "email": shop.contact_email,
        }
    return data


def website_jsonld(shop: Shop, home_url: str, search_url: str, language: str) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": shop.name,
        "url": home_url,
        "inLanguage": language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search_url}?q={{search_term}}"},
            "query-input": "required name=search_term",
        },
    }


def product_jsonld(
    *,
    shop: Shop,
    name: str,
    description: str,
    url: str,
    product: Any,
    variant: Any,
    availability: str,
    images: list[str],
    shipping: Decimal | None,
    return_days: int,
    free_returns: bool,
) -> dict[str, Any]:
    """Product with one Offer for the variant shown: what Google asks for a merchant
    listing (price, currency, availability, identifiers, shipping and returns)."""
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": name,
        "url": url,
        "description": description,
    }
    if images:
        data["image"] = images
    if product.brand is not None:
        data["brand"] = {"@type": "Brand", "name": product.brand.name}
    if variant is None:
        return data
    data["sku"] = variant.sku
    if variant.gtin:
        data["gtin"] = variant.gtin
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": url,
        "price": f"{variant.price:.2f}",
        "priceCurrency": shop.currency,
        "availability": f"{SCHEMA}/{availability}",
        "itemCondition": f"{SCHEMA}/NewCondition",
        "seller": {"@type": "Organization", "name": shop.name},
    }
    if shipping is not None and product.kind == "physical":
        offer["shippingDetails"] = {
            "@type": "OfferShippingDetails",
            "shippingRate": {
                "@type": "MonetaryAmount",
                "value": f"{shipping:.2f}",
                "currency": shop.currency,
            },
            "shippingDestination": {"@type": "DefinedRegion", "addressCountry": shop.country},
        }
    policy: dict[str, Any] = {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": shop.country,
    }
    if return_days:
        policy.update(
            returnPolicyCategory=f"{SCHEMA}/MerchantReturnFiniteReturnWindow",
            merchantReturnDays=return_days,
            returnMethod=f"{SCHEMA}/ReturnByMail",
            returnFees=f"{SCHEMA}/{'FreeReturn' if free_returns else 'ReturnShippingFees'}",
        )
    else:
        policy["returnPolicyCategory"] = f"{SCHEMA}/MerchantReturnNotPermitted"
    offer["hasMerchantReturnPolicy"] = policy
    data["offers"] = offer
    return data
