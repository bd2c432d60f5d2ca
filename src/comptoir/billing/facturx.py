"""Factur-X: the invoice's data as CII XML (profile BASIC WL), embedded in its PDF.

The XML is written here from the snapshot (BASIC WL has no lines: header, parties, VAT
per rate and totals, which is what the snapshot holds for certain); akretion's
``factur-x`` package validates it against the XSD it ships and attaches it to the PDF
with the Factur-X XMP metadata. fpdf2 adds the sRGB output intent PDF/A asks for, and the
DejaVu fonts are embedded; with the Helvetica fallback (no DejaVu on the machine) the
fonts are not embedded and the file is not strictly PDF/A-3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lxml import etree

PROFILE = "basicwl"
GUIDELINE = "urn:factur-x.eu:1p0:basicwl"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
#: UNTDID 1001: commercial invoice, credit note.
TYPE_CODES = {"invoice": "380", "credit_note": "381"}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, iso: str, *, kind: str = "udt") -> None:
    holder = _el(parent, tag)
    day = dt.date.fromisoformat(iso).strftime("%Y%m%d")
    _el(holder, f"{kind}:DateTimeString", day, format="102")


def _amount(value: str | Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def _party(
    parent: etree._Element,
    tag: str,
    *,
    name: str,
    address: dict[str, str],
    legal_id: str = "",
    vat_number: str = "",
) -> None:
    party = _el(parent, tag)
    _el(party, "ram:Name", name or "-")
    if legal_id:
        organisation = _el(party, "ram:SpecifiedLegalOrganization")
        _el(organisation, "ram:ID", legal_id, schemeID="0002")  # 0002: SIREN
    postal = _el(party, "ram:PostalTradeAddress")
    if address.get("postcode"):
        _el(postal, "ram:PostcodeCode", address["postcode"])
    if address.get("line1"):
        _el(postal, "ram:LineOne", address["line1"])
    if address.get("line2"):
        _el(postal, "ram:LineTwo", address["line2"])
    if address.get("city"):
        _el(postal, "ram:CityName", address["city"])
    _el(postal, "ram:CountryID", (address.get("country") or "FR").upper())
    if vat_number:
        registration = _el(party, "ram:SpecifiedTaxRegistration")
        _el(registration, "ram:ID", vat_number, schemeID="VA")


def _seller_address(seller: dict[str, str]) -> dict[str, str]:
    """The registered address is free text; its first line, and the country."""
    lines = [line.strip() for line in seller["address"].splitlines() if line.strip()]
    return {"line1": lines[0] if lines else "", "country": seller.get("country") or "FR"}


def build_cii_xml(snapshot: dict[str, Any]) -> bytes:
    """The snapshot as Factur-X BASIC WL CII XML."""
    seller, buyer = snapshot["seller"], snapshot["buyer"]
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    guideline = _el(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram:ID", GUIDELINE)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", snapshot["reference"])
    _el(document, "ram:TypeCode", TYPE_CODES[snapshot["kind"]])
    _date(document, "ram:IssueDateTime", snapshot["issued_on"])
    if snapshot.get("vat_exemption"):
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", snapshot["vat_exemption"])

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _el(agreement, "ram:BuyerReference", snapshot["order"])
    _party(
        agreement,
        "ram:SellerTradeParty",
        name=seller["legal_name"],
        address=_seller_address(seller),
        legal_id=seller["siren"],
        vat_number=seller["vat_number"],
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        name=buyer["billing_address"].get("company") or buyer["name"],
        address=buyer["billing_address"],
        vat_number=buyer.get("vat_number", ""),
    )
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", snapshot["sale_on"])

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", snapshot["currency"])
    for row in snapshot["vat"]:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(row["vat"]))
        _el(tax, "ram:TypeCode", "VAT")
        if snapshot.get("vat_exempt"):
            _el(tax, "ram:ExemptionReason", snapshot["vat_exemption"])
        _el(tax, "ram:BasisAmount", _amount(row["net"]))
        # S: standard or reduced rate; E: exempt (the franchise).
        _el(tax, "ram:CategoryCode", "E" if snapshot.get("vat_exempt") else "S")
        _el(tax, "ram:RateApplicablePercent", _amount(Decimal(row["rate"]) * 100))
    if snapshot["kind"] == "invoice":
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _el(terms, "ram:Description", snapshot["terms"]["payment"] or "Paid when ordering")
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    net, total = _amount(snapshot["total_net"]), _amount(snapshot["total"])
    _el(totals, "ram:LineTotalAmount", net)
    _el(totals, "ram:TaxBasisTotalAmount", net)
    _el(
        totals,
        "ram:TaxTotalAmount",
        _amount(snapshot["total_vat"]),
        currencyID=snapshot["currency"],
    )
    _el(totals, "ram:GrandTotalAmount", total)
    # Paid in full at the order (invoice) or refunded in full (credit note): nothing due.
    _el(totals, "ram:TotalPrepaidAmount", total)
    _el(totals, "ram:DuePayableAmount", "0.00")
    if snapshot.get("invoice"):
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", snapshot["invoice"]["reference"])
        _date(
            referenced,
            "ram:FormattedIssueDateTime",
            snapshot["invoice"]["issued_on"],
            kind="qdt",
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def check_xml(xml: bytes) -> None:
    """Raise if the XML does not validate against the BASIC WL XSD ``factur-x`` ships."""
    import facturx

    facturx.xml_check_xsd(xml, flavor="factur-x", level=PROFILE)


def embed_facturx(pdf: bytes, snapshot: dict[str, Any]) -> bytes:
    import facturx

    xml = build_cii_xml(snapshot)
    check_xml(xml)
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=PROFILE,
        check_xsd=False,  # checked just above, with the same XSD
        lang=snapshot.get("language") or "fr",
        pdf_metadata={
            "author": snapshot["seller"]["legal_name"],
            "keywords": "Factur-X",
            "title": snapshot["reference"],
            "subject": snapshot["reference"],
        },
    )
