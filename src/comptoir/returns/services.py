"""Returns: asked for by the shopper, approved by the rules or the merchant, received and
refunded exactly once.

Every use case locks the order first, then the return (the order every other use case
locks orders in: payments, cancellation, fulfillment), and writes a ``ReturnEvent`` per
transition. Emails and the warehouse's label request are tasks enqueued in the same
transaction, so they happen if and only if the change is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.catalog.models import ProductKind
from comptoir.core.exceptions import ComptoirError
from comptoir.core.money import quantize
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import close_item, open_item
from comptoir.orders import notifications
from comptoir.orders.models import Order, OrderLine
from comptoir.orders.services import lock_order
from comptoir.returns.models import (
    ReturnEvent,
    ReturnLine,
    ReturnReason,
    ReturnRefund,
    ReturnRequest,
)
from comptoir.returns.selectors import CLOSED_ORDER_STATES, allowances, policy_for
from comptoir.returns.states import ReturnStatus, can_transition


class ReturnError(ComptoirError):
    """A request or an action refused, with every reason to show the shopper or merchant."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


class ReturnTransitionNotAllowed(ComptoirError):
    pass


@dataclass(frozen=True)
class Wanted:
    """One line of a return as the shopper asked for it."""

    line_id: int
    quantity: int
    reason: str


@transaction.atomic
def request_return(
    order_id: int,
    *,
    wanted: list[Wanted],
    note: str = "",
    actor: str = "customer",
    now: datetime | None = None,
) -> ReturnRequest:
    """The shopper asks to send units back. Checked whole (every error said at once); in
    the period and all returnable, approved at once; otherwise it waits in the inbox."""
    now = now or timezone.now()
    order = lock_order(order_id)
    by_line = {a.line.pk: a for a in allowances(order, now=now)}
    errors: list[str] = []
    chosen = [w for w in wanted if w.quantity]
    if order.status in CLOSED_ORDER_STATES:
        raise ReturnError([_("This order can no longer be returned.")])
    if not chosen:
        errors.append(_("Choose at least one item to return."))
    seen: set[int] = set()
    review: list[dict] = []
    for item in chosen:
        allowance = by_line.get(item.line_id)
        if allowance is None or item.line_id in seen:
            errors.append(_("Line %(line)s is not part of this order.") % {"line": item.line_id})
            continue
        seen.add(item.line_id)
        line = allowance.line
        if item.reason not in ReturnReason.values:
            errors.append(_("%(name)s: choose a reason.") % {"name": line.product_name})
        if allowance.digital:
            errors.append(
                _("%(name)s: digital products cannot be returned.") % {"name": line.product_name}
            )
            continue
        if not allowance.delivered:
            errors.append(
                _("%(name)s: it has not been delivered yet.") % {"name": line.product_name}
            )
            continue
        if item.quantity < 0 or item.quantity > allowance.available:
            errors.append(
                _("%(name)s: you can return between 1 and %(max)s unit(s), not %(n)s.")
                % {"name": line.product_name, "max": allowance.available, "n": item.quantity}
            )
            continue
        if allowance.late:
            review.append({"line": line.pk, "sku": line.sku, "why": "late"})
        if allowance.non_returnable:
            review.append({"line": line.pk, "sku": line.sku, "why": "non_returnable"})
    if errors:
        raise ReturnError(errors)
    request = ReturnRequest.objects.create(
        shop=order.shop, order=order, note=note[:2000], review_reasons=review
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(
            return_request=request, order_line_id=w.line_id, quantity=w.quantity, reason=w.reason
        )
        for w in chosen
    )
    record_event(
        request,
        "status",
        actor=actor,
        note=note[:500],
        to_status=ReturnStatus.REQUESTED,
        data={"lines": {str(w.line_id): w.quantity for w in chosen}, "review": review},
    )
    if not review:
        _approve(request, order, actor="system", note="within the period, returnable")
        return request
    open_item(
        order.shop,
        kind=ItemKind.RETURN_REVIEW,
        key=f"return:{request.pk}",
        title=gettext_noop("Order %(number)s: return %(key)s to review"),
        title_params={"number": order.number, "key": request.key},
        detail=_review_detail(review),
        detail_params={},
        context={
            "return": request.pk,
            "lines": [
                {"sku": by_line[w.line_id].line.sku, "quantity": w.quantity, "reason": w.reason}
                for w in chosen
            ],
            "review": review,
        },
        order=order,
    )
    notifications.queue(
        order,
        notifications.Kind.RETURN_REQUESTED,
        key=f"return:{request.pk}:requested",
        context={"return": request.key, "lines": _email_lines(request)},
    )
    return request


