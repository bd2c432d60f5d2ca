"""The CPU of one request, placing an order, measured in-process: the POST of the checkout
form up to the redirect to the sandbox PSP, as bench/checkout.py's buyers send it.

    .venv/bin/python bench/place_cpu.py --db postgres --rounds 200
    .venv/bin/python bench/place_cpu.py --db postgres --src /tmp/before/src --src src --repeat 3
    .venv/bin/python bench/place_cpu.py --db sqlite --sql      # the statements of one placement

The checkout page's GET just before each placement is timed too (its median printed).

A database prepared as bench/checkout.py prepares it (production settings, generated
catalog, flat-rate shipping for FR, fraud limits lifted), then, in one Django process per
``--src`` (the code served; alternated ``--repeat`` times, back to back), ``--rounds``
guests each add a product to a basket, open the checkout page and place the order with
Django's test client (CSRF checks on, as in production). Only the placing POST is
measured: the process's CPU time (``time.process_time``) and, on PostgreSQL, the CPU of
the connection's backend (``/proc/<pg_backend_pid()>/stat``, so the database server must
run on this machine). CPU, not wall time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkout import ADDRESS, SETUP_HELPER, django, prepare, production_env  # noqa: E402
from storefront import ROOT, VENV_BIN  # noqa: E402

HELPER = r"""
import gc, json, os, re, statistics, sys, time
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override
from comptoir.catalog.models import Variant

from urllib.parse import urlencode
FORM = "application/x-www-form-urlencoded"  # as browsers, and bench/checkout.py, post it
rounds, warmup, show_sql, profile_to, ADDRESS = json.loads(sys.argv[1])
profiler = None
if profile_to:
    import cProfile
    profiler = cProfile.Profile(time.process_time)
with override("fr"):
    ADD, CHECKOUT = reverse("cart:add"), reverse("checkout:checkout")
from comptoir.catalog.models import ProductTranslation
variants = list(Variant.objects.filter(shop__code="bench", product__status="active")
                .order_by("pk").values_list("pk", "product_id")[:300])
slugs = dict(ProductTranslation.objects.filter(
    product_id__in=[p for _v, p in variants], language="fr").values_list("product_id", "slug"))
with override("fr"):
    pages = [reverse("storefront:product", kwargs={"slug": slugs[p]}) for _v, p in variants]
tick = os.sysconf("SC_CLK_TCK")

def field(html, pattern):
    return re.search(pattern, html)[1]

def backend_cpu():
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def basket(n):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    # The product page first, as a buyer does (adding is CSRF exempt, see cart.views).
    assert client.get(pages[n % len(pages)]).status_code == 200
    added = client.post(ADD, urlencode({"variant": variants[n % len(variants)][0],
                                        "quantity": "1"}), content_type=FORM)
    assert added.status_code == 303, added.status_code
    gc.collect()
    started = time.process_time()
    page = client.get(CHECKOUT)
    get_cpu.append((time.process_time() - started) * 1000)
    html = page.content.decode()
    data = {"cart": field(html, r'name="cart" value="([^"]*)"'),
            "cart_version": field(html, r'name="cart_version" value="([^"]*)"'),
            "quoted": field(html, r'name="quoted" value="([^"]*)"').replace("&#x27;", "'"),
            "csrfmiddlewaretoken": field(html, r'name="csrfmiddlewaretoken" value="([^"]*)"'),
            **ADDRESS, "action": "place"}
    return client, data

count = [0]
get_cpu = []  # the checkout page's GET before each placement (warm-up rounds included)

def counting(execute, sql, params, many, context):
    # Statements run through Django (BEGIN and COMMIT are not; the count is a check that
    # the code measured takes the path expected, not the statement count).
    count[0] += 1
    return execute(sql, params, many, context)

cpu, db_cpu, counts = [], [], []
for n in range(warmup + rounds):
    client, data = basket(n)
    gc.collect()
    before_db = backend_cpu()
    if profiler and n >= warmup:
        profiler.enable()
    count[0] = 0
    with connection.execute_wrapper(counting):
        started = time.process_time()
        response = client.post(CHECKOUT, urlencode(data), content_type=FORM)
        spent = time.process_time() - started
    if profiler and n >= warmup:
        profiler.disable()
    after_db = backend_cpu()
    assert response.status_code == 303 and "/sandbox-psp/pay/" in response["Location"], (
        response.status_code, response.get("Location"))
    if n >= warmup:
        cpu.append(spent * 1000)
        db_cpu.append((after_db - before_db) * 1000)
        counts.append(count[0])
if profiler:
    profiler.dump_stats(profile_to)
statements = []
if show_sql is not None:
    client, data = basket(0)
    with CaptureQueriesContext(connection) as ctx:
        client.post(CHECKOUT, urlencode(data), content_type=FORM)
    statements = [q["sql"] for q in ctx.captured_queries]
print(json.dumps({"cpu": cpu, "get_cpu": get_cpu[warmup:warmup + rounds], "db_cpu": db_cpu,
                  "counts": counts, "statements": statements}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--name", default="place-cpu", help="data dir and database name")
    parser.add_argument(
        "--src", action="append", default=[], help="the code to run (repeatable: A/B)"
    )
    parser.add_argument("--sql", action="store_true", help="print one placement's statements")
    parser.add_argument("--profile", default="", help="write cProfile stats of the POSTs here")
    parser.add_argument("--reuse", action="store_true", help="keep the database prepared before")
    args = parser.parse_args()
    sources = args.src or [str(ROOT / "src")]
    args.src = ""
    if args.reuse:
        env = reused_env(args)
    else:
        env = prepare(args)
        django(env, SETUP_HELPER)
    for _ in range(args.repeat):
        for src in sources:
            run_env = dict(env, PYTHONPATH=str(Path(src).resolve()))
            out = subprocess.run(
                [
                    str(VENV_BIN / "python"),
                    "-",  # the code on stdin: a one-line command line for py-spy
                    json.dumps(
                        [
                            args.rounds,
                            args.warmup,
                            True if args.sql else None,
                            args.profile,
                            ADDRESS,
                        ]
                    ),
                ],
                env=dict(run_env, DJANGO_SETTINGS_MODULE="comptoir.config.settings"),
                input="import django; django.setup()\n" + HELPER,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            cpu, db = result["cpu"], result["db_cpu"]
            quartile = statistics.quantiles(cpu, n=4)[0] if len(cpu) > 1 else cpu[0]
            line = (
                f"{src}: place POST CPU median {statistics.median(cpu):.2f} ms, "
                f"p25 {quartile:.2f}, mean {statistics.fmean(cpu):.2f} ms "
                f"({statistics.fmean(result['counts']):.1f} statements through Django); "
                f"checkout GET CPU median {statistics.median(result['get_cpu']):.2f} ms"
            )
            if args.db == "postgres":
                line += f"; PostgreSQL backend mean {statistics.fmean(db):.2f} ms"
            if result["statements"]:
                line += f"; {len(result['statements'])} statements"
            print(line, flush=True)
            for sql in result["statements"]:
                print("   ", sql[:300])


def reused_env(args: argparse.Namespace) -> dict[str, str]:
    """prepare()'s environment without preparing anything again."""
    from storefront import PG_URL

    env = production_env(Path(f"/tmp/{args.name}-{args.db}"))
    if args.db == "postgres":
        env["DATABASE_URL"] = f"{PG_URL}/comptoir_" + args.name.replace("-", "_")
    else:
        env.pop("DATABASE_URL", None)
    return env


if __name__ == "__main__":
    main()
