"""Storefront pages. Thin: parse the request, call the selectors, render."""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template import loader
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from comptoir.catalog import selectors
from comptoir.catalog.models import Category, Variant
from comptoir.core.money import Money
from comptoir.search.backends import get_search_backend
from comptoir.seo import head as seo_head
from comptoir.storefront.cache import cacheable
from comptoir.storefront.filters import BadQuery, parse_listing_filters, parse_page
from comptoir.storefront.stock import stock_state

PER_PAGE = 24
MAX_QUERY_LENGTH = 200


def root_redirect(request: HttpRequest) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    return HttpResponseRedirect(f"/{shop.default_language}/")


def _language(request: HttpRequest) -> str:
    language = get_language() or "fr"
    if language not in request.shop.language_codes:  # type: ignore[attr-defined]
        raise Http404
    return language


class NavLink(tuple):
    """A header category: ``(name, slug)`` as a theme's ``{% for name, slug in nav %}``
    unpacks it, with its ``url`` reversed once per cache fill rather than on every page."""

    name = property(lambda self: self[0])
    slug = property(lambda self: self[1])

    def __new__(cls, name: str, slug: str, url: str) -> NavLink:
        link = super().__new__(cls, (name, slug))
        link.url = url
        return link


def _nav(request: HttpRequest, language: str) -> list[NavLink]:
    """Top-level categories for the header; cached per catalog version like the pages.
    Their URLs depend on the active language (its prefix, the translated path) and on
    the request's script prefix and URLconf: the key names them too."""
    shop = request.shop  # type: ignore[attr-defined]
    key = (
        f"nav:{shop.pk}:{shop.catalog_version}:{language}:{get_language()}:"
        f"{get_script_prefix()}:{get_urlconf() or ''}"
    )
    nav = cache.get(key)
    if nav is None:
        nav = [
            (t.name, t.slug, reverse("storefront:category", kwargs={"slug": t.slug}))
            for t in selectors.child_categories(shop, language, None)
        ]
        cache.set(key, nav, 3600)
    return [NavLink(name, slug, url) for name, slug, url in nav]


def _alternates(
    request: HttpRequest, name: str, slugs: dict[str, str] | None = None, query: str = ""
) -> dict[str, str]:
    """URL of the same page in each of the shop's languages (hreflang, language switch)."""
    urls = {}
    for code in request.shop.language_codes:  # type: ignore[attr-defined]
        with override(code):
            if slugs is None:
                urls[code] = reverse(name) + query
            elif code in slugs:
                urls[code] = reverse(name, kwargs={"slug": slugs[code]}) + query
    return urls


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    language = context.get("language") or get_language()
    context.setdefault("nav", _nav(request, language))
    return render(request, template, context, status=status)


