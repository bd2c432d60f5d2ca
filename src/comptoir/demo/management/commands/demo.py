"""``comptoir demo``: a working tea and coffee boutique in one command.

Migrates the database, loads the demo shop (once), gives the merchant account a fresh
password and serves the shop, so someone trying Comptoir sees a real storefront and back
office within a minute.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from comptoir.core.exceptions import ComptoirError
from comptoir.demo.services import delete_demo_shop, load_demo_shop

MERCHANT_EMAIL = "marchand@demo.comptoir.fr"


class Command(BaseCommand):
    help = "Load the demo tea and coffee shop, create the merchant account and serve it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            default="127.0.0.1:8000",
            help="address the server listens on (default: 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo shop and load it again"
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="load the shop and stop, without starting the server",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="serve without the embedded background worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Migrating the database...")
        call_command("migrate", verbosity=0, interactive=False)
        try:
            if options["reset"]:
                delete_demo_shop(stdout=self.stdout)
            load_demo_shop(stdout=self.stdout)
        except ComptoirError as error:
            raise CommandError(str(error)) from None
        # createmerchant prints the password once; keep its lines for the summary below.
        merchant = io.StringIO()
        call_command("createmerchant", email=MERCHANT_EMAIL, stdout=merchant)
        base = f"http://{self._public_address(options['bind'])}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("The demo shop is ready."))
        self.stdout.write(f"  shop:        {base}/fr/")
        self.stdout.write(f"  back office: {base}/admin/")
        for line in merchant.getvalue().splitlines():
            self.stdout.write(f"  {line.strip()}" if line.startswith(" ") else line)
        if options["no_serve"]:
            return
        self.stdout.write("")
        call_command(
            "serve",
            bind=options["bind"],
            no_worker=options["no_worker"],
            verbosity=options["verbosity"],
        )

    @staticmethod
    def _public_address(bind: str) -> str:
        """Where a browser on this machine reaches the server: 0.0.0.0 is not an address."""
        host, _, port = bind.rpartition(":")
        if not host or host in ("0.0.0.0", "[::]", "::"):  # noqa: S104
            host = "127.0.0.1"
        return f"{host}:{port}" if port else host
