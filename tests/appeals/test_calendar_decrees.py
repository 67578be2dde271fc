"""Working days moved by government decree: the calendar every deadline uses, the recompute of stored due dates
when a change is recorded, the admin page's checks, the audit chain, and the moved deadline in kk, ru and en."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from appeals.deadline_texts import MOVED_CODE
from appeals.deadlines import DayChange, Decree, WorkingCalendar, add_working_days, current_calendar
from appeals.exceptions import InvalidInput, NotAllowed
from appeals.models import Appeal, CalendarDayChange, TimelineEvent
from appeals.queues import Badge, due_badge
from appeals.services import core
from appeals.services.calendar import (
    calendar_day_change_delete,
    calendar_day_change_record,
    calendar_day_change_update,
)
from appeals.services.deadline_jobs import deadline_explained, deadline_steps
from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify

from .conftest import NOW, World, make_user
from .jobs.helpers import assigned, filed

WEDNESDAY = dt.date(2026, 4, 1)  # NOW's local date in Almaty
SATURDAY = dt.date(2026, 4, 4)
MONDAY = dt.date(2026, 4, 6)
TUESDAY = dt.date(2026, 4, 7)
UNITY_DAY = dt.date(2026, 5, 1)  # a public holiday in the `holidays` package
DECREE = {
    "decree_number": "123",
    "decree_date": dt.date(2026, 3, 20),
    "decree_title": "On moving days off in 2026",
    "decree_url": "https://adilet.zan.kz/rus/docs/P2600000123",
}


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()
    translation.activate("en")


@pytest.fixture
def admin_user(db: None) -> Any:
    user = make_user("calendar-admin", Role.ADMIN)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def record(admin: Any, day: dt.date, kind: str, **extra: Any) -> Any:
    return calendar_day_change_record(actor=admin, day_date=day, kind=kind, now=NOW, **{**DECREE, **extra})


# --- the calendar --------------------------------------------------------------------------------------------


def test_a_working_saturday_by_decree_makes_a_five_working_day_deadline_end_one_day_earlier(admin_user):
    assert add_working_days(WEDNESDAY, 5).due == dt.date(2026, 4, 8)  # and the calendar is now cached

    record(admin_user, SATURDAY, "WORKING_DAY")

    deadline = add_working_days(WEDNESDAY, 5)
    assert deadline.due == dt.date(2026, 4, 7)
    assert [c.day for c in deadline.decree_working_days] == [SATURDAY]
    assert deadline.skipped_weekend_days == 1, "only Sunday 5 April was skipped"


def test_an_extra_holiday_by_decree_makes_a_five_working_day_deadline_end_one_day_later(admin_user):
    assert add_working_days(WEDNESDAY, 5).due == dt.date(2026, 4, 8)

    record(admin_user, MONDAY, "EXTRA_HOLIDAY")

    deadline = add_working_days(WEDNESDAY, 5)
    assert deadline.due == dt.date(2026, 4, 9)
    assert [(c.day, c.decree.number) for c in deadline.decree_days_off] == [(MONDAY, "123")]


def test_a_deadline_over_many_months_reads_the_changes_once(admin_user, django_assert_num_queries):
    record(admin_user, SATURDAY, "WORKING_DAY")
    with django_assert_num_queries(1):
        calendar = current_calendar()
        dues = [calendar.add_working_days(WEDNESDAY + dt.timedelta(days=i), 120).due for i in range(50)]
    assert dues[0] == add_working_days(WEDNESDAY, 120).due


# --- recomputing stored due dates ------------------------------------------------------------------------------


def test_a_change_recomputes_only_the_open_appeals_whose_window_covers_it_and_names_the_decree(
    world: World, admin_user
):
    covered = filed(world)  # Wednesday 1 April: due Wednesday 29 April
    later = filed(world, now=at(MONDAY))  # counting starts on 7 April, after the Saturday
    withdrawn = filed(world)
    core.appeal_withdraw(appeal_id=withdrawn.pk, citizen=world.citizen, now=NOW)
    due_of = {a.pk: Appeal.objects.get(pk=a.pk).due_date for a in (covered, later, withdrawn)}
    assert due_of[covered.pk] == dt.date(2026, 4, 29)

    result = record(admin_user, SATURDAY, "WORKING_DAY")

    assert result.moved_appeal_ids == [covered.pk]
    assert Appeal.objects.get(pk=covered.pk).due_date == dt.date(2026, 4, 28)
    assert Appeal.objects.get(pk=later.pk).due_date == due_of[later.pk]
    assert Appeal.objects.get(pk=withdrawn.pk).due_date == due_of[withdrawn.pk]
    moved = TimelineEvent.objects.get(appeal=covered, code=MOVED_CODE)
    assert moved.data["from"] == "2026-04-29" and moved.data["to"] == "2026-04-28"
    assert moved.data["decree"] == {
        "number": "123",
        "date": "2026-03-20",
        "title": "On moving days off in 2026",
        "url": "https://adilet.zan.kz/rus/docs/P2600000123",
    }
    assert moved.reason == "On moving days off in 2026"
    assert not TimelineEvent.objects.filter(appeal__in=[later, withdrawn], code=MOVED_CODE).exists()
    recorded = AuditEvent.objects.get(action="calendar.day_change.recorded")
    assert recorded.object_id == str(result.change.pk)
    assert recorded.actor == f"admin:{admin_user.pk}"
    assert recorded.data["date"] == "2026-04-04" and recorded.data["kind"] == "WORKING_DAY"
    assert recorded.data["decree"]["number"] == "123" and recorded.data["moved_appeals"] == 1
    assert list(AuditEvent.objects.filter(action=MOVED_CODE).values_list("object_id", flat=True)) == [
        str(covered.pk)
    ]
    assert audit_verify().ok


def test_an_appeal_submitted_after_recording_uses_the_new_calendar(world: World, admin_user):
    record(admin_user, MONDAY, "EXTRA_HOLIDAY")
    appeal = filed(world)
    assert appeal.due_date == dt.date(2026, 4, 30)
    assert deadline_explained(appeal).due == appeal.due_date


def test_deleting_a_change_moves_the_due_date_back_and_says_the_change_was_removed(world: World, admin_user):
    appeal = filed(world)
    change = record(admin_user, SATURDAY, "WORKING_DAY").change

    result = calendar_day_change_delete(change_id=change.pk, actor=admin_user, now=NOW)

    assert result.moved_appeal_ids == [appeal.pk]
    assert Appeal.objects.get(pk=appeal.pk).due_date == dt.date(2026, 4, 29)
    assert not CalendarDayChange.objects.filter(pk=change.pk).exists()
    last = TimelineEvent.objects.filter(appeal=appeal, code=MOVED_CODE).order_by("id").last()
    assert last.data["withdrawn"] is True and last.data["to"] == "2026-04-29"
    deleted = AuditEvent.objects.get(action="calendar.day_change.deleted")
    assert deleted.object_id == str(change.pk) and deleted.data["date"] == "2026-04-04"
    assert AuditEvent.objects.filter(action=MOVED_CODE, object_id=str(appeal.pk)).count() == 2
    assert audit_verify().ok


def test_changing_a_recorded_day_audits_before_and_after_and_recomputes(world: World, admin_user):
    appeal = filed(world)
    change = record(admin_user, MONDAY, "EXTRA_HOLIDAY").change
    assert Appeal.objects.get(pk=appeal.pk).due_date == dt.date(2026, 4, 30)

    calendar_day_change_update(
        change_id=change.pk, actor=admin_user, now=NOW, day_date=dt.date(2026, 5, 29)
    )  # after the due date: the appeal goes back to 29 April

    assert Appeal.objects.get(pk=appeal.pk).due_date == dt.date(2026, 4, 29)
    changed = AuditEvent.objects.get(action="calendar.day_change.changed")
    assert changed.data["before"]["date"] == "2026-04-06" and changed.data["after"]["date"] == "2026-05-29"


def test_a_changed_day_inside_a_finished_hold_changes_the_days_the_clock_stood_still(
    world: World, admin_user
):
    reviewer = world.reviewers[0]
    appeal = assigned(world)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.appeal_put_on_hold(
        appeal_id=appeal.pk, reviewer=reviewer, reason="Send the contract", now=at(WEDNESDAY)
    )
    core.appeal_resume(appeal_id=appeal.pk, user=reviewer, now=at(dt.date(2026, 4, 10)))
    before = Appeal.objects.get(pk=appeal.pk)
    assert before.held_working_days == 7  # 2, 3, 6, 7, 8, 9 and 10 April

    record(admin_user, TUESDAY, "EXTRA_HOLIDAY")

    after = Appeal.objects.get(pk=appeal.pk)
    assert after.held_working_days == 6, "7 April was a day off: the clock did not stand still that day"
    assert after.due_date == before.due_date, "one working day fewer in the window and one fewer held"
    assert not TimelineEvent.objects.filter(appeal=appeal, code=MOVED_CODE).exists()
    assert AuditEvent.objects.filter(
        action="appeal.deadline.held_days.recomputed", object_id=str(appeal.pk)
    ).exists()


# --- refused input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind", "field", "message"),
    [
        (MONDAY, "WORKING_DAY", "kind", "is already a working day"),
        (SATURDAY, "EXTRA_HOLIDAY", "kind", "is a Saturday or a Sunday, already a day off"),
        (UNITY_DAY, "EXTRA_HOLIDAY", "kind", "is a public holiday, already a day off"),
        (SATURDAY, "HALF_DAY", "kind", "Choose whether the day becomes a working day or a day off"),
    ],
)
def test_the_service_refuses_a_day_of_the_wrong_kind_and_writes_nothing(
    admin_user, day, kind, field, message
):
    with pytest.raises(InvalidInput) as refused:
        record(admin_user, day, kind)
    assert message in refused.value.errors[field]
    assert not CalendarDayChange.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_the_service_refuses_a_second_change_for_the_same_date_and_a_missing_decree(admin_user):
    record(admin_user, SATURDAY, "WORKING_DAY")
    with pytest.raises(InvalidInput) as refused:
        record(admin_user, SATURDAY, "WORKING_DAY", decree_number=" ", decree_url="adilet")
    assert "A change is already recorded for" in refused.value.errors["day_date"]
    assert refused.value.errors["decree_number"] == "Enter the number of the decree."
    assert "full web address" in refused.value.errors["decree_url"]
    assert CalendarDayChange.objects.count() == 1


def test_only_an_administrator_changes_the_calendar(world: World):
    with pytest.raises(NotAllowed):
        record(world.supervisor, SATURDAY, "WORKING_DAY")
    assert not CalendarDayChange.objects.exists()


# --- the admin site --------------------------------------------------------------------------------------------


def admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_url(lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("admin:appeals_calendardaychange_add")


def form(day: dt.date, kind: str, **extra: Any) -> dict[str, str]:
    return {
        "day_date": day.isoformat(),
        "kind": kind,
        "decree_number": "123",
        "decree_date": "2026-03-20",
        "decree_title": "On moving days off in 2026",
        "decree_url": "https://adilet.zan.kz/rus/docs/P2600000123",
        **extra,
    }


@pytest.mark.parametrize(
    ("lang", "day", "kind", "message"),
    [
        ("en", MONDAY, "WORKING_DAY", "is already a working day, so a decree cannot make it one"),
        ("en", SATURDAY, "EXTRA_HOLIDAY", "is a Saturday or a Sunday, already a day off"),
        ("en", UNITY_DAY, "EXTRA_HOLIDAY", "is a public holiday, already a day off"),
        ("ru", MONDAY, "WORKING_DAY", "уже рабочий день"),
        ("kk", SATURDAY, "EXTRA_HOLIDAY", "сенбі немесе жексенбі"),
    ],
)
def test_the_admin_page_says_why_a_day_cannot_be_changed(admin_user, lang, day, kind, message):
    response = admin_client(admin_user).post(add_url(lang), form(day, kind))

    assert response.status_code == 200, response.content
    assert message in response.content.decode()
    assert not CalendarDayChange.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_the_admin_page_refuses_a_second_change_for_the_same_date_once(admin_user):
    client = admin_client(admin_user)
    assert client.post(add_url(), form(SATURDAY, "WORKING_DAY")).status_code == 302
    response = client.post(add_url(), form(SATURDAY, "WORKING_DAY", decree_number="124"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("A change is already recorded for") == 1
    assert CalendarDayChange.objects.get().decree_number == "123"


def test_the_admin_page_records_changes_and_deletes_through_the_audited_service(world: World, admin_user):
    appeal = filed(world)
    client = admin_client(admin_user)

    response = client.post(add_url(), form(SATURDAY, "WORKING_DAY"))

    assert response.status_code == 302, response.content
    change = CalendarDayChange.objects.get()
    assert change.recorded_by == admin_user
    assert AuditEvent.objects.filter(action="calendar.day_change.recorded", object_id=str(change.pk)).exists()
    assert Appeal.objects.get(pk=appeal.pk).due_date == dt.date(2026, 4, 28)

    edit = reverse("admin:appeals_calendardaychange_change", args=[change.pk])
    response = client.post(edit, form(SATURDAY, "WORKING_DAY", decree_number="123-1"))
    assert response.status_code == 302, response.content
    assert (
        AuditEvent.objects.get(action="calendar.day_change.changed").data["after"]["decree"]["number"]
        == "123-1"
    )

    delete = reverse("admin:appeals_calendardaychange_delete", args=[change.pk])
    response = client.post(delete, {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not CalendarDayChange.objects.exists()
    assert AuditEvent.objects.filter(action="calendar.day_change.deleted", object_id=str(change.pk)).exists()
    assert Appeal.objects.get(pk=appeal.pk).due_date == dt.date(2026, 4, 29)
    assert audit_verify().ok


def test_staff_who_are_not_administrators_cannot_open_the_page(world: World):
    supervisor = world.supervisor
    supervisor.is_staff = True
    supervisor.save()
    response = admin_client(supervisor).get(add_url())
    assert response.status_code in (302, 403)
    assert not CalendarDayChange.objects.exists()


# --- the moved deadline on the pages ---------------------------------------------------------------------------

MOVED = {
    "en": "Deadline moved from 29 April 2026 to 28 April 2026 by Government Decree No. 123 of 20 March 2026.",
    "ru": "Срок перенесён с 29 апреля 2026 г. на 28 апреля 2026 г. постановлением Правительства № 123 от "
    "20 марта 2026 г.",
    "kk": "Мерзім Үкіметтің № 123 қаулысымен (2026 ж. 20 наурыз) ауыстырылды: 2026 ж. 29 сәуір орнына "
    "2026 ж. 28 сәуір.",
}
COUNTED = {
    "en": "4 April 2026 was counted: Government Decree No. 123 of 20 March 2026 made it a working day.",
    "ru": "4 апреля 2026 г. учтён: постановлением Правительства № 123 от 20 марта 2026 г. этот день сделан "
    "рабочим.",
    "kk": "2026 ж. 4 сәуір есептелді: Үкіметтің № 123 қаулысымен (2026 ж. 20 наурыз) ол жұмыс күні болды.",
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_appellant_sees_the_moved_deadline_and_the_decree_in_their_language(
    world: World, admin_user, lang
):
    appeal = filed(world)
    record(admin_user, SATURDAY, "WORKING_DAY")
    client = Client()
    client.force_login(world.citizen)
    with translation.override(lang):
        page_url = reverse("appeals:detail", args=[appeal.reference])

    response = client.get(page_url)

    page = response.content.decode()
    assert response.status_code == 200, page
    assert page.count(MOVED[lang]) == 2, "under the due date and on the timeline"
    assert COUNTED[lang] in page
    assert "On moving days off in 2026" in page


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_reviewer_sees_the_moved_deadline_and_the_letter_explains_it(world: World, admin_user, lang):
    appeal = assigned(world)
    record(admin_user, SATURDAY, "WORKING_DAY")
    client = Client()
    client.force_login(world.reviewers[0])
    with translation.override(lang):
        page_url = reverse("review:workspace", args=[appeal.reference])

    response = client.get(page_url)

    page = response.content.decode()
    assert response.status_code == 200, page
    assert page.count(MOVED[lang]) == 2, "under the due date and on the timeline"
    with translation.override(lang):
        steps = deadline_steps(deadline_explained(Appeal.objects.get(pk=appeal.pk)))
    assert COUNTED[lang] in steps


def test_a_working_saturday_makes_a_due_date_less_soon_on_the_queue():
    thursday, tuesday = dt.date(2026, 4, 9), dt.date(2026, 4, 14)
    saturday = DayChange(dt.date(2026, 4, 11), "WORKING_DAY", Decree("123", dt.date(2026, 3, 20)))
    assert due_badge(tuesday, thursday, calendar=WorkingCalendar()) == Badge.DUE_SOON
    assert due_badge(tuesday, thursday, calendar=WorkingCalendar([saturday])) == Badge.ON_TIME
