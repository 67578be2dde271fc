"""Working days moved by government decree: record, change and delete them, and recompute the stored due
dates of the open appeals whose window covers a changed day, all in one transaction, audited.

Not `durable`: the admin site (appeals/admin.py) calls these inside its own transaction. Each takes the
calendar's exclusive lock first (appeals.deadlines.calendar_lock_exclusive), so a state change that stores a
due date (appeals/services/core.py holds the shared lock) either finished before, and its appeal is
recomputed here, or starts after the commit and reads the new calendar. Lock order: calendar, appeal rows,
audit chain (appended last).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.audit.services import audit_record

from .. import permissions
from ..deadline_texts import MOVED_CODE
from ..deadlines import (
    DayChange,
    Decree,
    WorkingCalendar,
    calendar_changed,
    calendar_lock_exclusive,
    holiday_name,
    normally_working,
)
from ..exceptions import InvalidInput, NotAllowed
from ..models import Appeal, CalendarDayChange, DayChangeKind, TimelineEvent
from ..states import OPEN, State

FIELDS = ("day_date", "kind", "decree_number", "decree_date", "decree_title", "decree_url")


def _day(d: dt.date) -> str:
    return formats.date_format(d, "DATE_FORMAT")


def day_change_problems(
    *,
    day_date: dt.date | None,
    kind: str,
    decree_number: str,
    decree_date: dt.date | None,
    decree_url: str = "",
    exclude_id: int | None = None,
) -> dict[str, str]:
    """What is wrong with a change, by field, in the active language (empty when it can be recorded)."""
    errors: dict[str, str] = {}
    if day_date is None:
        errors["day_date"] = _("Enter the date the decree changes.")
    if kind not in DayChangeKind.values:
        errors["kind"] = _("Choose whether the day becomes a working day or a day off.")
    if not (decree_number or "").strip():
        errors["decree_number"] = _("Enter the number of the decree.")
    if decree_date is None:
        errors["decree_date"] = _("Enter the date of the decree.")
    if decree_url:
        try:
            URLValidator(schemes=["https", "http"])(decree_url)
        except ValidationError:
            errors["decree_url"] = _(
                "Enter the decree's address as a full web address, starting with https://."
            )
    if day_date is None:
        return errors
    existing = CalendarDayChange.objects.filter(day_date=day_date)
    if exclude_id is not None:
        existing = existing.exclude(pk=exclude_id)
    if existing.exists():
        errors["day_date"] = _(
            "A change is already recorded for %(date)s: change that entry instead of adding another."
        ) % {"date": _day(day_date)}
    elif kind == DayChangeKind.WORKING_DAY and normally_working(day_date):
        errors["kind"] = _(
            "%(date)s is already a working day, so a decree cannot make it one: only a Saturday, a Sunday or a "
            "public holiday can be made a working day."
        ) % {"date": _day(day_date)}
    elif kind == DayChangeKind.EXTRA_HOLIDAY and not normally_working(day_date):
        if holiday_name(day_date) is not None:
            text = _(
                "%(date)s is a public holiday, already a day off: only a normally working day can be made an "
                "extra day off."
            )
        else:
            text = _(
                "%(date)s is a Saturday or a Sunday, already a day off: only a normally working day can be made "
                "an extra day off."
            )
        errors["kind"] = text % {"date": _day(day_date)}
    return errors


def _require(actor: Any) -> None:
    if not permissions.can_change_calendar(actor):
        raise NotAllowed("only an administrator changes the working-day calendar")


def _as_change(row: CalendarDayChange) -> DayChange:
    return DayChange(
        row.day_date,
        row.kind,
        Decree(row.decree_number, row.decree_date, row.decree_title, row.decree_url),
        row.pk,
    )


def _data(row: CalendarDayChange) -> dict[str, Any]:
    return {
        "date": row.day_date.isoformat(),
        "kind": row.kind,
        "decree": _as_change(row).decree.as_data(),
    }


def _clean(fields: dict[str, Any], *, exclude_id: int | None) -> dict[str, Any]:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "cannot be set here"))
    clean = {
        **fields,
        "decree_number": str(fields.get("decree_number") or "").strip(),
        "decree_title": str(fields.get("decree_title") or "").strip(),
        "decree_url": str(fields.get("decree_url") or "").strip(),
    }
    errors = day_change_problems(
        day_date=clean.get("day_date"),
        kind=str(clean.get("kind") or ""),
        decree_number=clean["decree_number"],
        decree_date=clean.get("decree_date"),
        decree_url=clean["decree_url"],
        exclude_id=exclude_id,
    )
    if errors:
        raise InvalidInput(errors)
    return clean


@dataclass(frozen=True)
class DayChangeResult:
    change: CalendarDayChange | None
    moved_appeal_ids: list[int]


@transaction.atomic
def calendar_day_change_record(
    *,
    actor: Any,
    day_date: dt.date,
    kind: str,
    decree_number: str,
    decree_date: dt.date,
    decree_title: str = "",
    decree_url: str = "",
    now: dt.datetime | None = None,
) -> DayChangeResult:
    """Record a day moved by decree; recompute the open appeals it moves. InvalidInput: nothing written."""
    now = now or timezone.now()
    _require(actor)
    before = calendar_lock_exclusive()
    fields = _clean(
        {
            "day_date": day_date,
            "kind": kind,
            "decree_number": decree_number,
            "decree_date": decree_date,
            "decree_title": decree_title,
            "decree_url": decree_url,
        },
        exclude_id=None,
    )
    row = CalendarDayChange.objects.create(recorded_by=actor, recorded_at=now, **fields)
    calendar_changed()
    after = WorkingCalendar([*before.changes.values(), _as_change(row)])
    moves = _recompute(days={row.day_date}, before=before, after=after, change=_as_change(row), now=now)
    return _finish("calendar.day_change.recorded", row.pk, _data(row), row, moves, actor=actor, now=now)


@transaction.atomic
def calendar_day_change_update(
    *, change_id: int, actor: Any, now: dt.datetime | None = None, **fields: Any
) -> DayChangeResult:
    """Change a recorded day (its date, kind or decree); recompute the open appeals the change moves."""
    now = now or timezone.now()
    _require(actor)
    before, row = _locked_change(change_id)
    old = _data(row)
    old_day = row.day_date
    clean = _clean({f: fields.get(f, getattr(row, f)) for f in FIELDS}, exclude_id=row.pk)
    for name, value in clean.items():
        setattr(row, name, value)
    row.changed_at = now
    row.save()
    calendar_changed()
    changes = {d: c for d, c in before.changes.items() if c.change_id != row.pk}
    changes[row.day_date] = _as_change(row)
    after = WorkingCalendar(changes.values())
    moves = _recompute(
        days={old_day, row.day_date}, before=before, after=after, change=_as_change(row), now=now
    )
    data = {"before": old, "after": _data(row)}
    return _finish("calendar.day_change.changed", row.pk, data, row, moves, actor=actor, now=now)


@transaction.atomic
def calendar_day_change_delete(
    *, change_id: int, actor: Any, now: dt.datetime | None = None
) -> DayChangeResult:
    """Delete a recorded day (it follows the `holidays` package again); recompute the open appeals it moves."""
    now = now or timezone.now()
    _require(actor)
    before, row = _locked_change(change_id)
    data = _data(row)
    gone = _as_change(row)
    row.delete()
    calendar_changed()
    after = WorkingCalendar(c for c in before.changes.values() if c.change_id != change_id)
    moves = _recompute(days={gone.day}, before=before, after=after, change=gone, now=now, withdrawn=True)
    return _finish("calendar.day_change.deleted", change_id, data, None, moves, actor=actor, now=now)


def _locked_change(change_id: int) -> tuple[WorkingCalendar, CalendarDayChange]:
    """The calendar before the change (under its exclusive lock) and the recorded day's row, locked."""
    before = calendar_lock_exclusive()
    row = CalendarDayChange.objects.select_for_update().filter(pk=change_id).first()
    if row is None:
        raise NotAllowed("no such calendar change")
    return before, row


