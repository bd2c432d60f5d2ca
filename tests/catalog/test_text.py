"""The catalog's text helpers give exactly what their former, slower forms gave: the
search index, slugs and stored descriptions of existing shops must not move."""

from __future__ import annotations

import random
import re
import unicodedata

import nh3
import pytest

from comptoir.catalog.text import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LIGATURES,
    make_slug,
    normalize_for_search,
    sanitize_html,
)


def reference_normalize(value: str) -> str:
    """``normalize_for_search`` as it was written before only non-ASCII runs were folded."""
    decomposed = unicodedata.normalize("NFKD", (value or "").lower().translate(LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", stripped.lower()).strip()


def reference_sanitize(raw: str) -> str:
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    ).strip()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thé Vert", "the vert"),
        ("Cœur de BŒUF", "coeur de boeuf"),
        ("Tasse n° 12, émaillée à la main.", "tasse n 12 emaillee a la main"),
        ("ℌello ﬁne", "hello fine"),
        ("", ""),
        ("plain-ascii TEXT", "plain ascii text"),
    ],
)
def test_normalize_for_search_examples(value: str, expected: str) -> None:
    assert normalize_for_search(value) == expected


def test_normalize_for_search_matches_the_whole_text_folding_for_every_code_point() -> None:
    # Given every character up to the supplementary planes, alone and among others
    # (accents and marks around it, a final sigma after it)
    for code in range(0x30000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        for value in (char, f"A{char}\u0301b", f"é{char.upper()}Σ", f"{char}\u0327\u0301x{char}"):
            # Then the fast form gives exactly the reference's result
            assert normalize_for_search(value) == reference_normalize(value), hex(code)


def test_normalize_for_search_matches_the_reference_on_random_mixed_text() -> None:
    rng = random.Random(5)
    pool = [chr(c) for c in range(0x2100)] + list("œæßøłđΣΩ\u0301\u0308\u034fﬁ한글")
    for _ in range(20_000):
        value = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        assert normalize_for_search(value) == reference_normalize(value), repr(value)


def test_long_non_ascii_runs_are_folded_without_being_remembered() -> None:
    text = "Чай зелёный " * 50 + "Ῥόδος" * 40
    assert normalize_for_search(text) == reference_normalize(text)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "  plain text  ",
        "<p>Tasse n° 1, émaillée à la main.</p>",
        '<p onclick="x()">a<script>alert(1)</script><b>b</b></p>',
        '<a href="javascript:alert(1)">x</a><a href="https://ex.invalid/?a=1&b=2">y</a>',
        '<a href="mailto:a@b.invalid" target="_blank" rel="x">m</a>',
        "<table><tr><td colspan=2 style='x'>1</td></tr></table><img src=x>",
        "a < b & c > d \r\n &amp; &nbsp; \u00a0 <!-- comment -->",
        "<h1>Title</h1><h2>Sub</h2><iframe src=//x></iframe>",
    ],
)
def test_sanitize_html_gives_what_nh3_clean_gives(raw: str) -> None:
    assert sanitize_html(raw) == reference_sanitize(raw)


def test_make_slug_still_folds_accents() -> None:
    assert make_slug("Thé Vert Bio") == "the-vert-bio"
    assert make_slug("déjà-vu") == "deja-vu"
