"""``comptoir generate_feeds``: write the Google and Meta product feeds now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.seo.feeds import generate_feeds
from comptoir.shops.models import Shop


class Command(BaseCommand):
    help = "Generate the product feeds (the worker also does it when the catalog changes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--shop", help="shop code (default: every shop)")
        parser.add_argument(
            "--force", action="store_true", help="even when the feeds are up to date"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        shops = Shop.objects.all()
        if options["shop"]:
            shops = shops.filter(code=options["shop"])
            if not shops.exists():
                raise CommandError(f"No shop {options['shop']!r}.")
        for shop in shops:
            reports = generate_feeds(shop, force=options["force"])
            if not reports:
                self.stdout.write(f"{shop.code}: the feeds are up to date.")
            for report in reports:
                self.stdout.write(
                    f"{shop.code} [{report.language}]: {report.items} items "
                    f"in {report.seconds:.1f} s"
                )
