"""The dispatch calendar: Easter, French holidays, cut-off and working days, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.promise.calendar import (
    NoWorkingDay,
    Rules,
    dispatch_date,
    easter_sunday,
    french_public_holidays,
    next_change,
)

PARIS = ZoneInfo("Europe/Paris")
RULES = Rules()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday_matches_the_published_dates(year, easter):
    assert easter_sunday(year) == easter


def test_french_holidays_of_2026_include_the_easter_based_days():
    holidays = french_public_holidays(2026)
    assert len(holidays) == 11
    assert holidays[date(2026, 4, 6)] == "Lundi de Pâques"
    assert holidays[date(2026, 5, 14)] == "Ascension"
    assert holidays[date(2026, 5, 25)] == "Lundi de Pentecôte"
    assert date(2026, 7, 14) in holidays and date(2026, 11, 11) in holidays


def test_before_the_cutoff_on_a_working_day_ships_today_at_the_cutoff_tomorrow():
    # Tuesday 1 December 2026
    assert dispatch_date(RULES, paris(2026, 12, 1, 14, 59, 59, 999999)) == date(2026, 12, 1)
    assert dispatch_date(RULES, paris(2026, 12, 1, 15, 0)) == date(2026, 12, 2)


def test_friday_afternoon_ships_monday_and_a_holiday_monday_pushes_to_tuesday():
    assert dispatch_date(RULES, paris(2026, 12, 4, 16, 0)) == date(2026, 12, 7)
    # Friday 3 April 2026, after the cut-off: Easter Monday 6 April is a holiday
    assert dispatch_date(RULES, paris(2026, 4, 3, 15, 30)) == date(2026, 4, 7)


def test_lead_days_count_working_days_only():
    # Thursday 13 May 2026 morning, 2 days of lead: Ascension (14th) and the weekend skipped
    assert dispatch_date(RULES, paris(2026, 5, 13, 9, 0), 2) == date(2026, 5, 18)


def test_closed_periods_and_weekend_dispatch_are_the_shops_choice():
    rules = Rules(
        weekdays=frozenset({1, 2, 3, 4, 5, 6}),
        closed=((date(2026, 8, 1), date(2026, 8, 23)),),
        french_holidays=False,
    )
    assert dispatch_date(rules, paris(2026, 12, 5, 10, 0)) == date(2026, 12, 5)  # a Saturday
    assert dispatch_date(rules, paris(2026, 7, 31, 16, 0)) == date(2026, 8, 24)


def test_rules_without_a_working_day_say_so():
    with pytest.raises(NoWorkingDay):
        dispatch_date(Rules(weekdays=frozenset()), paris(2026, 12, 1, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        dispatch_date(RULES, datetime(2026, 12, 1, 9, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("utc_moment", "expected"),
    [
        # Summer time (UTC+2): 15:00 Paris is 13:00 UTC
        (datetime(2026, 3, 30, 12, 59, 59, tzinfo=UTC), date(2026, 3, 30)),
        (datetime(2026, 3, 30, 13, 0, tzinfo=UTC), date(2026, 3, 31)),
        # Winter time (UTC+1): 15:00 Paris is 14:00 UTC
        (datetime(2026, 10, 26, 13, 59, 59, tzinfo=UTC), date(2026, 10, 26)),
        (datetime(2026, 10, 26, 14, 0, tzinfo=UTC), date(2026, 10, 27)),
    ],
)
def test_the_cutoff_is_in_the_shops_time_zone_on_both_sides_of_dst(utc_moment, expected):
    assert dispatch_date(RULES, utc_moment) == expected


def test_a_cached_promise_expires_at_the_cutoff_then_at_midnight():
    assert next_change(RULES, paris(2026, 12, 1, 10, 0)) == paris(2026, 12, 1, 15, 0)
    assert next_change(RULES, paris(2026, 12, 1, 15, 0)) == paris(2026, 12, 2, 0, 0)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)
)
cutoffs = st.times(min_value=time(6, 0), max_value=time(23, 0))
weekday_sets = st.frozensets(st.integers(1, 7), min_size=1)


@settings(max_examples=300, deadline=None)
@given(now=moments, lead=st.integers(0, 10), cutoff=cutoffs, weekdays=weekday_sets)
def test_the_promised_day_is_a_working_day_never_in_the_past(now, lead, cutoff, weekdays):
    rules = Rules(cutoff=cutoff, weekdays=weekdays)
    day = dispatch_date(rules, now, lead)
    local = now.astimezone(PARIS)
    assert day >= local.date()
    assert day.isoweekday() in weekdays
    assert day not in french_public_holidays(day.year)
    working_between = [
        local.date() + timedelta(days=n)
        for n in range((day - local.date()).days)
        if rules.is_working_day(local.date() + timedelta(days=n))
    ]
    # exactly `lead` working days are skipped, plus today when it is past the cut-off
    missed_today = rules.is_working_day(local.date()) and local.time() >= cutoff
    assert len(working_between) == lead + (1 if missed_today else 0)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2032, 12, 31)), cutoff=cutoffs)
def test_one_microsecond_before_the_local_cutoff_is_today_and_the_cutoff_is_not(day, cutoff):
    rules = Rules(cutoff=cutoff)
    at_cutoff = datetime.combine(day, cutoff, tzinfo=PARIS)
    before = (at_cutoff.astimezone(UTC) - timedelta(microseconds=1)).astimezone(UTC)
    if rules.is_working_day(day):
        assert dispatch_date(rules, before) == day
    assert dispatch_date(rules, at_cutoff.astimezone(UTC)) > day
