"""The answer of a payment step refused by fraud screening: 429, a sentence, a delay."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from comptoir.fraud.services import Refusal


def refused(request: HttpRequest, refusal: Refusal, *, order: Any = None) -> HttpResponse:
    from comptoir.storefront.views import _nav

    response = render(
        request,
        "fraud/refused.html",
        {
            "message": refusal.message,
            "order": order,
            "nav": _nav(request, get_language() or "fr"),
            "noindex": True,
        },
        status=429,
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response
