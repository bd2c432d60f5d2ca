"""Shared test set-up: media in a temporary folder, a clean cache, a default shop,
and the guards that decide whether PostgreSQL-only and browser tests run.

On a developer's machine a missing PostgreSQL or chromium skips the tests that need it
with a message saying how to run them; with ``CI=true`` the same situation fails, so a
pipeline can never go green by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from comptoir.shops.models import Shop
from tests.factories import ShopFactory, build_catalog

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def database_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else "sqlite" if "sqlite" in engine else engine


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if database_vendor() == "postgresql":
        return
    # Not a failure even in CI: dev.py runs the suite a second time on PostgreSQL, where
    # these tests run (and fail loudly if that server is missing).
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/comptoir"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploaded images of the whole session go to a temporary folder, never to var/."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(media)):
        yield media


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    # Services called directly speak the active language; the site's default is French.
    # Tests read their messages in English unless a request (URL prefix) says otherwise.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _sandbox_webhooks_tried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # In a test-client test no server listens for the sandbox PSP's webhooks (the return
    # page confirms the payment): one attempt, instead of 15 s of retries and sleeps each
    # time a test runs the queued tasks. Tests of the retries pass their own arguments;
    # tests with real servers run real workers, which this does not touch.
    from functools import partial

    from comptoir.sandbox_psp import tasks as sandbox_tasks

    monkeypatch.setattr(sandbox_tasks, "deliver", partial(sandbox_tasks.deliver, attempts=1))


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Primary keys are reused after a rolled-back test, so a page cached by one test
    # would otherwise be served to the next one under the same shop id and version.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(db: None) -> Shop:
    """The default shop: it answers on every host name, in French and English."""
    return ShopFactory(
        code="maison",
        name="Maison Lumière",
        is_default=True,
        languages="fr,en",
        tagline="Thés et cafés de caractère",
    )


@pytest.fixture
def catalog(shop: Shop) -> dict[str, object]:
    return build_catalog(shop)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skipped when missing on a workstation, a failure in CI."""
    candidates = [
        os.environ.get("COMPTOIR_CHROMIUM", ""),
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
        "/usr/bin/chromium",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = (
        "chromium not found (set COMPTOIR_CHROMIUM, or install it: sudo apt-get install "
        "chromium); the browser tests did not run"
    )
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
