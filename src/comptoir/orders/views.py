"""The guest's order page, reached by the signed link in every email."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from comptoir.orders.links import order_from_token


@require_safe
def status(request: HttpRequest, token: str) -> HttpResponse:
    order = order_from_token(token)
    if order is None or order.shop_id != request.shop.pk:  # type: ignore[attr-defined]
        raise Http404
    payment = order.payments.order_by("-created_at").first()
    return render(request, "orders/status.html", {
        "order": order,
        "lines": list(order.lines.all()),
        "payment": payment,
        "instructions": order.notifications.filter(kind="payment_instructions")
        .values_list("context", flat=True).first(),
        "noindex": True,
    })