def _finish(
    action: str,
    object_id: int,
    data: dict[str, Any],
    row: CalendarDayChange | None,
    moves: list[Any],
    *,
    actor: Any,
    now: dt.datetime,
) -> DayChangeResult:
    """Audit the day's change (with how many appeals it moved) and each moved appeal; the service's result."""
    audit_record(
        action=action,
        actor=actor,
        object_type="calendar_day_change",
        object_id=object_id,
        data={**data, "moved_appeals": sum(m.moved for m in moves)},
        now=now,
    )
    _audit_moves(moves, actor=actor, now=now)
    return DayChangeResult(row, [m.appeal.pk for m in moves if m.moved])


# --- recomputing stored deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    appeal: Appeal
    data: dict[str, Any]
    moved: bool  # the due date changed (False: only the held working days did)


def _hold_intervals(appeal_ids: list[int]) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """The finished holds of each appeal, as (local date stopped, local date resumed), from the timeline."""
    out: dict[int, list[tuple[dt.date, dt.date]]] = {}
    started: dict[int, dt.datetime] = {}
    events = (
        TimelineEvent.objects.filter(appeal_id__in=appeal_ids)
        .filter(Q(to_state=State.ON_HOLD) | Q(from_state=State.ON_HOLD))
        .order_by("appeal_id", "at", "id")
        .values_list("appeal_id", "from_state", "to_state", "at")
    )
    for appeal_id, from_state, to_state, at in events:
        if to_state == State.ON_HOLD and from_state != State.ON_HOLD:
            started[appeal_id] = at
        elif from_state == State.ON_HOLD and to_state != State.ON_HOLD and appeal_id in started:
            begin = started.pop(appeal_id)
            out.setdefault(appeal_id, []).append((timezone.localdate(begin), timezone.localdate(at)))
    return out


