"""Payments applied exactly once.

The provider's events (webhook or the customer's return, in any order, any number of
times, concurrently) all end in :func:`confirm_payment`, which locks the payment row and
does nothing the second time. A database constraint allows one successful payment per
order; a second capture for the same order is refunded automatically.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Subquery, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from comptoir.core import rows
from comptoir.core.exceptions import ComptoirError
from comptoir.core.retry import Backoff, retrying
from comptoir.core.rows import refresh_locked
from comptoir.orders import notifications
from comptoir.orders import services as orders
from comptoir.orders.models import Order, OrderLine
from comptoir.orders.states import PAID_STATES, OrderStatus, can_transition
from comptoir.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from comptoir.payments.providers.base import ProviderError, ProviderEvent, ProviderUnavailable
from comptoir.payments.registry import get_provider

log = logging.getLogger(__name__)


def create_payment(order: Order, *, provider: str) -> Payment:
    get_provider(provider)
    payment = Payment(order=order, provider=provider, amount=order.total, currency=order.currency)
    rows.insert([payment])  # plain SQL: one of every order's statements
    return payment


def apply_event(provider: str, event: ProviderEvent, *, known: Payment | None = None) -> str:
    """Apply a verified provider event once. Returns what happened, for the log.

    ``known``: the caller's own instance of the event's payment, with its order (and the
    order's shop) attached, as the payment's return page holds them. They are locked and
    brought up to date in place instead of read again, and the page shows them."""
    if known is not None and str(known.pk) != str(event.payment_id):
        known = None
    if not _record_event_once(provider, event):
        already = WebhookEvent.objects.filter(
            provider=provider, event_id=event.event_id, processed_at__isnull=False
        ).exists()
        if already:
            return "duplicate"
    from comptoir.fraud.services import record_payment_attempt

    # One transaction for the card attempt, the payment and the event marked processed:
    # they are kept together or not at all (a failure leaves the event's row unprocessed,
    # and the provider's retry applies it), and the attempt is no transaction of its own.
    with transaction.atomic():
        # Before the payment is applied: its screening reads this attempt's card.
        attempt = record_payment_attempt(
            provider, event, order=known.order if known is not None else None
        )
        if event.kind == "payment.succeeded":
            outcome = _confirm_payment(
                event.payment_id,
                amount=event.amount,
                currency=event.currency,
                reference=event.reference,
                actor=f"provider:{provider}",
                known=known,
                attempt=attempt,
            )
        elif event.kind == "payment.failed":
            outcome = _fail_payment(
                event.payment_id,
                reason=event.details.get("reason", ""),
                actor=f"provider:{provider}",
            )
        else:
            outcome = "ignored"
        WebhookEvent.objects.filter(provider=provider, event_id=event.event_id).update(
            processed_at=timezone.now()
        )
    return outcome


def _record_event_once(provider: str, event: ProviderEvent) -> bool:
    """Keep the event's row; False if it was kept before (a replay). One statement,
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, rather than a transaction (or a
    savepoint) around an insert that may fail."""
    connection = transaction.get_connection()
    meta = WebhookEvent._meta
    event_row = WebhookEvent(
        provider=provider, event_id=event.event_id, kind=event.kind, payload=event.details
    )
    fields = [meta.get_field(name) for name in ("provider", "event_id", "kind", "payload")]
    received = meta.get_field("received_at")
    values = [
        field.get_db_prep_save(getattr(event_row, field.attname), connection) for field in fields
    ]
    values.append(received.get_db_prep_save(timezone.now(), connection))
    q = connection.ops.quote_name
    columns = ", ".join(q(field.column) for field in [*fields, received])
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({q('provider')}, {q('event_id')}) DO NOTHING RETURNING {q('id')}",
            values,
        )
        return cursor.fetchone() is not None


def _confirm_payment(
    payment_id: str,
    *,
    amount: Decimal | None,
    currency: str,
    reference: str = "",
    actor: str,
    known: Payment | None = None,
    attempt: Any = None,
) -> str:
    """The provider says the payment succeeded: the order is paid, once.

    ``known`` (see :func:`apply_event`) is locked and refreshed in place; ``attempt`` is
    the card attempt :func:`fraud.services.record_payment_attempt` just recorded for it,
    which the screening reads rather than look it up.

    Inside its caller's transaction, without a savepoint of its own (:func:`apply_event`);
    :func:`confirm_payment` is the same in a transaction of its own."""
    assert transaction.get_connection().in_atomic_block
    # The order first, then its payment: the order every other use case locks them in
    # (cancel_order, refund_order). Payment first deadlocked against a cancellation.
    if known is not None and str(known.pk) == str(payment_id):
        order, payment = known.order, known
        # The caller's objects locked and brought up to date where they are, their columns
        # only: what was loaded along with them (the shop and its settings, the order's
        # fraud signals) is kept, not read again. Plain SQL (comptoir.core.rows): the ORM
        # spent more building these two statements than running them.
        refresh_locked(order, no_key=True)
        refresh_locked(payment)
    else:
        # The order found through its payment in the locking statement itself.
        order_id = Payment.objects.filter(pk=payment_id).values("order_id")[:1]
        locked = (
            Order.objects.select_for_update(no_key=True)
            .select_related("shop")
            .filter(pk=Subquery(order_id))
            .first()
        )
        if locked is None:
            log.warning("payment event for unknown payment %s", payment_id)
            return "unknown payment"
        order = locked
        payment = Payment.objects.select_for_update().get(pk=payment_id)
    # A duplicate capture was settled (refunded) the first time it was reported.
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.DUPLICATE):
        return "already confirmed"
    if amount is not None and (amount != payment.amount or currency.upper() != payment.currency):
        orders.record_event(
            order,
            "payment_mismatch",
            actor=actor,
            note=f"provider reported {amount} {currency}, expected "
            f"{payment.amount} {payment.currency}",
        )
        return "amount mismatch"
    payment.confirmed_at = timezone.now()
    payment.reference = reference or payment.reference
    if order.status not in (OrderStatus.PENDING_PAYMENT, *PAID_STATES):
        other_success = Payment.objects.filter(
            order_id=order.pk, status=PaymentStatus.SUCCEEDED
        ).exclude(pk=payment.pk)
        _refund_unwanted_capture(payment, order, duplicate=other_success.exists(), actor=actor)
        return "refunded a duplicate or late payment"
    # Succeeded unless another payment of the order did: the check and the write in one
    # statement. The order's lock, held, keeps another success from committing meanwhile.
    if not _mark_succeeded_unless_another_did(payment):
        _refund_unwanted_capture(payment, order, duplicate=True, actor=actor)
        return "refunded a duplicate or late payment"
    payment.status = PaymentStatus.SUCCEEDED
    # Its events (confirmed, paid, screened, invoiced) in one INSERT.
    with orders.events_written_together():
        orders.record_event(
            order,
            "payment_confirmed",
            actor=actor,
            data={"payment": str(payment.pk), "amount": str(payment.amount)},
        )
        # The order is locked above, in this transaction: no need to lock and read it again.
        orders.mark_locked_order_paid(order, actor=actor, attempt=attempt)
    return "paid"


confirm_payment = transaction.atomic(_confirm_payment)


def _mark_succeeded_unless_another_did(payment: Payment) -> bool:
    """``UPDATE`` the payment to succeeded, with its ``confirmed_at`` and ``reference``,
    unless another payment of its order succeeded; True if it did. Plain SQL: every
    payment runs it, and the ORM spent more building it than the database running it."""
    connection = transaction.get_connection()
    meta = Payment._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk.get_db_prep_value(payment.pk, connection)
    confirmed = meta.get_field("confirmed_at").get_db_prep_value(payment.confirmed_at, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, confirmed_at = %s, reference = %s "  # noqa: S608
            f"WHERE id = %s AND NOT EXISTS (SELECT 1 FROM {table} p2 "
            "WHERE p2.order_id = %s AND p2.status = %s AND p2.id <> %s)",
            [
                PaymentStatus.SUCCEEDED.value,
                confirmed,
                payment.reference,
                pk,
                payment.order_id,
                PaymentStatus.SUCCEEDED.value,
                pk,
            ],
        )
        return cursor.rowcount == 1


def _refund_unwanted_capture(
    payment: Payment, order: Order, *, duplicate: bool, actor: str
) -> None:
    """Money captured for an order already paid by another payment, or already cancelled:
    it goes straight back, in full."""
    payment.status = PaymentStatus.DUPLICATE if duplicate else PaymentStatus.SUCCEEDED
    payment.save(update_fields=["status", "confirmed_at", "reference"])
    refund = Refund.objects.create(
        payment=payment, amount=payment.amount, reason="duplicate or late payment", created_by=actor
    )
    orders.record_event(
        order,
        "payment_refunded_automatically",
        actor=actor,
        note="a payment arrived for an order already paid or cancelled; it is refunded in full",
        data={"payment": str(payment.pk), "refund": str(refund.pk)},
    )
    execute_refund.enqueue(str(refund.pk))


def _fail_payment(payment_id: str, *, reason: str, actor: str) -> str:
    """The provider says the payment failed, inside its caller's transaction;
    :func:`fail_payment` is the same in a transaction of its own."""
    assert transaction.get_connection().in_atomic_block
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.PENDING:
        return "ignored"
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason[:200]
    payment.save(update_fields=["status", "failure_reason"])
    orders.record_event(payment.order, "payment_failed", actor=actor, note=reason)
    return "failed"


fail_payment = transaction.atomic(_fail_payment)


def void_pending(order: Order) -> None:
    order.payments.filter(status=PaymentStatus.PENDING).update(status=PaymentStatus.CANCELLED)


def refundable_amount(payment: Payment) -> Decimal:
    refunded = payment.refunds.exclude(status="failed").aggregate(s=Sum("amount"))["s"]
    return payment.amount - (refunded or Decimal(0))


@transaction.atomic
def refund_order(
    order_id: int,
    *,
    amount: Decimal,
    actor: str,
    reason: str = "",
    restock: dict[int, int] | None = None,
    lines: dict[int, int] | None = None,
) -> list[Refund]:
    """Refund ``amount`` of an order's captured payments; never more than was captured.

    ``restock`` maps order line ids to the units that came back and return to stock, in
    the same transaction: the refund and the stock both happen, or neither. ``lines``
    maps order line ids to the units this refund pays for, recorded on the refund for its
    credit note; the units restocked when not given."""
    order = orders.lock_order(order_id)
    if amount <= 0:
        raise ComptoirError("A refund must be a positive amount.")
    returns = _checked_returns(order, restock or {})
    refunded_lines = _checked_lines(order, restock or {} if lines is None else lines)
    payments = list(
        Payment.objects.select_for_update()
        .filter(order=order, status=PaymentStatus.SUCCEEDED)
        .order_by("created_at")
    )
    available = sum((refundable_amount(p) for p in payments), Decimal(0))
    if amount > available:
        raise ComptoirError(f"At most {available} {order.currency} can still be refunded.")
    refunds, left = [], amount
    for payment in payments:
        share = min(left, refundable_amount(payment))
        if share <= 0:
            continue
        refund = Refund.objects.create(
            payment=payment,
            amount=share,
            reason=reason,
            created_by=actor,
            # One captured payment per order (a database constraint): the lines go with
            # the first share, the only one in practice.
            lines=refunded_lines if not refunds else [],
        )
        refunds.append(refund)
        execute_refund.enqueue(str(refund.pk))
        left -= share
    orders.record_event(
        order, "refund_requested", actor=actor, note=reason, data={"amount": str(amount)}
    )
    _return_to_stock(order, returns, actor=actor, reason=reason)
    return refunds


def _checked_returns(order: Order, restock: dict[int, int]) -> list[tuple[OrderLine, int]]:
    """The lines and quantities of ``restock``, refused whole if any is wrong."""
    lines = {line.pk: line for line in order.lines.filter(pk__in=list(restock))}
    returns = []
    for line_id, quantity in restock.items():
        line = lines.get(line_id)
        if line is None:
            raise ComptoirError(_("Line %(line)s is not part of this order.") % {"line": line_id})
        returnable = line.quantity - line.refunded_quantity
        if not isinstance(quantity, int) or quantity <= 0 or quantity > returnable:
            raise ComptoirError(
                _("%(sku)s: between 1 and %(max)s unit(s) can go back to stock, not %(n)s.")
                % {"sku": line.sku, "max": returnable, "n": quantity}
            )
        if line.variant_id is None:
            raise ComptoirError(
                _("%(sku)s: this product no longer exists, its stock cannot be returned.")
                % {"sku": line.sku}
            )
        returns.append((line, quantity))
    # Variants in primary-key order, like every other stock change: no deadlock.
    return sorted(returns, key=lambda item: (item[0].variant_id, item[0].pk))


def _checked_lines(order: Order, lines: dict[int, int]) -> list[dict[str, int]]:
    """``lines`` as the refund records them, refused whole when a line is not the order's
    or would be paid back for more units than were sold."""
    if not lines:
        return []
    sold = dict(order.lines.filter(pk__in=list(lines)).values_list("pk", "quantity"))
    credited: dict[int, int] = {}
    for earlier in Refund.objects.filter(payment__order=order).exclude(status="failed"):
        for row in earlier.lines:
            credited[row["line"]] = credited.get(row["line"], 0) + row["quantity"]
    checked = []
    for line_id, quantity in sorted(lines.items()):
        if line_id not in sold:
            raise ComptoirError(_("Line %(line)s is not part of this order.") % {"line": line_id})
        left = sold[line_id] - credited.get(line_id, 0)
        if not isinstance(quantity, int) or quantity <= 0 or quantity > left:
            raise ComptoirError(
                _("Line %(line)s: between 1 and %(max)s unit(s) can be refunded, not %(n)s.")
                % {"line": line_id, "max": left, "n": quantity}
            )
        checked.append({"line": line_id, "quantity": quantity})
    return checked


def _return_to_stock(
    order: Order, returns: list[tuple[OrderLine, int]], *, actor: str, reason: str
) -> None:
    from comptoir.inventory import services as inventory

    for line, quantity in returns:
        assert line.variant_id is not None
        inventory.put_back(order, line.variant_id, quantity, reason="refunded")
        OrderLine.objects.filter(pk=line.pk).update(
            refunded_quantity=F("refunded_quantity") + quantity
        )
        orders.record_event(
            order,
            "stock_returned",
            actor=actor,
            note=reason,
            data={"line": line.pk, "sku": line.sku, "quantity": quantity},
        )


def refund_remaining(order: Order, *, actor: str, reason: str) -> list[Refund]:
    payments = order.payments.filter(status=PaymentStatus.SUCCEEDED)
    remaining = sum((refundable_amount(p) for p in payments), Decimal(0))
    if remaining <= 0:
        return []
    return refund_order(order.pk, amount=remaining, actor=actor, reason=reason)


#: The provider unreachable: 1, 2, 4 ... minutes apart (with jitter), capped at two hours:
#: 9 to 18 hours in all before the merchant is asked, within the day Stripe keeps an
#: idempotency key (every attempt sends the refund's).
REFUND_ATTEMPTS = 16
REFUND_BACKOFF = Backoff(base=timedelta(minutes=1), cap=timedelta(hours=2))


def _merchant_language(refund_id: str) -> str:
    """The language the merchant reads: a failure's reason is kept in it."""
    return str(
        Refund.objects.filter(pk=refund_id).values_list(
            "payment__order__shop__default_language", flat=True
        )[0]
    )


def give_up_refund(refund_id: str, *, error: BaseException, attempts: int) -> None:
    with translation.override(_merchant_language(refund_id)):
        reason = _("No answer from the payment provider after %(n)s attempts: %(error)s.") % {
            "n": attempts,
            "error": str(error).rstrip("."),
        }
    mark_refund_failed(refund_id, reason=reason)


@task()
@retrying(
    retry_on=(ProviderUnavailable,),
    attempts=REFUND_ATTEMPTS,
    backoff=REFUND_BACKOFF,
    on_give_up=give_up_refund,
    # Asking again is safe: the provider's idempotency key is the refund's id.
    lost_after=timedelta(minutes=15),
)
def execute_refund(refund_id: str) -> None:
    # The provider's refusal is kept as the merchant's inbox shows it: in their language.
    with translation.override(_merchant_language(refund_id)):
        try:
            perform_refund(refund_id)
        except ProviderUnavailable:
            raise  # another attempt later (retrying)
        except ProviderError as refused:
            mark_refund_failed(refund_id, reason=str(refused))


@transaction.atomic
def mark_refund_failed(refund_id: str, *, reason: str) -> bool:
    """The money did not go back: the refund is marked failed (it no longer counts against
    what can be refunded), the order's timeline says why, and the merchant's inbox asks
    them to try again or to pay the customer back another way. Once; returns whether this
    call did it."""
    from comptoir.inbox.models import ItemKind
    from comptoir.inbox.services import open_item

    order_id = Refund.objects.filter(pk=refund_id).values_list("payment__order_id", flat=True)[0]
    order = orders.lock_order(order_id)  # order, then refund: perform_refund's lock order
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != "pending":
        return False
    refund.status, refund.failure_reason = "failed", reason[:300]
    refund.save(update_fields=["status", "failure_reason"])
    orders.record_event(
        order,
        "refund_failed",
        actor="system",
        note=reason[:200],
        data={"refund": str(refund.pk), "amount": str(refund.amount)},
    )
    with translation.override(order.shop.default_language):
        open_item(
            order.shop,
            kind=ItemKind.REFUND_FAILED,
            key=f"refund:{refund.pk}",
            title=gettext_noop("Order %(number)s: the refund of %(amount)s %(currency)s failed"),
            title_params={
                "number": order.reference,
                "amount": str(refund.amount),
                "currency": order.currency,
            },
            detail=reason,
            detail_params=None,  # the provider's words, shown as they are
            context={"customer": order.email, "amount": str(refund.amount)},
            order=order,
        )
    return True


def retry_refund(refund_id: str, *, actor: str) -> tuple[Refund, bool]:
    """Ask the provider again for a failed refund's money. First ask whether it made the
    refund after all (its answer lost, a worker killed mid-call): then that refund is
    recorded as made and nothing more is paid. Otherwise a new refund of the same amount
    and lines (its stock, if any, went back with the first one). Returns the refund, and
    whether it was found made."""
    failed = Refund.objects.select_related("payment").get(pk=refund_id)
    _check_waiting(failed)
    try:
        made = get_provider(failed.payment.provider).find_refund(failed.payment, failed)
    except ProviderError:
        raise ComptoirError(
            _(
                "The payment provider cannot be reached to check whether this refund went "
                "through; try again in a moment."
            )
        ) from None
    if made:
        record_refund_made(refund_id, made, after_failure=True)
        failed.refresh_from_db()
        return failed, True
    return _refund_again(refund_id, actor=actor), False


def _check_waiting(failed: Refund) -> None:
    if failed.status != "failed" or failed.asked_again():
        raise ComptoirError(_("This refund is not waiting to be tried again."))


@transaction.atomic
def _refund_again(refund_id: str, *, actor: str) -> Refund:
    failed = Refund.objects.select_related("payment").get(pk=refund_id)
    order = orders.lock_order(failed.payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=failed.payment_id)
    failed = Refund.objects.select_for_update().get(pk=refund_id)
    _check_waiting(failed)
    if failed.amount > refundable_amount(payment):
        raise ComptoirError(
            _("At most %(amount)s %(currency)s can still be refunded.")
            % {"amount": refundable_amount(payment), "currency": order.currency}
        )
    # Lines paid back since by another refund are not paid back twice.
    _checked_lines(order, {row["line"]: row["quantity"] for row in failed.lines})
    refund = Refund.objects.create(
        payment=payment,
        amount=failed.amount,
        reason=failed.reason,
        created_by=actor,
        lines=failed.lines,
        retry_of=failed,
    )
    execute_refund.enqueue(str(refund.pk))
    orders.record_event(
        order,
        "refund_requested",
        actor=actor,
        note=failed.reason,
        data={"amount": str(refund.amount), "retry_of": str(failed.pk)},
    )
    return refund


def perform_refund(refund_id: str) -> str:
    """Ask the provider for the money back, once: its idempotency key is the refund id."""
    refund = Refund.objects.select_related("payment", "payment__order").get(pk=refund_id)
    if refund.status != "pending":
        # A failed refund is asked again as a new one (retry_refund), never this one.
        return "already refunded" if refund.status == "succeeded" else "already failed"
    provider = get_provider(refund.payment.provider)
    return record_refund_made(refund_id, provider.refund(refund.payment, refund))


def record_refund_made(refund_id: str, reference: str, *, after_failure: bool = False) -> str:
    """The provider made the refund (``reference``, its id): the money counted, the credit
    note, the order's status, the customer's email; once. ``after_failure``: a refund
    marked failed that the provider turns out to have made (see retry_refund)."""
    with transaction.atomic():
        # Order, then payment, then refund: the lock order of refund_order and cancel_order.
        refund = Refund.objects.select_related("payment").get(pk=refund_id)
        order = orders.lock_order(refund.payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != ("failed" if after_failure else "pending"):
            return "already refunded" if refund.status == "succeeded" else "already failed"
        if after_failure:
            orders.record_event(
                order,
                "refund_found_made",
                actor="system",
                note=refund.failure_reason[:200],
                data={"refund": str(refund.pk), "reference": reference},
            )
        refund.status, refund.reference = "succeeded", reference
        refund.save(update_fields=["status", "reference"])
        payment.refunded_amount += refund.amount
        payment.save(update_fields=["refunded_amount"])
        if payment.status == PaymentStatus.DUPLICATE:
            # Money taken by mistake went back; the order itself is unchanged.
            orders.record_event(
                order,
                "duplicate_payment_refunded",
                actor=refund.created_by,
                data={"refund": str(refund.pk), "amount": str(refund.amount)},
            )
            return "refunded"
        order.refunded_amount += refund.amount
        order.save(update_fields=["refunded_amount"])
        # Once per refund: this runs only on the transition to "succeeded", under its lock.
        from comptoir.billing.services import issue_credit_note

        issue_credit_note(refund, actor=refund.created_by)
        captured = order.payments.filter(status=PaymentStatus.SUCCEEDED).aggregate(s=Sum("amount"))[
            "s"
        ] or Decimal(0)
        target = (
            OrderStatus.REFUNDED
            if order.refunded_amount >= captured
            else OrderStatus.PARTIALLY_REFUNDED
        )
        if order.status != target and can_transition(order.status, target):
            orders.transition(order, target, actor=refund.created_by, note=refund.reason)
        notifications.queue(
            order,
            notifications.Kind.REFUNDED,
            key=f"refund:{refund.pk}",
            context={"amount": str(refund.amount)},
        )
    return "refunded"


def begin_payment(
    order: Order,
    *,
    request: Any,
    return_url: str,
    cancel_url: str,
    created: Payment | None = None,
) -> Any:
    """Send the customer to pay ``order``'s pending payment, starting it at most once.

    ``created``: that payment, when the caller has just created it (placing the order) and
    so knows it pending and not started. A provider whose start may run concurrently for
    one payment and give the same attempt (``concurrent_start``) starts it without a
    transaction and a lock of their own, three statements fewer: a concurrent start (the
    basket posted twice at once, the second post's order page) gets that same attempt."""
    from comptoir.payments.providers.base import StartResult

    if created is not None and get_provider(created.provider).concurrent_start:
        created.order = order  # the provider names the order: no query to read it again
        provider = get_provider(created.provider)
        resumed = provider.resume(created)
        if resumed is not None:
            return resumed
        return provider.start(
            created, request=request, return_url=return_url, cancel_url=cancel_url
        )
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(order=order, status=PaymentStatus.PENDING)
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            return StartResult()
        payment.order = order  # the provider names the order: no query to read it again
        provider = get_provider(payment.provider)
        resumed = provider.resume(payment)
        if resumed is not None:
            return resumed
        return provider.start(
            payment, request=request, return_url=return_url, cancel_url=cancel_url
        )


def retry_payment(order: Order) -> Payment:
    """After a failure, a fresh attempt for the same order and amount."""
    with transaction.atomic():
        order = orders.lock_order(order.pk)
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise ComptoirError("This order is not awaiting payment.")
        pending = order.payments.filter(status=PaymentStatus.PENDING).first()
        if pending:
            return pending
        last = order.payments.order_by("-created_at").first()
        return create_payment(order, provider=last.provider if last else order.payment_method)
