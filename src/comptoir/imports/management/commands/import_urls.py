"""``comptoir import_urls sitemap.xml``: 301s from the old shop's addresses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.imports.management.commands._common import add_shop_argument, get_shop
from comptoir.imports.urls import import_urls


class Command(BaseCommand):
    help = "Redirect the addresses of an old sitemap.xml or URL list to the imported pages."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        add_shop_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        shop = get_shop(options["shop"])
        try:
            with open(options["file"], "rb") as stream:
                report = import_urls(shop, stream, dry_run=options["dry_run"])
        except OSError as exc:
            raise CommandError(str(exc)) from None
        for issue in report.issues:
            self.stdout.write(f"error: {issue.message}")
        for url in report.unmatched:
            self.stdout.write(f"no target: {url}")
        verb = "would create" if options["dry_run"] else "created"
        self.stdout.write(
            f"{report.read} addresses: {verb} {report.redirects_created} redirects, "
            f"{report.unmatched_count} without a target"
        )
        if report.rolled_back:
            raise CommandError("The file could not be read.")
