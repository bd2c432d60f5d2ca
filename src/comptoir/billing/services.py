"""Issue invoices and credit notes, and store their PDF once.

:func:`issue_invoice` runs inside the payment's transaction (``mark_locked_order_paid``)
and :func:`issue_credit_note` inside the refund's (``perform_refund``): the number, the
frozen snapshot and the task that draws the PDF are committed with the money, or not at
all. The PDF is drawn later by :func:`render_document`, which is idempotent.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from comptoir.billing.models import (
    PREFIXES,
    Document,
    DocumentCounter,
    DocumentKind,
    SellerIdentity,
)
from comptoir.checkout.pricing import allocate
from comptoir.core.counters import take_next
from comptoir.core.money import quantize
from comptoir.core.rows import attach, insert
from comptoir.orders.models import Order
from comptoir.orders.selectors import order_lines
from comptoir.payments.models import Refund
from comptoir.shops.models import Shop

IDENTITY_ITEM_KEY = "billing:legal-identity"
#: The mention the franchise requires, in French whatever the shop's language: it is the
#: text of the law the tax office looks for.
VAT_FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"


def next_number(shop: Shop, kind: str) -> int:
    """The next number of ``shop``'s ``kind`` series; call inside the issuing transaction:
    the counter stays locked until the payment or refund commits (core.counters)."""
    return take_next(DocumentCounter, shop_id=shop.pk, kind=str(kind))


def identity_of(shop: Shop) -> SellerIdentity:
    """The shop's legal identity; an empty one (not saved) if the merchant has not said it.
    Read once per shop instance: the request's shop brings it along (ShopMiddleware)."""
    try:
        return shop.seller_identity
    except SellerIdentity.DoesNotExist:
        return SellerIdentity(shop=shop)


def issue_invoice(order: Order, *, actor: str) -> Document:
    """The order's invoice. Call in the payment's transaction, with the order locked, the
    once it becomes paid (``mark_locked_order_paid``, which returns early for an order paid
    before): no query looks for an earlier invoice, the constraint
    ``billing_one_invoice_per_order`` refuses a second one should a new caller forget.

    An incomplete legal identity does not stop the invoice: the sale has happened, the
    customer is owed an invoice now, and numbers must follow the order of sales. The
    merchant finds an inbox item naming what is missing, and later invoices carry it."""
    from comptoir.billing import tasks
    from comptoir.orders.services import record_event

    assert transaction.get_connection().in_atomic_block
    shop = order.shop
    identity = identity_of(shop)
    now = timezone.now()
    number = next_number(shop, DocumentKind.INVOICE)
    reference = _reference(DocumentKind.INVOICE, number)
    snapshot = {
        "kind": DocumentKind.INVOICE.value,
        "reference": reference,
        "number": number,
        "issued_on": timezone.localdate(now).isoformat(),
        "sale_on": timezone.localdate(order.paid_at or now).isoformat(),
        "order": order.reference,
        **_common(order, identity),
        "lines": _invoice_lines(order),
        "shipping": _shipping(order),
        "discount": {"code": order.discount_code, "amount": str(order.discount_amount)}
        if order.discount_amount
        else None,
        "vat": [dict(row) for row in order.vat_breakdown],
        "total_net": str(order.total_net),
        "total_vat": str(order.total_vat),
        "total": str(order.total),
        "payment": {
            "method": _method_label(shop, order.payment_method),
            "paid_on": timezone.localdate(order.paid_at or now).isoformat(),
        },
    }
    # Plain SQL (core.rows): every paid order is invoiced.
    document = Document(
        shop=shop,
        kind=DocumentKind.INVOICE,
        number=number,
        reference=reference,
        order=order,
        issued_at=now,
        total=order.total,
        snapshot=snapshot,
    )
    insert([document])
    record_event(
        order,
        "invoice_issued",
        actor=actor,
        data={"document": document.pk, "reference": reference, "missing": identity.missing()},
    )
    _warn_if_incomplete(shop, identity)
    tasks.render_billing_document.enqueue(document.pk)
    # The order's only document: its page, shown next in the same request, lists it.
    attach(order, "billing_documents", [document])
    return document


