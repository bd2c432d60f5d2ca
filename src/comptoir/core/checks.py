"""System checks for Comptoir's own settings, so a bad value fails at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_comptoir_settings(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    widths = settings.COMPTOIR_IMAGE_WIDTHS
    if not widths or any(not isinstance(w, int) or w <= 0 for w in widths):
        problems.append(
            Error("COMPTOIR_IMAGE_WIDTHS must be a list of positive integers", id="comptoir.E001")
        )
    backend = settings.COMPTOIR_SEARCH_BACKEND
    if backend != "auto" and "." not in backend:
        problems.append(
            Error(
                "COMPTOIR_SEARCH_BACKEND must be 'auto' or a dotted path to a SearchBackend",
                id="comptoir.E002",
            )
        )
    codes = [code for code, _ in settings.LANGUAGES]
    if settings.LANGUAGE_CODE not in codes:
        problems.append(Error("LANGUAGE_CODE must be one of LANGUAGES", id="comptoir.E003"))
    hour = getattr(settings, "COMPTOIR_DIGEST_HOUR", 7)
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        problems.append(
            Error("COMPTOIR_DIGEST_HOUR must be an hour from 0 to 23", id="comptoir.E010")
        )
    if settings.PRODUCTION and settings.COMPTOIR_SERVE_MEDIA:
        problems.append(
            Warning(
                "Django serves uploaded images in production; let the front proxy do it "
                "and set COMPTOIR_SERVE_MEDIA=false",
                id="comptoir.W001",
            )
        )
    return problems


@register()
def check_payment_providers(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    from django.utils.module_loading import import_string

    from comptoir.payments.providers.base import PaymentProvider

    problems: list[Error | Warning] = []
    providers = settings.COMPTOIR_PAYMENT_PROVIDERS
    if not providers:
        problems.append(
            Warning(
                "No payment method is offered: set COMPTOIR_BANK_IBAN, "
                "COMPTOIR_CHEQUE_ADDRESS or STRIPE_SECRET_KEY",
                id="comptoir.W002",
            )
        )
    for code, spec in providers.items():
        try:
            provider_class = import_string(spec["class"])
        except (ImportError, KeyError) as error:
            problems.append(
                Error(f"payment provider {code!r} cannot be loaded: {error}", id="comptoir.E005")
            )
            continue
        if not issubclass(provider_class, PaymentProvider):
            problems.append(
                Error(f"payment provider {code!r} is not a PaymentProvider", id="comptoir.E005")
            )
    return problems
