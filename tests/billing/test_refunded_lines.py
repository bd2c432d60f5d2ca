"""Credit notes list the lines a refund pays back (a refund with restock, a return), with
quantities, unit prices and VAT per rate; a refund of an amount only keeps the
proportional split. The lines are named as the order named them, in its language: the
orders here are placed in French."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from comptoir.billing.models import Document, DocumentKind
from comptoir.core.exceptions import ComptoirError
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from comptoir.returns import services as returns
from comptoir.returns.models import ReturnRequest
from tests.billing.helpers import complete_identity, pay, pdf_text, placed_order
from tests.returns.helpers import ask, deliver, sandbox_paid
from tests.selling import make_variant
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced(en_shop):
    """2 x 12.00 at 20 % and 1 x 8.44 at 5.5 %, shipping 4.90: 37.34 in all."""
    complete_identity(en_shop)
    order = pay(placed_order(en_shop, lines=(("12.00", "standard", 2), ("8.44", "reduced", 1))))
    run_queued_tasks()
    return order


def credit_note_text() -> tuple[Document, str]:
    note = Document.objects.get(kind=DocumentKind.CREDIT_NOTE)
    return note, " ".join(pdf_text(note.pdf.read()).split())


def test_a_refund_with_restock_lists_its_line_and_its_vat_only(invoiced):
    mug = invoiced.lines.get(sku="TEA-0")

    (refund,) = payments.refund_order(
        invoiced.pk, amount=Decimal("12.00"), actor="anne", restock={mug.pk: 1}
    )
    run_queued_tasks()

    assert Refund.objects.get().lines == [{"line": mug.pk, "quantity": 1}]
    note, text = credit_note_text()
    assert note.snapshot["extra"] is None
    assert note.snapshot["vat"] == [
        {"rate": "0.2", "net": "10.00", "vat": "2.00", "gross": "12.00"}
    ]
    assert "Thé TEA 0 1 10.00 EUR 20 % 10.00 EUR 12.00 EUR" in text
    assert "Thé TEA 1" not in text and "5.5 %" not in text
    assert "Refunded incl. VAT: 12.00 EUR" in text


def test_refunding_everything_lists_every_line_and_the_delivery(invoiced):
    mug, tea = invoiced.lines.get(sku="TEA-0"), invoiced.lines.get(sku="TEA-1")

    payments.refund_order(
        invoiced.pk, amount=Decimal("37.34"), actor="anne", lines={mug.pk: 2, tea.pk: 1}
    )
    run_queued_tasks()

    note, text = credit_note_text()
    invoice = Document.objects.get(kind=DocumentKind.INVOICE)
    assert note.snapshot["vat"] == invoice.snapshot["vat"]
    assert note.snapshot["extra"] == {"kind": "shipping", "label": "Colissimo", "amount": "4.90"}
    assert "Thé TEA 0 2 10.00 EUR 20 % 20.00 EUR 24.00 EUR" in text
    assert "Thé TEA 1 1 8.00 EUR 5.5 % 8.00 EUR 8.44 EUR" in text
    assert "Shipping: Colissimo" in text and "4.90 EUR" in text
    assert "Refunded incl. VAT: 37.34 EUR" in text


def test_an_amount_below_the_lines_shows_what_is_held_back(invoiced):
    mug = invoiced.lines.get(sku="TEA-0")

    payments.refund_order(invoiced.pk, amount=Decimal("5.00"), actor="anne", restock={mug.pk: 2})
    run_queued_tasks()

    note, text = credit_note_text()
    # Held back from the 20 % line only: no 5.5 % row, nothing negative
    assert note.snapshot["vat"] == [{"rate": "0.2", "net": "4.17", "vat": "0.83", "gross": "5.00"}]
    assert note.snapshot["extra"] == {"kind": "withheld", "label": "", "amount": "-19.00"}
    assert "Amount not refunded" in text and "-19.00 EUR" in text


def test_a_refund_of_an_amount_only_keeps_the_proportional_split(invoiced):
    payments.refund_order(invoiced.pk, amount=Decimal("10.00"), actor="anne")
    run_queued_tasks()

    note, text = credit_note_text()
    assert Refund.objects.get().lines == []
    assert note.snapshot["lines"] == []
    assert [row["gross"] for row in note.snapshot["vat"]] == ["2.60", "7.40"]
    assert "Thé TEA" not in text and "Description" not in text


def test_a_line_cannot_be_credited_for_more_units_than_were_sold(invoiced):
    mug = invoiced.lines.get(sku="TEA-0")
    payments.refund_order(invoiced.pk, amount=Decimal("12.00"), actor="anne", lines={mug.pk: 1})

    with pytest.raises(ComptoirError, match="between 1 and 1 unit"):
        payments.refund_order(invoiced.pk, amount=Decimal("20.00"), actor="anne", lines={mug.pk: 2})

    assert Refund.objects.count() == 1


def test_a_return_refunds_its_lines_on_the_credit_note(shop):
    complete_identity(shop)
    shop.default_language = "en"
    shop.save(update_fields=["default_language"])
    client = Client()
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10, name="Sencha")
    mug = make_variant(shop, sku="MUG", price="8.44", stock=10, name="Mug", vat_class="reduced")
    order = sandbox_paid(client, shop, [(tea, 2), (mug, 1)])
    deliver(client, order)

    ask(client, order, {order.lines.get(sku="TEA"): 1})
    returns.receive_return(ReturnRequest.objects.get().pk, actor="anne")
    run_queued_tasks()

    refund = Refund.objects.get()
    assert refund.lines == [{"line": order.lines.get(sku="TEA").pk, "quantity": 1}]
    note, text = credit_note_text()
    assert note.total == Decimal("10.00")
    assert "Sencha 1 8.33 EUR 20 % 8.33 EUR 10.00 EUR" in text
    assert "Mug" not in text


def test_under_the_franchise_the_credit_note_lists_its_lines_without_vat(en_shop):
    complete_identity(en_shop, vat_exempt=True, vat_number="")
    order = pay(placed_order(en_shop, lines=(("12.00", "standard", 2),)))
    run_queued_tasks()

    payments.refund_order(
        order.pk, amount=Decimal("12.00"), actor="anne", lines={order.lines.get().pk: 1}
    )
    run_queued_tasks()

    _note, text = credit_note_text()
    assert "Thé TEA 0 1 12.00 EUR 12.00 EUR" in text
    assert "Refunded: 12.00 EUR" in text
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "VAT" not in text.replace("TVA non applicable, art. 293 B du CGI", "")
