"""Business buyers: a company name and an intra-EU VAT number at checkout, checked by the
country's format and check digits, kept with the order's billing address, printed on the
invoice (and in its Factur-X data)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from comptoir.billing.models import Document
from comptoir.orders.models import Order
from comptoir.taxes.vat_numbers import clean_vat_number
from tests.billing.helpers import complete_identity, pdf_text
from tests.checkout.test_views import ADD, CHECKOUT, form_data, pay_with_card
from tests.selling import add_flat_shipping, make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("fr 40 303 265 045", "FR", "FR40303265045"),
        ("DE136695976", "DE", "DE136695976"),
        ("EL094259216", "GR", "EL094259216"),
        ("BE0403.019.261", "BE", "BE0403019261"),
    ],
)
def test_valid_vat_numbers_are_kept_compact(number, country, expected):
    assert clean_vat_number(number, country=country) == expected


@pytest.mark.parametrize(
    ("number", "country", "message"),
    [
        ("40303265045", "FR", "Enter an EU VAT number starting with its country code"),
        ("US123456789", "FR", "Enter an EU VAT number starting with its country code"),
        ("GR094259216", "GR", "Enter an EU VAT number starting with its country code"),
        ("FR40303265046", "FR", "This is not a valid VAT number of France: check its digits."),
        ("DE12", "DE", "This is not a valid VAT number of Germany: check its digits."),
        ("DE136695976", "FR", "This VAT number is from Germany, but the billing address is in"),
    ],
)
def test_invalid_vat_numbers_are_refused_with_a_clear_message(number, country, message):
    with pytest.raises(ValidationError) as refused:
        clean_vat_number(number, country=country)

    assert refused.value.messages[0].startswith(message)


@pytest.fixture
def client(shop):
    complete_identity(shop)
    shop.default_language = "en"
    shop.save(update_fields=["default_language"])
    add_flat_shipping(shop, price="4.90", countries="FR,BE,DE")
    tea = make_variant(shop, sku="TEA-1", price="12.40", stock=50, name="Sencha")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(ADD, {"variant": tea.pk, "quantity": "2"})
    return client


def test_a_company_with_its_vat_number_is_invoiced_as_such(client):
    # When a business orders with its company name and VAT number (billing = delivery)
    data = form_data(
        client, **{"shipping-company": "Durand SARL", "vat_number": "fr 40 303 265 045"}
    )
    response = client.post(CHECKOUT, data)
    assert response.status_code == 303
    client.get(pay_with_card(client).split("testserver", 1)[-1])
    run_queued_tasks()

    # Then the order keeps both with its billing address
    order = Order.objects.get()
    assert order.billing_address["company"] == "Durand SARL"
    assert order.billing_address["vat_number"] == "FR40303265045"
    assert "vat_number" not in order.shipping_address
    # And the invoice prints them under "Billed to"
    invoice = Document.objects.get(order=order)
    text = " ".join(pdf_text(invoice.pdf.read()).split())
    assert "Billed to Jeanne Martin Durand SARL 12 rue des Lilas 69003 Lyon FR" in text
    assert "VAT number: FR40303265045 jeanne@example.org" in text
    assert invoice.snapshot["buyer"]["vat_number"] == "FR40303265045"


def test_a_separate_billing_address_carries_the_company(client):
    data = form_data(
        client,
        **{
            "billing_same": "",
            "billing-first_name": "Paul",
            "billing-last_name": "Durand",
            "billing-company": "Durand GmbH",
            "billing-line1": "Unter den Linden 1",
            "billing-postal_code": "10117",
            "billing-city": "Berlin",
            "billing-country": "DE",
            "vat_number": "DE136695976",
        },
    )
    del data["billing_same"]

    assert client.post(CHECKOUT, data).status_code == 303

    billing = Order.objects.get().billing_address
    assert (billing["company"], billing["vat_number"], billing["country"]) == (
        "Durand GmbH",
        "DE136695976",
        "DE",
    )


def test_a_wrong_vat_number_is_shown_on_its_field_and_nothing_is_ordered(client):
    data = form_data(client, **{"shipping-company": "Durand SARL", "vat_number": "FR40303265046"})

    page = client.post(CHECKOUT, data)

    assert page.status_code == 400
    assert page.context["form"].errors == {
        "vat_number": ["This is not a valid VAT number of France: check its digits."]
    }
    assert "This is not a valid VAT number of France" in page.content.decode()
    assert Order.objects.count() == 0


def test_a_vat_number_needs_the_company_name(client):
    page = client.post(CHECKOUT, form_data(client, vat_number="FR40303265045"))

    assert page.status_code == 400
    assert page.context["shipping"].errors == {
        "company": ["Give the company's name with its VAT number."]
    }
    assert Order.objects.count() == 0


def test_without_a_vat_number_the_invoice_names_none(client):
    client.post(CHECKOUT, form_data(client))
    client.get(pay_with_card(client).split("testserver", 1)[-1])
    run_queued_tasks()

    order = Order.objects.get()
    assert "vat_number" not in order.billing_address
    text = pdf_text(Document.objects.get(order=order).pdf.read())
    assert "FR32123456789" in text  # the seller's
    assert text.count("VAT number") == 1


def test_the_facturx_data_names_the_company_and_its_vat_number(client, shop):
    facturx = pytest.importorskip("facturx")
    from lxml import etree

    from comptoir.billing.facturx import NS

    complete_identity(shop, facturx=True)
    data = form_data(client, **{"shipping-company": "Durand SARL", "vat_number": "FR40303265045"})
    client.post(CHECKOUT, data)
    client.get(pay_with_card(client).split("testserver", 1)[-1])
    run_queued_tasks()

    content = Document.objects.get().pdf.read()
    _name, xml = facturx.get_facturx_xml_from_pdf(content, check_xsd=True)
    tree = etree.fromstring(xml)
    buyer = "//ram:BuyerTradeParty"
    assert tree.xpath(f"{buyer}/ram:Name/text()", namespaces=NS) == ["Durand SARL"]
    assert tree.xpath(f"{buyer}//ram:ID[@schemeID='VA']/text()", namespaces=NS) == ["FR40303265045"]
