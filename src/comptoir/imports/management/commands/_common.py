"""What the import and export commands share: picking the shop, printing a report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from comptoir.shops.models import Shop


def add_shop_argument(parser: Any) -> None:
    parser.add_argument("--shop", default="", help="shop code (default: the default shop)")


def get_shop(code: str) -> Shop:
    shop = (
        Shop.objects.filter(code=code).first()
        if code
        else Shop.objects.filter(is_default=True).first()
    )
    if shop is None:
        raise CommandError(f"No shop {code!r}." if code else "There is no default shop.")
    return shop


def print_issues(command: Any, issues: list[Any], *, limit: int = 200) -> None:
    for issue in issues[:limit]:
        kind = "warning" if issue.warning else "error"
        where = f"line {issue.line}" + (f", column {issue.column}" if issue.column else "")
        command.stdout.write(f"{kind}: {where}: {issue.message}")
    if len(issues) > limit:
        command.stdout.write(f"... and {len(issues) - limit} more")
