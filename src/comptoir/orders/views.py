"""The guest's order page, reached by the signed link in every email and by the payment
provider's return redirect; and its "pay now / try again" button."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST, require_safe

from comptoir.core.exceptions import ComptoirError
from comptoir.fraud import services as fraud
from comptoir.fraud.views import refused as payment_step_refused
from comptoir.orders.links import (
    order_and_payment_from_token,
    order_from_token,
    order_status_path,
)
from comptoir.orders.models import Order
from comptoir.orders.selectors import order_lines
from comptoir.orders.states import PAID_STATES, OrderStatus
from comptoir.payments import services as payments
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.registry import get_provider

log = logging.getLogger(__name__)


@require_safe
def status(request: HttpRequest, token: str) -> HttpResponse:
    returned = bool(request.GET.get("return"))
    # Back from the payment page, the confirmation screens the order: its fraud signals
    # come along with it.
    found = order_and_payment_from_token(token, request.shop, with_signals=returned)  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    order, payment = found
    # A confirmation locks and updates these very objects: the page shows them as the
    # payment left them, with what it loaded (lines, parcels, invoice). Any other outcome
    # (the webhook came first, the bank is still deciding) reads them again, as the
    # webhook may have changed them meanwhile.
    if (
        returned
        and payment is not None
        and order.status == OrderStatus.PENDING_PAYMENT
        and confirm_on_return(payment) != "paid"
    ):
        columns = [field.attname for field in Order._meta.concrete_fields]
        order.refresh_from_db(fields=columns)
        payment.refresh_from_db(fields=[f.attname for f in Payment._meta.concrete_fields])
    from comptoir.customers.forms import ClaimAccountForm
    from comptoir.storefront.views import _nav

    claim = _claim_offer(request, order)
    return render(
        request,
        "orders/status.html",
        {
            **order_context(order, payment, returned=returned),
            "token": token,
            "returned": returned,
            "claim": claim,
            "claim_form": ClaimAccountForm(email=order.email) if claim else None,
            "nav": _nav(request, get_language()),
            "noindex": True,
        },
    )


@require_POST
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """Pay now, or try again after a failure: at most one pending payment per order."""
    order = _order(request, token)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return HttpResponseRedirect(order_status_path(order), status=303)
    refusal = fraud.check_payment_step(request)
    if refusal is not None:
        return payment_step_refused(request, refusal, order=order)
    latest = order.payments.order_by("-created_at").first()
    if latest is None or latest.status != PaymentStatus.PENDING:
        try:
            payments.retry_payment(order)
        except ComptoirError as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(order_status_path(order), status=303)
    return go_pay(request, order)


def confirm_on_return(payment: Payment) -> str:
    """The shopper is back from the provider: ask it where the payment stands, and apply a
    success now rather than wait for the webhook. Either may come first, or both at once;
    ``apply_event`` makes it count once. Returns what happened ("" if nothing was applied)."""
    try:
        provider = get_provider(payment.provider)
    except ComptoirError:
        return ""
    event = provider.fetch_status(payment)
    if event is None or event.kind != "payment.succeeded":
        return ""
    outcome = payments.apply_event(provider.code, event, known=payment)
    log.info("return from %s for payment %s: %s", provider.code, payment.pk, outcome)
    return outcome


def go_pay(request: HttpRequest, order: Order, *, created: Payment | None = None) -> HttpResponse:
    """To the provider's hosted page, or back to the order page with the instructions.
    ``created``: the order's pending payment, just created by the caller (begin_payment)."""
    status_path = order_status_path(order)
    try:
        result = payments.begin_payment(
            order,
            request=request,
            return_url=f"{status_path}?return=1",
            cancel_url=status_path,
            created=created,
        )
    except ComptoirError as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(status_path, status=303)
    return HttpResponseRedirect(result.redirect_url or status_path, status=303)


def order_context(
    order: Order, payment: Payment | None, *, returned: bool = False
) -> dict[str, Any]:
    """What the guest page and the account's order page both show."""
    pending = order.status == OrderStatus.PENDING_PAYMENT
    manual = False
    if payment is not None:
        try:
            manual = get_provider(payment.provider).is_manual
        except ComptoirError:
            manual = False
    if order.status in PAID_STATES:
        payment_state = "confirmed"
    elif not pending:
        payment_state = ""
    elif manual:
        payment_state = "manual"
    elif payment is None or payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        payment_state = "failed"
    elif payment.reference and returned:
        payment_state = "awaiting"
    else:
        payment_state = "not_started"
    from comptoir.orders.selfservice import status_context

    lines = order_lines(order)
    return {
        **status_context(order, lines=lines),
        "order": order,
        "lines": lines,
        "payment": payment,
        "payment_state": payment_state,
        "instructions": order.notifications.filter(kind="payment_instructions")
        .values_list("context", flat=True)
        .first()
        if manual and pending
        else None,
    }


def _claim_offer(request: HttpRequest, order: Order) -> bool:
    """Offer "keep this order in an account" to a guest whose email has none yet."""
    if order.customer_id or request.user.is_authenticated:
        return False
    return not (
        get_user_model()
        .objects.filter(Q(username__iexact=order.email) | Q(email__iexact=order.email))
        .exists()
    )


def _order(request: HttpRequest, token: str, *, with_signals: bool = False) -> Order:
    # The request's shop comes with its settings rows (ShopMiddleware): reused by whatever
    # this order's page or its payment reads of them.
    order = order_from_token(token, request.shop, with_signals=with_signals)  # type: ignore[attr-defined]
    if order is None:
        raise Http404
    return order
