"""Deadline jobs run by Celery beat: reminders before an appeal is due, and escalation once it is overdue.

Periodic scans of due rows, not ETA tasks (Redis redelivers tasks scheduled past its visibility timeout).
Each scan takes batches with SELECT … FOR UPDATE SKIP LOCKED, so it never waits on a reviewer's transition
and two scans never handle the same appeal; the stamp that makes a step happen once (`reminder_sent_at`,
`overdue_notified_at`) is written in the same transaction as the outbox rows, so a scan repeated or killed
half-way neither skips nor repeats anything.

`deadline_explained` rebuilds an appeal's due date from its inputs, with every weekend day and public holiday
it stepped over and every day a government decree moved, for pages and letters that show how a deadline was
calculated.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.models import OrganisationKind, Role, User
from portal.audit.services import audit_record

from ..deadline_texts import decree_day_texts, holiday_label
from ..deadlines import Deadline, add_working_days
from ..models import Appeal, TimelineEvent
from ..states import CLOCK_RUNNING, State
from .messages import APPELLANT, REVIEWER, SUPERVISOR
from .notify import appeal_context, enqueue

REMINDER_STATES = frozenset({State.ASSIGNED, State.IN_REVIEW, State.ASSESSMENT_RECORDED})


def deadline_explained(appeal: Appeal) -> Deadline:
    """How the appeal's due date is computed: the submission date, the system's working days, the working
    days the clock stood still on hold, and each weekend day and public holiday skipped.

    Recomputed from its inputs, so it follows the holiday calendar. While the appeal is on hold the clock is
    stopped: the date shown is the one before the hold, and it moves by the working days held on resumption.
    Raises ValueError for a draft (no clock runs before submission).
    """
    if appeal.submitted_at is None:
        raise ValueError("a draft appeal has no deadline")
    return add_working_days(
        timezone.localtime(appeal.submitted_at).date(),
        appeal.decision.system.review_deadline_working_days,
        held_days=appeal.held_working_days,
    )


def deadline_steps(deadline: Deadline) -> list[str]:
    """The calculation as sentences in the active language, for a page or a letter."""

    def day(d: dt.date) -> str:
        return formats.date_format(d, "DATE_FORMAT")

    steps = [
        _("The clock started on %(start)s, the day the appeal was submitted.")
        % {"start": day(deadline.start)},
        ngettext(
            "The review body has %(count)s working day to decide.",
            "The review body has %(count)s working days to decide.",
            deadline.working_days,
        )
        % {"count": deadline.working_days},
    ]
    if deadline.held_days:
        steps.append(
            ngettext(
                "The clock was stopped for %(count)s working day while we waited for information from you.",
                "The clock was stopped for %(count)s working days while we waited for information from you.",
                deadline.held_days,
            )
            % {"count": deadline.held_days}
        )
    if deadline.skipped_weekend_days:
        steps.append(
            ngettext(
                "%(count)s Saturday or Sunday was not counted.",
                "%(count)s Saturdays and Sundays were not counted.",
                deadline.skipped_weekend_days,
            )
            % {"count": deadline.skipped_weekend_days}
        )
    for holiday, _name in deadline.skipped_holidays:
        name = holiday_label(holiday)
        if name:
            steps.append(
                _("%(date)s was not counted: it is a public holiday (%(name)s).")
                % {"date": day(holiday), "name": name}
            )
        else:
            steps.append(_("%(date)s was not counted: it is a public holiday.") % {"date": day(holiday)})
    steps.extend(decree_day_texts(deadline))
    steps.append(_("So the decision is due by %(due)s.") % {"due": day(deadline.due)})
    return steps


# --- scans --------------------------------------------------------------------------------------------------


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def reminders_scan(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Remind each assigned reviewer once, APPEAL_REMINDER_WORKING_DAYS working days before the appeal is
    due (or on the first scan after that); returns how many reminders were written."""
    now = now or timezone.now()
    batch_size = batch_size or settings.APPEAL_SCAN_BATCH
    today = _today(now)
    horizon = add_working_days(today, settings.APPEAL_REMINDER_WORKING_DAYS).due
    total = 0
    while True:
        with transaction.atomic():
            appeals = list(
                Appeal.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("reviewer")
                .filter(
                    state__in=REMINDER_STATES,
                    reviewer__isnull=False,
                    reminder_sent_at__isnull=True,
                    due_date__gte=today,
                    due_date__lte=horizon,
                )
                .order_by("due_date", "id")[:batch_size]
            )
            for appeal in appeals:
                enqueue(
                    appeal=appeal,
                    recipient=appeal.reviewer,
                    event="appeal.reminder",
                    now=now,
                    key=f"appeal.reminder:{appeal.pk}:{appeal.due_date}:{appeal.reviewer_id}",
                    context=appeal_context(appeal, audience=REVIEWER),
                )
            Appeal.objects.filter(pk__in=[a.pk for a in appeals]).update(reminder_sent_at=now)
        total += len(appeals)
        if len(appeals) < batch_size:
            return total


