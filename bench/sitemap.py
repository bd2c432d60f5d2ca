"""Sitemaps and product feeds on a big catalog: time to first byte and total time.

    .venv/bin/python bench/sitemap.py --products 1000000 --db postgres

Generates the catalog once into /tmp/bench-seo-<db>-<n> (and, on PostgreSQL, the database
comptoir_seo_bench_<n>), then reuses it. Measures, against a production server
(``comptoir serve --no-worker``):

* the sitemap index, cold (boundaries computed) and warm (cached);
* every product sitemap of one language (50,000 URLs each, streamed by keyset pages);
* the Google feed: its generation by the worker's code (``comptoir generate_feeds``),
  then serving the generated file.

Writes the figures to bench/results/sitemap-<db>-<n>-<time>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storefront import (  # noqa: E402
    PG_URL,
    RESULTS,
    ROOT,
    Server,
    comptoir,
    postgres_database_exists,
    psql,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--language", default="fr")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    env = prepare(args)
    results: dict = {"products": args.products, "db": args.db, "generation": env.pop("_gen")}

    started = time.monotonic()
    output = comptoir(env, "generate_feeds", "--force", capture=True)
    results["feed_generation_s"] = round(time.monotonic() - started, 1)
    results["feed_generation_output"] = output.strip().splitlines()
    print(f"feeds generated in {results['feed_generation_s']} s:\n{output.strip()}")

    with Server.gunicorn(env, 2, args.port) as server:
        port = server.port
        results["index_cold"] = fetch(port, "/sitemap.xml")
        results["index_warm"] = fetch(port, "/sitemap.xml")
        print_row("sitemap index, cold", results["index_cold"])
        print_row("sitemap index, warm", results["index_warm"])
        body = results["index_warm"].pop("body")
        results["index_cold"].pop("body")
        paths = [
            p.replace(f"http://127.0.0.1:{port}", "")
            for p in re.findall(r"<loc>([^<]+)</loc>", body)
            if f"/products-{args.language}-" in p
        ]
        runs = []
        walk_started = time.monotonic()
        for path in paths:
            run = fetch(port, path)
            run.pop("body")
            runs.append(run)
            print_row(path, run)
        results["product_sitemaps"] = runs
        results["product_sitemaps_total_s"] = round(time.monotonic() - walk_started, 2)
        results["product_urls"] = sum(r["urls"] for r in runs)
        print(
            f"{len(runs)} product sitemaps ({results['product_urls']} URLs) in "
            f"{results['product_sitemaps_total_s']} s; max TTFB "
            f"{max(r['ttfb_ms'] for r in runs):.0f} ms"
        )
        feed = fetch(port, f"/feeds/google-{args.language}.xml")
        feed.pop("body")
        results["google_feed_serving"] = feed
        print_row("google feed (generated file)", feed)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sitemap-{args.db}-{args.products}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out.relative_to(ROOT)}")


def fetch(port: int, path: str) -> dict:
    """GET ``path``: time to the first byte of the body, total time, size, URL count."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    first = response.read(1)
    ttfb = time.monotonic() - started
    rest = response.read()
    total = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    body = (first + rest).decode()
    return {
        "path": path,
        "ttfb_ms": round(ttfb * 1000, 1),
        "total_s": round(total, 3),
        "bytes": len(first) + len(rest),
        "urls": body.count("<url>") or body.count("<item>") or body.count("<sitemap>"),
        "body": body if "<sitemapindex" in body[:200] else "",
    }


def print_row(label: str, run: dict) -> None:
    print(
        f"{label:45} TTFB {run['ttfb_ms']:8.1f} ms  total {run['total_s']:7.2f} s  "
        f"{run['bytes'] / 1e6:7.1f} MB  {run['urls']} entries"
    )


def prepare(args: argparse.Namespace) -> dict[str, str]:
    data_dir = Path(f"/tmp/bench-seo-{args.db}-{args.products}")
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        COMPTOIR_DATA_DIR=str(data_dir),
        COMPTOIR_ENV="production",
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        COMPTOIR_SERVE_MEDIA="false",
        COMPTOIR_BASE_URL="http://127.0.0.1",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        CACHE_URL="locmem://",
    )
    marker = data_dir / "generated.txt"
    if args.db == "postgres":
        name = f"comptoir_seo_bench_{args.products}"
        env["DATABASE_URL"] = f"{PG_URL}/{name}"
        if not postgres_database_exists(name):
            marker.unlink(missing_ok=True)
            psql(f'CREATE DATABASE "{name}"')
    else:
        env.pop("DATABASE_URL", None)
    if not marker.exists():
        if args.db == "postgres":
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(f'CREATE DATABASE "{name}"')
        else:
            for leftover in data_dir.glob("comptoir.sqlite3*"):
                leftover.unlink()
        comptoir(env, "migrate", "-v0")
        print(f"generating {args.products} products into {data_dir}...", flush=True)
        started = time.monotonic()
        line = (
            comptoir(
                env,
                "generate_catalog",
                "--products",
                str(args.products),
                "--seed",
                str(args.seed),
                capture=True,
            )
            .strip()
            .splitlines()[-1]
        )
        marker.write_text(f"{line}\nwall {time.monotonic() - started:.1f} s\n")
    else:
        print(f"reusing the catalog in {data_dir}: {marker.read_text().strip()}")
    comptoir(env, "migrate", "-v0")
    if args.db == "postgres" and not (data_dir / "images.txt").exists():
        give_every_product_an_image(name)
        (data_dir / "images.txt").write_text("done\n")
    comptoir(env, "collectstatic", "--noinput", "-v0")
    env["_gen"] = marker.read_text().strip()
    return env


def give_every_product_an_image(database: str) -> None:
    """The generator makes no images, and a feed item needs one: every product gets an
    image row (all pointing at the same file), as a shop with photos would have."""
    print("adding an image row to every product...", flush=True)
    # No NOT EXISTS guard: checked per row against the rows the statement itself is
    # inserting, it turns the insert quadratic. The marker file keeps this to one run.
    sql = """
        BEGIN;
        INSERT INTO catalog_productimage
            (product_id, original, source_url, alt, position, width, height, renditions)
        SELECT id, 'bench/cover.jpg', '', '{}'::jsonb, 0, 1200, 1200,
               '{"480": "bench/cover-480.webp", "960": "bench/cover-960.webp"}'::jsonb
        FROM catalog_product WHERE cover_image_id IS NULL;
        UPDATE catalog_product p SET cover_image_id = i.id
        FROM catalog_productimage i WHERE i.product_id = p.id AND p.cover_image_id IS NULL;
        COMMIT;
        ANALYZE catalog_product;
        ANALYZE catalog_productimage;
    """
    subprocess.run(["psql", f"{PG_URL}/{database}", "-qc", sql], check=True)


if __name__ == "__main__":
    main()
