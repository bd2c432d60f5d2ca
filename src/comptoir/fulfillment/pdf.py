"""Printable documents as PDF: the packing slips of a batch packed at home, and the purchase
order a dropship supplier gets beside its CSV file.

Drawn with fpdf2 (pure Python, nothing to install on the system). The text goes out in
DejaVu Sans when the machine has it, so any name or address prints as typed; without it we
fall back to the PDF's built-in Helvetica in Windows-1252, which still covers French (accents,
œ, €) and prints "?" for anything else rather than failing the merchant's download."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from comptoir.fulfillment.models import PackingBatch, ProductRoute, Shipment, ShipmentLine

# Debian's fonts-dejavu-core puts them here; a deployment elsewhere names its own folder.
FONT_DIRS = (
    Path(getattr(settings, "COMPTOIR_PDF_FONT_DIR", "") or "/usr/share/fonts/truetype/dejavu"),
)
FALLBACK_ENCODING = "windows-1252"

# fontTools narrates every font subset at INFO: a line per glyph list in the server's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def font_dir() -> Path | None:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


class _Document(FPDF):
    def __init__(self, *, title: str) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("Comptoir")
        folder = font_dir()
        if folder is not None:
            self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            self._family = "DejaVu"
            self._unicode = True
        else:
            self.core_fonts_encoding = FALLBACK_ENCODING
            self._family = "Helvetica"
            self._unicode = False

    def clean(self, value: object) -> str:
        text = str(value if value is not None else "")
        if self._unicode:
            return text
        return text.encode(FALLBACK_ENCODING, "replace").decode(FALLBACK_ENCODING)

    def line_of(self, value: object, *, size: float = 10, bold: bool = False) -> None:
        self.set_font(self._family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def gap(self, height: float = 4) -> None:
        self.ln(height)

    def address(self, address: dict, *, fallback_country: str = "") -> None:
        for part in (
            address.get("name", ""),
            address.get("company", ""),
            address.get("line1", ""),
            address.get("line2", ""),
            " ".join(p for p in (address.get("postcode", ""), address.get("city", "")) if p),
            address.get("country", "") or fallback_country,
            address.get("phone", ""),
        ):
            if part:
                self.line_of(part, size=11)

    def grid(self, headings: Sequence[str], rows: Iterable[Sequence[object]], widths) -> None:
        self.set_font(self._family, "", 10)
        with self.table(col_widths=widths, text_align="LEFT", first_row_as_headings=True) as table:
            head = table.row()
            for heading in headings:
                head.cell(self.clean(heading))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))


def _products_of(lines: Sequence[ShipmentLine]) -> dict[int, ProductRoute]:
    """Each line's product routing (shelf, supplier's reference), keyed by the line's pk."""
    from comptoir.catalog.models import Variant

    variant_ids = {line.order_line.variant_id for line in lines if line.order_line.variant_id}
    product_of = dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "product"))
    routes = ProductRoute.objects.in_bulk(set(product_of.values()))
    found = {}
    for line in lines:
        route = routes.get(product_of.get(line.order_line.variant_id))
        if route is not None:
            found[line.pk] = route
    return found


def _order_date(shipment: Shipment) -> str:
    moment = shipment.order.paid_at or shipment.order.created_at
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def render_packing_slips(*, batch: PackingBatch) -> bytes:
    """One page per parcel of the batch: what to put in the box and where to send it."""
    shop = batch.shop
    shipments = list(
        batch.shipments.select_related("order").prefetch_related("lines__order_line").order_by("pk")
    )
    with translation.override(shop.default_language):
        pdf = _Document(title=_("Packing slips, batch %(n)s") % {"n": batch.pk})
        routes = _products_of([line for s in shipments for line in s.lines.all()])
        for shipment in shipments:
            order = shipment.order
            pdf.add_page()
            pdf.line_of(shop.name, size=16, bold=True)
            pdf.line_of(_("Order %(ref)s") % {"ref": order.reference}, size=13, bold=True)
            pdf.line_of(_("Ordered on %(date)s") % {"date": _order_date(shipment)})
            pdf.gap()
            pdf.line_of(_("Ship to"), bold=True)
            pdf.address(order.shipping_address or {}, fallback_country=order.shipping_country)
            pdf.gap(6)
            pdf.grid(
                [_("SKU"), _("Product"), _("Quantity"), _("Shelf location")],
                (
                    [
                        line.sku,
                        line.name,
                        line.quantity,
                        getattr(routes.get(line.pk), "location", ""),
                    ]
                    for line in shipment.lines.all()
                ),
                widths=(30, 100, 22, 30),
            )
            pdf.gap(6)
            pdf.line_of(_("Thank you for your order!"))
        return bytes(pdf.output())


def render_purchase_order(*, shipments: Sequence[Shipment]) -> bytes:
    """The supplier's copy of what to ship: one page per parcel, the shipment key being the
    reference it quotes back to us."""
    route = shipments[0].route
    shop = route.shop
    with translation.override(shop.default_language):
        pdf = _Document(title=_("Purchase order from %(shop)s") % {"shop": shop.name})
        lines = [line for s in shipments for line in s.lines.all()]
        routes = _products_of(lines)
        for shipment in shipments:
            order = shipment.order
            pdf.add_page()
            pdf.line_of(_("Purchase order %(ref)s") % {"ref": shipment.key}, size=16, bold=True)
            pdf.line_of(_("From: %(shop)s") % {"shop": shop.name})
            if shop.contact_email:
                pdf.line_of(shop.contact_email)
            pdf.line_of(_("Supplier: %(name)s") % {"name": route.name})
            pdf.line_of(
                _("Our order %(ref)s of %(date)s")
                % {"ref": order.reference, "date": _order_date(shipment)}
            )
            pdf.gap()
            pdf.line_of(_("Ship to"), bold=True)
            pdf.address(order.shipping_address or {}, fallback_country=order.shipping_country)
            pdf.gap(6)
            pdf.grid(
                [_("Your reference"), _("Our SKU"), _("Product"), _("Quantity")],
                (
                    [
                        getattr(routes.get(line.pk), "supplier_sku", "") or line.sku,
                        line.sku,
                        line.name,
                        line.quantity,
                    ]
                    for line in shipment.lines.all()
                ),
                widths=(35, 30, 95, 22),
            )
            pdf.gap(6)
            pdf.line_of(
                _("Please quote %(ref)s when you give us the tracking number.")
                % {"ref": shipment.key}
            )
        return bytes(pdf.output())
