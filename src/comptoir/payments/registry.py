"""Which payment providers the shop offers: ``COMPTOIR_PAYMENT_PROVIDERS`` in settings,
a mapping of code -> {"class": dotted path, "options": {...}}."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from comptoir.core.exceptions import ComptoirError
from comptoir.payments.providers.base import PaymentProvider


@cache
def providers() -> dict[str, PaymentProvider]:
    loaded = {}
    for code, spec in settings.COMPTOIR_PAYMENT_PROVIDERS.items():
        provider = import_string(spec["class"])(spec.get("options", {}))
        provider.code = code
        loaded[code] = provider
    return loaded


def get_provider(code: str) -> PaymentProvider:
    try:
        return providers()[code]
    except KeyError:
        raise ComptoirError(f"Unknown payment method: {code}") from None