def _supervisors(appeals: list[Appeal]) -> dict[int | None, list[Any]]:
    """Supervisors to tell, by review body; an appeal not yet with a body (key None) goes to the supervisors
    of every independent review body (those of the operating agency are filtered out per appeal)."""
    staff = User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, organisation__kind=OrganisationKind.REVIEW_BODY
    )
    if all(a.review_body_id for a in appeals):
        staff = staff.filter(organisation_id__in={a.review_body_id for a in appeals})
    out: dict[int | None, list[Any]] = {None: list(staff.order_by("id"))}
    for user in out[None]:
        out.setdefault(user.organisation_id, []).append(user)
    return out


def overdue_scan(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Escalate each appeal not decided by its due date, once: tell every supervisor of its review body and
    the appellant, and record it on the timeline and in the audit chain. Returns how many were escalated."""
    now = now or timezone.now()
    batch_size = batch_size or settings.APPEAL_SCAN_BATCH
    today = _today(now)
    total = 0
    while True:
        with transaction.atomic():
            appeals = list(
                Appeal.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("appellant", "decision__system")
                .filter(state__in=CLOCK_RUNNING, due_date__lt=today, overdue_notified_at__isnull=True)
                .order_by("due_date", "id")[:batch_size]
            )
            supervisors = _supervisors(appeals) if appeals else {}
            for appeal in appeals:
                _escalate(appeal, supervisors, now)
            Appeal.objects.filter(pk__in=[a.pk for a in appeals]).update(overdue_notified_at=now)
        total += len(appeals)
        if len(appeals) < batch_size:
            return total


def _escalate(appeal: Appeal, supervisors: dict[int | None, list[Any]], now: dt.datetime) -> None:
    operator_id = appeal.decision.system.operator_id
    told = [
        s
        for s in supervisors.get(appeal.review_body_id, [])
        if s.organisation_id != operator_id and s.pk != appeal.appellant_id
    ]
    for supervisor in told:
        enqueue(
            appeal=appeal,
            recipient=supervisor,
            event="appeal.overdue",
            now=now,
            key=f"appeal.overdue:{appeal.pk}:supervisor:{supervisor.pk}",
            context=appeal_context(appeal, audience=SUPERVISOR),
        )
    enqueue(
        appeal=appeal,
        recipient=appeal.appellant,
        event="appeal.overdue",
        now=now,
        key=f"appeal.overdue:{appeal.pk}:appellant",
        context=appeal_context(appeal, audience=APPELLANT),
    )
    data = {
        "due_date": appeal.due_date.isoformat() if appeal.due_date else None,
        "supervisors": [s.pk for s in told],
    }
    TimelineEvent.objects.create(
        appeal=appeal,
        code="appeal.overdue",
        actor=None,
        actor_role="system",
        from_state=appeal.state,
        to_state=appeal.state,
        data=data,
        at=now,
    )
    audit_record(
        action="appeal.overdue",
        actor="system",
        object_type="appeal",
        object_id=appeal.pk,
        data={"reference": appeal.reference, **data},
        now=now,
    )


def deadline_scan(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One beat run: reminders, then overdue escalations."""
    now = now or timezone.now()
    return {"reminders": reminders_scan(now=now), "overdue": overdue_scan(now=now)}
