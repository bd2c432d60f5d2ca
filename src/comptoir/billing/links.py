"""Download links of invoices and credit notes: the document's random token, signed, so
a forged or mistyped link is refused before any query; and the shop must match."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from comptoir.billing.models import Document
from comptoir.orders.links import shop_base_url

SALT = "comptoir.billing-document"


def document_path(document: Document) -> str:
    signed = signing.dumps(document.token, salt=SALT, compress=False)
    return reverse("billing:document", kwargs={"token": signed})


def document_url(document: Document) -> str:
    return shop_base_url(document.order) + document_path(document)


def document_from_token(value: str) -> Document | None:
    try:
        token = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    return Document.objects.select_related("shop", "order__shop").filter(token=token).first()
