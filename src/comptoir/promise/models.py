"""A shop's dispatch rules: when parcels leave, from which the storefront's promise
("order before 3 pm, dispatched today") and the order's promised dispatch date follow."""

from __future__ import annotations

from datetime import time

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.promise.calendar import Rules, closed_ranges
from comptoir.shops.models import Shop

weekday_digits = RegexValidator(
    r"^[1-7]{1,7}$", _("Enter ISO weekday numbers, 1 = Monday to 7 = Sunday, e.g. 12345.")
)


def dispatch_cache_key(shop_id: int) -> str:
    return f"promise:dispatch:{shop_id}"


class DispatchRules(models.Model):
    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="dispatch_rules")
    cutoff_time = models.TimeField(
        _("cut-off time"),
        default=time(15, 0),
        help_text=_("Orders paid before this time, in the shop's time zone, leave the same day."),
    )
    working_days = models.CharField(
        _("dispatch days"),
        max_length=7,
        default="12345",
        validators=[weekday_digits],
        help_text=_("Weekdays parcels leave on: 1 = Monday ... 7 = Sunday; 12345 for weekdays."),
    )
    french_holidays = models.BooleanField(
        _("closed on French public holidays"),
        default=True,
        help_text=_("Easter Monday, Ascension and Whit Monday are computed each year."),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("lead time (working days)"),
        default=0,
        help_text=_("Working days to prepare an order before it leaves; 0 means the same day."),
    )
    route_lead_days = models.JSONField(
        _("lead time per fulfillment route"),
        default=dict,
        blank=True,
        help_text=_(
            'Working days per route, overriding the lead time, e.g. {"dropship": 2, "3pl": 0}.'
        ),
    )

    class Meta:
        verbose_name = _("dispatch rules")
        verbose_name_plural = _("dispatch rules")

    def __str__(self) -> str:
        return str(_("Dispatch rules of %(shop)s") % {"shop": self.shop})

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(dispatch_cache_key(self.shop_id))  # pages show the new promise at once

    def delete(self, *args, **kwargs):
        cache.delete(dispatch_cache_key(self.shop_id))
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if len(set(self.working_days)) != len(self.working_days):
            raise ValidationError({"working_days": _("Each weekday may appear only once.")})
        routes = self.route_lead_days
        if not isinstance(routes, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and 0 <= v <= 60 for k, v in routes.items()
        ):
            raise ValidationError(
                {
                    "route_lead_days": _(
                        "Give each route a whole number of working days between 0 and 60."
                    )
                }
            )

    def as_rules(self, time_zone: str) -> Rules:
        return Rules(
            time_zone=time_zone,
            cutoff=self.cutoff_time,
            weekdays=frozenset(int(d) for d in self.working_days),
            french_holidays=self.french_holidays,
            closed=closed_ranges((p.start, p.end) for p in self.closed_periods.all()),
        )


class ClosedPeriod(models.Model):
    """Days the shop does not dispatch: the August break, an inventory day, a local
    holiday (Alsace-Moselle's Good Friday and 26 December)."""

    rules = models.ForeignKey(
        DispatchRules, on_delete=models.CASCADE, related_name="closed_periods"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to (included)"))
    label = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.start} – {self.end}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(dispatch_cache_key(self.rules.shop_id))

    def delete(self, *args, **kwargs):
        cache.delete(dispatch_cache_key(self.rules.shop_id))
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The last day comes before the first.")})
