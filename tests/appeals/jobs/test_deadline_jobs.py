"""Beat scans of deadlines: a reminder before an appeal is due, escalation once it is overdue; each once."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from appeals.deadlines import add_working_days
from appeals.models import Appeal, Notification, TimelineEvent
from appeals.services import core
from appeals.services.deadline_jobs import (
    deadline_explained,
    deadline_scan,
    deadline_steps,
    overdue_scan,
    reminders_scan,
)
from portal.accounts.models import OrganisationKind, Role
from portal.audit.services import audit_verify
from tests import factories

from ..conftest import NOW, World, make_user
from .helpers import assigned, filed

ALMATY = dt.timezone(dt.timedelta(hours=5))


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=ALMATY)


@pytest.mark.django_db
def test_the_due_date_shows_how_it_was_computed(world):
    appeal = filed(world)
    deadline = deadline_explained(appeal)
    assert deadline.due == appeal.due_date == dt.date(2026, 4, 29)
    assert (deadline.start, deadline.working_days, deadline.held_days) == (dt.date(2026, 4, 1), 20, 0)
    assert deadline.skipped_weekend_days == 8


@pytest.mark.django_db
def test_the_explanation_names_the_holidays_it_skipped(world):
    deadline = add_working_days(dt.date(2026, 4, 28), 5)  # across 1 May (Unity Day) and a weekend
    with translation.override("en"):
        steps = deadline_steps(deadline)
    assert deadline.skipped_holidays and deadline.skipped_holidays[0][0] == dt.date(2026, 5, 1)
    assert any("public holiday" in s for s in steps)
    assert steps[-1].startswith("So the decision is due by")


@pytest.mark.django_db
def test_a_draft_has_no_deadline(world):
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen, now=NOW)
    with pytest.raises(ValueError, match="draft"):
        deadline_explained(appeal)


@pytest.mark.django_db
def test_the_assigned_reviewer_is_reminded_once_a_few_working_days_before_the_due_date(world, settings):
    settings.APPEAL_REMINDER_WORKING_DAYS = 3
    appeal = assigned(world)  # due Wed 29 April 2026
    assert reminders_scan(now=at("2026-04-22")) == 0, "29 April is more than 3 working days after 22 April"
    assert reminders_scan(now=at("2026-04-24")) == 1
    assert reminders_scan(now=at("2026-04-27")) == 0, "once"
    reminder = Notification.objects.get(appeal=appeal, event="appeal.reminder")
    assert reminder.recipient_id == world.reviewers[0].pk
    assert reminder.context["audience"] == "reviewer"
    assert Appeal.objects.get(pk=appeal.pk).reminder_sent_at == at("2026-04-24")


@pytest.mark.django_db
def test_an_overdue_appeal_is_escalated_to_every_supervisor_of_its_body_and_the_appellant_once(world):
    second = make_user("supervisor2", Role.SUPERVISOR, world.body)
    elsewhere = make_user(
        "supervisor-elsewhere",
        Role.SUPERVISOR,
        factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="other-body"),
    )
    appeal = assigned(world)
    on_time = assigned(world, reviewer=world.reviewers[1], now=at("2026-04-20"))
    assert overdue_scan(now=at("2026-04-29")) == 0, "due today is not overdue yet"

    assert deadline_scan(now=at("2026-04-30")) == {"reminders": 0, "overdue": 1}
    assert overdue_scan(now=at("2026-05-04")) == 0, "once"

    told = Notification.objects.filter(appeal=appeal, event="appeal.overdue")
    assert {(n.recipient_id, n.context["audience"]) for n in told} == {
        (world.supervisor.pk, "supervisor"),
        (second.pk, "supervisor"),
        (world.citizen.pk, "appellant"),
    }
    assert elsewhere.pk not in {n.recipient_id for n in told}
    assert not Notification.objects.filter(appeal=on_time, event="appeal.overdue").exists()
    assert Appeal.objects.get(pk=appeal.pk).overdue_notified_at == at("2026-04-30")
    assert TimelineEvent.objects.filter(appeal=appeal, code="appeal.overdue").count() == 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_an_appeal_no_body_has_taken_yet_goes_to_the_supervisors_of_every_review_body(world):
    elsewhere = make_user(
        "supervisor-elsewhere",
        Role.SUPERVISOR,
        factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="other-body"),
    )
    appeal = filed(world)  # waiting in the pool: no review body yet
    assert overdue_scan(now=at("2026-04-30")) == 1
    recipients = set(
        Notification.objects.filter(appeal=appeal, event="appeal.overdue").values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {world.supervisor.pk, elsewhere.pk, world.citizen.pk}


@pytest.mark.django_db
def test_the_clock_is_stopped_on_hold_so_a_held_appeal_is_not_overdue(world):
    appeal = assigned(world)
    reviewer = world.reviewers[0]
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.appeal_put_on_hold(appeal_id=appeal.pk, reviewer=reviewer, reason="Send the sale contract", now=NOW)
    assert overdue_scan(now=at("2026-05-20")) == 0
    assert reminders_scan(now=at("2026-04-28")) == 0


@pytest.mark.django_db(transaction=True)
def test_scans_skip_appeals_locked_by_a_transition_instead_of_waiting(postgres):
    world = World()
    appeal = assigned(world)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                Appeal.objects.select_for_update().get(pk=appeal.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(30)
        assert overdue_scan(now=at("2026-04-30")) == 0, "skipped, not blocked"
    finally:
        release.set()
        holder.join(30)
    assert overdue_scan(now=at("2026-04-30")) == 1
