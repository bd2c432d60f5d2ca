"""Provider-facing endpoints: thin, they parse the request and call one service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from comptoir.fulfillment import confirmations
from comptoir.fulfillment.forms import DispatchConfirmationForm
from comptoir.fulfillment.links import shipment_from_token
from comptoir.fulfillment.models import Channel, Outcome

MAX_BODY = 1_000_000


@csrf_exempt  # a server-to-server call, authenticated by its HMAC signature instead
@require_POST
def confirmation_webhook(request: HttpRequest, route_id: int) -> JsonResponse:
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return JsonResponse({"outcome": "rejected", "detail": "body too large"}, status=413)
    answer = confirmations.receive_webhook(route_id, headers=dict(request.headers), body=body)
    return JsonResponse(
        {"outcome": answer.outcome, "detail": answer.detail, "message": answer.message_id},
        status=answer.status,
    )


@require_http_methods(["GET", "POST"])
def supplier_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page a dropship supplier reaches from its purchase order email."""
    shipment = shipment_from_token(token)
    if shipment is None:
        return render(request, "fulfillment/supplier_link_invalid.html", status=404)
    with translation.override(shipment.shop.default_language):
        form = DispatchConfirmationForm(request.POST or None)
        answer = None
        if request.method == "POST" and form.is_valid():
            data = {
                "message_id": f"link:{shipment.pk}:{form.cleaned_data['tracking_number']}",
                "shipment_id": shipment.key,
                "carrier": form.cleaned_data["carrier"],
                "tracking_number": form.cleaned_data["tracking_number"],
            }
            answer = confirmations.apply(shipment.route, data, channel=Channel.LINK)
            shipment.refresh_from_db()
        return render(
            request,
            "fulfillment/supplier_confirm.html",
            {
                "shipment": shipment,
                "lines": list(shipment.lines.all()),
                "form": form,
                "answer": answer,
                "accepted": answer is not None and answer.outcome != Outcome.REJECTED,
            },
            status=200 if answer is None or answer.outcome != Outcome.REJECTED else 422,
        )
