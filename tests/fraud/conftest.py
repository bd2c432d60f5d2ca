from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from comptoir.fraud import geoip


@pytest.fixture(autouse=True)
def _tiny_resolver() -> Iterator[None]:
    """The IP country comes from the four addresses the tests know."""
    geoip.resolver.cache_clear()
    with override_settings(COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER="tests.fraud.helpers.TinyResolver"):
        yield
    geoip.resolver.cache_clear()
