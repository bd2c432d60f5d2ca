"""The PDF of an invoice or a credit note, drawn from its frozen snapshot alone (never from
the live order or shop), so drawing it again gives the same words and figures.

The font handling (DejaVu when the machine has it, Helvetica in Windows-1252 otherwise) is
fulfillment's, shared rather than restated."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from comptoir.fulfillment.pdf import _Document as PdfDocument

log = logging.getLogger(__name__)


def money(amount: str | Decimal, currency: str) -> str:
    return f"{formats.number_format(Decimal(amount), 2)} {currency}"


def percent(rate: str | Decimal) -> str:
    text = f"{Decimal(rate) * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR")) + " %"


def day(value: str) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")


def render_pdf(snapshot: dict[str, Any], *, facturx: bool = False) -> bytes:
    """The document as PDF bytes; with ``facturx``, a Factur-X PDF/A-3 carrying its CII XML."""
    invoice = snapshot["kind"] == "invoice"
    currency = snapshot["currency"]
    title = (_("Invoice %(reference)s") if invoice else _("Credit note %(reference)s")) % {
        "reference": snapshot["reference"]
    }
    pdf = PdfDocument(title=title)
    pdf.set_creation_date(dt.datetime.fromisoformat(snapshot["issued_on"]).replace(tzinfo=dt.UTC))
    pdf.set_lang(snapshot.get("language") or "fr")
    if facturx:
        _add_srgb_output_intent(pdf)
    pdf.add_page()
    pdf.line_of(title, size=16, bold=True)
    _seller(pdf, snapshot["seller"])
    pdf.gap()
    _buyer(pdf, snapshot["buyer"])
    pdf.gap()
    pdf.line_of(_("Issue date: %(date)s") % {"date": day(snapshot["issued_on"])})
    pdf.line_of(_("Date of sale: %(date)s") % {"date": day(snapshot["sale_on"])})
    pdf.line_of(_("Order: %(reference)s") % {"reference": snapshot["order"]})
    if not invoice:
        pdf.line_of(
            _("Credit note on invoice %(reference)s of %(date)s")
            % {
                "reference": snapshot["invoice"]["reference"],
                "date": day(snapshot["invoice"]["issued_on"]),
            }
        )
        if snapshot.get("reason"):
            pdf.line_of(_("Reason: %(reason)s") % {"reason": snapshot["reason"]})
    pdf.gap(6)
    exempt = bool(snapshot.get("vat_exemption"))
    if invoice:
        _lines(pdf, snapshot, currency)
        pdf.gap(6)
    elif snapshot.get("lines"):
        _refunded_lines(pdf, snapshot, currency, exempt=exempt)
        pdf.gap(6)
    if exempt:
        # Under the franchise no VAT is charged: no rate, no VAT column, no VAT total, only
        # the mention (a VAT figure beside it would be VAT invoiced, and owed).
        label = _("Total: %(amount)s") if invoice else _("Refunded: %(amount)s")
        pdf.line_of(label % {"amount": money(snapshot["total"], currency)}, size=12, bold=True)
        pdf.line_of(snapshot["vat_exemption"], bold=True)
    else:
        _vat_table(pdf, snapshot, currency)
        pdf.gap(4)
        pdf.line_of(
            _("Total excl. VAT: %(amount)s") % {"amount": money(snapshot["total_net"], currency)}
        )
        pdf.line_of(_("VAT: %(amount)s") % {"amount": money(snapshot["total_vat"], currency)})
        label = _("Total incl. VAT: %(amount)s") if invoice else _("Refunded incl. VAT: %(amount)s")
        pdf.line_of(label % {"amount": money(snapshot["total"], currency)}, size=12, bold=True)
    pdf.gap(6)
    _terms(pdf, snapshot, invoice=invoice)
    content = bytes(pdf.output())
    if facturx:
        from comptoir.billing.facturx import embed_facturx

        try:
            content = embed_facturx(content, snapshot)
        except Exception:  # factur-x raises bare Exception for an XSD refusal
            # The customer is owed the invoice, readable, now: the plain PDF is stored and
            # the error logged, rather than no invoice until a developer looks.
            log.exception("%s: Factur-X refused, stored as a plain PDF", snapshot["reference"])
    return content


def _add_srgb_output_intent(pdf: PdfDocument) -> None:
    """PDF/A wants the colour space of the page named: an sRGB profile, made by Pillow
    (nothing to ship or install)."""
    from fpdf.enums import OutputIntentSubType
    from fpdf.output import PDFICCProfile
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pdf.add_output_intent(
        OutputIntentSubType.PDFA,
        output_condition_identifier="sRGB",
        output_condition="sRGB",
        registry_name="http://www.color.org",
        dest_output_profile=PDFICCProfile(contents=profile, n=3, alternate="DeviceRGB"),
        info="sRGB",
    )


def _seller(pdf: PdfDocument, seller: dict[str, str]) -> None:
    pdf.line_of(seller["legal_name"], size=12, bold=True)
    if seller["legal_name"] != seller["shop"]:
        pdf.line_of(seller["shop"])
    if seller["legal_form"] or seller["share_capital"]:
        form = seller["legal_form"]
        if seller["share_capital"]:
            form = _("%(form)s with a share capital of %(capital)s") % {
                "form": form,
                "capital": seller["share_capital"],
            }
        pdf.line_of(form)
    for part in seller["address"].splitlines():
        if part.strip():
            pdf.line_of(part.strip())
    if seller["siren"]:
        pdf.line_of(_("SIREN: %(siren)s") % {"siren": seller["siren"]})
    if seller["siret"]:
        pdf.line_of(_("SIRET: %(siret)s") % {"siret": seller["siret"]})
    if seller["rcs_city"]:
        pdf.line_of(
            _("RCS %(city)s %(siren)s") % {"city": seller["rcs_city"], "siren": seller["siren"]}
        )
    if seller["vat_number"]:
        pdf.line_of(_("VAT number: %(number)s") % {"number": seller["vat_number"]})
    if seller["email"]:
        pdf.line_of(seller["email"])


def _buyer(pdf: PdfDocument, buyer: dict[str, Any]) -> None:
    pdf.line_of(_("Billed to"), bold=True)
    pdf.address(buyer["billing_address"])
    if buyer.get("vat_number"):
        pdf.line_of(_("VAT number: %(number)s") % {"number": buyer["vat_number"]})
    pdf.line_of(buyer["email"])
    shipping = buyer["shipping_address"]
    if shipping.get("line1") and shipping != buyer["billing_address"]:
        pdf.gap(2)
        pdf.line_of(_("Delivered to"), bold=True)
        pdf.address(shipping)


def _lines(pdf: PdfDocument, snapshot: dict[str, Any], currency: str) -> None:
    if snapshot.get("vat_exemption"):
        _exempt_lines(pdf, snapshot, currency)
        return
    rows: list[list[str]] = [
        [
            line["description"],
            str(line["quantity"]),
            money(line["unit_price_net"], currency),
            percent(line["vat_rate"]),
            money(line["net"], currency),
            money(line["gross"], currency),
        ]
        for line in snapshot["lines"]
    ]
    rates = [row["rate"] for row in snapshot["vat"]]
    basis = snapshot["prices_include_tax"]
    if snapshot.get("discount"):
        discount = snapshot["discount"]
        amount = money(-Decimal(discount["amount"]), currency)
        label = _("Discount %(code)s") % {"code": discount["code"]}
        rows.append([label, "", "", "", "" if basis else amount, amount if basis else ""])
    if snapshot.get("shipping"):
        shipping = snapshot["shipping"]
        amount = Decimal(shipping["amount"])
        label = _("Shipping: %(method)s") % {"method": shipping["label"]}
        if len(rates) == 1:
            rate = Decimal(rates[0])
            net = (amount / (1 + rate)).quantize(Decimal("0.01")) if basis else amount
            gross = amount if basis else (amount * (1 + rate)).quantize(Decimal("0.01"))
            rows.append(
                [
                    label,
                    "1",
                    money(net, currency),
                    percent(rate),
                    money(net, currency),
                    money(gross, currency),
                ]
            )
        else:
            # Shipping carries the VAT of the goods, shared across their rates: its VAT
            # is in the totals per rate below.
            shown = money(amount, currency)
            rows.append(
                [label, "1", "", _("as the goods"), "" if basis else shown, shown if basis else ""]
            )
    pdf.grid(
        [
            _("Description"),
            _("Qty"),
            _("Unit price excl. VAT"),
            _("VAT rate"),
            _("Total excl. VAT"),
            _("Total incl. VAT"),
        ],
        rows,
        widths=(62, 12, 28, 18, 30, 30),
    )


def _exempt_lines(pdf: PdfDocument, snapshot: dict[str, Any], currency: str) -> None:
    """The lines of a seller under the franchise: prices are what was paid, no VAT."""
    rows: list[list[str]] = [
        [
            line["description"],
            str(line["quantity"]),
            money(line["unit_price_net"], currency),
            money(line["net"], currency),
        ]
        for line in snapshot["lines"]
    ]
    if snapshot.get("discount"):
        discount = snapshot["discount"]
        label = _("Discount %(code)s") % {"code": discount["code"]}
        rows.append([label, "", "", money(-Decimal(discount["amount"]), currency)])
    if snapshot.get("shipping"):
        shipping = snapshot["shipping"]
        amount = money(shipping["amount"], currency)
        label = _("Shipping: %(method)s") % {"method": shipping["label"]}
        rows.append([label, "1", amount, amount])
    pdf.grid(
        [_("Description"), _("Qty"), _("Unit price"), _("Amount")],
        rows,
        widths=(100, 16, 32, 32),
    )


def _refunded_lines(
    pdf: PdfDocument, snapshot: dict[str, Any], currency: str, *, exempt: bool
) -> None:
    """A credit note's lines: the units paid back, after their share of any discount, and
    the row for what the amount adds (the delivery) or holds back."""
    rows: list[list[str]] = []
    for line in snapshot["lines"]:
        description = line["description"]
        if Decimal(line.get("discount") or 0):
            description = _("%(item)s, less discount %(amount)s") % {
                "item": description,
                "amount": money(line["discount"], currency),
            }
        if exempt:
            rows.append(
                [
                    description,
                    str(line["quantity"]),
                    money(line["unit_price_net"], currency),
                    money(line["gross"], currency),
                ]
            )
        else:
            rows.append(
                [
                    description,
                    str(line["quantity"]),
                    money(line["unit_price_net"], currency),
                    percent(line["vat_rate"]),
                    money(line["net"], currency),
                    money(line["gross"], currency),
                ]
            )
    extra = snapshot.get("extra")
    if extra:
        labels = {
            "shipping": _("Shipping: %(method)s") % {"method": extra["label"]},
            "other": _("Other amount refunded"),
            "withheld": _("Amount not refunded"),
        }
        amount = money(extra["amount"], currency)
        if exempt:
            rows.append([labels[extra["kind"]], "", "", amount])
        else:
            rows.append([labels[extra["kind"]], "", "", _("as the goods"), "", amount])
    if exempt:
        headings = [_("Description"), _("Qty"), _("Unit price"), _("Amount")]
        pdf.grid(headings, rows, widths=(100, 16, 32, 32))
        return
    pdf.grid(
        [
            _("Description"),
            _("Qty"),
            _("Unit price excl. VAT"),
            _("VAT rate"),
            _("Total excl. VAT"),
            _("Total incl. VAT"),
        ],
        rows,
        widths=(62, 12, 28, 18, 30, 30),
    )


def _vat_table(pdf: PdfDocument, snapshot: dict[str, Any], currency: str) -> None:
    pdf.line_of(_("VAT by rate"), bold=True)
    pdf.grid(
        [_("VAT rate"), _("Total excl. VAT"), _("VAT"), _("Total incl. VAT")],
        (
            [
                percent(row["rate"]),
                money(row["net"], currency),
                money(row["vat"], currency),
                money(row["gross"], currency),
            ]
            for row in snapshot["vat"]
        ),
        widths=(30, 50, 50, 50),
    )


def _terms(pdf: PdfDocument, snapshot: dict[str, Any], *, invoice: bool) -> None:
    payment = snapshot["payment"]
    terms = snapshot["terms"]
    if invoice:
        pdf.line_of(_("Payment method: %(method)s") % {"method": payment["method"]})
        pdf.line_of(_("Paid on %(date)s") % {"date": day(payment["paid_on"])})
        pdf.line_of(
            _("Payment terms: %(terms)s")
            % {
                "terms": terms["payment"]
                or _("paid in full when ordering, no discount for early payment")
            }
        )
    else:
        pdf.line_of(
            _("Refunded on %(date)s by %(method)s")
            % {"date": day(payment["paid_on"]), "method": payment["method"]}
        )
    pdf.line_of(
        _(
            "Late payment: penalties at %(rate)s, due from the day after the payment date, and "
            "a fixed indemnity of 40 EUR for recovery costs (art. L441-10 of the French "
            "Commercial Code)."
        )
        % {"rate": terms["late_penalty_rate"] or _("three times the French legal interest rate")},
        size=8,
    )
