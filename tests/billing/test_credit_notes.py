"""A credit note for each refund of an invoiced order: its own gapless series, issued when
the money has gone back, exactly once however many times the refund task runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.billing.models import Document, DocumentKind
from comptoir.orders.models import OrderEvent
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from tests.billing.helpers import complete_identity, pay, pdf_text, placed_order
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced(en_shop):
    """A paid and invoiced order: 2 x 12.00 at 20 % and 1 x 8.44 at 5.5 %, shipping 4.90."""
    complete_identity(en_shop)
    order = pay(placed_order(en_shop, lines=(("12.00", "standard", 2), ("8.44", "reduced", 1))))
    run_queued_tasks()
    return order


def test_a_partial_refund_gets_a_credit_note_once_even_if_its_task_runs_twice(invoiced):
    order = invoiced
    invoice = Document.objects.get(kind=DocumentKind.INVOICE)

    # When the merchant refunds 10.00 and the refund task is queued a second time
    (refund,) = payments.refund_order(
        order.pk, amount=Decimal("10.00"), actor="anne", reason="one mug broken"
    )
    payments.execute_refund.enqueue(str(refund.pk))
    run_queued_tasks()
    assert payments.perform_refund(str(refund.pk)) == "already refunded"

    # Then one credit note, AV000001, corrects the invoice for 10.00 shared across its rates
    note = Document.objects.get(kind=DocumentKind.CREDIT_NOTE)
    assert (note.reference, note.number, note.invoice, note.refund) == (
        "AV000001",
        1,
        invoice,
        refund,
    )
    assert note.total == Decimal("10.00")
    vat = note.snapshot["vat"]
    assert [row["rate"] for row in vat] == ["0.055", "0.2"]
    assert sum(Decimal(row["gross"]) for row in vat) == Decimal("10.00")
    for row in vat:
        assert Decimal(row["net"]) + Decimal(row["vat"]) == Decimal(row["gross"])
    # 10.00 in proportion to 9.71 and 27.63
    assert [row["gross"] for row in vat] == ["2.60", "7.40"]
    assert OrderEvent.objects.filter(order=order, kind="credit_note_issued").count() == 1
    assert Refund.objects.get().status == "succeeded"
    text = " ".join(pdf_text(note.pdf.read()).split())
    for mention in [
        "Credit note AV000001",
        f"Credit note on invoice F000001 of {invoice.issued_at:%m/%d/%Y}",
        "Reason: one mug broken",
        "SIREN: 123456789",
        "VAT number: FR32123456789",
        "Jeanne Martin",
        "Refunded incl. VAT: 10.00 EUR",
        "2.46 EUR 0.14 EUR 2.60 EUR",
        "6.17 EUR 1.23 EUR 7.40 EUR",
        "fixed indemnity of 40 EUR",
    ]:
        assert mention in text, mention


def test_each_refund_has_its_credit_note_and_a_full_refund_copies_the_invoice_vat(invoiced):
    order = invoiced
    payments.refund_order(order.pk, amount=Decimal("5.00"), actor="anne")
    run_queued_tasks()
    payments.refund_order(order.pk, amount=Decimal("32.34"), actor="anne")
    run_queued_tasks()

    notes = list(Document.objects.filter(kind=DocumentKind.CREDIT_NOTE).order_by("number"))
    assert [(n.reference, n.total) for n in notes] == [
        ("AV000001", Decimal("5.00")),
        ("AV000002", Decimal("32.34")),
    ]
    assert Document.objects.filter(kind=DocumentKind.INVOICE).count() == 1
    assert len({n.refund_id for n in notes}) == 2


def test_cancelling_a_paid_order_refunds_it_with_a_credit_note_for_the_whole_invoice(invoiced):
    from comptoir.orders.services import cancel_order

    cancel_order(invoiced.pk, actor="anne", reason="customer asked")
    run_queued_tasks()

    note = Document.objects.get(kind=DocumentKind.CREDIT_NOTE)
    invoice = Document.objects.get(kind=DocumentKind.INVOICE)
    assert note.total == invoice.total == Decimal("37.34")
    assert note.snapshot["vat"] == invoice.snapshot["vat"]


def test_a_refund_of_a_never_invoiced_capture_makes_no_credit_note(en_shop):
    # A second capture for an order already paid is refunded at once; it was never invoiced.
    order = pay(placed_order(en_shop))
    duplicate = payments.create_payment(order, provider="bank_transfer")
    payments.confirm_payment(str(duplicate.pk), amount=None, currency="EUR", actor="test")
    run_queued_tasks()

    assert Refund.objects.get().status == "succeeded"
    assert Document.objects.filter(kind=DocumentKind.CREDIT_NOTE).count() == 0
    assert Document.objects.filter(kind=DocumentKind.INVOICE).count() == 1
