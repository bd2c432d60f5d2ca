"""``comptoir generate_catalog``: a synthetic catalog of any size, for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from comptoir.core.exceptions import ComptoirError
from comptoir.demo.generator import generate_catalog, search_index_is_complete


class Command(BaseCommand):
    help = "Generate N active products with variants, categories and brands, deterministically."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--products", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--shop", default="bench", help="shop code (created if missing)")
        parser.add_argument("--variants-max", type=int, default=3)
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        total = options["products"]
        with tqdm(total=total, unit="product", disable=options["verbosity"] == 0) as bar:
            try:
                report = generate_catalog(
                    products=total,
                    seed=options["seed"],
                    shop_code=options["shop"],
                    variants_max=options["variants_max"],
                    batch_size=options["batch_size"],
                    progress=bar.update,
                )
            except ComptoirError as error:
                raise CommandError(str(error)) from None
        if not search_index_is_complete():
            raise CommandError("The search index does not hold every product translation.")
        self.stdout.write(
            f"generated {report.products} products, {report.variants} variants in "
            f"{report.seconds:.1f} s ({report.products_per_second:.0f} products/s)"
        )
