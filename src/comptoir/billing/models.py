"""Invoices and credit notes: numbered without gaps per shop and series, frozen when issued.

A document is issued inside the transaction that causes it (the payment, the refund): its
number is taken from a counter row locked by that transaction, so a rollback gives the
number back and the series has no gap. What it says is frozen at that moment in
``snapshot`` (seller, buyer, lines, totals); the PDF is drawn from the snapshot afterwards
and stored once with its sha256. Nothing issued is ever changed: a correction is a credit
note.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.downloads.storage import private_storage
from comptoir.orders.models import Order
from comptoir.payments.models import Refund
from comptoir.shops.models import Shop


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    """Issued once per order, when its payment is confirmed."""
    CREDIT_NOTE = "credit_note", _("Credit note")
    """Issued once per refund of an invoiced order, when the money has gone back."""


#: Each series has its own gapless numbers and its own prefix on the document.
PREFIXES = {DocumentKind.INVOICE: "F", DocumentKind.CREDIT_NOTE: "AV"}


class SellerIdentity(models.Model):
    """Who sells, as the invoices must say it (Code de commerce L441-9, CGI 242 nonies A).

    Kept beside the shop rather than on it: billing owns these fields and their rules."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, primary_key=True, related_name="seller_identity"
    )
    legal_name = models.CharField(
        _("legal name"), max_length=200, blank=True, help_text=_("As registered, e.g. Lumière SAS.")
    )
    legal_form = models.CharField(
        _("legal form"), max_length=60, blank=True, help_text=_("SAS, SARL, EI, EURL...")
    )
    share_capital = models.CharField(
        _("share capital"),
        max_length=60,
        blank=True,
        help_text=_("With its currency, e.g. 10 000 EUR. Leave blank for a sole trader."),
    )
    address = models.TextField(_("registered address"), blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    rcs_city = models.CharField(
        _("RCS city"),
        max_length=80,
        blank=True,
        help_text=_("The registry the company is entered in, e.g. Lyon (RCS Lyon)."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    vat_exempt = models.BooleanField(
        _("VAT franchise (art. 293 B du CGI)"),
        default=False,
        help_text=_("Under the franchise, invoices say that VAT does not apply."),
    )
    payment_terms = models.CharField(
        _("payment terms"),
        max_length=200,
        blank=True,
        help_text=_("Leave blank for: paid in full when ordering."),
    )
    late_penalty_rate = models.CharField(
        _("late payment penalty rate"),
        max_length=120,
        blank=True,
        help_text=_("Leave blank for three times the legal interest rate."),
    )
    facturx = models.BooleanField(
        _("Factur-X"),
        default=False,
        help_text=_("Embed the invoice data (CII XML, profile BASIC WL) in each PDF."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legal identity")
        verbose_name_plural = _("legal identities")

    def __str__(self) -> str:
        return self.legal_name or str(self.shop_id)

    def missing(self) -> list[str]:
        """The mentions an invoice needs and this identity lacks (field names)."""
        needed = ["legal_name", "legal_form", "address", "siren", "siret", "rcs_city"]
        if not self.vat_exempt:
            needed.append("vat_number")
        return [name for name in needed if not getattr(self, name).strip()]


class DocumentCounter(models.Model):
    """The last number given in one series of one shop, incremented in the issuing
    transaction: a rolled-back payment gives its number back."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind"], name="billing_one_counter_per_series")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.kind}: {self.last_number}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


#: Written once, when the document is issued; a save or update touching one is refused.
ISSUED_FIELDS = frozenset(
    {
        "shop",
        "shop_id",
        "kind",
        "number",
        "reference",
        "order",
        "order_id",
        "invoice",
        "invoice_id",
        "refund",
        "refund_id",
        "issued_at",
        "snapshot",
        "token",
        "total",
    }
)
#: Written once, when the PDF is stored.
RENDERED_FIELDS = frozenset({"pdf", "sha256", "rendered_at"})


class DocumentIsIssued(Exception):  # noqa: N818 - says what refuses the change
    """An issued invoice or credit note cannot be changed or deleted; issue a credit note."""


class DocumentQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        frozen = set(kwargs) & (ISSUED_FIELDS | RENDERED_FIELDS)
        if frozen:
            raise DocumentIsIssued(f"issued documents cannot change {sorted(frozen)}")
        return super().update(**kwargs)

    def delete(self) -> Any:
        raise DocumentIsIssued("issued documents cannot be deleted")


class Document(models.Model):
    """An invoice or a credit note, as issued."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="billing_documents")
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("reference"), max_length=20)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="billing_documents")
    # The invoice a credit note corrects.
    invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    issued_at = models.DateTimeField(_("issued at"))
    total = models.DecimalField(_("total incl. VAT"), max_digits=12, decimal_places=2)
    snapshot = models.JSONField()
    # Secret of the download link; the link itself is signed on top.
    token = models.CharField(max_length=64, default=new_token, unique=True, editable=False)
    pdf = models.FileField(upload_to="billing/%Y/%m/", storage=private_storage, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice or credit note")
        verbose_name_plural = _("invoices and credit notes")
        ordering = ["shop", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "number"], name="billing_unique_number"
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="invoice"),
                name="billing_one_invoice_per_order",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - RENDERED_FIELDS:
                raise DocumentIsIssued(f"{self.reference} is issued: only its PDF may be stored")
            stored = type(self).objects.filter(pk=self.pk).values_list("sha256", flat=True).get()
            if stored:
                raise DocumentIsIssued(f"{self.reference} already has its PDF")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise DocumentIsIssued(f"{self.reference} is issued and cannot be deleted")
