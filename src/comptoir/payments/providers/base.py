"""The payment provider seam: a setting listing providers, and this small base class.

A provider knows how to start a payment (redirect to a hosted page, or instructions),
how to read and verify its webhooks, how to ask for a payment's status when the customer
returns, and how to refund. It never marks an order paid itself: it reports a
:class:`ProviderEvent`, and ``payments.services`` applies it exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from comptoir.core.exceptions import ComptoirError

if TYPE_CHECKING:
    from comptoir.payments.models import Payment, Refund


class InvalidWebhook(ComptoirError):
    """Bad signature, stale timestamp or unreadable body: answered 400, nothing applied."""


class ProviderError(ComptoirError):
    """The provider refused or could not be reached; the message is safe to show."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, or turned the request away before running it
    (too many requests): the same call, under the same idempotency key, may succeed later.
    A background task retries it; any other ProviderError is final for it."""


@dataclass(frozen=True)
class StartResult:
    redirect_url: str = ""
    instructions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    kind: str  # payment.succeeded, payment.failed, refund.succeeded, ignored
    payment_id: str = ""  # our Payment.id, carried in the provider's metadata
    reference: str = ""  # the provider's id for the payment
    amount: Decimal | None = None
    currency: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class PaymentProvider:
    code = ""
    label = ""
    is_manual = False
    #: minutes an unpaid order holds its stock with this provider
    reservation_minutes = 30
    #: ``start`` may run for one payment several times at once, and gives every caller
    #: the same attempt (one hosted page): ``begin_payment`` then starts a payment just
    #: created without locking it first. Not Stripe's: it refuses a second request with
    #: an idempotency key still in use.
    concurrent_start = False

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = options or {}

    def start(
        self, payment: Payment, *, request: HttpRequest, return_url: str, cancel_url: str
    ) -> StartResult:
        raise NotImplementedError

    def resume(self, payment: Payment) -> StartResult | None:
        """Where to send a customer back to an attempt already started (a second tab, a
        double click), so that one payment never becomes two. None: start afresh."""
        return None

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent:
        raise InvalidWebhook("this provider sends no webhooks")

    def fetch_status(self, payment: Payment) -> ProviderEvent | None:
        """Ask the provider where the payment stands (the customer's return page)."""
        return None

    def refund(self, payment: Payment, refund: Refund) -> str:
        """Refund ``refund.amount`` of ``payment``; return the provider's refund id."""
        raise ProviderError("this provider cannot refund automatically")

    def find_refund(self, payment: Payment, refund: Refund) -> str | None:
        """The provider's id for ``refund`` if it made it after all (asked under the
        refund's idempotency key, its answer lost), None if it did not. Asked before a
        failed refund is tried again, so the money cannot leave twice. Raises ProviderError
        when the provider cannot tell now. A provider without automatic refunds made none."""
        return None
