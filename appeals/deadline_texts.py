"""Sentences about days moved by government decree and the deadlines they moved, in the active language, for
the appellant's pages, the receipt, the decision letter and the reviewers' case view.

They read the ISO dates and the decree recorded on the timeline (appeals/services/calendar.py) or carried by
a computed Deadline, and format them only when shown, so each reader gets their own language.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import holidays
from django.utils import formats
from django.utils.translation import get_language, gettext, gettext_lazy
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


# The names of public holidays the holidays package gives in English, in the active language.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("New Year's Day"),
    "Orthodox Christmas": gettext_lazy("Orthodox Christmas"),
    "International Women's Day": gettext_lazy("International Women's Day"),
    "Nowruz Holiday": gettext_lazy("Nauryz"),
    "Kazakhstan's People Solidarity Holiday": gettext_lazy("Day of Unity of the People of Kazakhstan"),
    "Defender of the Fatherland Day": gettext_lazy("Defender of the Fatherland Day"),
    "Victory Day": gettext_lazy("Victory Day"),
    "Capital Day": gettext_lazy("Capital Day"),
    "Eid al-Adha": gettext_lazy("Kurban Ait"),
    "Constitution Day": gettext_lazy("Constitution Day"),
    "Republic Day": gettext_lazy("Republic Day"),
    "Independence Day": gettext_lazy("Independence Day"),
}


def holiday_label(day: dt.date) -> str:
    """The name of a public holiday (or moved day off) in the active language."""
    language = (get_language() or "kk")[:2]
    if language == "kk":
        return str(holidays.country_holidays("KZ", years=day.year, language="kk").get(day, ""))
    name = str(holidays.country_holidays("KZ", years=day.year, language="en_US").get(day, ""))
    names = [n.strip() for n in name.split(";")]
    labels = []
    for n in names:
        base, _, rest = n.partition(" (")
        if base == "Day off":
            labels.append(gettext("Day off moved from another date"))
        elif rest.startswith("observed"):
            labels.append(gettext("%(holiday)s (moved day off)") % {"holiday": HOLIDAY_NAMES.get(base, base)})
        else:
            labels.append(str(HOLIDAY_NAMES.get(base, base)))
    return "; ".join(labels)
