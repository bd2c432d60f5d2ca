"""French and English ship complete: every message translated, and the compiled catalogs
match their sources (a .mo left behind after editing a .po fails here)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

import comptoir

LOCALE = Path(comptoir.__file__).parent / "locale"
ENTRY = re.compile(
    r'^(?P<flags>(?:#.*\n)*)msgid (?P<id>"(?:.*)"\n(?:".*"\n)*)'
    r'(?:msgid_plural (?P<plural>"(?:.*)"\n(?:".*"\n)*))?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? "(?:.*)"\n(?:".*"\n)*)+)',
    re.MULTILINE,
)
MSGSTR = re.compile(r'msgstr(?:\[\d\])? (?P<s>"(?:.*)"\n(?:".*"\n)*)')


def _join(quoted: str) -> str:
    return "".join(ast.literal_eval(line) for line in quoted.strip().splitlines())


def po_entries(language: str) -> list[tuple[str, str | None, list[str], str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8") + "\n"
    entries = []
    for match in ENTRY.finditer(text):
        msgid = _join(match["id"])
        if not msgid:
            continue  # the header
        plural = _join(match["plural"]) if match["plural"] else None
        strs = [_join(m["s"]) for m in MSGSTR.finditer(match["strs"])]
        entries.append((msgid, plural, strs, match["flags"]))
    return entries


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_message_is_translated(language):
    entries = po_entries(language)

    untranslated = [msgid for msgid, _, strs, _ in entries if not all(strs)]
    fuzzy = [msgid for msgid, _, _, flags in entries if "fuzzy" in flags]

    assert len(entries) > 100
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalog_matches_its_source(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)

    stale = []
    for msgid, plural, strs, _ in po_entries(language):
        if plural is None:
            if catalog.gettext(msgid) != strs[0]:
                stale.append(msgid)
        elif catalog.ngettext(msgid, plural, 1) != strs[0]:
            stale.append(msgid)

    assert stale == []


def test_french_is_really_french():
    with open(LOCALE / "fr" / "LC_MESSAGES" / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)

    assert catalog.gettext("Search") == "Rechercher"
    assert catalog.gettext("product/<slug:slug>/") == "produit/<slug:slug>/"
    assert catalog.ngettext("%(counter)s product", "%(counter)s products", 2) == (
        "%(counter)s produits"
    )
