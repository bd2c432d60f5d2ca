"""Checkout benchmark: full guest checkouts paid with the sandbox card, then order
placement by concurrent buyers.

    .venv/bin/python bench/checkout.py --db sqlite --flows 50 --buyers 16 --orders 400
    .venv/bin/python bench/checkout.py --db postgres --flows 50 --buyers 16 --orders 400
    (--threads 1 for gunicorn's sync workers instead of 2 processes x 4 threads)

It generates a small catalog into a fresh data dir / database, gives every variant plenty
of stock and the shop a flat-rate shipping zone for FR, serves it the way production does
(``comptoir serve --no-worker --workers 2 --threads 4``: two server processes, with
``COMPTOIR_ENV=production``, DEBUG off, collected static files;
``COMPTOIR_SANDBOX_PAYMENTS=true`` so the sandbox card is offered) and
drives it over real HTTP on 127.0.0.1 with a small ``http.client`` browser of its own:

1. sequential flows: product page, add to basket, checkout page, place the order, the
   sandbox PSP's hosted card page, the card posted, back to the order page (``?return=1``,
   which confirms the payment), checked to say the payment is confirmed;
2. placement throughput: ``--buyers`` threads, each its own cookies, place ``--orders``
   orders (add to basket, checkout page, place; stopped at the redirect to the PSP).

Afterwards it counts rows (orders, reservations, stock) to check nothing was lost or
counted twice, prints a table and writes JSON to ``bench/results/``.

Server time is measured inside the server: every response carries a ``Server-Timing:
app;dur=…`` header (``comptoir.core.middleware.ServerTimingMiddleware``, the outermost
middleware), and a flow's server time is the sum over its 7 requests. The client's wall
time per request (connect, send, full response read on 127.0.0.1) is reported beside it:
on a 2-core machine shared with the load generator it also holds the client's own time
and the wait for a core.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storefront import (  # noqa: E402
    PG_URL,
    RESULTS,
    ROOT,
    VENV_BIN,
    Server,
    comptoir,
    psql,
    reference_workload,
)

FLOW_TARGET_MS = 60.0  # median of the whole flow's requests
PLACE_TARGET_RPS = 100.0  # orders/s on PostgreSQL with two server processes
STOCK = 100_000
CARD = {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "Jeanne Martin"}
ADDRESS = {
    "email": "jeanne@example.org",
    "shipping-first_name": "Jeanne",
    "shipping-last_name": "Martin",
    "shipping-line1": "12 rue des Lilas",
    "shipping-postal_code": "69003",
    "shipping-city": "Lyon",
    "shipping-country": "FR",
    "billing_same": "on",
    "shipping_method": "colissimo",
    "payment_method": "sandbox",
    "discount_code": "",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="gunicorn worker processes for the server (default 2: 'two server processes')",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker process (default 4, gthread: a process keeps its core busy "
        "while a thread waits on the database; 1: gunicorn's sync workers)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--name",
        default="bench-checkout",
        help="data dir /tmp/NAME-DB and PostgreSQL database NAME (sessions sharing a machine "
        "each pass their own)",
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--src",
        default="",
        help="serve the code of this src/ folder instead of the working tree's (experiments)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one flow in-process (cProfile)"
    )
    args = parser.parse_args()

    env = prepare(args)
    setup = json.loads(django(env, SETUP_HELPER))
    urls, Flow.checkout = setup["products"], setup["checkout"]
    print(f"{len(urls)} product pages to buy from, stock {STOCK} per variant", flush=True)
    results: dict = {
        "db": args.db,
        "products": args.products,
        "workers": args.workers,
        "src": args.src or "working tree",
        "threads": args.threads,
        "server": f"one `comptoir serve --no-worker --workers {args.workers} --threads "
        f"{args.threads}` (gunicorn, {args.workers} "
        f"{'sync' if args.threads == 1 else f'gthread x{args.threads}'} worker processes)",
        "server_time": "Server-Timing app;dur of each response (wall time inside the server), "
        "summed per flow; cpu;dur the server thread's CPU time; client wall time per request "
        "on 127.0.0.1 (connect to last byte) beside them",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "reference_ms": reference_workload(),
    }
    rng = random.Random(args.seed)
    server_env = dict(env, WEB_THREADS=str(args.threads))
    with Server.gunicorn(server_env, args.workers, args.port) as server:
        with urllib.request.urlopen(server.base + "/fr/", timeout=10) as response:
            Flow.server_timing = bool(response.headers.get("Server-Timing"))
        if not Flow.server_timing:
            print("no Server-Timing header: the client's times stand for the server's")
            results["server_time"] = "client-side wall time (the served code has no Server-Timing)"
        # Two warm-up flows per worker process: imports and first queries are not counted.
        for _ in range(args.workers * 2):
            Flow(server.base).run(rng.choice(urls))
        before = json.loads(django(env, COUNT_HELPER))
        results["flows"] = run_flows(server.base, urls, args.flows, rng)
        after_flows = json.loads(django(env, COUNT_HELPER))
        results["placement"] = run_placement(
            server.base, urls, args, rng, CpuMeter(server, env.get("DATABASE_URL", ""))
        )
        after = json.loads(django(env, COUNT_HELPER))
        results["worker_peak_rss_mb"] = max(server.peak_rss_kb.values(), default=0) / 1024
    results["checks"] = check(before, after_flows, after, results)
    if args.profile:
        results["profile"] = profile(env, urls[-10:])
    results["counts"] = {"before": before, "after_flows": after_flows, "after": after}
    print_table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"checkout-{args.db}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out.relative_to(ROOT)}")
    if not all(c["ok"] for c in results["checks"]):
        sys.exit(1)


# --- the data -----------------------------------------------------------------------------


def production_env(data_dir: Path) -> dict[str, str]:
    """The environment the benchmark's server runs in: production settings, the sandbox
    card offered, nothing of the caller's own configuration."""
    env = dict(
        os.environ,
        COMPTOIR_DATA_DIR=str(data_dir),
        COMPTOIR_ENV="production",
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        COMPTOIR_SERVE_MEDIA="false",
        COMPTOIR_SANDBOX_PAYMENTS="true",
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    for name in ("CACHE_URL", "PYTHONPATH", "COMPTOIR_THEME_DIR"):
        env.pop(name, None)
    return env


def prepare(args: argparse.Namespace) -> dict[str, str]:
    """A fresh data dir (and database) with a generated catalog, and a production env."""
    data_dir = Path(f"/tmp/{args.name}-{args.db}")
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = production_env(data_dir)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
        print(f"running the code in {env['PYTHONPATH']}")
    if args.db == "postgres":
        name = "comptoir_" + args.name.replace("-", "_")
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{PG_URL}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    comptoir(env, "migrate", "-v0")
    print(f"generating {args.products} products into {data_dir} ({args.db})...", flush=True)
    out = comptoir(
        env, "generate_catalog", "--products", str(args.products), "--seed", str(args.seed),
        capture=True,
    )  # fmt: skip
    print(out.strip().splitlines()[-1])
    comptoir(env, "collectstatic", "--noinput", "-v0")
    return env


SETUP_HELPER = r"""
import json
from decimal import Decimal
from django.db import transaction
from django.urls import reverse
from django.utils.translation import override
from comptoir.catalog.models import Product, ProductStatus, ProductTranslation, Variant
from comptoir.billing.models import SellerIdentity
from comptoir.fraud.models import FraudSettings
from comptoir.shipping.models import RateKind, ShippingMethod, ShippingZone
from comptoir.shops.models import Shop
from comptoir.shops.services import bump_catalog_version

shop = Shop.objects.get(code="bench")
with transaction.atomic():
    Variant.objects.filter(shop=shop).update(
        stock_quantity=__STOCK__, reserved_quantity=0, track_stock=True)
    Product.objects.filter(shop=shop).update(in_stock=True, allow_backorder=False)
    zone = ShippingZone.objects.create(shop=shop, name="France", countries="FR")
    ShippingMethod.objects.create(zone=zone, code="colissimo", kind=RateKind.FLAT,
                                  labels={"fr": "Colissimo", "en": "Colissimo"},
                                  price=Decimal("4.90"))
    # Every buyer comes from 127.0.0.1, the flows with one email address: lift the payment
    # step's limits and the velocity rules (fraud screening), or most placements would be
    # answered 429 and the flows' orders cancelled as card testing.
    FraudSettings.objects.update_or_create(shop=shop, defaults={
        "payment_steps_per_ip": 10**6, "payment_steps_per_session": 10**6,
        "velocity_orders": 10**6, "velocity_attempts": 10**6})
    # A shop that sells has its legal identity complete (its invoices need it; an
    # incomplete one keeps an inbox item open, refreshed by every payment).
    SellerIdentity.objects.update_or_create(shop=shop, defaults={
        "legal_name": "Banc d'essai SAS", "legal_form": "SAS", "share_capital": "1 000 EUR",
        "address": "1 rue du Banc\n69001 Lyon", "siren": "123456789",
        "siret": "12345678900012", "rcs_city": "Lyon", "vat_number": "FR32123456789"})
    bump_catalog_version(shop.pk)
ids = list(Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE)
           .order_by("pk").values_list("pk", flat=True)[:300])
products = []
for slug in (ProductTranslation.objects.filter(shop=shop, product_id__in=ids, language="fr")
             .values_list("slug", flat=True)):
    with override("fr"):
        products.append(reverse("storefront:product", kwargs={"slug": slug}))
with override("fr"):
    checkout = reverse("checkout:checkout")
print(json.dumps({"products": products, "checkout": checkout}))
""".replace("__STOCK__", str(STOCK))

COUNT_HELPER = r"""
import json
from django.db.models import Count, F, Q, Sum
from comptoir.catalog.models import Variant
from comptoir.inventory.models import Reservation
from comptoir.orders.models import Order, OrderLine
from comptoir.payments.models import Payment

variants = Variant.objects.filter(shop__code="bench")
active = Reservation.objects.filter(state="active", held=True)
committed = Reservation.objects.filter(state="committed", held=True)
per_variant = variants.annotate(
    active=Sum("reservations__quantity", filter=Q(reservations__state="active",
                                                  reservations__held=True), default=0),
).filter(~Q(reserved_quantity=F("active"))).count()
sold = variants.annotate(
    sold=Sum("reservations__quantity", filter=Q(reservations__state="committed",
                                                reservations__held=True), default=0),
).filter(~Q(stock_quantity=__STOCK__ - F("sold"))).count()
print(json.dumps({
    "orders": Order.objects.count(),
    "orders_by_status": dict(Order.objects.values_list("status").annotate(n=Count("pk"))),
    "payments_by_status": dict(Payment.objects.values_list("status").annotate(n=Count("pk"))),
    "ordered_quantity": OrderLine.objects.filter(variant__isnull=False)
        .aggregate(n=Sum("quantity", default=0))["n"],
    "reserved_quantity": variants.aggregate(n=Sum("reserved_quantity", default=0))["n"],
    "stock_quantity": variants.aggregate(n=Sum("stock_quantity", default=0))["n"],
    "active_reservations": active.aggregate(n=Sum("quantity", default=0))["n"],
    "committed_reservations": committed.aggregate(n=Sum("quantity", default=0))["n"],
    "variants_reserved_mismatch": per_variant,
    "variants_stock_mismatch": sold,
}))
""".replace("__STOCK__", str(STOCK))


PROFILE_HELPER = r"""
import cProfile, io, json, pstats, re, sys, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

products, checkout, address, card = json.loads(sys.argv[1])
client = Client(HTTP_HOST="127.0.0.1")
steps, profiles = [], {}

sql_seconds = [0.0]

def timed_sql(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        sql_seconds[0] += time.perf_counter() - started

def step(label, method, path, data=None, profile=False):
    profiler = cProfile.Profile() if profile else None
    sql_seconds[0] = 0.0
    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed_sql):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        response = getattr(client, method)(path, data) if data is not None else getattr(
            client, method)(path)
        if profiler:
            profiler.disable()
        ms = (time.perf_counter() - started) * 1000
    sql_ms = sql_seconds[0] * 1000
    steps.append({"step": label, "status": response.status_code, "ms": round(ms, 1),
                  "queries": len(ctx.captured_queries), "sql_ms": round(sql_ms, 1)})
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        profiles[label] = out.getvalue()
    return response

def field(html, pattern):
    return re.search(pattern, html)[1]

ROUNDS = 7  # the first warms up, the last is profiled, the others are timed
timed = []
for round_ in range(ROUNDS):
    profiling = round_ == ROUNDS - 1
    if round_ >= 2:
        timed.append(list(steps))
    steps.clear()
    client.cookies.clear()
    page = step("product", "get", products[round_ % len(products)])
    html = page.content.decode()
    variant = field(html, r'name="variant" value="(\d+)"')
    step("add", "post", field(html, r'class="add-to-cart"[^>]*action="([^"]+)"'),
         {"variant": variant, "quantity": "1"})
    html = step("checkout", "get", checkout, profile=profiling).content.decode()
    data = {"cart": field(html, r'name="cart" value="([^"]*)"'),
            "cart_version": field(html, r'name="cart_version" value="([^"]*)"'),
            "quoted": field(html, r'name="quoted" value="([^"]*)"').replace("&#x27;", "'"),
            **address, "action": "place"}
    placed = step("place", "post", checkout, data, profile=profiling)
    hosted = placed["Location"]
    step("psp page", "get", hosted)
    paid = step("card", "post", hosted, card)
    step("return", "get", paid["Location"], profile=profiling)
summary = []
for i, first in enumerate(timed[0]):
    times = sorted(r[i]["ms"] for r in timed)
    summary.append(dict(first, ms=times[len(times) // 2],
                        sql_ms=sorted(r[i]["sql_ms"] for r in timed)[len(times) // 2]))
print(json.dumps({"steps": summary, "rounds": len(timed), "profiles": profiles}))
"""


def profile(env: dict[str, str], products: list[str]) -> dict:
    """One flow in a Django process with the test client: SQL queries and time per step,
    and where the time of the slowest steps goes (cProfile, cumulative)."""
    argv = json.dumps([products, Flow.checkout, ADDRESS, CARD])
    out = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import django; django.setup()\n" + PROFILE_HELPER, argv],
        env=dict(env, DJANGO_SETTINGS_MODULE="comptoir.config.settings"),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def django(env: dict[str, str], code: str) -> str:
    """Run ``code`` in a Django process on the bench's database; its last output line."""
    out = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import django; django.setup()\n" + code],
        env=dict(env, DJANGO_SETTINGS_MODULE="comptoir.config.settings"),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


# --- a small browser ----------------------------------------------------------------------


class FlowError(Exception):
    pass


@dataclass
class Hit:
    label: str
    status: int
    ms: float  # the client's wall time
    server_ms: float  # what the server said it spent (Server-Timing app;dur)
    cpu_ms: float  # the CPU time of the server thread (Server-Timing cpu;dur)


@dataclass
class Browser:
    """One visitor: its cookies (all sent back, Secure ones too: browsers treat
    127.0.0.1 as a secure context), and the time of each request."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    server_timing: bool = True  # False when the served code has no Server-Timing header

    def request(
        self, label: str, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(self.base)
        headers = {"Host": parts.netloc, "User-Agent": "comptoir-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + path
        started = time.perf_counter()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        # Code without the Server-Timing middleware (--src of an older version): the
        # client's time stands for the server's, and no CPU time is known.
        timing = server_time(response) if self.server_timing else (ms, 0.0)
        self.hits.append(Hit(label, response.status, ms, *timing))
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.status >= 500:
            raise FlowError(f"{label}: HTTP {response.status} on {method} {path}")
        headers_out = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers_out, text

    def path_of(self, location: str) -> str:
        parts = urlsplit(location)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def server_time(response: http.client.HTTPResponse) -> tuple[float, float]:
    """The ``app`` (wall) and ``cpu`` durations of the Server-Timing header, in ms."""
    header = response.getheader("Server-Timing") or ""
    wall, cpu = re.search(r"\bapp;dur=([0-9.]+)", header), re.search(r"\bcpu;dur=([0-9.]+)", header)
    if not wall or not cpu:
        raise FlowError(f"no Server-Timing app and cpu durations in the response: {header!r}")
    return float(wall[1]), float(cpu[1])


def find(pattern: str, html: str, what: str) -> str:
    match = re.search(pattern, html, re.S)
    if not match:
        raise FlowError(f"no {what} in the page")
    return unescape(match[1])


def hidden(html: str, name: str) -> str:
    return find(rf'<input type="hidden" name="{name}" value="([^"]*)"', html, name)


def csrf(html: str) -> str:
    return find(r'name="csrfmiddlewaretoken" value="([^"]+)"', html, "CSRF token")


class Flow:
    """One guest's checkout, step by step, each step checking what the server answered."""

    checkout = ""  # the checkout page's path, from the setup helper
    server_timing = True  # whether the served code sends Server-Timing (set by main)

    def __init__(self, base: str) -> None:
        self.browser = Browser(base, server_timing=Flow.server_timing)

    def place(self, product: str) -> str:
        """Product page, add to basket, checkout page, place: the PSP's hosted page path."""
        return self.submit(*self.basket(product))

    def basket(self, product: str) -> tuple[str, dict[str, str]]:
        """Product page, add to basket, checkout page: where and what to post to place."""
        b = self.browser
        status, _h, html = b.request("product", "GET", product)
        if status != 200:
            raise FlowError(f"product page: HTTP {status}")
        form = find(r'<form class="add-to-cart"[^>]*action="([^"]+)"', html, "add-to-cart form")
        variant = find(r'name="variant" value="(\d+)"', html, "variant")
        status, headers, _t = b.request("add", "POST", form, {"variant": variant, "quantity": "1"})
        if status != 303:
            raise FlowError(f"add to basket: HTTP {status}")
        status, _h, html = b.request("checkout", "GET", self.checkout)
        if status != 200:
            raise FlowError(f"checkout page: HTTP {status}")
        checkout = find(r'<form class="checkout" method="post" action="([^"]+)"', html, "form")
        data = {
            "csrfmiddlewaretoken": csrf(html),
            "cart": hidden(html, "cart"),
            "cart_version": hidden(html, "cart_version"),
            "quoted": hidden(html, "quoted"),
            **ADDRESS,
            "action": "place",
        }
        return checkout, data

    def submit(self, checkout: str, data: dict[str, str]) -> str:
        b = self.browser
        status, headers, html = b.request("place", "POST", checkout, data)
        if status != 303 or "/sandbox-psp/pay/" not in headers.get("location", ""):
            error = re.search(r'class="alert bad"[^>]*>(.*?)<', html or "", re.S)
            raise FlowError(
                f"place: HTTP {status} to {headers.get('location')!r}"
                f"{' — ' + error[1].strip() if error else ''}"
            )
        return b.path_of(headers["location"])

    def pay(self, hosted: str) -> str:
        """The sandbox's card page, the card, back to the shop: the order page's HTML."""
        b = self.browser
        status, _h, html = b.request("psp page", "GET", hosted)
        if status != 200:
            raise FlowError(f"PSP page: HTTP {status}")
        data = {"csrfmiddlewaretoken": csrf(html), **CARD}
        status, headers, _t = b.request("card", "POST", hosted, data)
        if status not in (302, 303) or "return=1" not in headers.get("location", ""):
            raise FlowError(f"card: HTTP {status} to {headers.get('location')!r}")
        status, _h, html = b.request("return", "GET", b.path_of(headers["location"]))
        if status != 200:
            raise FlowError(f"order page: HTTP {status}")
        if not re.search(r'class="payment-state">\s*<p class="alert ok">', html):
            state = re.search(r'class="payment-state">\s*(.*?)</div>', html, re.S)
            raise FlowError(f"payment not confirmed: {state[1][:200] if state else html[:200]}")
        return html

    def run(self, product: str) -> list[Hit]:
        self.pay(self.place(product))
        return self.browser.hits


# --- the measurements ---------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run_flows(base: str, urls: list[str], flows: int, rng: random.Random) -> dict:
    print(f"{flows} sequential guest checkouts, paid with the sandbox card...", flush=True)
    totals, servers, cpus, walls, per_step, per_step_server, failures = [], [], [], [], {}, {}, []
    from_add, from_add_cpu = [], []
    for _ in range(flows):
        started = time.perf_counter()
        try:
            hits = Flow(base).run(rng.choice(urls))
        except FlowError as error:
            failures.append(str(error))
            continue
        walls.append((time.perf_counter() - started) * 1000)
        totals.append(sum(h.ms for h in hits))
        servers.append(sum(h.server_ms for h in hits))
        cpus.append(sum(h.cpu_ms for h in hits))
        # The flow starts at "add to cart": the same requests, the product page aside.
        from_add.append(sum(h.server_ms for h in hits if h.label != "product"))
        from_add_cpu.append(sum(h.cpu_ms for h in hits if h.label != "product"))
        for hit in hits:
            per_step.setdefault(hit.label, []).append(hit.ms)
            per_step_server.setdefault(hit.label, []).append(hit.server_ms)
    steps = {
        label: {
            "server_p50_ms": pct(per_step_server[label], 50),
            "server_p99_ms": pct(per_step_server[label], 99),
            "p50_ms": pct(v, 50),
            "p99_ms": pct(v, 99),
            "mean_ms": statistics.fmean(v),
        }
        for label, v in per_step.items()
    }
    return {
        "flows": flows,
        "ok": len(totals),
        "failures": failures[:10],
        "failed": len(failures),
        "requests_per_flow": 7,
        "server_p50_ms": pct(servers, 50),
        "server_p99_ms": pct(servers, 99),
        "server_cpu_p50_ms": pct(cpus, 50),
        "server_cpu_p99_ms": pct(cpus, 99),
        "from_add_server_p50_ms": pct(from_add, 50),
        "from_add_server_p99_ms": pct(from_add, 99),
        "from_add_server_cpu_p50_ms": pct(from_add_cpu, 50),
        "requests_p50_ms": pct(totals, 50),
        "requests_p99_ms": pct(totals, 99),
        "wall_p50_ms": pct(walls, 50),
        "wall_p99_ms": pct(walls, 99),
        "steps": steps,
    }


class CpuMeter:
    """CPU seconds used so far by the server processes, the PostgreSQL backends serving
    the bench's database, this load tool, and the whole machine (/proc): read before and
    after the placements, it says where each order's CPU goes on a machine with 2 cores."""

    def __init__(self, server: Server, database_url: str) -> None:
        self.server = server
        self.database = database_url.rsplit("/", 1)[1] if database_url else ""
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict[str, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        parts = {
            "servers": sum(self._process(pid) for pid in self.server.workers()),
            "load tool": own.ru_utime + own.ru_stime,
        }
        if self.database:
            parts["postgresql"] = sum(self._process(pid) for pid in self._backends())
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        # Everything but idle and iowait, on every core.
        parts["machine"] = (sum(ticks) - ticks[3] - ticks[4]) / self.tick
        return parts

    def _process(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    def _backends(self) -> list[int]:
        out = subprocess.run(
            ["psql", f"{PG_URL}/postgres", "-tAc",
             f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.database}'"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return [int(pid) for pid in out.split()]


def run_placement(
    base: str, urls: list[str], args: argparse.Namespace, rng, meter: CpuMeter
) -> dict:
    """Two phases, each with ``--buyers`` threads: every buyer fills its baskets (product
    page, add, checkout page), then every buyer places its orders. The second phase's
    rate is the placement throughput; orders / (both phases) is the rate of whole buyer
    sequences."""
    print(
        f"{args.orders} orders by {args.buyers} concurrent buyers: baskets (product, add, "
        f"checkout page), then placements...",
        flush=True,
    )
    products = [rng.choice(urls) for _ in range(args.orders)]
    lock = threading.Lock()
    flows = [Flow(base) for _ in range(args.orders)]
    forms: list[tuple[str, dict[str, str]] | None] = [None] * args.orders
    failures: list[str] = []

    def fill(index: int) -> None:
        for n in range(index, args.orders, args.buyers):
            try:
                forms[n] = flows[n].basket(products[n])
            except FlowError as error:
                with lock:
                    failures.append(str(error))

    def place(index: int) -> None:
        for n in range(index, args.orders, args.buyers):
            if forms[n] is None:
                continue
            try:
                flows[n].submit(*forms[n])
            except FlowError as error:
                with lock:
                    failures.append(str(error))

    phases, cpu = {}, {}
    for name, work in (("baskets", fill), ("placements", place)):
        before = meter.read()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.buyers) as pool:
            list(pool.map(work, range(args.buyers)))
        phases[name] = time.perf_counter() - started
        after = meter.read()
        cpu[name] = {part: after[part] - before[part] for part in after}
    hits = [hit for flow in flows for hit in flow.browser.hits]
    places = [h.ms for h in hits if h.label == "place" and h.status == 303]
    places_server = [h.server_ms for h in hits if h.label == "place" and h.status == 303]
    places_cpu = [h.cpu_ms for h in hits if h.label == "place" and h.status == 303]
    statuses: dict[str, int] = {}
    for hit in hits:
        statuses[f"{hit.label} {hit.status}"] = statuses.get(f"{hit.label} {hit.status}", 0) + 1
    return {
        "orders_attempted": args.orders,
        "placed": len(places),
        "failed": len(failures),
        "failures": failures[:10],
        "buyers": args.buyers,
        "basket_seconds": phases["baskets"],
        "place_seconds": phases["placements"],
        "orders_per_s": len(places) / phases["placements"],
        # CPU milliseconds per placed order, during the placements: servers, PostgreSQL,
        # load tool, and the whole machine (the rest is other processes).
        "cpu_ms_per_order": {
            part: 1000 * seconds / max(len(places), 1)
            for part, seconds in cpu["placements"].items()
        },
        "sequences_per_s": len(places) / (phases["baskets"] + phases["placements"]),
        "statuses": statuses,
        "server_5xx": sum(1 for h in hits if h.status >= 500),
        "place_server_p50_ms": pct(places_server, 50),
        "place_cpu_p50_ms": pct(places_cpu, 50),
        "place_server_p99_ms": pct(places_server, 99),
        "place_p50_ms": pct(places, 50),
        "place_p99_ms": pct(places, 99),
        "steps": {
            label: {
                "server_p50_ms": pct([h.server_ms for h in hits if h.label == label], 50),
                "p50_ms": pct(v, 50),
                "p99_ms": pct(v, 99),
            }
            for label in ("product", "add", "checkout", "place")
            if (v := [h.ms for h in hits if h.label == label])
        },
    }


def check(before: dict, after_flows: dict, after: dict, results: dict) -> list[dict]:
    flows, placement = results["flows"], results["placement"]
    checks = []

    def expect(what: str, got: object, want: object) -> None:
        checks.append({"what": what, "got": got, "want": want, "ok": got == want})

    expect("flows completed", flows["ok"], flows["flows"])
    expect("orders made by the flows", after_flows["orders"] - before["orders"], flows["ok"])
    paid = sum(v for k, v in after_flows["orders_by_status"].items() if k != "pending_payment")
    paid_before = sum(v for k, v in before["orders_by_status"].items() if k != "pending_payment")
    expect("flow orders paid", paid - paid_before, flows["ok"])
    expect(
        "stock on hand decreased by the paid quantities",
        before["stock_quantity"] - after_flows["stock_quantity"],
        after_flows["committed_reservations"] - before["committed_reservations"],
    )
    expect("orders == successful placements", after["orders"] - after_flows["orders"],
           placement["placed"])  # fmt: skip
    expect("placement failures", placement["failed"], 0)
    expect("HTTP 5xx during placement", placement["server_5xx"], 0)
    expect(
        "reserved quantity rose by the placed quantities",
        after["reserved_quantity"] - after_flows["reserved_quantity"],
        after["ordered_quantity"] - after_flows["ordered_quantity"],
    )
    expect("total reserved == active reservations", after["reserved_quantity"],
           after["active_reservations"])  # fmt: skip
    expect("variants whose reserved != their active reservations",
           after["variants_reserved_mismatch"], 0)  # fmt: skip
    expect("variants whose stock != initial - sold", after["variants_stock_mismatch"], 0)
    return checks


# --- output -------------------------------------------------------------------------------


def print_table(results: dict) -> None:
    flows, placement = results["flows"], results["placement"]
    ok = "ok" if flows["server_p50_ms"] <= FLOW_TARGET_MS else "MISS"
    print(f"\n{results['db']}, {results['products']} products, server: {results['server']}")
    print(
        f"this machine: the reference workload took {results['reference_ms']:.0f} ms "
        "(bench/storefront.py's reference_workload; lower is faster)"
    )
    print(f"server time = {results['server_time']}")
    print(f"\nfull guest checkout, {flows['ok']}/{flows['flows']} sequential flows (7 requests)")
    print(
        f"  server time, 7 requests     p50 {flows['server_p50_ms']:7.1f} ms   "
        f"p99 {flows['server_p99_ms']:7.1f} ms   target p50 <= {FLOW_TARGET_MS:.0f} ms: {ok}"
    )
    print(
        f"  server CPU, 7 requests      p50 {flows['server_cpu_p50_ms']:7.1f} ms   "
        f"p99 {flows['server_cpu_p99_ms']:7.1f} ms"
    )
    print(
        f"  from add to basket to paid (6 requests, the product page aside): server time "
        f"p50 {flows['from_add_server_p50_ms']:.1f} ms, p99 {flows['from_add_server_p99_ms']:.1f}"
        f" ms; CPU p50 {flows['from_add_server_cpu_p50_ms']:.1f} ms"
    )
    print(
        f"  client time, 7 requests     p50 {flows['requests_p50_ms']:7.1f} ms   "
        f"p99 {flows['requests_p99_ms']:7.1f} ms"
    )
    print(
        f"  whole flow, client wall     p50 {flows['wall_p50_ms']:7.1f} ms   "
        f"p99 {flows['wall_p99_ms']:7.1f} ms"
    )
    for label, step in flows["steps"].items():
        print(
            f"    {label:<10} server p50 {step['server_p50_ms']:5.1f} ms "
            f"p99 {step['server_p99_ms']:5.1f} ms   client p50 {step['p50_ms']:5.1f} ms "
            f"p99 {step['p99_ms']:5.1f} ms"
        )
    rate_ok = placement["orders_per_s"] >= PLACE_TARGET_RPS
    target = (
        f"target >= {PLACE_TARGET_RPS:.0f}/s: {'ok' if rate_ok else 'MISS'}"
        if results["db"] == "postgres"
        else "(report only)"
    )
    print(
        f"\norder placement, {placement['buyers']} concurrent buyers, "
        f"{placement['placed']}/{placement['orders_attempted']} placed"
    )
    print(
        f"  placements only: {placement['orders_per_s']:6.1f} orders/s "
        f"({placement['place_seconds']:.2f} s)  {target}"
    )
    print(
        f"  whole sequences (product + add + checkout page + place): "
        f"{placement['sequences_per_s']:6.1f} orders/s "
        f"({placement['basket_seconds'] + placement['place_seconds']:.2f} s)"
    )
    print(
        f"  place POST server p50 {placement['place_server_p50_ms']:6.1f} ms  "
        f"p99 {placement['place_server_p99_ms']:6.1f} ms (CPU p50 "
        f"{placement['place_cpu_p50_ms']:.1f} ms); client p50 "
        f"{placement['place_p50_ms']:6.1f} ms  p99 {placement['place_p99_ms']:6.1f} ms"
    )
    for label, step in placement["steps"].items():
        print(
            f"    {label:<10} server p50 {step['server_p50_ms']:5.1f} ms   client p50 "
            f"{step['p50_ms']:6.1f} ms  p99 {step['p99_ms']:6.1f} ms"
        )
    cpu = placement["cpu_ms_per_order"]
    print(
        "  CPU per order during the placements: "
        + ", ".join(f"{part} {ms:.1f} ms" for part, ms in cpu.items())
        + f" (2 cores: at most {2000 / cpu['machine']:.0f} orders/s at this cost)"
    )
    print(f"  statuses: {placement['statuses']}")
    if flows["failures"] or placement["failures"]:
        print(f"  failures: {flows['failures'] + placement['failures']}")
    print(f"  worker peak RSS {results['worker_peak_rss_mb']:.0f} MB")
    if "profile" in results:
        print(
            "\nflows in-process (django.test.Client, no HTTP, median of "
            f"{results['profile']['rounds']}): time and SQL per step"
        )
        for step in results["profile"]["steps"]:
            print(
                f"    {step['step']:<10} {step['ms']:6.1f} ms  {step['queries']:3d} queries "
                f"({step['sql_ms']:.1f} ms SQL)  HTTP {step['status']}"
            )
    print("\nchecks (row counts)")
    for c in results["checks"]:
        print(f"  {'ok  ' if c['ok'] else 'FAIL'} {c['what']}: {c['got']} (want {c['want']})")


if __name__ == "__main__":
    main()
