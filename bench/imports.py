"""Import benchmark: a generated Shopify product CSV (3 variants per product, the newer
layout with Status and SEO columns, one image URL per product) imported with
``comptoir import_products`` into a fresh SQLite or PostgreSQL database.

    .venv/bin/python bench/imports.py --db sqlite --products 100000
    .venv/bin/python bench/imports.py --db postgres --products 1000000

Prints products/s (the import command's own timing, file read to commit) and the peak
resident memory of the import process (its ru_maxrss, read with os.wait4), and writes
JSON to ``bench/results/``. Targets: >= 5,000 products/s, <= 400 MB at 1,000,000.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storefront import PG_URL, RESULTS, VENV_BIN, comptoir, psql  # noqa: E402

TARGET_PRODUCTS_PER_S = 5000
TARGET_PEAK_MB = 400
HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
    "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
    "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src",
    "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Variant Weight Unit", "Status",
]  # fmt: skip
SIZES = ("S", "M", "L")
VENDORS = [f"Atelier {n}" for n in range(40)]
CATEGORIES = [f"Maison > Rayon {a} > Étagère {b}" for a in range(10) for b in range(8)]


def write_csv(path: Path, products: int) -> None:
    """N products of three sizes each, in Shopify's layout: the product's fields on its
    first row, the other variants on continuation rows with the same Handle."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(products):
            handle = f"produit-{n:07d}"
            price = 5 + (n * 7919) % 200
            for k, size in enumerate(SIZES):
                row = dict.fromkeys(HEADER, "")
                row.update(
                    {
                        "Handle": handle,
                        "Option1 Value": size,
                        "Variant SKU": f"SKU-{n:07d}-{size}",
                        "Variant Grams": str(200 + k * 50),
                        "Variant Inventory Tracker": "shopify",
                        "Variant Inventory Qty": str((n + k) % 30),
                        "Variant Inventory Policy": "deny",
                        "Variant Price": f"{price + k * 2}.90",
                        "Variant Weight Unit": "kg",
                    }
                )
                if k == 0:
                    row.update(
                        {
                            "Title": f"Tasse en grès n° {n}",
                            "Body (HTML)": f"<p>Tasse n° {n}, émaillée à la main.</p>",
                            "Vendor": VENDORS[n % len(VENDORS)],
                            "Product Category": CATEGORIES[n % len(CATEGORIES)],
                            "Tags": "grès, fait main",
                            "Published": "TRUE",
                            "Option1 Name": "Taille",
                            "Image Src": f"https://cdn.example.invalid/{handle}.jpg",
                            "Image Position": "1",
                            "SEO Title": f"Tasse {n}",
                            "SEO Description": "Une tasse en grès émaillé.",
                            "Status": "active",
                        }
                    )
                writer.writerow([row[c] for c in HEADER])


def run_import(env: dict[str, str], path: Path) -> tuple[str, float, float]:
    """Run the import command; returns its summary line, its peak RSS in MB and the CPU
    seconds it used (user + system: steadier than wall time on a shared machine, but
    without PostgreSQL's own work, which runs in the server's processes)."""
    process = subprocess.Popen(
        [str(VENV_BIN / "comptoir"), "import_products", str(path), "--platform", "shopify",
         "-v0"],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return output.strip().splitlines()[-1], usage.ru_maxrss / 1024, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--pg-name", default="", help="PostgreSQL database to (re)create; one per session"
    )
    args = parser.parse_args()
    data_dir = Path(f"/tmp/bench-import-{args.db}-{args.products}-{os.getpid()}")
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = dict(
        os.environ,
        COMPTOIR_DATA_DIR=str(data_dir),
        SECRET_KEY="bench-only-" + "x" * 50,
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    if args.db == "postgres":
        name = args.pg_name or f"comptoir_import_bench_{args.products}"
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{PG_URL}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    comptoir(env, "migrate", "-v0")
    comptoir(
        env, "shell", "-c",
        "from comptoir.shops.services import create_shop; "
        "create_shop(code='bench', name='Bench', is_default=True)",
    )  # fmt: skip
    path = data_dir / "shopify.csv"
    started = time.monotonic()
    write_csv(path, args.products)
    size_mb = path.stat().st_size / 1024 / 1024
    print(
        f"wrote {args.products} products ({size_mb:.0f} MB) in {time.monotonic() - started:.0f} s"
    )
    load = os.getloadavg()[0]
    summary, peak_mb, cpu = run_import(env, path)
    rate = float(re.search(r"\((\d+) products/s\)", summary)[1])  # type: ignore[index]
    print(summary)
    print(
        f"{args.db}: {args.products} products, {rate:.0f} products/s "
        f"(target >= {TARGET_PRODUCTS_PER_S}), peak memory {peak_mb:.0f} MB "
        f"(target <= {TARGET_PEAK_MB} at 1,000,000); import process CPU {cpu:.1f} s "
        f"({args.products / cpu:.0f} products per CPU second); load average "
        f"{load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"db": args.db, "products": args.products, "products_per_s": rate,
              "peak_mb": round(peak_mb), "cpu_s": round(cpu, 1), "summary": summary}  # fmt: skip
    out = RESULTS / f"imports-{args.db}-{args.products}.json"
    out.write_text(json.dumps(result, indent=2))
    if args.db == "sqlite":
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
