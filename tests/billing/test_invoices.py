"""Invoices issued at payment: numbered without gaps, frozen, drawn as a PDF carrying every
legal mention, stored once with their sha256."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from comptoir.billing import services
from comptoir.billing.models import Document, DocumentIsIssued, DocumentKind, SellerIdentity
from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.orders.models import OrderEvent
from comptoir.orders.services import mark_paid
from tests.billing.helpers import complete_identity, pay, pdf_text, placed_order
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_a_paid_order_gets_one_invoice_with_every_legal_mention(en_shop):
    # Given a shop with its full legal identity and an order of two rates, with shipping
    complete_identity(en_shop, late_penalty_rate="10 % a year")
    order = placed_order(en_shop, lines=(("12.00", "standard", 2), ("8.44", "reduced", 1)))

    # When it is paid (twice: a replayed confirmation) and the queued tasks run
    pay(order)
    with transaction.atomic():
        mark_paid(order.pk, actor="test")
    run_queued_tasks()

    # Then it has exactly one invoice, number 1, rendered and stored with its sha256
    invoice = Document.objects.get()
    assert (invoice.kind, invoice.number, invoice.reference) == ("invoice", 1, "F000001")
    assert invoice.total == order.total == Decimal("37.34")
    content = invoice.pdf.read()
    assert hashlib.sha256(content).hexdigest() == invoice.sha256
    assert OrderEvent.objects.filter(order=order, kind="invoice_issued").count() == 1
    text = " ".join(pdf_text(content).split())  # table headings wrap in their cells
    today = timezone.localdate().strftime("%m/%d/%Y")
    for mention in [
        "Invoice F000001",
        "Lumière et Fils SAS",
        "SAS with a share capital of 10 000 EUR",
        "4 place Bellecour",
        "69002 Lyon",
        "SIREN: 123456789",
        "SIRET: 12345678900017",
        "RCS Lyon 123456789",
        "VAT number: FR32123456789",
        "Billed to",
        "Jeanne Martin",
        "12 rue des Lilas",
        "69003 Lyon",
        "jeanne@example.org",
        f"Issue date: {today}",
        f"Date of sale: {today}",
        f"Order: {order.reference}",
        "Unit price excl. VAT",
        "Thé TEA 0",
        "Thé TEA 1",
        "Shipping: Colissimo",
        "VAT by rate",
        "Payment method: Bank transfer",
        f"Paid on {today}",
        "Payment terms: paid in full when ordering",
        "penalties at 10 % a year",
        "fixed indemnity of 40 EUR for recovery costs",
    ]:
        assert mention in text, mention
    assert "293 B" not in text
    # The figures: unit prices excl. VAT, VAT rates, totals per rate and overall
    rows = {row["rate"]: row for row in order.vat_breakdown}
    assert set(rows) == {"0.2", "0.055"}
    for row in order.vat_breakdown:
        assert f"{row['net']} EUR" in text and f"{row['vat']} EUR" in text
    assert "10.00 EUR" in text  # 12.00 incl. 20 % VAT
    assert "8.00 EUR" in text  # 8.44 incl. 5.5 % VAT
    assert "20 %" in text and "5.5 %" in text
    assert f"Total excl. VAT: {order.total_net} EUR" in text
    assert f"VAT: {order.total_vat} EUR" in text
    assert "Total incl. VAT: 37.34 EUR" in text


def test_the_franchise_mention_when_the_shop_is_under_it(en_shop):
    complete_identity(en_shop, vat_exempt=True, vat_number="")
    order = placed_order(en_shop)
    # Billed to a company, delivered to a person
    order.billing_address = {
        "first_name": "Paul",
        "last_name": "Durand",
        "company": "Durand SARL",
        "line1": "3 quai Perrache",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR",
    }
    order.save(update_fields=["billing_address"])
    pay(order)
    run_queued_tasks()

    text = " ".join(pdf_text(Document.objects.get(order=order).pdf.read()).split())

    assert "Billed to Paul Durand Durand SARL 3 quai Perrache 69002 Lyon FR" in text
    assert "Delivered to Jeanne Martin 12 rue des Lilas 69003 Lyon FR" in text

    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "VAT number" not in text
    assert not InboxItem.objects.filter(kind=ItemKind.LEGAL_IDENTITY_INCOMPLETE).exists()


def test_an_incomplete_identity_still_invoices_and_asks_the_merchant(en_shop):
    # Given a shop that never said its legal identity
    SellerIdentity.objects.filter(shop=en_shop).delete()
    order = pay(placed_order(en_shop))
    second = pay(placed_order(en_shop, sku="B", email="paul@example.org"))
    run_queued_tasks()

    # Then both orders are invoiced, under the shop's name, and one inbox item asks
    assert list(Document.objects.order_by("number").values_list("reference", flat=True)) == [
        "F000001",
        "F000002",
    ]
    assert Document.objects.get(order=order).snapshot["missing"] == [
        "legal_name",
        "legal_form",
        "address",
        "siren",
        "siret",
        "rcs_city",
        "vat_number",
    ]
    assert "Maison Lumière" in pdf_text(Document.objects.get(order=second).pdf.read())
    item = InboxItem.objects.get(kind=ItemKind.LEGAL_IDENTITY_INCOMPLETE)
    assert (item.status, item.raised_count) == (ItemStatus.OPEN, 2)
    assert "SIREN" in item.context["missing"]

    # When the merchant completes it, the item closes itself
    identity = SellerIdentity(shop=en_shop)
    services.save_identity(identity)
    assert InboxItem.objects.get().status == ItemStatus.OPEN  # still nothing said
    filled = SellerIdentity.objects.get(shop=en_shop)
    filled.legal_name, filled.legal_form, filled.address = "Lumière SAS", "SAS", "1 rue A"
    filled.siren, filled.siret, filled.rcs_city = "123456789", "12345678900017", "Lyon"
    filled.vat_number = "FR32123456789"
    services.save_identity(filled)
    assert InboxItem.objects.get().status == ItemStatus.CLOSED


def test_an_issued_invoice_cannot_be_changed_or_deleted(en_shop):
    complete_identity(en_shop)
    order = pay(placed_order(en_shop))
    run_queued_tasks()
    invoice = Document.objects.get()
    sha = invoice.sha256

    invoice.total = Decimal("1.00")
    with pytest.raises(DocumentIsIssued):
        invoice.save()
    with pytest.raises(DocumentIsIssued):
        invoice.save(update_fields=["total"])
    with pytest.raises(DocumentIsIssued):
        Document.objects.filter(pk=invoice.pk).update(snapshot={})
    with pytest.raises(DocumentIsIssued):
        Document.objects.filter(pk=invoice.pk).update(sha256="0" * 64)
    with pytest.raises(DocumentIsIssued):
        invoice.delete()
    with pytest.raises(DocumentIsIssued):
        Document.objects.filter(pk=invoice.pk).delete()
    # Its PDF is stored once: drawing it again keeps the stored one
    invoice = Document.objects.get()
    invoice.sha256 = "f" * 64
    with pytest.raises(DocumentIsIssued):
        invoice.save(update_fields=["sha256"])
    assert services.render_document(invoice.pk).sha256 == sha
    # And a change to the shop's identity leaves the issued invoice as it was
    SellerIdentity.objects.filter(shop=en_shop).update(legal_name="Autre nom SARL")
    stored = Document.objects.get()
    assert (stored.total, stored.sha256) == (order.total, sha)
    assert stored.snapshot["seller"]["legal_name"] == "Lumière et Fils SAS"
    assert hashlib.sha256(services.pdf_bytes(stored)).hexdigest() == sha


def test_a_rolled_back_payment_gives_its_number_back(en_shop):
    first = placed_order(en_shop)
    second = placed_order(en_shop, sku="B")

    # When the first payment's transaction fails after the invoice was numbered
    with pytest.raises(RuntimeError), transaction.atomic():
        mark_paid(first.pk, actor="test")
        assert Document.objects.get().number == 1
        raise RuntimeError("the payment transaction fails after numbering")

    # Then no invoice exists, and the next payment takes number 1
    assert Document.objects.count() == 0
    pay(second)
    pay(first)
    assert list(Document.objects.order_by("number").values_list("order_id", "number")) == [
        (second.pk, 1),
        (first.pk, 2),
    ]


def test_the_series_are_per_shop(en_shop):
    from tests.factories import ShopFactory

    other = ShopFactory(code="autre", name="Autre boutique")
    pay(placed_order(en_shop))
    pay(placed_order(other, sku="O"))
    pay(placed_order(en_shop, sku="B"))

    assert sorted(Document.objects.values_list("shop__code", "number")) == [
        ("autre", 1),
        ("maison", 1),
        ("maison", 2),
    ]
    assert set(Document.objects.values_list("kind", flat=True)) == {DocumentKind.INVOICE}


def test_a_discount_and_prices_without_vat_are_shown_as_charged(en_shop):
    from comptoir.discounts.models import DiscountCode, DiscountKind

    # Given a shop pricing without VAT (B2B), a 10 % code, one rate and shipping
    en_shop.prices_include_tax = False
    en_shop.save(update_fields=["prices_include_tax"])
    DiscountCode.objects.create(
        shop=en_shop, code="PRO10", kind=DiscountKind.PERCENTAGE, value=Decimal(10)
    )
    order = pay(placed_order(en_shop, lines=(("50.00", "standard", 2),), discount_code="PRO10"))
    run_queued_tasks()

    text = " ".join(pdf_text(Document.objects.get(order=order).pdf.read()).split())

    # 100.00 excl. VAT - 10.00 + 4.90 shipping = 94.90 excl. VAT, 18.98 VAT, 113.88
    assert (order.total_net, order.total_vat, order.total) == (
        Decimal("94.90"),
        Decimal("18.98"),
        Decimal("113.88"),
    )
    assert "2 50.00 EUR 20 % 100.00 EUR 120.00 EUR" in text
    assert "Discount PRO10 -10.00 EUR" in text
    assert "Shipping: Colissimo 1 4.90 EUR 20 % 4.90 EUR 5.88 EUR" in text
    assert "20 % 94.90 EUR 18.98 EUR 113.88 EUR" in text
    assert "Total incl. VAT: 113.88 EUR" in text


def test_a_storage_failure_is_retried_with_backoff_then_stored(en_shop, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from comptoir.downloads.storage import PrivateStorage

    pay(placed_order(en_shop))
    real_save = PrivateStorage._save
    failures = []

    def full_disk_once(self, name, content):
        if not failures:
            failures.append(name)
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(PrivateStorage, "_save", full_disk_once)

    run_queued_tasks()  # the first attempt fails and queues the second, later
    invoice = Document.objects.get()
    assert invoice.sha256 == "" and len(failures) == 1
    retry = DBTaskResult.objects.get(
        task_path="comptoir.billing.tasks.render_billing_document", status="READY"
    )
    assert retry.args_kwargs == {"args": [invoice.pk], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now()

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_queued_tasks()

    invoice = Document.objects.get()
    assert hashlib.sha256(invoice.pdf.read()).hexdigest() == invoice.sha256
