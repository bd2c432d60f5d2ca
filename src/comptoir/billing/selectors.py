"""Reads about invoices and credit notes worth naming."""

from __future__ import annotations

from django.utils.translation import gettext as _

from comptoir.billing.links import document_path
from comptoir.billing.models import Document, DocumentKind, SellerIdentity
from comptoir.core.rows import remembered
from comptoir.orders.models import Order
from comptoir.shops.models import Shop


def under_vat_franchise(shop: Shop) -> bool:
    """Whether the shop sells under the VAT franchise (art. 293 B du CGI): no VAT charged.

    Reads the identity the request's shop brought along (shops.middleware joins it), so
    pricing a basket costs no query; a shop read elsewhere pays one."""
    try:
        identity = shop.seller_identity  # type: ignore[attr-defined]
    except SellerIdentity.DoesNotExist:
        return False
    return bool(identity.vat_exempt)


def documents_for(order: Order) -> list[tuple[str, str]]:
    """The order's invoice then its credit notes, as (label, signed download path) pairs,
    for the customer's order pages and emails (prefix the shop's address for an email)."""
    documents = remembered(order, "billing_documents")
    if documents is None:
        documents = Document.objects.filter(order=order).order_by("issued_at", "pk")
    pairs = []
    for document in documents:
        if document.kind == DocumentKind.INVOICE:
            label = _("Invoice %(reference)s") % {"reference": document.reference}
        else:
            label = _("Credit note %(reference)s") % {"reference": document.reference}
        pairs.append((label, document_path(document)))
    return pairs
