from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _private_root(tmp_path):
    """Stored PDFs go to a temporary private folder."""
    with override_settings(COMPTOIR_PRIVATE_ROOT=tmp_path / "private"):
        yield tmp_path / "private"


@pytest.fixture
def en_shop(shop):
    """The default shop, writing its documents in English (the msgids), so the assertions
    do not depend on the French catalogue."""
    shop.default_language = "en"
    shop.contact_email = "bonjour@lumiere.example"
    shop.save(update_fields=["default_language", "contact_email"])
    return shop
