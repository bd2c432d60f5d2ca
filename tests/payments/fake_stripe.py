"""A real HTTP server on 127.0.0.1 speaking the part of Stripe's API that Comptoir uses.

The official SDK is pointed at it (``api_base``), so requests are encoded, authenticated,
retried and decoded exactly as they would be against api.stripe.com: form-encoded bodies
with nested keys (``line_items[0][price_data][unit_amount]``), ``Authorization: Bearer``,
``Idempotency-Key`` replays, Stripe-shaped error bodies. Webhooks are signed with Stripe's
scheme (``t=<timestamp>,v1=<HMAC-SHA256 of "t.payload">``).

    with FakeStripe() as fake:
        ...  # fake.url, fake.complete_session(id), fake.signed_event(...), fake.requests
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_comptoir_fake"
WEBHOOK_SECRET = "whsec_comptoir_fake"


class StripeFailure(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status, self.error = status, error


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's nested form keys back into dicts and lists: ``a[b][0][c]=1``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        parts = [p for p in parts if p]
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str
    status: int = 0


@dataclass
class FakeStripe:
    secret_key: str = SECRET_KEY
    webhook_secret: str = WEBHOOK_SECRET
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    #: responses to drop after doing the work (path prefix -> count): a lost response
    lose_responses: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what the tests look at -------------------------------------------------------

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        with self._lock:
            return [
                r for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            ]

    def complete_session(
        self,
        session_id: str,
        *,
        fingerprint: str = "fp_test_4242",
        three_d_secure: str = "authenticated",
        country: str = "FR",
    ) -> dict[str, Any]:
        """The shopper paid on the hosted page (after a 3-D Secure challenge)."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id, charge_id = _new_id("pi"), _new_id("ch")
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": session["amount_total"],
                "currency": session["currency"],
                "payment_intent": intent_id,
                "paid": True,
                "payment_method_details": {
                    "type": "card",
                    "card": {
                        "brand": "visa",
                        "last4": "3220",
                        "fingerprint": fingerprint,
                        "country": country,
                        "three_d_secure": {"result": three_d_secure, "version": "2.2.0"},
                    },
                },
            }
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": session["amount_total"],
                "currency": session["currency"],
                "status": "succeeded",
                "latest_charge": charge_id,
                "amount_refunded": 0,
                "metadata": dict(session["_payment_intent_metadata"]),
                "livemode": False,
            }
            session.update(
                status="complete", payment_status="paid", url=None, payment_intent=intent_id
            )
            return self._public(session)

    def expire_session(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            return self._public(session)

    def event(self, kind: str, obj: dict[str, Any], *, event_id: str = "") -> str:
        """The JSON body of an event, as Stripe posts it."""
        return json.dumps(
            {
                "id": event_id or _new_id("evt"),
                "object": "event",
                "api_version": "2025-01-27",
                "created": int(time.time()),
                "type": kind,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": obj},
            }
        )

    def sign(self, payload: str, *, timestamp: int | None = None, secret: str = "") -> str:
        """The ``Stripe-Signature`` header for ``payload``."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.{payload}".encode()
        digest = hmac.new(
            (secret or self.webhook_secret).encode(), signed, hashlib.sha256
        ).hexdigest()
        return f"t={timestamp},v1={digest}"

    # -- the API ----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = parse_form(
            parse_qsl(body if method == "POST" else url.query, keep_blank_values=True)
        )
        key = handler.headers.get("Idempotency-Key", "") if method == "POST" else ""
        record = Recorded(method, url.path, params, key)
        with self._lock:
            self.requests.append(record)
            status, payload = self._respond(handler, method, url.path, params, key)
            record.status = status
            lost = next(
                (
                    p
                    for p, n in self.lose_responses.items()
                    if n > 0 and url.path.startswith(p) and method == "POST"
                ),
                None,
            )
            if lost is not None:
                self.lose_responses[lost] -= 1
                status, payload = (
                    500,
                    {"error": {"type": "api_error", "message": "lost on the way back"}},
                )
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", _new_id("req"))
        if key:
            handler.send_header("Idempotency-Key", key)
        handler.end_headers()
        handler.wfile.write(data)

    def _respond(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        params: dict[str, Any],
        key: str,
    ) -> tuple[int, dict[str, Any]]:
        if handler.headers.get("Authorization", "") != f"Bearer {self.secret_key}":
            return 401, {
                "error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}
            }
        if key and key in self._idempotent:
            first_params, status, payload = self._idempotent[key]
            if first_params != params:
                return 400, {
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    }
                }
            return status, payload
        try:
            status, payload = 200, self._route(method, path, params)
        except StripeFailure as failure:
            status, payload = failure.status, {"error": failure.error}
        if key:
            self._idempotent[key] = (params, status, payload)
        return status, payload

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "GET" and (match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)", path)):
            return self._expand(
                self._public(self._get(self.sessions, match[1])), params.get("expand") or []
            )
        if method == "GET" and (match := re.fullmatch(r"/v1/payment_intents/([\w]+)", path)):
            return dict(self._get(self.intents, match[1]))
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "GET" and path == "/v1/refunds":
            found = [
                dict(r)
                for r in self.refunds.values()
                if r["payment_intent"] == params.get("payment_intent")
            ]
            found.sort(key=lambda r: r["created"], reverse=True)
            limit = int(params.get("limit") or 10)
            return {
                "object": "list",
                "url": "/v1/refunds",
                "has_more": len(found) > limit,
                "data": found[:limit],
            }
        raise StripeFailure(
            404,
            {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path}).",
            },
        )

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("line_items") or []
        if params.get("mode") != "payment" or not items:
            raise StripeFailure(
                400,
                {
                    "type": "invalid_request_error",
                    "param": "line_items",
                    "message": "mode=payment with line_items is required",
                },
            )
        for required in ("success_url", "cancel_url"):
            if not str(params.get(required, "")).startswith(("http://", "https://")):
                raise StripeFailure(
                    400,
                    {
                        "type": "invalid_request_error",
                        "param": required,
                        "code": "url_invalid",
                        "message": "Not a valid URL",
                    },
                )
        currencies = {item["price_data"]["currency"] for item in items}
        if len(currencies) != 1 or currencies != {next(iter(currencies)).lower()}:
            raise StripeFailure(
                400,
                {
                    "type": "invalid_request_error",
                    "param": "currency",
                    "message": "one lower-case currency expected",
                },
            )
        total = sum(
            int(item["price_data"]["unit_amount"]) * int(item["quantity"]) for item in items
        )
        session_id = _new_id("cs_test")
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "url": f"{self.url}/c/pay/{session_id}",
            "amount_total": total,
            "amount_subtotal": total,
            "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "locale": params.get("locale"),
            "metadata": params.get("metadata") or {},
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "payment_intent": None,
            "livemode": False,
            "created": int(time.time()),
            "expires_at": int(time.time()) + 86400,
            "_payment_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata")
            or {},
            "_line_items": items,
        }
        return self._public(self.sessions[session_id])

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get(self.intents, str(params.get("payment_intent", "")))
        left = intent["amount_received"] - intent["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0 or amount > left:
            raise StripeFailure(
                400,
                {
                    "type": "invalid_request_error",
                    "code": "amount_too_large",
                    "param": "amount",
                    "message": f"Refund amount ({amount}) is greater than unrefunded amount on "
                    f"charge ({left})",
                },
            )
        intent["amount_refunded"] += amount
        refund_id = _new_id("re")
        self.refunds[refund_id] = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
        }
        return dict(self.refunds[refund_id])

    def _get(self, table: dict[str, dict[str, Any]], object_id: str) -> dict[str, Any]:
        if object_id not in table:
            raise StripeFailure(
                404,
                {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "id",
                    "message": f"No such object: '{object_id}'",
                },
            )
        return table[object_id]

    def _expand(self, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        for path in expand:
            if path.startswith("payment_intent") and obj.get("payment_intent"):
                intent = dict(self.intents[obj["payment_intent"]])
                if path == "payment_intent.latest_charge":
                    intent["latest_charge"] = dict(self.charges[intent["latest_charge"]])
                obj["payment_intent"] = intent
        return obj

    @staticmethod
    def _public(session: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def session_line_items(self, session_id: str) -> list[dict[str, Any]]:
        return self.sessions[session_id]["_line_items"]


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def provider_settings(api_base: str, **options: Any) -> dict[str, Any]:
    """``COMPTOIR_PAYMENT_PROVIDERS`` for a Stripe provider speaking to ``api_base``."""
    return {
        "stripe": {
            "class": "comptoir.payments.providers.stripe.StripeProvider",
            "options": {
                "secret_key": SECRET_KEY,
                "webhook_secret": WEBHOOK_SECRET,
                "api_base": api_base,
                **options,
            },
        },
    }
