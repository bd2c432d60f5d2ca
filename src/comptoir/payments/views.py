"""Provider webhooks: verified, applied once, answered fast."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comptoir.core.exceptions import ComptoirError
from comptoir.payments import services
from comptoir.payments.providers.base import InvalidWebhook
from comptoir.payments.registry import get_provider

log = logging.getLogger(__name__)


@csrf_exempt  # authenticated by the provider's signature instead
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        handler = get_provider(provider)
    except ComptoirError:
        return HttpResponse(status=404)
    try:
        event = handler.parse_webhook(request)
    except InvalidWebhook as error:
        log.warning("rejected %s webhook: %s", provider, error)
        return HttpResponseBadRequest(f"invalid webhook: {error}")
    outcome = services.apply_event(provider, event)
    log.info("%s webhook %s (%s): %s", provider, event.event_id, event.kind, outcome)
    return HttpResponse(outcome, content_type="text/plain")
