"""Bank transfer and cheque: the order waits, with instructions emailed, until the
merchant marks the money received; reminded, then cancelled after a few days."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comptoir.payments.providers.base import PaymentProvider, StartResult


class ManualProvider(PaymentProvider):
    is_manual = True

    @property
    def reservation_minutes(self) -> int:  # type: ignore[override]
        return int(self.options.get("cancel_after_days", 7)) * 24 * 60

    @property
    def remind_after_days(self) -> int:
        return int(self.options.get("remind_after_days", 3))

    def start(
        self, payment: Any, *, request: HttpRequest, return_url: str, cancel_url: str
    ) -> StartResult:
        return StartResult(instructions=self.instructions(payment))

    def instructions(self, payment: Any) -> dict[str, Any]:
        raise NotImplementedError

    def refund(self, payment: Any, refund: Any) -> str:
        # Money sent by transfer or cheque goes back the same way, by the merchant's hand;
        # the refund is recorded as done by them.
        return f"manual-{refund.pk}"


class BankTransferProvider(ManualProvider):
    code = "bank_transfer"
    label = _("Bank transfer")

    def instructions(self, payment: Any) -> dict[str, Any]:
        return {
            "method": "bank_transfer",
            "holder": self.options.get("holder", payment.order.shop.name),
            "iban": self.options.get("iban", ""),
            "bic": self.options.get("bic", ""),
            "reference": payment.order.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
        }


class ChequeProvider(ManualProvider):
    code = "cheque"
    label = _("Cheque")

    def instructions(self, payment: Any) -> dict[str, Any]:
        return {
            "method": "cheque",
            "payee": self.options.get("payee", payment.order.shop.name),
            "address": self.options.get("address", ""),
            "reference": payment.order.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
        }
