"""``comptoir import_products FILE --platform shopify``: import a product CSV."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.core.exceptions import ComptoirError
from comptoir.imports.management.commands._common import add_shop_argument, get_shop, print_issues
from comptoir.imports.platforms import Platform
from comptoir.imports.services import ImportReport, import_products


class Command(BaseCommand):
    help = "Import products from a Shopify, WooCommerce, PrestaShop or Comptoir CSV file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--platform", required=True, choices=Platform.ALL)
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--keep-valid", action="store_true", help="import the valid rows despite errors"
        )
        parser.add_argument("--batch-size", type=int, default=500)
        add_shop_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        shop = get_shop(options["shop"])
        quiet = options["verbosity"] == 0

        def progress(report: ImportReport) -> None:
            if not quiet:
                sys.stderr.write(
                    f"\r{report.rows} rows read, {report.products_created} created, "
                    f"{report.products_updated} updated, {report.error_count} errors"
                )

        try:
            with open(options["file"], "rb") as stream:
                report = import_products(
                    shop,
                    stream,
                    platform=options["platform"],
                    dry_run=options["dry_run"],
                    keep_valid=options["keep_valid"],
                    batch_size=options["batch_size"],
                    progress=progress,
                )
        except (OSError, ComptoirError) as exc:
            raise CommandError(str(exc)) from None
        if not quiet:
            sys.stderr.write("\n")
        print_issues(self, report.issues)
        self.stdout.write(summary(report))
        if report.rolled_back:
            raise CommandError(
                "Nothing was imported: fix the errors above, or use --keep-valid to import "
                "the valid rows."
            )


def summary(report: ImportReport) -> str:
    verb = "would create" if report.dry_run else "created"
    rate = report.products_created / report.seconds if report.seconds else 0
    return (
        f"{report.rows} rows: {verb} {report.products_created} products "
        f"({report.variants_created} variants), updated {report.products_updated} "
        f"({report.variants_updated} variants), {report.records_rejected} rejected, "
        f"{report.error_count} errors, {report.warning_count} warnings, "
        f"{report.redirects_created} redirects, {report.images_queued} images to fetch; "
        f"{report.seconds:.1f} s ({rate:.0f} products/s)"
    )
