"""``comptoir export_products out.csv``: the catalog in our re-importable CSV format."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from comptoir.imports.exports import (
    export_customers_csv,
    export_orders_csv,
    export_products_csv,
)
from comptoir.imports.management.commands._common import add_shop_argument, get_shop


class Command(BaseCommand):
    help = "Export the products (or the orders, or the customers) of a shop to a CSV file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--orders", action="store_true", help="export the orders instead")
        parser.add_argument("--customers", action="store_true", help="export the customers instead")
        add_shop_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        shop = get_shop(options["shop"])
        export = (
            export_orders_csv
            if options["orders"]
            else export_customers_csv
            if options["customers"]
            else export_products_csv
        )
        with open(options["file"], "w", encoding="utf-8", newline="") as out:
            rows = export(shop, out)
        self.stdout.write(f"{rows} rows written to {options['file']}")
