"""Sentences about days moved by government decree and the deadlines they moved, in the active language, for
the appellant's pages, the receipt, the decision letter and the reviewers' case view.

They read the ISO dates and the decree recorded on the timeline (appeals/services/calendar.py) or carried by
a computed Deadline, and format them only when shown, so each reader gets their own language.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from .deadlines import WORKING_DAY, DayChange, Deadline

# The timeline and audit code of a due date moved by a day changed by decree (appeals/services/calendar.py).
MOVED_CODE = "appeal.deadline.moved"


def _day(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return "—"
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return formats.date_format(day, "DATE_FORMAT")


def moved_text(data: Mapping[str, Any]) -> str:
    """The timeline's sentence for a due date a decree moved (`data` of an appeal.deadline.moved event)."""
    decree = data.get("decree") or {}
    values = {
        "from": _day(data.get("from")),
        "to": _day(data.get("to")),
        "day": _day(data.get("day")),
        "number": decree.get("number", ""),
        "decree_date": _day(decree.get("date")),
    }
    if data.get("withdrawn"):
        return (
            _(
                "Deadline moved from %(from)s to %(to)s: the change of %(day)s by Government Decree "
                "No. %(number)s of %(decree_date)s was removed from the calendar."
            )
            % values
        )
    return (
        _("Deadline moved from %(from)s to %(to)s by Government Decree No. %(number)s of %(decree_date)s.")
        % values
    )


def decree_day_text(change: DayChange) -> str:
    """How one day moved by decree was counted in a deadline."""
    values = {
        "date": _day(change.day),
        "number": change.decree.number,
        "decree_date": _day(change.decree.decree_date),
    }
    if change.kind == WORKING_DAY:
        return (
            _(
                "%(date)s was counted: Government Decree No. %(number)s of %(decree_date)s made it a working day."
            )
            % values
        )
    return (
        _("%(date)s was not counted: Government Decree No. %(number)s of %(decree_date)s made it a day off.")
        % values
    )


def decree_day_texts(deadline: Deadline) -> list[str]:
    """Every day moved by decree inside the deadline's period, in date order."""
    changes = sorted((*deadline.decree_working_days, *deadline.decree_days_off), key=lambda c: c.day)
    return [decree_day_text(c) for c in changes]


def moved_texts(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The sentences of the given appeal.deadline.moved events' data, in the given order."""
    return [moved_text(data) for data in events]
