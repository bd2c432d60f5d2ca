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
from comptoir.core.money import quantize
from comptoir.orders.models import Order
from comptoir.orders.selectors import order_lines, remember_related
from comptoir.payments.models import Refund
from comptoir.shops.models import Shop

IDENTITY_ITEM_KEY = "billing:legal-identity"
#: The mention the franchise requires, in French whatever the shop's language: it is the
#: text of the law the tax office looks for.
VAT_FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"


def next_number(shop: Shop, kind: str) -> int:
    """The next number of ``shop``'s ``kind`` series; call inside the issuing transaction.

    Like ``orders.services.next_order_number``: the increment takes the counter's row lock
    and returns the new number in one statement; the lock is held until the payment or
    refund commits, so concurrent payments are numbered one after the other, and a
    rollback gives the number back."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block
    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1 "  # noqa: S608 - our table
                "WHERE shop_id = %s AND kind = %s RETURNING last_number",
                [shop.pk, kind],
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            # The series' first document: make its counter (in a savepoint, as another
            # transaction may make it at the same time), then increment it as above.
            DocumentCounter.objects.get_or_create(shop=shop, kind=kind)
    raise AssertionError("the document counter could not be incremented")


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
    document = Document.objects.create(
        shop=shop,
        kind=DocumentKind.INVOICE,
        number=number,
        reference=reference,
        order=order,
        issued_at=now,
        total=order.total,
        snapshot=snapshot,
    )
    record_event(
        order,
        "invoice_issued",
        actor=actor,
        data={"document": document.pk, "reference": reference, "missing": identity.missing()},
    )
    _warn_if_incomplete(shop, identity)
    tasks.render_billing_document.enqueue(document.pk)
    # The order's only document: its page, shown next in the same request, lists it.
    remember_related(order, "billing_documents", [document])
    return document


def issue_credit_note(refund: Refund, *, actor: str) -> Document | None:
    """The credit note of a refund that has succeeded, issued once; None when the order
    was never invoiced (a duplicate or late capture sent straight back). Call in the
    refund's transaction, with the order locked.

    The refund names an amount, not lines: it is shared across the invoice's VAT rates in
    proportion to their totals (the usual way of a commercial gesture or partial refund),
    the full invoice amounts being copied when everything is refunded."""
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
        document = Document.objects.select_for_update().select_related("shop").get(pk=document_id)
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
        "vat_exempt": identity.vat_exempt,
        "vat_exemption": VAT_FRANCHISE_MENTION if identity.vat_exempt else "",
        "buyer": {
            "name": billing["name"],
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
