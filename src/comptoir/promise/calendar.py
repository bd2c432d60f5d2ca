"""The dispatch calendar, as pure functions: no database, no clock, no language.

A parcel leaves on a *working day*: a weekday the shop dispatches on, that is neither a
French public holiday (when the shop observes them) nor one of the shop's closed days.
An order placed on a working day before the cut-off time, in the shop's time zone, can
leave that same day; otherwise its first possible day is the next working day. The lead
time then adds whole working days (a supplier who needs two days to dropship).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# No shop closes for two years on end; a calendar that never opens is a set-up error.
MAX_SEARCH_DAYS = 800


class NoWorkingDay(ValueError):
    """The rules leave no day to dispatch on (no weekday ticked, or everything closed)."""


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous "Meeus/Jones/Butcher" computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France (Alsace-Moselle's two extra days
    and the overseas abolition days are left to the shop's closed days)."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "Jour de l'an",
        easter + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Victoire 1945",
        easter + timedelta(days=39): "Ascension",
        easter + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }


@dataclass(frozen=True)
class Rules:
    """What the calendar needs to know of a shop's dispatch rules."""

    time_zone: str = "Europe/Paris"
    cutoff: time = time(15, 0)
    # ISO weekdays the shop dispatches on: 1 = Monday ... 7 = Sunday.
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    french_holidays: bool = True
    closed: tuple[tuple[date, date], ...] = field(default=())  # inclusive ranges

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_working_day(self, day: date) -> bool:
        if day.isoweekday() not in self.weekdays:
            return False
        if self.french_holidays and day in french_public_holidays(day.year):
            return False
        return not any(start <= day <= end for start, end in self.closed)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first one after it."""
        for offset in range(MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise NoWorkingDay(f"no working day within {MAX_SEARCH_DAYS} days of {day}")


def closed_ranges(periods: Iterable[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    return tuple(sorted((start, max(start, end)) for start, end in periods))


def dispatch_date(rules: Rules, now: datetime, lead_days: int = 0) -> date:
    """The day an order placed at ``now`` (aware) leaves, in the shop's calendar."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if lead_days < 0:
        raise ValueError("lead_days cannot be negative")
    local = now.astimezone(rules.zone)
    today = local.date()
    if rules.is_working_day(today) and local.time() < rules.cutoff:
        day = today
    else:
        day = rules.next_working_day(today + timedelta(days=1))
    for _ in range(lead_days):
        day = rules.next_working_day(day + timedelta(days=1))
    return day


def next_change(rules: Rules, now: datetime) -> datetime:
    """When the answer of :func:`dispatch_date` may next change: today's cut-off if it is
    still ahead, else the next local midnight. A cached page must not outlive it."""
    zone = rules.zone
    local = now.astimezone(zone)
    cutoff = datetime.combine(local.date(), rules.cutoff, tzinfo=zone)
    if local < cutoff:
        return cutoff
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return midnight