def _review_detail(review: list[dict]) -> str:
    whys = {r["why"] for r in review}
    if whys == {"late"}:
        return gettext_noop("Asked after the withdrawal period. Approve or refuse it.")
    if whys == {"non_returnable"}:
        return gettext_noop("A product the shop does not take back. Approve or refuse it.")
    return gettext_noop(
        "Asked after the withdrawal period, for a product the shop does not take back. "
        "Approve or refuse it."
    )


def record_event(
    request: ReturnRequest,
    kind: str,
    *,
    actor: str,
    note: str = "",
    data: dict | None = None,
    from_status: str = "",
    to_status: str = "",
) -> ReturnEvent:
    return ReturnEvent.objects.create(
        return_request=request,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )


def transition(
    request: ReturnRequest, target: str, *, actor: str, note: str = "", data: dict | None = None
) -> ReturnRequest:
    """Move ``request`` to ``target`` if the table allows it, with its event row."""
    current = request.status
    if not can_transition(current, target):
        raise ReturnTransitionNotAllowed(
            _("Return %(key)s is %(status)s; it cannot become %(target)s.")
            % {
                "key": request.key,
                "status": request.get_status_display(),
                "target": ReturnStatus(target).label,
            }
        )
    request.status = target
    fields = ["status"]
    now = timezone.now()
    stamp = {
        ReturnStatus.APPROVED: "decided_at",
        ReturnStatus.REFUSED: "decided_at",
        ReturnStatus.RECEIVED: "received_at",
        ReturnStatus.REFUNDED: "refunded_at",
    }.get(ReturnStatus(target))
    if stamp:
        setattr(request, stamp, now)
        fields.append(stamp)
    request.save(update_fields=fields)
    record_event(
        request, "status", actor=actor, note=note, data=data, from_status=current, to_status=target
    )
    return request


def lock(return_id: int) -> tuple[Order, ReturnRequest]:
    """Lock the order, then the return: the order every use case takes them in."""
    order_id = ReturnRequest.objects.values_list("order_id", flat=True).filter(pk=return_id).first()
    if order_id is None:
        raise ReturnError([_("This return no longer exists.")])
    order = lock_order(order_id)
    request = ReturnRequest.objects.select_for_update().get(pk=return_id)
    return order, request


@transaction.atomic
def approve_return(return_id: int, *, actor: str) -> ReturnRequest:
    order, request = lock(return_id)
    if request.status == ReturnStatus.APPROVED:
        return request
    return _approve(request, order, actor=actor)


def _approve(request: ReturnRequest, order: Order, *, actor: str, note: str = "") -> ReturnRequest:
    """Approved: the shopper gets the way back. Through a warehouse with an HTTP endpoint,
    its label, asked by a task (the approval email waits for it); otherwise the shop's
    instructions and address, emailed now."""
    from comptoir.returns import labels

    transition(request, ReturnStatus.APPROVED, actor=actor, note=note)
    close_item(
        order.shop,
        kind=ItemKind.RETURN_REVIEW,
        key=f"return:{request.pk}",
        reason=_("Approved by %(who)s") % {"who": actor},
    )
    route = labels.label_route(request)
    if route is not None:
        from comptoir.returns.tasks import request_return_label

        record_event(request, "label_requested", actor=actor, data={"route": route.pk})
        request_return_label.enqueue(request.pk)
    else:
        queue_approved_email(request)
    return request


def queue_approved_email(request: ReturnRequest) -> bool:
    """The approval email, with the label if the warehouse gave one: owed once."""
    policy = policy_for(request.shop)
    return notifications.queue(
        request.order,
        notifications.Kind.RETURN_APPROVED,
        key=f"return:{request.pk}:approved",
        context={
            "return": request.key,
            "lines": _email_lines(request),
            "address": policy.return_address,
            "instructions": policy.instructions,
            "paid_by": policy.return_shipping_paid_by,
            "label": request.label or {},
        },
    )


def _email_lines(request: ReturnRequest) -> list[dict]:
    return [
        {
            "name": rl.order_line.product_name,
            "variant": rl.order_line.variant_label,
            "sku": rl.order_line.sku,
            "quantity": rl.quantity,
        }
        for rl in request.lines.select_related("order_line")
    ]


