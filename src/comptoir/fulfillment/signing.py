"""HMAC signatures on what we send to providers and what they send back.

The signature covers ``"<timestamp>.<body>"`` with the route's shared secret (HMAC-SHA256,
hex), so a captured message cannot be replayed with a fresh timestamp, and a timestamp
outside the tolerance is refused even when its signature is right.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Comptoir-Timestamp"
SIGNATURE_HEADER = "X-Comptoir-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    pass


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    secret: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise :class:`BadSignature` saying what is wrong, or return quietly."""
    if not secret:
        raise BadSignature("the route has no shared secret")
    if not timestamp or not signature:
        raise BadSignature(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise BadSignature(f"{TIMESTAMP_HEADER} is not a Unix time: {timestamp[:40]!r}") from None
    current = now if now is not None else time.time()
    if abs(current - sent) > tolerance:
        raise BadSignature(f"timestamp {sent} is outside the {tolerance} s tolerance")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise BadSignature("signature does not match the body")
