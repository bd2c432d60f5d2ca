"""The sitemaps.org schemas, read in place from the shared formats folder next to the
repository (never copied into it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "formats", ROOT.parent.parent / "shared" / "formats"]
XHTML_LINK = Path(__file__).with_name("xhtml_link.xsd")


def formats_dir() -> Path:
    for candidate in CANDIDATES:
        if (candidate / "sitemaps" / "sitemap.xsd").exists():
            return candidate
    pytest.skip(
        "the sitemaps.org XSDs were not found in ../shared/formats/sitemaps/ next to the "
        "repository: the sitemap validation did not run"
    )


def schema(name: str, tmp_path: Path) -> etree.XMLSchema:
    """``sitemap.xsd`` or ``siteindex.xsd``, with the xhtml:link declaration beside it."""
    target = formats_dir() / "sitemaps" / name
    wrapper = tmp_path / f"wrapper-{name}"
    wrapper.write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        '<xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'schemaLocation="{target.as_uri()}"/>'
        '<xsd:import namespace="http://www.w3.org/1999/xhtml" '
        f'schemaLocation="{XHTML_LINK.as_uri()}"/>'
        "</xsd:schema>"
    )
    return etree.XMLSchema(etree.parse(str(wrapper)))


def assert_valid(xml: bytes, name: str, tmp_path: Path) -> etree._Element:
    document = etree.fromstring(xml)
    validator = schema(name, tmp_path)
    assert validator.validate(document), validator.error_log
    return document
