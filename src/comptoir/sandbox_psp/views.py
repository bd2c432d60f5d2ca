"""The sandbox's hosted payment page and 3-D Secure challenge.

These pages stand in for the PSP's own site: the card number is posted here, checked,
reduced to its last four digits and a fingerprint, and never stored or passed on.
"""

from __future__ import annotations

import re

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect

from comptoir.checkout.rendering import RENDERER
from comptoir.sandbox_psp.api import card_country, card_fingerprint, queue_webhook
from comptoir.sandbox_psp.models import IntentStatus, SandboxIntent

SUCCEEDS = "4242424242424242"
CHALLENGE = "4000000000003220"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


class CardForm(forms.Form):
    # On every card payment's hosted page: its inputs written in Python, same markup.
    default_renderer = RENDERER

    number = forms.CharField(label="Card number", max_length=23)
    expiry = forms.CharField(label="Expiry (MM/YY)", max_length=7)
    cvc = forms.CharField(label="CVC", max_length=4)
    name = forms.CharField(label="Name on card", max_length=80, required=False)

    def clean_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
            raise forms.ValidationError("This card number is not valid.")
        return number

    def clean_expiry(self) -> str:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match:
            raise forms.ValidationError("Enter the expiry as MM/YY.")
        month, year = int(match[1]), int(match[2][-2:]) + 2000
        today = timezone.now().date()
        if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
            raise forms.ValidationError("This card has expired.")
        return f"{month:02d}/{year % 100:02d}"

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError("Enter the 3 or 4 digits on the back of the card.")
        return cvc


@csrf_protect
def pay(request: HttpRequest, intent_id: str) -> HttpResponse:
    form = CardForm(request.POST or None)
    error = ""
    if request.method != "POST" or not form.is_valid():
        intent = get_object_or_404(SandboxIntent, pk=intent_id)
        if intent.status == IntentStatus.SUCCEEDED:
            return HttpResponseRedirect(intent.return_url)
    else:
        number = form.cleaned_data["number"]
        # A card posted: the intent is read once, locked.
        with transaction.atomic():
            intent = get_object_or_404(SandboxIntent.objects.select_for_update(), pk=intent_id)
            if intent.status == IntentStatus.SUCCEEDED:
                return HttpResponseRedirect(intent.return_url)
            intent.attempts += 1
            intent.card_last4 = number[-4:]
            intent.card_fingerprint = card_fingerprint(number)
            intent.card_country = card_country(number)
            if number in (DECLINED, INSUFFICIENT):
                intent.decline_code = (
                    "insufficient_funds" if number == INSUFFICIENT else "card_declined"
                )
                intent.status = IntentStatus.REQUIRES_PAYMENT_METHOD
                intent.save()
                queue_webhook(intent, "payment_intent.payment_failed")
                error = (
                    "Your card was declined."
                    if number == DECLINED
                    else ("Your card was declined: insufficient funds.")
                )
            elif number == CHALLENGE:
                intent.status = IntentStatus.REQUIRES_ACTION
                intent.save()
                return HttpResponseRedirect(f"/sandbox-psp/3ds/{intent.id}/")
            else:
                intent.status = IntentStatus.SUCCEEDED
                intent.three_d_secure = "not_required"
                intent.decline_code = ""
                intent.save()
                queue_webhook(intent, "payment_intent.succeeded")
                return HttpResponseRedirect(intent.return_url)
    return render(
        request,
        "sandbox_psp/pay.html",
        {
            "intent": intent,
            "form": form,
            "error": error,
            "amount": f"{intent.amount / 100:.2f}",
            "test_cards": [
                (SUCCEEDS, "succeeds"),
                (CHALLENGE, "3-D Secure challenge"),
                (DECLINED, "declined"),
                (INSUFFICIENT, "insufficient funds"),
                ("4000008260000000", "succeeds, issued in GB"),
            ],
        },
    )


@csrf_protect
def challenge(request: HttpRequest, intent_id: str) -> HttpResponse:
    intent = get_object_or_404(SandboxIntent, pk=intent_id)
    if intent.status != IntentStatus.REQUIRES_ACTION:
        return HttpResponseRedirect(
            intent.return_url
            if intent.status == IntentStatus.SUCCEEDED
            else f"/sandbox-psp/pay/{intent.id}/"
        )
    if request.method == "POST":
        with transaction.atomic():
            intent = SandboxIntent.objects.select_for_update().get(pk=intent_id)
            if intent.status != IntentStatus.REQUIRES_ACTION:
                return HttpResponseRedirect(intent.return_url)
            if request.POST.get("outcome") == "approve":
                intent.status = IntentStatus.SUCCEEDED
                intent.three_d_secure = "authenticated"
                intent.save()
                queue_webhook(intent, "payment_intent.succeeded")
                return HttpResponseRedirect(intent.return_url)
            intent.status = IntentStatus.REQUIRES_PAYMENT_METHOD
            intent.three_d_secure = "failed"
            intent.decline_code = "authentication_failed"
            intent.save()
            queue_webhook(intent, "payment_intent.payment_failed")
            return HttpResponseRedirect(f"/sandbox-psp/pay/{intent.id}/")
    return render(
        request,
        "sandbox_psp/challenge.html",
        {"intent": intent, "amount": f"{intent.amount / 100:.2f}"},
    )


def cancel(request: HttpRequest, intent_id: str) -> HttpResponse:
    intent = get_object_or_404(SandboxIntent, pk=intent_id)
    return HttpResponseRedirect(intent.cancel_url or intent.return_url)
