"""Invoice and credit note numbers under real concurrency on PostgreSQL: many threads, each
with its own connection, paying (and refunding) different orders at once. The series must
come out 1..N, no gap, no duplicate, one invoice per order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.billing.models import Document, DocumentCounter, DocumentKind
from comptoir.orders.models import Order
from comptoir.payments import services as payments
from comptoir.payments.models import Refund
from tests.billing.helpers import complete_identity, placed_order
from tests.selling import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ORDERS = 40


def confirm(order: Order) -> str:
    payment = order.payments.get()
    return payments.confirm_payment(
        str(payment.pk), amount=payment.amount, currency="EUR", actor="provider:test"
    )


def test_concurrent_payments_get_invoice_numbers_1_to_n_without_gap_or_duplicate(en_shop):
    complete_identity(en_shop)
    orders = [placed_order(en_shop, sku=f"C{i}", email=f"b{i}@example.org") for i in range(ORDERS)]

    # When every order is paid at once, each payment confirmed twice (webhook and return)
    calls = [lambda o=o: confirm(o) for o in orders for _twice in range(2)]
    results = run_in_threads(calls, workers=16)

    # Then every order is paid once and invoiced once, numbered 1..N
    assert sorted(r for r in results if isinstance(r, str)) == sorted(
        ["paid"] * ORDERS + ["already confirmed"] * ORDERS
    ), [r for r in results if not isinstance(r, str)]
    invoices = Document.objects.filter(kind=DocumentKind.INVOICE)
    assert invoices.count() == ORDERS
    assert sorted(invoices.values_list("number", flat=True)) == list(range(1, ORDERS + 1))
    assert invoices.values("order").distinct().count() == ORDERS
    assert DocumentCounter.objects.get(shop=en_shop, kind="invoice").last_number == ORDERS
    # Numbers follow the order in which payments committed
    by_number = list(invoices.order_by("number").values_list("issued_at", flat=True))
    assert by_number == sorted(by_number)


def test_concurrent_refunds_each_get_one_credit_note_numbered_without_gap(en_shop):
    complete_identity(en_shop)
    orders = [placed_order(en_shop, sku=f"R{i}", email=f"r{i}@example.org") for i in range(12)]
    for order in orders:
        assert confirm(order) == "paid"
    refunds = [payments.refund_order(o.pk, amount=Decimal("5.00"), actor="anne")[0] for o in orders]

    # When each refund's task runs twice, all at once (a retried or duplicated task)
    results = run_in_threads(
        [lambda r=r: payments.perform_refund(str(r.pk)) for r in refunds for _ in range(2)],
        workers=12,
    )

    assert sorted(results) == sorted(["refunded"] * 12 + ["already refunded"] * 12), results
    notes = Document.objects.filter(kind=DocumentKind.CREDIT_NOTE)
    assert sorted(notes.values_list("number", flat=True)) == list(range(1, 13))
    assert set(notes.values_list("refund", flat=True)) == {r.pk for r in refunds}
    assert Refund.objects.filter(status="succeeded").count() == 12


def test_postgresql_itself_refuses_to_change_or_delete_an_issued_document(en_shop):
    from django.db import DatabaseError, connection, transaction

    from tests.tasks import run_queued_tasks

    complete_identity(en_shop)
    order = placed_order(en_shop)
    assert confirm(order) == "paid"
    run_queued_tasks()
    invoice = Document.objects.get()

    for statement in [
        "UPDATE billing_document SET total = 1 WHERE id = %s",
        "UPDATE billing_document SET snapshot = '{}'::jsonb WHERE id = %s",
        "UPDATE billing_document SET sha256 = 'x' WHERE id = %s",
        "DELETE FROM billing_document WHERE id = %s",
    ]:
        with (
            pytest.raises(DatabaseError, match="is issued|already has its PDF"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [invoice.pk])
    stored = Document.objects.get()
    assert (stored.total, stored.sha256, stored.snapshot) == (
        invoice.total,
        invoice.sha256,
        invoice.snapshot,
    )
