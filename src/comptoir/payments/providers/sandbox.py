"""Card payments through the sandbox PSP (``comptoir.sandbox_psp``), as through a real one:
a hosted page, 3-D Secure, signed asynchronous webhooks, refunds by idempotency key."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comptoir.core import rows
from comptoir.core.money import from_minor, to_minor
from comptoir.payments.providers.base import (
    InvalidWebhook,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    StartResult,
)
from comptoir.sandbox_psp import api

EVENT_KINDS = {
    "payment_intent.succeeded": "payment.succeeded",
    "payment_intent.payment_failed": "payment.failed",
}


class SandboxProvider(PaymentProvider):
    code = "sandbox"
    label = _("Card (test mode)")
    reservation_minutes = 30
    concurrent_start = True  # one intent per payment: create_intent's idempotency key

    def start(
        self, payment: Any, *, request: HttpRequest, return_url: str, cancel_url: str
    ) -> StartResult:
        webhook_url = request.build_absolute_uri(reverse("payments:webhook", args=[self.code]))
        intent = api.create_intent(
            amount=to_minor(payment.amount, payment.currency),
            currency=payment.currency,
            metadata={"payment_id": str(payment.pk), "order": payment.order.reference},
            return_url=request.build_absolute_uri(return_url),
            cancel_url=request.build_absolute_uri(cancel_url),
            webhook_url=webhook_url,
            # One intent per payment, however many times it is started at once: the same
            # key, the same intent (what the PSP's answer is for; begin_payment may start
            # a payment it just created without locking it).
            idempotency_key=f"comptoir-payment-{payment.pk}",
        )
        payment.reference = intent["id"]
        rows.update(payment, ["reference"])  # plain SQL: every placed order's start
        return StartResult(redirect_url=intent["hosted_url"])

    def resume(self, payment: Any) -> StartResult | None:
        if not payment.reference:
            return None
        return StartResult(redirect_url=reverse("sandbox_psp:pay", args=[payment.reference]))

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent:
        try:
            api.verify(
                request.body,
                request.headers.get(api.SIGNATURE_HEADER, ""),
                tolerance=int(self.options.get("tolerance", 300)),
            )
            payload = json.loads(request.body)
            intent = payload["data"]
            return self._event(payload["id"], payload["type"], intent)
        except (api.SandboxError, ValueError, KeyError, TypeError) as error:
            raise InvalidWebhook(str(error)) from None

    def fetch_status(self, payment: Any) -> ProviderEvent | None:
        if not payment.reference:
            return None
        try:
            intent = api.retrieve_intent(payment.reference)
        except api.SandboxError:
            return None
        if intent["status"] != "succeeded":
            return None
        return self._event(f"return:{intent['id']}", "payment_intent.succeeded", intent)

    def refund(self, payment: Any, refund: Any) -> str:
        try:
            result = api.refund(
                payment.reference,
                amount=to_minor(refund.amount, payment.currency),
                idempotency_key=str(refund.pk),
            )
        except api.SandboxError as error:
            raise ProviderError(str(error)) from None
        return result["id"]

    def find_refund(self, payment: Any, refund: Any) -> str | None:
        return api.find_refund(idempotency_key=str(refund.pk))

    def _event(self, event_id: str, kind: str, intent: dict[str, Any]) -> ProviderEvent:
        currency = str(intent["currency"]).upper()
        return ProviderEvent(
            event_id=event_id,
            kind=EVENT_KINDS.get(kind, "ignored"),
            payment_id=str(intent.get("metadata", {}).get("payment_id", "")),
            reference=intent["id"],
            amount=from_minor(int(intent["amount"]), currency),
            currency=currency,
            details={
                "card_last4": intent.get("card_last4", ""),
                "card_fingerprint": intent.get("card_fingerprint", ""),
                "card_country": intent.get("card_country", ""),
                "three_d_secure": intent.get("three_d_secure", ""),
                "liability_shift": intent.get("liability_shift"),
                "reason": intent.get("decline_code", ""),
            },
        )