def issue_credit_note(refund: Refund, *, actor: str) -> Document | None:
    """The credit note of a refund that has succeeded, issued once; None when the order
    was never invoiced (a duplicate or late capture sent straight back). Call in the
    refund's transaction, with the order locked.

    A refund of lines (a return, a refund with restock) lists them, at the invoice's unit
    prices less their share of the order's discount, VAT per rate computed from them; what
    the amount adds or holds back beyond them is one more row, shared across the rates.
    A refund of an amount only is shared across the invoice's VAT rates in proportion to
    their totals (the usual way of a commercial gesture). A refund of everything copies
    the invoice's own amounts per rate."""
    from comptoir.billing import tasks
    from comptoir.orders.services import record_event

    assert transaction.get_connection().in_atomic_block
    existing = Document.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    order = refund.payment.order
    invoice = Document.objects.filter(order=order, kind=DocumentKind.INVOICE).first()
    if invoice is None:
        return None
    shop = order.shop
    identity = identity_of(shop)
    now = timezone.now()
    number = next_number(shop, DocumentKind.CREDIT_NOTE)
    reference = _reference(DocumentKind.CREDIT_NOTE, number)
    if refund.lines:
        lines, extra, vat = _refunded_lines(order, invoice, refund)
    else:
        lines, extra = [], None
        vat = _refund_vat(invoice, refund.amount, order.currency, order.prices_include_tax)
    snapshot = {
        "kind": DocumentKind.CREDIT_NOTE.value,
        "reference": reference,
        "number": number,
        "issued_on": timezone.localdate(now).isoformat(),
        "sale_on": invoice.snapshot["sale_on"],
        "order": order.reference,
        "invoice": {"reference": invoice.reference, "issued_on": invoice.snapshot["issued_on"]},
        **_common(order, identity),
        "reason": refund.reason,
        "lines": lines,
        # What the refund pays beyond (or holds back from) its lines: the delivery, say.
        "extra": extra,
        "vat": vat,
        "total_net": str(sum((Decimal(v["net"]) for v in vat), Decimal(0))),
        "total_vat": str(sum((Decimal(v["vat"]) for v in vat), Decimal(0))),
        "total": str(refund.amount),
        "payment": {
            "method": _method_label(shop, refund.payment.provider),
            "paid_on": timezone.localdate(now).isoformat(),
        },
    }
    document = Document.objects.create(
        shop=shop,
        kind=DocumentKind.CREDIT_NOTE,
        number=number,
        reference=reference,
        order=order,
        invoice=invoice,
        refund=refund,
        issued_at=now,
        total=refund.amount,
        snapshot=snapshot,
    )
    record_event(
        order,
        "credit_note_issued",
        actor=actor,
        data={"document": document.pk, "reference": reference, "refund": str(refund.pk)},
    )
    tasks.render_billing_document.enqueue(document.pk)
    return document


def render_document(document_id: int) -> Document:
    """Draw the document's PDF from its snapshot and store it, with its sha256, once.

    Safe to run twice or at once: the row is locked and a stored PDF is kept as it is."""
    from comptoir.billing.pdf import render_pdf

    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("shop")
            .get(pk=document_id)
        )
        if document.sha256:
            return document
        identity = identity_of(document.shop)
        with translation.override(document.snapshot.get("language") or "fr"):
            content = render_pdf(document.snapshot, facturx=identity.facturx)
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.rendered_at = timezone.now()
        # The file is written before the row: a rollback leaves an orphan file, never a
        # row pointing at nothing.
        document.pdf.save(
            f"{document.reference}-{document.token[:12]}.pdf", ContentFile(content), save=False
        )
        document.save(update_fields=["pdf", "sha256", "rendered_at"])
    return document


