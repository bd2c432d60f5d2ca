"""``comptoir import_customers FILE --platform shopify``: customers and their addresses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.imports.customers import import_customers
from comptoir.imports.management.commands._common import add_shop_argument, get_shop, print_issues
from comptoir.imports.platforms import Platform


class Command(BaseCommand):
    help = "Import customers (name, email, addresses, newsletter consent) from a CSV file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--platform", required=True, choices=Platform.ALL)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--keep-valid", action="store_true")
        add_shop_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        shop = get_shop(options["shop"])
        try:
            with open(options["file"], "rb") as stream:
                report = import_customers(
                    shop,
                    stream,
                    platform=options["platform"],
                    dry_run=options["dry_run"],
                    keep_valid=options["keep_valid"],
                )
        except OSError as exc:
            raise CommandError(str(exc)) from None
        print_issues(self, report.issues)
        verb = "would create" if report.dry_run else "created"
        self.stdout.write(
            f"{report.rows} customers: {verb} {report.customers_created}, updated "
            f"{report.customers_updated}, {report.records_rejected} rejected, "
            f"{report.error_count} errors, {report.warning_count} warnings"
        )
        if report.rolled_back:
            raise CommandError("Nothing was imported: fix the errors or use --keep-valid.")
