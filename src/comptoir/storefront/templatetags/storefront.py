from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import format_html

from comptoir.core.money import Money

register = template.Library()


@register.simple_tag(takes_context=True)
def price(context: dict[str, Any], amount: Decimal | None) -> str:
    shop = context.get("shop")
    if amount is None:
        return ""
    if not isinstance(amount, Decimal):  # an amount kept as text (an email's context)
        amount = Decimal(str(amount))
    return Money(amount, shop.currency if shop else "EUR").format()


@register.simple_tag
def picture(
    image: Any,
    alt: str,
    sizes: str = "(max-width: 40em) 50vw, 25vw",
    eager: bool = False,
    css_class: str = "",
) -> str:
    """An <img> with srcset over the WebP renditions, lazy unless ``eager``."""
    # An empty gallery gives "" (the template's missing value), not None.
    if not image:
        return format_html(
            '<div class="noimg {}" role="img" aria-label="{}"></div>', css_class, alt
        )
    renditions = image.renditions or {}
    url = default_storage.url
    if renditions:
        widths = sorted(renditions, key=int)
        srcset = ", ".join(f"{url(renditions[w])} {w}w" for w in widths)
        src = url(renditions[widths[min(1, len(widths) - 1)]])
    else:
        srcset, src = "", url(image.original.name)
    width, height = image.width or 1, image.height or 1
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" width="{}" height="{}" '
        'loading="{}" decoding="async" class="{}">',
        src,
        srcset,
        sizes,
        alt,
        width,
        height,
        "eager" if eager else "lazy",
        css_class,
    )


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with ``changes`` applied (None removes a key)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def media_url(name: str) -> str:
    return default_storage.url(name) if name else ""


@register.simple_tag
def debug_enabled() -> bool:
    return settings.DEBUG


# What must not appear raw inside a <script>: the JSON stays valid, the HTML parser is
# never told the script ended.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def jsonld(data: Any) -> str:
    import json

    from django.utils.safestring import mark_safe

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped above


@register.filter
def alt_or(image: Any, fallback: str) -> str:
    """The image's alternative text in the current language, else ``fallback`` (the
    product's name): an image is never left without one."""
    if not image:
        return fallback
    return image.alt_text(fallback=fallback) or fallback