@transaction.atomic
def refuse_return(return_id: int, *, actor: str, reason: str = "") -> ReturnRequest:
    """Refuse the return with the merchant's reason, else a polite one in the customer's
    language (the merchant may work in another)."""
    order, request = lock(return_id)
    if request.status == ReturnStatus.REFUSED:
        return request
    if not reason.strip():
        with translation.override(order.language or order.shop.default_language):
            reason = _("The shop could not accept this return.")
    request.refused_reason = reason[:2000]
    request.save(update_fields=["refused_reason"])
    transition(request, ReturnStatus.REFUSED, actor=actor, note=reason)
    close_item(
        order.shop,
        kind=ItemKind.RETURN_REVIEW,
        key=f"return:{request.pk}",
        reason=_("Refused by %(who)s") % {"who": actor},
    )
    notifications.queue(
        order,
        notifications.Kind.RETURN_REFUSED,
        key=f"return:{request.pk}:refused",
        context={"return": request.key, "lines": _email_lines(request), "reason": reason},
    )
    return request


@transaction.atomic
def cancel_return(return_id: int, *, actor: str, reason: str = "") -> ReturnRequest:
    order, request = lock(return_id)
    if request.status == ReturnStatus.CANCELLED:
        return request
    transition(request, ReturnStatus.CANCELLED, actor=actor, note=reason)
    close_item(
        order.shop,
        kind=ItemKind.RETURN_REVIEW,
        key=f"return:{request.pk}",
        reason=_("Cancelled by %(who)s") % {"who": actor},
    )
    notifications.queue(
        order,
        notifications.Kind.RETURN_CANCELLED,
        key=f"return:{request.pk}:cancelled",
        context={"return": request.key, "lines": _email_lines(request)},
    )
    return request


@dataclass(frozen=True)
class RefundPlan:
    goods: Decimal
    shipping: Decimal
    restock: dict[int, int]
    # Every returned line, restocked or not (a deleted product): the credit note lists them.
    lines: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping


def refund_plan(request: ReturnRequest, order: Order) -> RefundPlan:
    """What receiving ``request`` pays back: each unit at what it cost after its discount,
    VAT included, and the standard delivery cost when, with it, everything physical has
    come back (EU withdrawal law) and the policy says so."""
    policy = policy_for(order.shop)
    returned = {rl.order_line_id: rl.quantity for rl in request.lines.all()}
    goods = Decimal(0)
    all_goods = Decimal(0)
    restock: dict[int, int] = {}
    lines: dict[int, int] = {}
    everything_back = True
    for line in order.lines.all():
        all_goods += _paid(order, line, line.quantity)
        quantity = returned.get(line.pk, 0)
        if quantity:
            goods += _paid(order, line, quantity)
            lines[line.pk] = quantity
            if line.variant_id:
                restock[line.pk] = quantity
        if line.kind == ProductKind.PHYSICAL and (
            line.refunded_quantity + quantity < line.quantity
        ):
            everything_back = False
    shipping = Decimal(0)
    shipping_done = ReturnRequest.objects.filter(order=order, shipping_refunded=True).exists()
    if policy.refund_shipping_on_full_return and everything_back and not shipping_done:
        # What the shopper paid for delivery: the order's total less its goods (with their
        # VAT when the shop prices without it).
        shipping = (
            order.shipping_amount
            if order.prices_include_tax
            else max(order.total - all_goods, Decimal(0))
        )
    return RefundPlan(goods=goods, shipping=shipping, restock=restock, lines=lines)


def _paid(order: Order, line: OrderLine, quantity: int) -> Decimal:
    """What the shopper paid for ``quantity`` units of ``line``, after its share of the
    discount, VAT included."""
    paid = (line.amount - line.discount) * quantity / line.quantity
    if not order.prices_include_tax:
        paid *= 1 + line.vat_rate
    return quantize(paid, order.currency)