def _recompute(
    *,
    days: Iterable[dt.date],
    before: WorkingCalendar,
    after: WorkingCalendar,
    change: DayChange,
    now: dt.datetime,
    withdrawn: bool = False,
) -> list[_Move]:
    """Re-date every open appeal whose window covers one of `days`, with a timeline row naming the decree.

    Expects the calendar's exclusive lock. Candidates are open appeals submitted before the latest changed day
    that are due on or after the earliest one, or that were ever on hold (a changed day inside a finished
    hold changes the working days it stopped the clock for); each is recomputed with the new calendar and only
    those whose due date or held days actually change are written.
    """
    days = sorted(set(days))
    flips = {d: int(after.is_working_day(d)) - int(before.is_working_day(d)) for d in days}
    if not any(flips.values()):
        return []
    first, last = days[0], days[-1]
    bound = dt.datetime.combine(last, dt.time.min, tzinfo=timezone.get_current_timezone())
    candidates = list(
        Appeal.objects.select_for_update(of=("self",))
        .select_related("decision__system")
        .filter(state__in=OPEN, submitted_at__isnull=False, submitted_at__lt=bound)
        .filter(Q(due_date__gte=first) | Q(held_working_days__gt=0))
        .order_by("id")
    )
    holds = _hold_intervals([a.pk for a in candidates if a.held_working_days])
    moves: list[_Move] = []
    timeline: list[TimelineEvent] = []
    for appeal in candidates:
        start = timezone.localdate(appeal.submitted_at)
        held = appeal.held_working_days + sum(
            flip
            for d, flip in flips.items()
            for stopped, resumed in holds.get(appeal.pk, ())
            if stopped < d <= resumed
        )
        held = max(held, 0)
        due = after.add_working_days(
            start, appeal.decision.system.review_deadline_working_days, held_days=held
        ).due
        if due == appeal.due_date and held == appeal.held_working_days:
            continue
        data = {
            "from": appeal.due_date.isoformat() if appeal.due_date else None,
            "to": due.isoformat(),
            "day": change.day.isoformat(),
            "kind": change.kind,
            "withdrawn": withdrawn,
            "decree": change.decree.as_data(),
            "change_id": change.change_id,
            "held_days": {"from": appeal.held_working_days, "to": held},
        }
        moved = due != appeal.due_date
        if appeal.due_date is not None and due > appeal.due_date:
            # The reminder was for the earlier date: remind again before the new one.
            appeal.reminder_sent_at = None
        appeal.due_date = due
        appeal.held_working_days = held
        moves.append(_Move(appeal, data, moved))
        if not moved:
            # The changed day was inside a finished hold and inside the window: the held days change, the date
            # does not, so there is nothing to tell anyone (the audit chain still records the new count).
            continue
        timeline.append(
            TimelineEvent(
                appeal=appeal,
                code=MOVED_CODE,
                actor=None,
                actor_role="system",
                from_state=appeal.state,
                to_state=appeal.state,
                # The decree's title, as published, shown under the sentence on both timelines.
                reason=change.decree.title,
                data=data,
                at=now,
            )
        )
    if moves:
        Appeal.objects.bulk_update(
            [m.appeal for m in moves], ["due_date", "held_working_days", "reminder_sent_at"], batch_size=500
        )
        if timeline:
            TimelineEvent.objects.bulk_create(timeline, batch_size=500)
    return moves


def _audit_moves(moves: list[_Move], *, actor: Any, now: dt.datetime) -> None:
    for move in moves:
        audit_record(
            action=MOVED_CODE if move.moved else "appeal.deadline.held_days.recomputed",
            actor=actor,
            object_type="appeal",
            object_id=move.appeal.pk,
            data={"reference": move.appeal.reference, **move.data},
            now=now,
        )
