"""The sandbox's API, as a PSP's SDK would expose it: create, retrieve, refund."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.db.models.constants import OnConflict
from django.urls import reverse

from comptoir.core.rows import columns, instance
from comptoir.sandbox_psp.models import IntentStatus, SandboxIntent, SandboxRefund, SandboxWebhook

SIGNATURE_HEADER = "Sandbox-Signature"


class SandboxError(Exception):
    pass


def webhook_secret() -> str:
    configured = settings.COMPTOIR_SANDBOX_WEBHOOK_SECRET
    if configured:
        return configured
    return hashlib.sha256(f"sandbox-webhook:{settings.SECRET_KEY}".encode()).hexdigest()


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(
        (secret or webhook_secret()).encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(body: bytes, header: str, *, tolerance: int = 300, secret: str | None = None) -> None:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise SandboxError("malformed signature header") from None
    if abs(time.time() - timestamp) > tolerance:
        raise SandboxError("signature timestamp outside the tolerance")
    expected = sign(body, timestamp=timestamp, secret=secret).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise SandboxError("signature does not match")


# Where each test card was issued; any other valid number is a card issued in
# COMPTOIR_SANDBOX_DEFAULT_CARD_COUNTRY. COMPTOIR_SANDBOX_CARD_COUNTRIES adds or overrides.
CARD_COUNTRIES = {
    "4000002500000003": "FR",
    "4000002760000016": "DE",
    "4000008260000000": "GB",
    "4000000760000002": "BR",
}


def card_country(number: str) -> str:
    configured = getattr(settings, "COMPTOIR_SANDBOX_CARD_COUNTRIES", {}) or {}
    countries = {**CARD_COUNTRIES, **configured}
    default = getattr(settings, "COMPTOIR_SANDBOX_DEFAULT_CARD_COUNTRY", "FR")
    return str(countries.get(number, default)).upper()[:2]


def card_fingerprint(number: str) -> str:
    """The same card always has the same fingerprint, and the number cannot be read back."""
    return hashlib.sha256(f"{webhook_secret()}:{number}".encode()).hexdigest()[:32]


def create_intent(
    *,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    return_url: str,
    cancel_url: str = "",
    webhook_url: str = "",
    idempotency_key: str = "",
) -> dict[str, Any]:
    """A new intent. With ``idempotency_key``, as with a real PSP's, the same key creates
    one intent however often, and however concurrently, it is sent (a retry, two tabs):
    every call gets that intent's id and hosted page."""
    if amount <= 0:
        raise SandboxError("amount must be positive")
    intent = SandboxIntent(
        amount=amount,
        currency=currency.lower(),
        metadata=metadata,
        return_url=return_url,
        cancel_url=cancel_url,
        webhook_url=webhook_url,
    )
    if not idempotency_key:
        intent.save(force_insert=True)
        return as_dict(intent)
    # The key names the intent: one INSERT ... ON CONFLICT DO NOTHING, no read first.
    mac = hmac.new(webhook_secret().encode(), f"intent:{idempotency_key}".encode(), "sha256")
    intent.id = f"pi_{mac.hexdigest()[:24]}"
    # (bulk_create(ignore_conflicts=True) would wrap its one statement in a transaction.)
    SandboxIntent.objects._insert(
        [intent], fields=SandboxIntent._meta.concrete_fields, on_conflict=OnConflict.IGNORE
    )
    return as_dict(intent)


def retrieve_intent(intent_id: str) -> dict[str, Any]:
    # Plain SQL (comptoir.core.rows): every return from the payment page asks.
    select, fields = columns(SandboxIntent, "i")
    table = connection.ops.quote_name(SandboxIntent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {table} i WHERE i.id = %s", [str(intent_id)])  # noqa: S608
        row = cursor.fetchone()
    intent = instance(SandboxIntent, fields, row) if row is not None else None
    if intent is None:
        raise SandboxError(f"no such intent: {intent_id}")
    return as_dict(intent)


def find_refund(*, idempotency_key: str) -> str | None:
    """The id of the refund made under this key, if any."""
    return (
        SandboxRefund.objects.filter(idempotency_key=idempotency_key)
        .values_list("id", flat=True)
        .first()
    )


def refund(intent_id: str, *, amount: int, idempotency_key: str) -> dict[str, Any]:
    with transaction.atomic():
        existing = SandboxRefund.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return {"id": existing.id, "amount": existing.amount, "status": "succeeded"}
        intent = SandboxIntent.objects.select_for_update().get(pk=intent_id)
        if intent.status != IntentStatus.SUCCEEDED:
            raise SandboxError("only a succeeded payment can be refunded")
        already = intent.refunds.aggregate(s=Sum("amount"))["s"] or 0
        if already + amount > intent.amount:
            raise SandboxError("refund exceeds the captured amount")
        try:
            created = SandboxRefund.objects.create(
                id=f"re_{secrets.token_hex(12)}",
                intent=intent,
                amount=amount,
                idempotency_key=idempotency_key,
            )
        except IntegrityError:
            raise SandboxError("concurrent refund with the same key") from None
    return {"id": created.id, "amount": created.amount, "status": "succeeded"}


def as_dict(intent: SandboxIntent) -> dict[str, Any]:
    return {
        "id": intent.id,
        "amount": intent.amount,
        "currency": intent.currency,
        "status": intent.status,
        "metadata": intent.metadata,
        "hosted_url": reverse("sandbox_psp:pay", args=[intent.id]),
        "card_last4": intent.card_last4,
        "card_fingerprint": intent.card_fingerprint,
        "card_country": intent.card_country,
        "three_d_secure": intent.three_d_secure,
        # Stripe's rule: an authenticated (or issuer-acknowledged) 3-D Secure moves the
        # liability for a fraud chargeback to the card's issuer.
        "liability_shift": intent.three_d_secure in ("authenticated", "attempt_acknowledged"),
        "decline_code": intent.decline_code,
    }


def queue_webhook(intent: SandboxIntent, kind: str) -> None:
    """Owe the merchant an event; the task delivers it after this transaction commits."""
    if not intent.webhook_url:
        return
    event_id = f"evt_{secrets.token_hex(12)}"
    payload = {"id": event_id, "type": kind, "created": int(time.time()), "data": as_dict(intent)}
    SandboxWebhook.objects.create(id=event_id, intent=intent, kind=kind, payload=payload)
    from comptoir.sandbox_psp.tasks import deliver_webhook

    deliver_webhook.enqueue(event_id)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