@transaction.atomic
def receive_return(return_id: int, *, actor: str) -> ReturnRequest:
    """The parcel is back: the units go back to stock and the money back to the shopper,
    once. A second "received" — a double click, the warehouse's webhook and the merchant
    together — finds the return locked and already received, and does nothing."""
    from comptoir.payments import services as payments
    from comptoir.payments.models import PaymentStatus
    from comptoir.returns.tasks import settle_return

    order, request = lock(return_id)
    if request.status in (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED):
        return request
    if request.status != ReturnStatus.APPROVED:
        raise ReturnTransitionNotAllowed(
            _("Return %(key)s is %(status)s; only an approved return can be received.")
            % {"key": request.key, "status": request.get_status_display()}
        )
    plan = refund_plan(request, order)
    available = sum(
        (
            payments.refundable_amount(p)
            for p in order.payments.filter(status=PaymentStatus.SUCCEEDED)
        ),
        Decimal(0),
    )
    amount = min(plan.total, available)
    transition(request, ReturnStatus.RECEIVED, actor=actor)
    if amount > 0:
        refunds = payments.refund_order(
            order.pk,
            amount=amount,
            actor=actor,
            reason=f"return {request.key}",
            restock=plan.restock,
            lines=plan.lines,
        )
        ReturnRefund.objects.bulk_create(
            ReturnRefund(return_request=request, payment_id=r.payment_id, refund=r) for r in refunds
        )
    else:
        # Refunded by hand already: the units still go back to the shelf.
        _restock_without_refund(order, plan.restock, actor=actor, request=request)
    request.refund_amount = amount
    request.shipping_refunded = bool(plan.shipping) and amount == plan.total
    request.save(update_fields=["refund_amount", "shipping_refunded"])
    record_event(
        request,
        "refund_requested",
        actor=actor,
        data={
            "goods": str(plan.goods),
            "shipping": str(plan.shipping),
            "amount": str(amount),
            "restock": {str(k): v for k, v in plan.restock.items()},
        },
    )
    notifications.queue(
        order,
        notifications.Kind.RETURN_RECEIVED,
        key=f"return:{request.pk}:received",
        context={"return": request.key, "lines": _email_lines(request), "amount": str(amount)},
    )
    settle_return.enqueue(request.pk)
    return request


def _restock_without_refund(
    order: Order, restock: dict[int, int], *, actor: str, request: ReturnRequest
) -> None:
    from django.db.models import F

    from comptoir.inventory import services as inventory

    lines = {line.pk: line for line in order.lines.filter(pk__in=list(restock))}
    for line_id, quantity in sorted(
        restock.items(), key=lambda kv: (lines[kv[0]].variant_id, kv[0])
    ):
        line = lines[line_id]
        quantity = min(quantity, line.quantity - line.refunded_quantity)
        if quantity <= 0 or line.variant_id is None:
            continue
        inventory.put_back(order, line.variant_id, quantity, reason="refunded")
        OrderLine.objects.filter(pk=line.pk).update(
            refunded_quantity=F("refunded_quantity") + quantity
        )
    record_event(request, "restocked_without_refund", actor=actor)


@transaction.atomic
def settle_return(return_id: int) -> ReturnRequest:
    """Refunded once the provider confirmed every refund of the return. Safe to call at
    any time and again; run after each receipt and periodically."""
    order, request = lock(return_id)
    if request.status != ReturnStatus.RECEIVED:
        return request
    states = list(request.refunds.values_list("refund__status", flat=True))
    if all(state == "succeeded" for state in states):
        # The shopper's "refund issued" email is the one payments sends per refund.
        transition(request, ReturnStatus.REFUNDED, actor="system")
    return request


def settle_received_returns() -> int:
    """Every received return whose refunds all went through becomes refunded. Periodic."""
    settled = 0
    for pk in ReturnRequest.objects.filter(status=ReturnStatus.RECEIVED).values_list(
        "pk", flat=True
    ):
        settled += settle_return(pk).status == ReturnStatus.REFUNDED
    return settled


def record_label(return_id: int, *, label: dict) -> ReturnRequest:
    """The warehouse answered with a return label: kept, and emailed with the approval."""
    with transaction.atomic():
        _order, request = lock(return_id)
        if request.status != ReturnStatus.APPROVED:
            return request
        if not request.label:
            request.label = label
            request.save(update_fields=["label"])
            record_event(request, "label_received", actor="system", data=label)
        queue_approved_email(request)
    return request


def label_failed(return_id: int, *, error: str) -> None:
    """No label after every attempt: the shopper still gets the address and instructions."""
    with transaction.atomic():
        _order, request = lock(return_id)
        if request.status != ReturnStatus.APPROVED:
            return
        record_event(request, "label_failed", actor="system", note=error[:500])
        queue_approved_email(request)
