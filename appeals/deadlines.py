"""Working-day deadlines with Kazakhstan's public holidays, the days the government moves by decree, and a
record of how each deadline was computed.

The public holidays come from the `holidays` package. On top of them, the CalendarDayChange table
(appeals/services/calendar.py writes it) holds the days a decree moved: a normally working day made a day off
(EXTRA_HOLIDAY), a Saturday, Sunday or public holiday made a working day (WORKING_DAY). A `WorkingCalendar`
carries those changes in memory, so a computation over many days or many appeals reads them once:

* reads (pages, queues, scans) take `current_calendar()`, kept in Django's cache and dropped when a change is
  recorded (at once and again at commit, see `calendar_changed`);
* writes that store a deadline take `calendar_for_update()` inside their transaction: it holds the calendar's
  shared lock until the commit and reads the table itself, so a decree recorded at the same moment either
  waits for that write (and then recomputes the deadline it stored) or is already visible to it.

A deadline is always recomputed from its inputs, so pages follow a change at once; the stored due dates of open
appeals are recomputed when the change is recorded (appeals/services/calendar.py).
"""

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.core.cache import cache
from django.db import connection, transaction

from .models import CalendarDayChange

EXTRA_HOLIDAY = "EXTRA_HOLIDAY"
WORKING_DAY = "WORKING_DAY"

CACHE_KEY = "appeals:calendar-day-changes:v1"
# A safety net only: every change drops the entry at once and again when it commits.
CACHE_SECONDS = 3600
# One lock for the whole calendar: state changes that may store a due date hold it shared, a decree being
# recorded holds it exclusively ("CALD").
LOCK_KEY = 0x43414C44


@lru_cache(maxsize=64)
def _kz_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("KZ", years=year).items())


def holiday_name(day: dt.date) -> str | None:
    """The `holidays` package's name of a public holiday on this day (None on other days)."""
    return _kz_holidays(day.year).get(day)


def normally_working(day: dt.date) -> bool:
    """A working day before any decree: Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and holiday_name(day) is None


@dataclass(frozen=True)
class Decree:
    number: str
    decree_date: dt.date
    title: str = ""
    url: str = ""

    def as_data(self) -> dict[str, str]:
        """For timeline and audit records: strings and ISO dates only."""
        return {
            "number": self.number,
            "date": self.decree_date.isoformat(),
            "title": self.title,
            "url": self.url,
        }


@dataclass(frozen=True)
class DayChange:
    """One day moved by decree."""

    day: dt.date
    kind: str  # EXTRA_HOLIDAY or WORKING_DAY (models.DayChangeKind)
    decree: Decree
    change_id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """A due date with the steps that produced it, for showing people how it was calculated."""

    start: dt.date
    working_days: int
    held_days: int
    due: dt.date
    skipped_weekend_days: int
    skipped_holidays: tuple[tuple[dt.date, str], ...] = field(default_factory=tuple)
    # Days a decree changed inside the period: made days off (skipped) and made working days (counted).
    decree_days_off: tuple[DayChange, ...] = field(default_factory=tuple)
    decree_working_days: tuple[DayChange, ...] = field(default_factory=tuple)


class WorkingCalendar:
    """The `holidays` package's calendar with the days moved by decree; pure and in memory."""

    __slots__ = ("changes",)

    def __init__(self, changes: Iterable[DayChange] = ()) -> None:
        self.changes: dict[dt.date, DayChange] = {c.day: c for c in changes}

    def change_on(self, day: dt.date) -> DayChange | None:
        return self.changes.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        change = self.changes.get(day)
        if change is not None:
            return change.kind == WORKING_DAY
        return normally_working(day)

    def add_working_days(self, start: dt.date, working_days: int, *, held_days: int = 0) -> Deadline:
        """The date `working_days` (+ `held_days` of stopped clock) working days after `start` (start excluded)."""
        remaining = working_days + held_days
        day = start
        weekend = 0
        skipped: list[tuple[dt.date, str]] = []
        days_off: list[DayChange] = []
        worked: list[DayChange] = []
        while remaining > 0:
            day += dt.timedelta(days=1)
            change = self.changes.get(day)
            if change is not None:
                if change.kind == WORKING_DAY:
                    worked.append(change)
                    remaining -= 1
                else:
                    days_off.append(change)
                continue
            if day.weekday() >= 5:
                weekend += 1
                continue
            name = holiday_name(day)
            if name is not None:
                skipped.append((day, name))
                continue
            remaining -= 1
        return Deadline(
            start, working_days, held_days, day, weekend, tuple(skipped), tuple(days_off), tuple(worked)
        )

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def next_working_day_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def appeal_window_end(self, start: dt.date, days: int) -> dt.date:
        """Last day to appeal: calendar days, moved to the next working day when it falls on a day off."""
        return self.next_working_day_on_or_after(start + dt.timedelta(days=days))


