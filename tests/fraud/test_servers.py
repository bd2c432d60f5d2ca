"""The payment step's rate limit is one count for every server process: two real servers
(two gunicorn workers each) hit at once from one address let exactly the limit through."""

from __future__ import annotations

import pytest

from comptoir.core.models import RateCounter
from comptoir.fraud.models import FraudSettings
from comptoir.orders.models import Order
from tests.reliability.test_servers import Shopper, two_servers  # noqa: F401 - fixture
from tests.selling import add_flat_shipping, make_variant, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_per_ip_limit_is_shared_by_every_server_process(shop, two_servers):  # noqa: F811
    # Given a limit of 12 payment steps per IP address, and 30 shoppers on 127.0.0.1
    FraudSettings.objects.create(shop=shop, payment_steps_per_ip=12)
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="MANY", stock=100)
    shoppers = [Shopper(two_servers[i % 2], f"s{i}@example.org") for i in range(30)]
    assert run_in_threads([lambda s=s: s.fill_basket(variant.pk) for s in shoppers]) == [None] * 30

    # When they all place their order at once, through both servers
    results = run_in_threads([s.place for s in shoppers], workers=16)

    # Then exactly 12 got through, whichever process served them; the rest were told to wait
    assert [r for r in results if isinstance(r, Exception)] == []
    statuses = sorted(status for status, _ in results)
    assert statuses == [303] * 12 + [429] * 18
    waits = [page for status, page in results if status == 429]
    assert all("Too many payment attempts. Please wait" in page for page in waits)
    assert Order.objects.count() == 12
    assert RateCounter.objects.get(key__contains=":ip:127.0.0.1").hits == 30
