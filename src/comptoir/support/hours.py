"""Business hours: when a first response promised "within N business hours" is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    time_zone: str = "Europe/Paris"
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    opens: time = time(9, 0)
    closes: time = time(18, 0)


def add_business_hours(start: datetime, hours: int, calendar: BusinessHours) -> datetime:
    """The moment ``hours`` business hours after ``start`` (aware). A question asked on
    Friday evening with 8 hours promised is due on Monday at 17:00 (9:00 to 18:00)."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if not calendar.weekdays or calendar.closes <= calendar.opens:
        return start + timedelta(hours=hours)  # no usable calendar: plain hours
    zone = ZoneInfo(calendar.time_zone)
    moment = start.astimezone(zone)
    left = timedelta(hours=hours)
    for _day in range(hours * 7 + 14):
        day = moment.date()
        opens = datetime.combine(day, calendar.opens, tzinfo=zone)
        closes = datetime.combine(day, calendar.closes, tzinfo=zone)
        if day.isoweekday() in calendar.weekdays and moment < closes:
            moment = max(moment, opens)
            if moment + left <= closes:
                return moment + left
            left -= closes - moment
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    raise AssertionError("unreachable: every week has a business day")
