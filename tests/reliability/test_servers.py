"""Two real server processes (``comptoir serve --no-worker``, gunicorn, two web workers
each) on 127.0.0.1 against the test database, hit over HTTP at the same time.

Shoppers go through the real pages (add to basket, checkout page, place the order) with
their own cookies, spread over both servers; the PSP's webhook is replayed to both servers
at once, as a PSP retrying after a timeout does."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils.translation import override

from comptoir.checkout.services import place_order
from comptoir.fraud.models import FraudSettings
from comptoir.inventory.models import StockMovement
from comptoir.orders.models import Order, OrderEvent, OrderNotification
from comptoir.orders.states import OrderStatus
from comptoir.payments.models import Payment, PaymentStatus, WebhookEvent
from comptoir.sandbox_psp import api as sandbox
from tests.reliability.smtp import free_port
from tests.reliability.test_concurrency import _paid_intent
from tests.reliability.test_crashes import environment
from tests.selling import (
    CHECKOUT_FORM,
    add_flat_shipping,
    details,
    make_cart,
    make_variant,
    run_in_threads,
)

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310
        except urllib.error.HTTPError:
            return  # it answered (405 on GET)
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def two_servers(shop) -> Iterator[list[str]]:
    env = environment()
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "comptoir",
                        "serve",
                        "--no-worker",
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{port}",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(f"{url}/payments/webhooks/sandbox/", process)
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def post(url: str, body: bytes, signature: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{url}/payments/webhooks/sandbox/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", sandbox.SIGNATURE_HEADER: signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


class Shopper:
    """A browser without JavaScript: its own cookies, posting the forms the server renders."""

    def __init__(self, base: str, email: str) -> None:
        self.base, self.email = base, email
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.form: dict[str, str] = {}

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def fill_basket(self, variant_id: int) -> None:
        status, _ = self.request(url("cart:add"), {"variant": str(variant_id), "quantity": "1"})
        assert status == 303, status
        status, page = self.request(url("checkout:checkout"))
        assert status == 200, status
        hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
        self.form = dict(hidden)
        assert {"csrfmiddlewaretoken", "cart", "cart_version", "quoted"} <= set(self.form)

    def place(self) -> tuple[int, str]:
        return self.request(
            url("checkout:checkout"),
            {
                **self.form,
                "email": self.email,
                **CHECKOUT_FORM,
                "action": "place",
            },
        )


def url(name: str) -> str:
    with override("en"):
        return reverse(name)


def test_200_shoppers_over_two_servers_buy_the_last_10_units(shop, two_servers):
    # Given the last 10 units, and 200 shoppers who each put one in their basket, through
    # either server
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="LAST-HTTP", stock=10)
    # All 200 come from 127.0.0.1: lift the payment step's per-IP limit (fraud screening,
    # tested in tests/fraud), or 170 of them would be told to wait (429).
    FraudSettings.objects.create(shop=shop, payment_steps_per_ip=1000)
    shoppers = [Shopper(two_servers[i % 2], f"s{i}@example.org") for i in range(200)]
    assert (
        run_in_threads([lambda s=s: s.fill_basket(variant.pk) for s in shoppers], workers=16)
        == [None] * 200
    )

    # When they all place their order at once
    results = run_in_threads([s.place for s in shoppers], workers=32)

    # Then 10 were sent to pay, 190 were told the item is gone, and no server failed
    assert [r for r in results if isinstance(r, Exception)] == []
    statuses = sorted(status for status, _ in results)
    assert statuses == [303] * 10 + [409] * 190
    refusals = [page for status, page in results if status == 409]
    assert all("LAST-HTTP is no longer available." in page for page in refusals)
    assert Order.objects.count() == 10
    assert Payment.objects.count() == 10
    assert sorted(Order.objects.values_list("number", flat=True)) == list(range(1, 11))
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (10, 10)


def test_a_webhook_replayed_to_two_server_processes_pays_once(shop, two_servers):
    # Given a placed order whose payment the PSP captured
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="TWO", stock=10)
    order = place_order(make_cart(shop, [(variant, 3)]), details())
    payment, intent = _paid_intent(order)
    payload = {
        "id": "evt_srv",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": intent,
    }
    body = sandbox.encode(payload)
    signature = sandbox.sign(body)

    # When the event is posted 12 times at once across both servers, then 4 more times
    results = run_in_threads(
        [lambda url=url: post(url, body, signature) for url in two_servers * 6], workers=12
    )
    results += [post(url, body, signature) for url in two_servers * 2]

    # Then every answer is 200 and the order was paid exactly once
    assert [r for r in results if isinstance(r, Exception) or r[0] != 200] == []
    assert sorted({text for _, text in results}) in (
        ["already confirmed", "duplicate", "paid"],
        ["duplicate", "paid"],
    )
    assert [text for _, text in results].count("paid") == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert WebhookEvent.objects.count() == 1
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert OrderNotification.objects.filter(kind="payment_confirmed").count() == 1
    assert StockMovement.objects.filter(reason="sold").count() == 1
    assert OrderEvent.objects.filter(kind="payment_confirmed").count() == 1
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (7, 0)