def pdf_bytes(document: Document) -> bytes:
    """The stored PDF, drawn first if its task has not run yet; refused if it was altered."""
    if not document.sha256:
        document = render_document(document.pk)
    with document.pdf.storage.open(document.pdf.name, "rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise OSError(f"{document.reference}: the stored PDF does not match its sha256")
    return content


def save_identity(identity: SellerIdentity) -> SellerIdentity:
    """Record the merchant's legal identity; the inbox item asking for it closes itself
    once nothing is missing."""
    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import close_item

    identity.save()
    if not identity.missing():
        close_item(
            identity.shop,
            kind=ItemKind.LEGAL_IDENTITY_INCOMPLETE,
            key=IDENTITY_ITEM_KEY,
            reason="legal identity completed",
        )
    return identity


def _warn_if_incomplete(shop: Shop, identity: SellerIdentity) -> None:
    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import open_item

    missing = identity.missing()
    if not missing:
        return
    open_item(
        shop,
        kind=ItemKind.LEGAL_IDENTITY_INCOMPLETE,
        key=IDENTITY_ITEM_KEY,
        title=gettext_noop("Complete your legal identity: invoices lack %(count)s mention(s)"),
        title_params={"count": len(missing)},
        context={"missing": _field_labels(shop, missing)},
    )


def _field_labels(shop: Shop, names: list[str]) -> list[str]:
    """The identity's field labels as the merchant's admin names them."""
    with translation.override(shop.default_language):
        return [str(SellerIdentity._meta.get_field(name).verbose_name) for name in names]


def _method_label(shop: Shop, code: str) -> str:
    """The payment method as the customer chose it, in the document's language."""
    from comptoir.core.exceptions import ComptoirError
    from comptoir.payments.registry import get_provider

    try:
        label = get_provider(code).label
    except ComptoirError:
        return code
    with translation.override(shop.default_language):
        return str(label or code)


def _reference(kind: str, number: int) -> str:
    return f"{PREFIXES[DocumentKind(kind)]}{number:06d}"


def _common(order: Order, identity: SellerIdentity) -> dict[str, Any]:
    """What every document of the order says about the seller, the buyer and the terms."""
    billing = _address(order.billing_address or order.shipping_address or {})
    # The franchise mention only on an order priced without VAT: one placed before the
    # seller switched to the franchise did charge VAT, and its invoice must show it (a
    # mention beside a VAT amount is the defect the tax office fines).
    exempt = identity.vat_exempt and not order.total_vat
    return {
        "currency": order.currency,
        "language": order.shop.default_language,
        "prices_include_tax": order.prices_include_tax,
        "seller": {
            "shop": order.shop.name,
            "legal_name": identity.legal_name or order.shop.name,
            "legal_form": identity.legal_form,
            "share_capital": identity.share_capital,
            "address": identity.address,
            "siren": identity.siren,
            "siret": identity.siret,
            "rcs_city": identity.rcs_city,
            "vat_number": identity.vat_number,
            "email": order.shop.contact_email,
            "country": order.shop.country,
        },
        "missing": identity.missing(),
        "vat_exempt": exempt,
        "vat_exemption": VAT_FRANCHISE_MENTION if exempt else "",
        "buyer": {
            "name": billing["name"],
            # A business buyer's intra-EU VAT number, checked at checkout (taxes.vat_numbers).
            "vat_number": (order.billing_address or {}).get("vat_number", ""),
            "email": order.email,
            "billing_address": billing,
            "shipping_address": _address(order.shipping_address or {}),
        },
        "terms": {
            "payment": identity.payment_terms,
            "late_penalty_rate": identity.late_penalty_rate,
        },
    }


def _address(address: dict[str, str]) -> dict[str, str]:
    """One shape for the documents, whichever the order holds: the checkout's form
    (first and last name, postal_code) or the older one (name, postcode)."""
    name = address.get("name") or " ".join(
        p for p in (address.get("first_name"), address.get("last_name")) if p
    )
    return {
        "name": name,
        "company": address.get("company", ""),
        "line1": address.get("line1", ""),
        "line2": address.get("line2", ""),
        "postcode": address.get("postcode") or address.get("postal_code", ""),
        "city": address.get("city", ""),
        "country": address.get("country", ""),
        "phone": address.get("phone", ""),
    }


def _invoice_lines(order: Order) -> list[dict[str, str | int]]:
    currency = order.currency
    rows = []
    for line in order_lines(order):
        rate = line.vat_rate
        if order.prices_include_tax:
            unit_net = quantize(line.unit_price / (1 + rate), currency)
            net = quantize(line.amount / (1 + rate), currency)
            gross = line.amount
        else:
            unit_net, net = line.unit_price, line.amount
            gross = quantize(line.amount * (1 + rate), currency)
        rows.append(
            {
                "description": " — ".join(p for p in (line.product_name, line.variant_label) if p),
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_net": str(unit_net),
                "vat_rate": str(rate),
                "net": str(net),
                "gross": str(gross),
            }
        )
    return rows


def _shipping(order: Order) -> dict[str, str] | None:
    if not order.shipping_amount:
        return None
    return {"label": order.shipping_method, "amount": str(order.shipping_amount)}


def _refund_vat(
    invoice: Document, amount: Decimal, currency: str, prices_include_tax: bool
) -> list[dict[str, str]]:
    """``amount`` (VAT included) shared across the invoice's VAT rates."""
    rows = invoice.snapshot["vat"]
    grosses = [Decimal(row["gross"]) for row in rows]
    if amount == sum(grosses, Decimal(0)):
        return [dict(row) for row in rows]
    vat = []
    for row, gross in zip(rows, allocate(amount, grosses, currency), strict=True):
        rate = Decimal(row["rate"])
        net = quantize(gross / (1 + rate), currency)
        vat.append(
            {"rate": row["rate"], "net": str(net), "vat": str(gross - net), "gross": str(gross)}
        )
    return vat


def _refunded_lines(
    order: Order, invoice: Document, refund: Refund
) -> tuple[list[dict[str, Any]], dict[str, str] | None, list[dict[str, str]]]:
    """The refund's lines as the credit note shows them, the row for the rest of the
    amount (None when the lines make it exactly), and the VAT per rate.

    Each line counts what the customer paid for those units: unit price times quantity
    less the same share of the line's discount, on the order's basis; VAT is rounded per
    rate, as on the invoice. The rest — the delivery refunded with a full return, or an
    amount held back — is shared across rates: what is added in proportion to the
    invoice's totals (delivery follows the goods' VAT), what is held back in proportion to
    the refunded lines (the only goods it can reduce)."""
    currency = order.currency
    basis = order.prices_include_tax
    by_id = {line.pk: line for line in order.lines.filter(pk__in=[r["line"] for r in refund.lines])}
    rows: list[dict[str, Any]] = []
    bases: dict[Decimal, Decimal] = {}
    for entry in refund.lines:
        line, quantity = by_id[entry["line"]], entry["quantity"]
        rate = line.vat_rate
        discount = quantize(line.discount * quantity / line.quantity, currency)
        paid = line.unit_price * quantity - discount  # on the order's basis
        bases[rate] = bases.get(rate, Decimal(0)) + paid
        unit_net = quantize(line.unit_price / (1 + rate), currency) if basis else line.unit_price
        net = quantize(paid / (1 + rate), currency) if basis else paid
        gross = paid if basis else quantize(paid * (1 + rate), currency)
        rows.append(
            {
                "description": " — ".join(p for p in (line.product_name, line.variant_label) if p),
                "sku": line.sku,
                "quantity": quantity,
                "unit_price_net": str(unit_net),
                "discount": str(discount),
                "vat_rate": str(rate),
                "net": str(net),
                "gross": str(gross),
            }
        )
    per_rate = _per_rate(bases, currency, basis)
    lines_gross = sum((v["gross"] for v in per_rate.values()), Decimal(0))
    rest = refund.amount - lines_gross
    if refund.amount == invoice.total:
        return rows, _extra(invoice, rest, currency), [dict(r) for r in invoice.snapshot["vat"]]
    if rest:
        if rest > 0:
            weights = {Decimal(r["rate"]): Decimal(r["gross"]) for r in invoice.snapshot["vat"]}
        else:
            weights = {rate: per_rate[rate]["gross"] for rate in per_rate}
        rates = sorted(weights)
        shares = allocate(rest, [weights[r] for r in rates], currency)
        for rate, share in zip(rates, shares, strict=True):
            gross = per_rate.get(rate, {}).get("gross", Decimal(0)) + share
            net = quantize(gross / (1 + rate), currency)
            per_rate[rate] = {"net": net, "vat": gross - net, "gross": gross}
    vat = [
        {
            "rate": format(rate.normalize(), "f"),  # "0.2", as the invoice's rows say it
            "net": str(row["net"]),
            "vat": str(row["vat"]),
            "gross": str(row["gross"]),
        }
        for rate, row in sorted(per_rate.items())
        if row["gross"]
    ]
    return rows, _extra(invoice, rest, currency), vat


def _per_rate(
    bases: dict[Decimal, Decimal], currency: str, prices_include_tax: bool
) -> dict[Decimal, dict[str, Decimal]]:
    """Net, VAT and gross of each rate's base, rounded per rate as checkout.pricing does."""
    rows = {}
    for rate, base in bases.items():
        if prices_include_tax:
            net = quantize(base / (1 + rate), currency)
            rows[rate] = {"net": net, "vat": base - net, "gross": base}
        else:
            vat = quantize(base * rate, currency)
            rows[rate] = {"net": base, "vat": vat, "gross": base + vat}
    return rows


def _extra(invoice: Document, rest: Decimal, currency: str) -> dict[str, str] | None:
    """The credit note's row for what the refund adds to its lines, or holds back."""
    if not rest:
        return None
    shipping = invoice.snapshot.get("shipping")
    if (
        shipping
        and invoice.snapshot.get("prices_include_tax")
        and rest == Decimal(shipping["amount"])
    ):
        kind = "shipping"
    else:
        kind = "other" if rest > 0 else "withheld"
    return {
        "kind": kind,
        "label": shipping["label"] if kind == "shipping" and shipping else "",
        "amount": str(quantize(rest, currency)),
    }