@require_safe
@cacheable
def home(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    shop = request.shop  # type: ignore[attr-defined]
    rows = selectors.home_rows(shop, language)
    alternates = _alternates(request, "storefront:home")
    root = seo_head.site_root(request)
    home_url = root + alternates[language]
    title = f"{shop.name} — {shop.tagline}" if shop.tagline else shop.name
    head = seo_head.build_head(
        request,
        title=title,
        description=seo_head.describe(
            shop.tagline, _("%(shop)s, our online shop.") % {"shop": shop.name}
        ),
        canonical_path=alternates[language],
        alternates=alternates,
        jsonld=[
            seo_head.organization_jsonld(shop, root, home_url),
            seo_head.website_jsonld(shop, home_url, root + reverse("storefront:search"), language),
        ],
    )
    return _page(
        request,
        "storefront/home.html",
        {
            "language": language,
            "featured": rows["featured"],
            "newest": rows["newest"],
            "categories": selectors.child_categories(shop, language, None),
            "alternates": alternates,
            "head": head,
        },
    )


@require_safe
@cacheable
def category(request: HttpRequest, slug: str) -> HttpResponse:
    language = _language(request)
    shop = request.shop  # type: ignore[attr-defined]
    found = selectors.category_by_slug(shop, language, slug)
    if found is None:
        raise Http404
    try:
        filters = parse_listing_filters(request.GET)
        page_number = parse_page(request.GET)
    except BadQuery as error:
        return bad_request(request, error)
    node: Category = found.category
    listing = selectors.category_products(shop, node, filters)
    offset = (page_number - 1) * PER_PAGE
    ids = list(listing.values_list("pk", flat=True)[offset : offset + PER_PAGE])
    # Only a full page can have more after it: most category pages skip the COUNT.
    if len(ids) == PER_PAGE:
        total = listing.count()
    elif ids or page_number == 1:
        total = offset + len(ids)
    else:
        raise Http404
    pages = max(1, math.ceil(total / PER_PAGE))
    paths = selectors.category_path(node)
    translations = {code: path[-1].slug for code, path in paths.items() if path}
    # Each page of a listing is its own canonical page; its filtered and sorted variants
    # point back to it and stay out of the index.
    page_query = f"?page={page_number}" if page_number > 1 else ""
    alternates = _alternates(request, "storefront:category", translations, query=page_query)
    breadcrumb = paths.get(language, [])
    root = seo_head.site_root(request)
    title = found.meta_title or found.name
    if page_number > 1:
        title = f"{title} — {_('page %(page)s') % {'page': page_number}}"
    head = seo_head.build_head(
        request,
        title=f"{title} | {shop.name}",
        description=seo_head.describe(
            found.meta_description,
            found.description,
            _("%(category)s at %(shop)s.") % {"category": found.name, "shop": shop.name},
        ),
        canonical_path=alternates[language],
        alternates=alternates,
        noindex=filters.is_filtered or "sort" in request.GET,
        jsonld=[_breadcrumb_jsonld(request, root, breadcrumb)],
    )
    return _page(
        request,
        "storefront/category.html",
        {
            "language": language,
            "category": found,
            "breadcrumb": breadcrumb,
            "children": selectors.child_categories(shop, language, node),
            "products": selectors.products_in_order(shop, language, ids),
            "total": total,
            "page": page_number,
            "pages": pages,
            "filters": filters,
            "facets": _facets(shop, node),
            "selected_options": set(request.GET.getlist("o")),
            "sorts": _sort_labels(),
            "alternates": alternates,
            "head": head,
        },
    )


def _facets(shop: Any, node: Category) -> selectors.Facets:
    """The filter choices of a category: the same for every page, sort and filter of it,
    so computed once per catalog version."""
    key = f"facets:{shop.pk}:{shop.catalog_version}:{node.pk}"
    facets = cache.get(key)
    if facets is None:
        facets = selectors.category_facets(shop, node)
        cache.set(key, facets, 3600)
    return facets


@require_safe
@cacheable
def product(request: HttpRequest, slug: str) -> HttpResponse:
    language = _language(request)
    shop = request.shop  # type: ignore[attr-defined]
    row = selectors.product_by_slug(shop, language, slug)
    if row is None:
        raise Http404
    item = row.product
    variants = list(item.variants.all())
    options = [po.option for po in item.product_options.all()]
    selected = _selected_variant(variants, options, request.GET)
    images = list(item.images.all())
    selected_images = [img for img in images if img.variant_id == selected.pk] if selected else []
    gallery = selected_images + [img for img in images if img not in selected_images]
    choices = _option_choices(variants, options, selected)
    slugs = {t.language: t.slug for t in item.translations.all()}
    breadcrumb = selectors.category_path(item.category).get(language, []) if item.category else []
    alternates = _alternates(request, "storefront:product", slugs)
    stock = stock_state(item, selected, shop)
    head = _product_head(request, row, item, selected, gallery, breadcrumb, alternates, stock)
    return _page(
        request,
        "storefront/product.html",
        {
            "language": language,
            "row": row,
            "product": item,
            "variant": selected,
            "variants": variants,
            "choices": choices,
            "gallery": gallery,
            "stock": stock,
            "breadcrumb": breadcrumb,
            "alternates": alternates,
            "head": head,
        },
    )


def _breadcrumb_jsonld(
    request: HttpRequest, root: str, breadcrumb: list[Any], current: tuple[str, str] | None = None
) -> dict[str, Any]:
    items = [(_("Home"), root + reverse("storefront:home"))]
    items += [
        (node.name, root + reverse("storefront:category", kwargs={"slug": node.slug}))
        for node in breadcrumb
    ]
    if current:
        items.append(current)
    return seo_head.breadcrumb_jsonld(items)


def _product_head(
    request: HttpRequest,
    row: Any,
    item: Any,
    variant: Variant | None,
    gallery: list[Any],
    breadcrumb: list[Any],
    alternates: dict[str, str],
    stock: Any,
) -> seo_head.Head:
    shop = request.shop  # type: ignore[attr-defined]
    language = row.language
    root = seo_head.site_root(request)
    url = root + alternates[language]
    price = Money(variant.price, shop.currency) if variant else None
    description = seo_head.describe(
        row.meta_description,
        row.description,
        _("%(product)s at %(shop)s: %(price)s.")
        % {"product": row.name, "shop": shop.name, "price": price.format() if price else ""},
    )
    images = [seo_head.image_url(image, root) for image in gallery]
    terms = seo_head.offer_terms(shop)
    shipping = (
        terms.shipping(weight_grams=variant.weight_grams or 0, price=variant.price)
        if variant is not None
        else None
    )
    product_data = seo_head.product_jsonld(
        shop=shop,
        name=row.name,
        description=description,
        url=url,
        product=item,
        variant=variant,
        availability=stock.schema_availability,
        images=images,
        shipping=shipping,
        return_days=terms.return_days,
        free_returns=terms.free_returns,
    )
    return seo_head.build_head(
        request,
        title=f"{row.meta_title or row.name} | {shop.name}",
        description=description,
        canonical_path=alternates[language],
        alternates=alternates,
        og_type="product",
        image=images[0] if images else "",
        image_alt=(gallery[0].alt_text(language) or row.name) if gallery else "",
        price=(f"{price.amount}", price.currency) if price else None,
        jsonld=[product_data, _breadcrumb_jsonld(request, root, breadcrumb, (row.name, url))],
    )


@require_safe
@cacheable
def search(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    shop = request.shop  # type: ignore[attr-defined]
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        return bad_request(
            request,
            BadQuery(_("Search for at most %(max)s characters.") % {"max": MAX_QUERY_LENGTH}),
        )
    try:
        page_number = parse_page(request.GET)
    except BadQuery as error:
        return bad_request(request, error)
    result = get_search_backend().search(
        shop_id=shop.pk,
        language=language,
        query=query,
        offset=(page_number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    pages = max(1, math.ceil(result.total / PER_PAGE))
    if page_number > pages:
        raise Http404
    encoded = request.GET.urlencode()
    return _page(
        request,
        "storefront/search.html",
        {
            "language": language,
            "query": query,
            "products": selectors.products_in_order(shop, language, result.product_ids),
            "total": result.total,
            "total_is_capped": result.total_is_capped,
            "page": page_number,
            "pages": pages,
            "noindex": True,
            "alternates": _alternates(
                request, "storefront:search", query=f"?{encoded}" if encoded else ""
            ),
        },
    )


def _sort_labels() -> list[tuple[str, str]]:
    return [
        ("best", _("Best sellers")),
        ("newest", _("Newest")),
        ("price", _("Price, low to high")),
        ("-price", _("Price, high to low")),
    ]


def _selected_variant(variants: list[Variant], options: list[Any], query: Any) -> Variant | None:
    """The variant whose option values match the query, else the first available one."""
    if not variants:
        return None
    wanted = {opt.pk: query.get(opt.code) for opt in options if query.get(opt.code)}
    if wanted:

        def score(variant: Variant) -> tuple[int, bool]:
            values = {v.option_id: v.code for v in variant.option_values.all()}
            matched = sum(1 for opt_id, code in wanted.items() if values.get(opt_id) == code)
            return matched, variant.is_available

        best = max(variants, key=score)
        if score(best)[0] > 0:
            return best
    return next((v for v in variants if v.is_available), variants[0])


def _option_choices(
    variants: list[Variant], options: list[Any], selected: Variant | None
) -> list[dict[str, Any]]:
    """For each option, the values some variant has, in order, with the selected one marked."""
    chosen = {v.option_id: v.pk for v in selected.option_values.all()} if selected else {}
    choices = []
    for option in options:
        seen: dict[int, Any] = {}
        for variant in variants:
            for value in variant.option_values.all():
                if value.option_id == option.pk:
                    seen.setdefault(value.pk, value)
        values = sorted(seen.values(), key=lambda v: (v.position, v.code))
        choices.append(
            {
                "option": option,
                "values": [(value, value.pk == chosen.get(option.pk)) for value in values],
            }
        )
    return choices


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (
        str(exception)
        if isinstance(exception, BadQuery)
        else _("This request could not be understood.")
    )
    return _error_page(request, "400.html", {"message": message}, status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "404.html", {}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No database and no context processors here: the error may be theirs.
    body = loader.get_template("500.html").render({})
    return HttpResponse(body, status=500)


def _error_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int,
) -> HttpResponse:
    shop = getattr(request, "shop", None)
    if shop is not None:
        language = get_language() or shop.default_language
        context.setdefault("nav", _nav(request, language))
    body = loader.render_to_string(template, context, request=request)
    return HttpResponse(body, status=status)
