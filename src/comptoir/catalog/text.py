"""Text helpers for the catalog: HTML sanitising, slugs and search normalisation."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

import nh3
from django.utils.text import slugify

# What a merchant may format a description with: structure, emphasis, lists, links and
# tables. No scripts, styles, event handlers, iframes or images from elsewhere.
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "small",
    "sub",
    "sup",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": {"colspan", "rowspan"}}
TAG_RE = re.compile(r"<[^>]+>")
SPACE_RE = re.compile(r"\s+")


# Built once: ``nh3.clean`` turned these options into a new sanitiser on every call (21 µs
# for a short description, against 3 µs for the sanitising itself).
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener nofollow",
)


def sanitize_html(raw: str) -> str:
    """Keep the formatting a description needs and drop everything that could run."""
    return _CLEANER.clean(raw or "").strip()


def html_to_text(value: str) -> str:
    return SPACE_RE.sub(" ", html.unescape(TAG_RE.sub(" ", value or ""))).strip()


# Letters that Unicode does not decompose into a base letter and an accent: without this,
# "cœur de bœuf" could be found neither as "coeur" nor as "cœur" (the query keeps a-z only).
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


WORD_RE = re.compile(r"\w+")


# Every combining mark of Unicode 16 lies in U+0300..U+1E94A; scanning a little beyond
# keeps the one-time cost of the table (first accented text a process normalises) small.
COMBINING_RANGE = range(0x0300, 0x1F000)


@functools.cache
def _combining_marks() -> dict[int, None]:
    """Every combining code point, for ``str.translate`` to drop: a bulk import normalises
    millions of characters, and a Python-level filter per character cost it seconds."""
    return {code: None for code in COMBINING_RANGE if unicodedata.combining(chr(code))}


NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _fold(run: str) -> str:
    """A run of non-ASCII characters (already lower case) without ligatures and accents."""
    decomposed = unicodedata.normalize("NFKD", run.translate(LIGATURES))
    return decomposed if decomposed.isascii() else decomposed.translate(_combining_marks())


# The short runs of Latin text ("é", "à", "n°") recur in every description.
_fold_short = functools.lru_cache(maxsize=4096)(_fold)


def _fold_match(match: re.Match[str]) -> str:
    run = match.group()
    return _fold_short(run) if len(run) <= 8 else _fold(run)


def normalize_for_search(value: str) -> str:
    """Lower case, accents removed, punctuation folded to spaces: 'Thé Vert' -> 'the vert'.

    Only the runs of non-ASCII characters are folded, the short ones remembered:
    ``translate`` over the whole text looked every character up in its tables in vain,
    which made a bulk import spend a tenth of its time here. Folding a run alone gives
    what folding the whole text gives: decomposition is per character, and the marks it
    could reorder across characters are all removed."""
    lowered = (value or "").lower()
    if not lowered.isascii():
        # Again after folding: a compatibility decomposition may give capitals (ℌ -> H).
        lowered = NON_ASCII_RE.sub(_fold_match, lowered).lower()
    # The words joined by one space: what replacing each run of other characters by a
    # space and stripping the ends gives, in a third less time.
    return " ".join(WORD_RE.findall(lowered))


# A value that is already a slug (a Shopify handle, most WooCommerce slugs) is its own
# slug: returned as it is, without the normalising below, which an import pays per row.
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def make_slug(value: str, max_length: int = 200) -> str:
    if len(value) <= max_length and SLUG_RE.fullmatch(value):
        return value
    slug = slugify(normalize_for_search(value))[:max_length].strip("-")
    return slug or "produit"
