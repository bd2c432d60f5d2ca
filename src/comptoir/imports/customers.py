"""Customers from Shopify, WooCommerce, PrestaShop or our own CSV: name, email, addresses
and newsletter consent, through the same reading, reporting and all-or-nothing rules as
the products."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import IO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.customers.addresses import COUNTRY_NAMES
from comptoir.customers.models import Address
from comptoir.imports.models import NewsletterConsent
from comptoir.imports.platforms import Platform
from comptoir.imports.reading import CsvFile, FileError, Row, issue, read_csv
from comptoir.imports.records import AddressRecord, CustomerRecord, Issue
from comptoir.imports.services import ImportReport, _Rollback
from comptoir.shops.models import Shop

# column of our record -> the column each platform writes it in (first found wins)
CUSTOMER_COLUMNS = {
    "email": ["Email", "email", "Email *", "Customer e-mail *", "E-mail"],
    "first_name": ["First Name", "first_name", "First Name *", "billing_first_name"],
    "last_name": ["Last Name", "last_name", "Last Name *", "billing_last_name"],
    "newsletter": ["Accepts Email Marketing", "Accepts Marketing", "Newsletter (0/1)",
                   "newsletter", "Opt-in (0/1)"],
    "company": ["Default Address Company", "Company", "billing_company", "company"],
    "line1": ["Default Address Address1", "Address1", "Address 1 *", "billing_address_1",
              "line1"],
    "line2": ["Default Address Address2", "Address2", "Address 2", "billing_address_2", "line2"],
    "postal_code": ["Default Address Zip", "Zip", "Zipcode *", "billing_postcode",
                    "postal_code"],
    "city": ["Default Address City", "City", "City *", "billing_city", "city"],
    "country": ["Default Address Country Code", "Country Code", "Country *", "billing_country",
                "country", "Country"],
    "phone": ["Default Address Phone", "Phone", "billing_phone", "phone", "Mobile Phone"],
}  # fmt: skip


def _country_codes() -> dict[str, str]:
    codes = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for code, name in COUNTRY_NAMES.items():
                codes[str(name).lower()] = code
    return codes


def parse_customers(csv_file: CsvFile) -> Iterator[CustomerRecord | Issue]:
    columns = {
        field: next((c for c in names if c in csv_file.header), None)
        for field, names in CUSTOMER_COLUMNS.items()
    }
    if columns["email"] is None:
        yield Issue(1, "Email", _("The file has no email column."))
        return
    countries = _country_codes()
    for row in csv_file.rows:
        yield _customer(row, columns, countries)


def _customer(
    row: Row, columns: dict[str, str | None], countries: dict[str, str]
) -> CustomerRecord:
    def cell(name: str) -> str:
        column = columns[name]
        return row.get(column) if column else ""

    email = cell("email").lower()
    record = CustomerRecord(
        line=row.line,
        email=email,
        first_name=cell("first_name")[:150],
        last_name=cell("last_name")[:150],
        newsletter=cell("newsletter").lower() in ("1", "yes", "true", "subscribed", "oui"),
    )
    record_issues = [issue(row, column, text) for column, text in row.problems]
    try:
        validate_email(email)
    except ValidationError:
        record_issues.append(
            issue(row, columns["email"] or "Email", _("%(email)s is not an email address.")
                  % {"email": email or "''"})
        )  # fmt: skip
    if cell("line1"):
        raw_country = cell("country")
        country = (
            raw_country.upper() if len(raw_country) == 2 else countries.get(raw_country.lower(), "")
        )
        if not country:
            record_issues.append(
                issue(row, columns["country"] or "Country",
                      _("%(country)s is not a country we know.") % {"country": raw_country or "''"},
                      warning=True)
            )  # fmt: skip
        else:
            record.addresses.append(
                AddressRecord(
                    first_name=record.first_name[:80],
                    last_name=record.last_name[:80],
                    company=cell("company")[:120],
                    line1=cell("line1")[:120],
                    line2=cell("line2")[:120],
                    postal_code=cell("postal_code")[:12],
                    city=cell("city")[:80],
                    country=country,
                    phone=cell("phone")[:30],
                )
            )
    record.issues = record_issues
    return record


def import_customers(
    shop: Shop,
    stream: IO[bytes],
    *,
    platform: str = Platform.COMPTOIR,
    dry_run: bool = False,
    keep_valid: bool = False,
) -> ImportReport:
    """Create or update one account per email; addresses are added when new."""
    report = ImportReport(platform=platform, dry_run=dry_run, keep_valid=keep_valid)
    started = time.monotonic()
    users = get_user_model()
    try:
        csv_file = read_csv(stream, unneutralise=platform == Platform.COMPTOIR)
        with transaction.atomic():
            for item in parse_customers(csv_file):
                if isinstance(item, Issue):
                    report.add(item)
                    continue
                report.rows += 1
                for problem in item.issues:
                    report.add(problem)
                if any(not p.warning for p in item.issues):
                    report.records_rejected += 1
                    continue
                user = users.objects.filter(email__iexact=item.email).first()
                if user is None:
                    user = users(username=item.email, email=item.email)
                    user.set_unusable_password()  # they choose one with "forgot password"
                    report.customers_created += 1
                else:
                    report.customers_updated += 1
                user.first_name = item.first_name or user.first_name
                user.last_name = item.last_name or user.last_name
                user.save()
                NewsletterConsent.objects.update_or_create(
                    shop=shop,
                    customer=user,
                    defaults={"subscribed": item.newsletter, "source": platform},
                )
                for address in item.addresses:
                    data = vars(address)
                    if not Address.objects.filter(customer=user, **data).exists():
                        Address.objects.create(
                            customer=user,
                            is_default=not Address.objects.filter(customer=user).exists(),
                            **data,
                        )
            if report.error_count and not keep_valid:
                report.rolled_back = True
            if dry_run or report.rolled_back:
                raise _Rollback
    except _Rollback:
        pass
    except FileError as exc:
        report.add(Issue(line=0, column="", message=str(exc)))
        report.rolled_back = True
    report.seconds = round(time.monotonic() - started, 3)
    return report
