"""Customers from the three platforms and our own format."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from comptoir.customers.models import Address
from comptoir.imports.customers import import_customers
from comptoir.imports.models import NewsletterConsent
from tests.imports.conftest import csv_text

pytestmark = pytest.mark.django_db

SHOPIFY = ["First Name", "Last Name", "Email", "Accepts Email Marketing",
           "Default Address Company", "Default Address Address1", "Default Address Address2",
           "Default Address City", "Default Address Province Code",
           "Default Address Country Code", "Default Address Zip", "Default Address Phone",
           "Total Spent", "Tags"]  # fmt: skip


def run(shop, text: str | bytes, platform: str, **options):
    data = text.encode() if isinstance(text, str) else text
    return import_customers(shop, io.BytesIO(data), platform=platform, **options)


def test_shopify_customers_with_address_and_consent(shop):
    data = csv_text(
        SHOPIFY,
        ["Jeanne", "Martin", "Jeanne@Example.org", "yes", "", "12 rue des Lilas", "", "Lyon",
         "", "FR", "69003", "+33 6 12 34 56 78", "120.00", "vip"],
        ["Paul", "Durand", "paul@example.org", "no", "", "", "", "", "", "", "", "", "0", ""],
    )  # fmt: skip
    report = run(shop, data, "shopify")
    assert (report.customers_created, report.error_count) == (2, 0)
    jeanne = get_user_model().objects.get(email="jeanne@example.org")
    assert (jeanne.first_name, jeanne.last_name, jeanne.has_usable_password()) == (
        "Jeanne",
        "Martin",
        False,
    )
    address = Address.objects.get(customer=jeanne)
    assert (address.line1, address.postal_code, address.city, address.country) == (
        "12 rue des Lilas",
        "69003",
        "Lyon",
        "FR",
    )
    assert address.is_default is True
    consents = dict(NewsletterConsent.objects.values_list("customer__email", "subscribed"))
    assert consents == {"jeanne@example.org": True, "paul@example.org": False}
    # A second run updates: no second account, no second copy of the address
    again = run(shop, data, "shopify")
    assert (again.customers_created, again.customers_updated) == (0, 2)
    assert Address.objects.count() == 1


def test_prestashop_customers_semicolons_country_names_and_windows_1252(shop):
    header = ["Customer ID", "Active (0/1)", "Email *", "Last Name *", "First Name *",
              "Newsletter (0/1)", "Address 1 *", "Zipcode *", "City *", "Country *"]  # fmt: skip
    data = csv_text(
        header,
        ["1", "1", "helene@example.fr", "Lefèvre", "Hélène", "1", "3 place d'Armes", "33000",
         "Bordeaux", "France"],
        ["2", "1", "not-an-email", "X", "Y", "0", "", "", "", ""],
        sep=";",
    )  # fmt: skip
    report = run(shop, data.encode("cp1252"), "prestashop")
    assert report.rolled_back is True
    assert [(i.line, i.column) for i in report.issues] == [(3, "Email *")]
    assert get_user_model().objects.count() == 0
    kept = run(shop, data.encode("cp1252"), "prestashop", keep_valid=True)
    assert kept.customers_created == 1
    user = get_user_model().objects.get()
    assert user.first_name == "Hélène"
    assert Address.objects.get(customer=user).country == "FR"


def test_woocommerce_customers_billing_columns(shop):
    header = ["email", "first_name", "last_name", "billing_address_1", "billing_postcode",
              "billing_city", "billing_country", "billing_phone"]  # fmt: skip
    data = csv_text(header, ["ana@example.pt", "Ana", "Silva", "Rua 1", "1000-001", "Lisboa",
                             "PT", "+351"])  # fmt: skip
    report = run(shop, data, "woocommerce", dry_run=True)
    assert report.customers_created == 1
    assert get_user_model().objects.count() == 0


def test_a_customer_file_without_an_email_column_is_refused(shop):
    report = run(shop, "name,city\nA,B\n", "comptoir")
    assert [(i.line, i.column) for i in report.issues] == [(1, "Email")]
    assert report.rolled_back is True


def test_the_customers_export_reads_back_unchanged(shop):
    from comptoir.imports.exports import export_customers_csv

    data = csv_text(
        SHOPIFY,
        ["=Jeanne", "Martin", "jeanne@example.org", "yes", "", "12 rue des Lilas", "", "Lyon",
         "", "FR", "69003", "+33 6 12 34 56 78", "120.00", "vip"],
    )  # fmt: skip
    run(shop, data, "shopify")
    out = io.StringIO()
    assert export_customers_csv(shop, out) == 1
    text = out.getvalue()
    assert text.splitlines()[1].startswith("jeanne@example.org,'=Jeanne,Martin,1,")
    report = run(shop, text, "comptoir")
    assert (report.customers_created, report.customers_updated, report.error_count) == (0, 1, 0)
    user = get_user_model().objects.get()
    assert user.first_name == "=Jeanne"
    assert Address.objects.count() == 1
    assert NewsletterConsent.objects.get().subscribed is True
