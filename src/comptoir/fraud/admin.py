"""The merchant's fraud screens: thresholds per shop, the screenings with their reasons
(also on each order's page), the card attempts, and the blocks set after declines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from comptoir.fraud.models import Block, FraudSettings, PaymentAttempt, Screening
from comptoir.fraud.rules import DEFAULT_POINTS
from comptoir.fraud.services import explained


class FraudSettingsForm(forms.ModelForm):
    class Meta:
        model = FraudSettings
        exclude: list[str] = []

    def clean_rule_points(self) -> dict[str, int]:
        points = self.cleaned_data.get("rule_points") or {}
        if not isinstance(points, dict):
            raise forms.ValidationError(_("Enter an object of rule names and points."))
        unknown = sorted(set(points) - set(DEFAULT_POINTS))
        if unknown:
            raise forms.ValidationError(
                _("Unknown rules: %(rules)s. Known: %(known)s.")
                % {"rules": ", ".join(unknown), "known": ", ".join(sorted(DEFAULT_POINTS))}
            )
        if any(isinstance(v, bool) or not isinstance(v, int) for v in points.values()):
            raise forms.ValidationError(_("Points must be whole numbers."))
        return points

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        review, cancel = data.get("review_score"), data.get("cancel_score")
        if review is not None and cancel is not None and cancel < review:
            self.add_error(
                "cancel_score", _("Cancelling must need at least the score of a review.")
            )
        throttle, block = data.get("throttle_after_declines"), data.get("block_after_declines")
        if throttle is not None and block is not None and block < throttle:
            self.add_error(
                "block_after_declines", _("Blocking must need at least as many declines.")
            )
        return data


@admin.register(FraudSettings)
class FraudSettingsAdmin(admin.ModelAdmin):
    form = FraudSettingsForm
    list_display = ["shop", "review_score", "cancel_score", "high_value_amount"]


def reasons_html(screening: Screening) -> str:
    return format_html_join(
        "", "<div>{} &nbsp; {}</div>", ((f"{p:+d}", text) for p, text in explained(screening))
    )


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ["order", "score", "decision", "automatic_decision", "created_at"]
    list_filter = ["decision", "automatic_decision"]
    search_fields = ["=order__number", "order__email"]
    fields = ["order", "score", "decision", "automatic_decision", "explanation", "decided_by"]
    readonly_fields = fields

    @admin.display(description=_("reasons"))
    def explanation(self, obj: Screening) -> str:
        return reasons_html(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScreeningInline(admin.StackedInline):
    """On the order's admin page: the score and why, in the merchant's language."""

    model = Screening
    extra = 0
    can_delete = False
    verbose_name_plural = _("fraud screening")
    fields = ["score", "decision", "automatic_decision", "explanation", "decided_by"]
    readonly_fields = fields

    @admin.display(description=_("reasons"))
    def explanation(self, obj: Screening) -> str:
        return reasons_html(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "order",
        "outcome",
        "decline_code",
        "card_country",
        "three_d_secure",
        "ip",
    ]
    list_filter = ["outcome", "provider"]
    search_fields = ["=order__number", "email", "=ip", "=card_fingerprint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Lift a block early by moving its end date, or deleting it."""

    list_display = ["scope", "value", "level", "until", "declines", "created_at"]
    list_filter = ["scope", "level"]
    fields = ["shop", "scope", "value", "level", "declines", "until"]
    readonly_fields = ["shop", "scope", "value", "level", "declines"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
