"""``comptoir seo_audit``: the back office's SEO audit, in a terminal."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.seo.audit import run_audit
from comptoir.shops.models import Shop


class Command(BaseCommand):
    help = "List what to fix for search engines and shopping feeds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--shop", help="shop code (default: the default shop)")

    def handle(self, *args: Any, **options: Any) -> None:
        shops = Shop.objects.filter(code=options["shop"]) if options["shop"] else None
        shop = shops.first() if shops is not None else Shop.objects.filter(is_default=True).first()
        if shop is None:
            raise CommandError(f"No shop {options['shop'] or '(default)'} was found.")
        problems = 0
        for finding in run_audit(shop):
            problems += finding.count
            marker = "ok " if finding.count == 0 else "!! "
            self.stdout.write(f"{marker}{finding.title}: {finding.count}")
            for example in finding.examples:
                self.stdout.write(f"     {example}")
        self.stdout.write(f"{problems} problem(s) found in {shop.code}.")
