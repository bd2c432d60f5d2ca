"""Card payments through Stripe Checkout, with the official SDK.

The shopper pays on Stripe's hosted page: card numbers never reach our server and 3-D
Secure is Stripe's business. Every write call carries an idempotency key derived from our
own ids, so a retried request (the SDK retries twice, a worker retries a refund) never
creates a second session or a second refund. Webhooks are verified by signature with a
timestamp tolerance; the order itself is only ever marked paid by
``payments.services.confirm_payment``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import stripe
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import from_minor, to_minor
from comptoir.payments.providers.base import (
    InvalidWebhook,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    ProviderUnavailable,
    StartResult,
)

log = logging.getLogger(__name__)

#: Webhooks older than this (seconds) are refused, so a captured one cannot be replayed later.
DEFAULT_TOLERANCE = 300

# Checkout's documented events. A declined card (payment_intent.payment_failed) is not in
# this list on purpose: on the hosted page the shopper may try another card in the same
# session, so that attempt is not the payment's end.
SESSION_SUCCEEDED = {"checkout.session.async_payment_succeeded"}
SESSION_FAILED = {"checkout.session.async_payment_failed", "checkout.session.expired"}

# The locales Stripe Checkout speaks; anything else is left to the shopper's browser.
CHECKOUT_LOCALES = {
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "en-gb",
    "es",
    "es-419",
    "et",
    "fi",
    "fil",
    "fr",
    "fr-ca",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ms",
    "mt",
    "nb",
    "nl",
    "pl",
    "pt",
    "pt-br",
    "ro",
    "ru",
    "sk",
    "sl",
    "sv",
    "th",
    "tr",
    "vi",
    "zh",
    "zh-hk",
    "zh-tw",
}
CASED_LOCALES = {
    "en-gb": "en-GB",
    "fr-ca": "fr-CA",
    "pt-br": "pt-BR",
    "zh-hk": "zh-HK",
    "zh-tw": "zh-TW",
}


def checkout_locale(language: str) -> str:
    language = (language or "").lower().replace("_", "-")
    for candidate in (language, language.split("-")[0]):
        if candidate in CHECKOUT_LOCALES:
            return CASED_LOCALES.get(candidate, candidate)
    return "auto"


class StripeProvider(PaymentProvider):
    code = "stripe"
    label = _("Card")
    reservation_minutes = 30

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self._client: stripe.StripeClient | None = None

    @property
    def client(self) -> stripe.StripeClient:
        if self._client is None:
            secret_key = str(self.options.get("secret_key") or "")
            if not secret_key:
                raise ProviderError(gettext("Card payments are not configured."))
            api_base = str(self.options.get("api_base") or "")
            self._client = stripe.StripeClient(
                secret_key,
                base_addresses={"api": api_base} if api_base else None,
                max_network_retries=int(self.options.get("max_network_retries", 2)),
                http_client=stripe.RequestsClient(timeout=float(self.options.get("timeout", 20))),
            )
        return self._client

    # -- starting and resuming --------------------------------------------------------

    def start(
        self, payment: Any, *, request: HttpRequest | None, return_url: str, cancel_url: str
    ) -> StartResult:
        order = payment.order
        currency = payment.currency
        metadata = {"payment_id": str(payment.pk), "order": order.reference}
        with translation.override(order.language or None):
            name = gettext("Order %(reference)s") % {"reference": order.reference}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor(payment.amount, currency),
                        "product_data": {"name": name},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": _absolute(request, return_url),
            "cancel_url": _absolute(request, cancel_url),
            "client_reference_id": str(payment.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "locale": checkout_locale(order.language),
        }
        if order.email:
            params["customer_email"] = order.email
        session = self._call(
            self.client.v1.checkout.sessions.create,
            params,
            {"idempotency_key": self._session_key(payment)},
        )
        payment.reference = session["id"]
        intent = _id(session.get("payment_intent"))
        if intent:
            payment.details = {**payment.details, "payment_intent": intent}
        payment.save(update_fields=["reference", "details"])
        return StartResult(redirect_url=session["url"])

    def resume(self, payment: Any) -> StartResult | None:
        if not payment.reference.startswith("cs_"):
            return None
        session = self._retrieve_session(payment.reference)
        if session.get("status") == "open" and session.get("url"):
            return StartResult(redirect_url=session["url"])
        if session.get("status") == "complete":
            # Paid (or being paid) while our confirmation is on its way: back to the return
            # page, never to a second session the shopper could pay again.
            return StartResult(redirect_url=session.get("success_url") or "")
        return None

    def _session_key(self, payment: Any) -> str:
        # After an expired session the same key would replay that dead session for 24 h;
        # the new attempt gets its own, still derived from our ids only.
        if payment.reference.startswith("cs_"):
            return f"comptoir-session-{payment.pk}-after-{payment.reference}"
        return f"comptoir-session-{payment.pk}"

    # -- webhooks and the return page ----------------------------------------------------

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent:
        secret = str(self.options.get("webhook_secret") or "")
        if not secret:
            raise InvalidWebhook("no webhook secret configured")
        tolerance = int(self.options.get("tolerance", DEFAULT_TOLERANCE))
        header = request.headers.get("Stripe-Signature", "")
        # Stripe's library refuses a timestamp older than the tolerance, not one ahead of
        # it: a signed event is not accepted from the future either.
        stamps = [p[2:] for p in header.split(",") if p.startswith("t=")]
        if stamps and stamps[0].isdigit() and int(stamps[0]) > time.time() + tolerance:
            raise InvalidWebhook("signature: timestamp in the future")
        try:
            verified = stripe.Webhook.construct_event(request.body, header, secret, tolerance)
            event = verified.to_dict()
            kind, obj = str(event["type"]), event["data"]["object"]
            return self._event(str(event["id"]), kind, obj)
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(f"signature: {error.user_message or error}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidWebhook(f"unreadable event: {error!r}") from None

    def fetch_status(self, payment: Any) -> ProviderEvent | None:
        if not payment.reference.startswith("cs_"):
            return None
        try:
            session = self._retrieve_session(
                payment.reference, expand=["payment_intent.latest_charge"]
            )
        except ProviderError:
            return None  # the webhook will tell us; the return page just says "processing"
        if session.get("payment_status") != "paid":
            return None
        return self._event(f"return:{session['id']}", "checkout.session.completed", session)

    def _event(self, event_id: str, kind: str, obj: dict[str, Any]) -> ProviderEvent:
        if kind.startswith("checkout.session."):
            paid = obj.get("payment_status") == "paid"
            if kind in SESSION_SUCCEEDED or (kind == "checkout.session.completed" and paid):
                mapped = "payment.succeeded"
            elif kind in SESSION_FAILED:
                mapped = "payment.failed"
            else:
                mapped = "ignored"
            metadata = obj.get("metadata") or {}
            currency = str(obj.get("currency") or "").upper()
            amount = obj.get("amount_total")
            reason = (
                "expired"
                if kind == "checkout.session.expired"
                else ("async payment failed" if mapped == "payment.failed" else "")
            )
            intent = obj.get("payment_intent")
            return ProviderEvent(
                event_id=event_id,
                kind=mapped,
                payment_id=str(metadata.get("payment_id") or obj.get("client_reference_id") or ""),
                reference=str(obj["id"]),
                amount=from_minor(int(amount), currency) if amount is not None else None,
                currency=currency,
                details={
                    "payment_intent": _id(intent),
                    "reason": reason,
                    **_card_details(intent if isinstance(intent, dict) else {}),
                },
            )
        if kind.startswith("payment_intent."):
            # Kept for the record (the decline reason), applied as nothing: see above.
            currency = str(obj.get("currency") or "").upper()
            error = obj.get("last_payment_error") or {}
            return ProviderEvent(
                event_id=event_id,
                kind="ignored",
                payment_id=str((obj.get("metadata") or {}).get("payment_id") or ""),
                reference=str(obj.get("id") or ""),
                amount=(
                    from_minor(int(obj["amount"]), currency)
                    if obj.get("amount") is not None
                    else None
                ),
                currency=currency,
                details={
                    "payment_intent": str(obj.get("id") or ""),
                    "reason": str(error.get("decline_code") or error.get("code") or ""),
                    **_card_details(obj),
                },
            )
        return ProviderEvent(event_id=event_id, kind="ignored", reference=str(obj.get("id", "")))

    # -- refunds -----------------------------------------------------------------------

    def refund(self, payment: Any, refund: Any) -> str:
        intent = str(payment.details.get("payment_intent") or "")
        if not intent and payment.reference.startswith("cs_"):
            intent = _id(self._retrieve_session(payment.reference).get("payment_intent"))
        if not intent:
            raise ProviderError(gettext("This payment has no captured charge to refund."))
        result = self._call(
            self.client.v1.refunds.create,
            {
                "payment_intent": intent,
                "amount": to_minor(refund.amount, payment.currency),
                "metadata": {"refund_id": str(refund.pk), "payment_id": str(payment.pk)},
            },
            {"idempotency_key": f"comptoir-refund-{refund.pk}"},
        )
        return str(result["id"])

    def find_refund(self, payment: Any, refund: Any) -> str | None:
        intent = str(payment.details.get("payment_intent") or "")
        if not intent and payment.reference.startswith("cs_"):
            intent = _id(self._retrieve_session(payment.reference).get("payment_intent"))
        if not intent:
            return None
        # A payment has few refunds: the newest 100 hold any we asked for.
        found = self._call(self.client.v1.refunds.list, {"payment_intent": intent, "limit": 100})
        for made in found.get("data") or []:
            if (made.get("metadata") or {}).get("refund_id") == str(refund.pk):
                return str(made["id"])
        return None

    # -- plumbing ----------------------------------------------------------------------

    def _retrieve_session(
        self, session_id: str, *, expand: list[str] | None = None
    ) -> dict[str, Any]:
        params = {"expand": expand} if expand else None
        return self._call(self.client.v1.checkout.sessions.retrieve, session_id, params)

    def _call(self, method: Any, *args: Any) -> dict[str, Any]:
        try:
            return method(*args).to_dict()
        except stripe.StripeError as error:
            # The full error (request id, code) goes to the log; the shopper or the merchant
            # gets Stripe's user-facing message or a generic one, never our secrets.
            log.warning(
                "stripe call %s failed: %r (request %s)",
                getattr(method, "__name__", ""),
                error,
                getattr(error, "request_id", ""),
            )
            message = error.user_message if isinstance(error, stripe.CardError) else ""
            if isinstance(error, stripe.InvalidRequestError) and error.code:
                message = f"{gettext('The card processor refused the request')} ({error.code})."
            # Worth another attempt under the same idempotency key: the request did not
            # reach Stripe, or was turned away before it ran. Not a 5xx: Stripe keeps that
            # answer for the key and gives it again for a day.
            unavailable = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError)
            raise (ProviderUnavailable if unavailable else ProviderError)(
                message
                or gettext("The card processor could not be reached; please try again in a moment.")
            ) from None


def _absolute(request: HttpRequest | None, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def _id(value: Any) -> str:
    """An expandable field: an id, or the object itself."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _card_details(intent: dict[str, Any]) -> dict[str, str]:
    """Last four digits, fingerprint and 3-D Secure outcome, when the event carries them
    (an expanded charge, or the payment method of a failed attempt)."""
    charge = intent.get("latest_charge")
    card: dict[str, Any] = {}
    if isinstance(charge, dict):
        card = (charge.get("payment_method_details") or {}).get("card") or {}
    if not card:
        method = (intent.get("last_payment_error") or {}).get("payment_method") or {}
        card = method.get("card") or {} if isinstance(method, dict) else {}
    if not card:
        return {}
    secure = card.get("three_d_secure") or {}
    result = str(secure.get("result") or "") if isinstance(secure, dict) else ""
    return {
        "card_last4": str(card.get("last4") or ""),
        "card_fingerprint": str(card.get("fingerprint") or ""),
        "card_country": str(card.get("country") or "").upper(),
        "three_d_secure": result,
        # Stripe shifts the liability for fraud to the issuer after these two results.
        "liability_shift": result in ("authenticated", "attempt_acknowledged") if result else None,
    }
