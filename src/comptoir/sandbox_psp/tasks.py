from __future__ import annotations

import time
import urllib.error
import urllib.request

from django.utils import timezone
from django_tasks import task

from comptoir.sandbox_psp.api import SIGNATURE_HEADER, encode, sign
from comptoir.sandbox_psp.models import SandboxWebhook

ATTEMPTS = 5


@task()
def deliver_webhook(event_id: str) -> None:
    deliver(event_id)


def deliver(event_id: str, *, attempts: int = ATTEMPTS, backoff: float = 0.5) -> bool:
    """POST the event to the merchant's endpoint, retrying with backoff like a real PSP."""
    webhook = SandboxWebhook.objects.select_related("intent").get(pk=event_id)
    if webhook.delivered_at is not None:
        return True
    body = encode(webhook.payload)
    for attempt in range(attempts):
        request = urllib.request.Request(
            webhook.intent.webhook_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
        )
        status = None
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, TimeoutError, OSError):
            status = None
        SandboxWebhook.objects.filter(pk=event_id).update(attempts=attempt + 1, last_status=status)
        if status is not None and 200 <= status < 300:
            SandboxWebhook.objects.filter(pk=event_id).update(delivered_at=timezone.now())
            return True
        time.sleep(backoff * (2**attempt))
    return False
