"""Reads about invoices and credit notes worth naming."""

from __future__ import annotations

from django.utils.translation import gettext as _

from comptoir.billing.links import document_path
from comptoir.billing.models import Document, DocumentKind
from comptoir.orders.models import Order
from comptoir.orders.selectors import remembered


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
