"""Working-day deadlines with Kazakhstan's public holidays, and a record of how each was computed.

The holiday calendar comes from the `holidays` package; a deadline is always recomputed from its inputs, so a
change of the calendar re-dates open appeals on the next computation.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _kz_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("KZ", years=year).items())


def holiday_name(day: dt.date) -> str | None:
    return _kz_holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


@dataclass(frozen=True)
class Deadline:
    """A due date with the steps that produced it, for showing people how it was calculated."""

    start: dt.date
    working_days: int
    held_days: int
    due: dt.date
    skipped_weekend_days: int
    skipped_holidays: tuple[tuple[dt.date, str], ...] = field(default_factory=tuple)


def add_working_days(start: dt.date, working_days: int, *, held_days: int = 0) -> Deadline:
    """The date `working_days` (+ `held_days` of stopped clock) working days after `start` (start excluded)."""
    remaining = working_days + held_days
    day = start
    weekend = 0
    skipped: list[tuple[dt.date, str]] = []
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            weekend += 1
            continue
        name = holiday_name(day)
        if name is not None:
            skipped.append((day, name))
            continue
        remaining -= 1
    return Deadline(start, working_days, held_days, day, weekend, tuple(skipped))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def appeal_window_end(start: dt.date, days: int) -> dt.date:
    """Last day to appeal: calendar days, moved to the next working day when it falls on a day off."""
    end = start + dt.timedelta(days=days)
    while not is_working_day(end):
        end += dt.timedelta(days=1)
    return end