# --- loading the changes ------------------------------------------------------------------------------------

_local = threading.local()


def _read_changes() -> tuple[DayChange, ...]:
    rows = CalendarDayChange.objects.order_by("day_date").values_list(
        "id", "day_date", "kind", "decree_number", "decree_date", "decree_title", "decree_url"
    )
    return tuple(
        DayChange(day, kind, Decree(number, decree_date, title, url), pk)
        for pk, day, kind, number, decree_date, title, url in rows
    )


def current_calendar() -> WorkingCalendar:
    """The calendar with every recorded change, for reads: one cache read (one query on a miss)."""
    if getattr(_local, "dirty", False) and connection.in_atomic_block:
        # This thread's transaction changed the table: read it (uncommitted) and keep it out of the cache.
        return WorkingCalendar(_read_changes())
    changes = cache.get(CACHE_KEY)
    if changes is None:
        changes = _read_changes()
        cache.set(CACHE_KEY, changes, CACHE_SECONDS)
    return WorkingCalendar(changes)


def calendar_share_lock() -> None:
    """Hold the calendar's shared lock until the end of the current transaction (PostgreSQL; SQLite
    serialises writers itself). Taken before an appeal's row lock, so that the order is always calendar,
    appeal rows, audit chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LOCK_KEY])


def calendar_for_update() -> WorkingCalendar:
    """For a write that stores a deadline: the calendar read from the table under its shared lock."""
    calendar_share_lock()
    return WorkingCalendar(_read_changes())


def calendar_lock_exclusive() -> WorkingCalendar:
    """For recording a change: wait for every transaction that may be storing a deadline, keep the others
    out until commit, and return the calendar as it is before the change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    return WorkingCalendar(_read_changes())


def calendar_changed() -> None:
    """Called in the transaction that changed the table: drop the cached calendar now and after commit."""
    cache.delete(CACHE_KEY)
    _local.dirty = True

    def committed() -> None:
        _local.dirty = False
        cache.delete(CACHE_KEY)

    transaction.on_commit(committed)


# --- the module-level helpers every caller uses (a calendar may be passed in to read the changes once) ------


def is_working_day(day: dt.date, *, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or current_calendar()).is_working_day(day)


def add_working_days(
    start: dt.date, working_days: int, *, held_days: int = 0, calendar: WorkingCalendar | None = None
) -> Deadline:
    """The date `working_days` (+ `held_days` of stopped clock) working days after `start` (start excluded)."""
    return (calendar or current_calendar()).add_working_days(start, working_days, held_days=held_days)


def working_days_between(start: dt.date, end: dt.date, *, calendar: WorkingCalendar | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    return (calendar or current_calendar()).working_days_between(start, end)


def appeal_window_end(start: dt.date, days: int, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """Last day to appeal: calendar days, moved to the next working day when it falls on a day off."""
    return (calendar or current_calendar()).appeal_window_end(start, days)
