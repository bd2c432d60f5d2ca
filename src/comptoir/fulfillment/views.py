"""Provider-facing endpoints: thin, they parse the request and call one service."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comptoir.fulfillment import confirmations

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
