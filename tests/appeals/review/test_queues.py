"""Queues: who sees which appeals, filters, keyset pages, due-date badges, and the count of takeable appeals."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from appeals import queues
from appeals.deadlines import WorkingCalendar
from appeals.exceptions import NothingToTake
from appeals.models import Appeal, Ground
from appeals.queues import Badge, Cursor, QueueFilters, due_badge, parse_cursor
from appeals.services import core
from portal.accounts.models import OrganisationKind, Role
from tests import factories

from ..conftest import NOW, make_user
from .builders import at, client_for, filed


def _set_due(appeal: Appeal, due: dt.date) -> None:
    Appeal.objects.filter(pk=appeal.pk).update(due_date=due)  # test data: a spread of due dates


def _refs(page: queues.QueuePage) -> list[str]:
    return [row.reference for row in page.rows]


def _all_pages(fetch) -> list[str]:
    seen, after = [], None
    for _ in range(50):
        page = fetch(after)
        seen += _refs(page)
        if page.next_cursor is None:
            return seen
        after = parse_cursor(page.next_cursor)
    raise AssertionError("pagination does not end")


@pytest.mark.parametrize(
    ("today", "due", "badge"),
    [
        (dt.date(2026, 4, 6), dt.date(2026, 4, 3), Badge.OVERDUE),
        (dt.date(2026, 4, 6), dt.date(2026, 4, 6), Badge.DUE_SOON),
        (dt.date(2026, 4, 6), dt.date(2026, 4, 9), Badge.DUE_SOON),  # Mon → Thu: 3 working days
        (dt.date(2026, 4, 6), dt.date(2026, 4, 10), Badge.ON_TIME),
        (
            dt.date(2026, 4, 9),
            dt.date(2026, 4, 14),
            Badge.DUE_SOON,
        ),  # Thu → Tue over a weekend: 3 working days
        (dt.date(2026, 4, 6), None, Badge.ON_TIME),
    ],
)
def test_due_badges_count_working_days(today, due, badge):
    # The `holidays` package's calendar with no day moved by decree (tests/appeals/test_calendar_decrees.py).
    assert due_badge(due, today, calendar=WorkingCalendar()) == badge


def test_a_cursor_reads_back_and_garbage_is_the_first_page():
    assert parse_cursor(str(Cursor(dt.date(2026, 5, 4), 17))) == Cursor(dt.date(2026, 5, 4), 17)
    for garbage in ("", "x", "2026-13-01,1", "2026-05-04,", "2026-05-04,abc", None):
        assert parse_cursor(garbage) is None


def test_keyset_pages_cover_the_team_queue_once_in_due_date_order(world):
    appeals = [at(world, "waiting") for _ in range(4)] + [at(world, "in_review") for _ in range(3)]
    for i, appeal in enumerate(appeals):
        _set_due(appeal, dt.date(2026, 5, 1) + dt.timedelta(days=(i * 5) % 7))

    seen = _all_pages(
        lambda after: queues.team_queue(
            supervisor=world.supervisor, filters=QueueFilters(), after=after, now=NOW, limit=2
        )
    )

    expected = [
        a.reference
        for a in sorted((Appeal.objects.get(pk=a.pk) for a in appeals), key=lambda a: (a.due_date, a.pk))
    ]
    assert seen == expected


def test_the_union_and_the_plain_query_give_the_same_page(world, monkeypatch):
    for step in ("waiting", "assigned", "in_review", "on_hold", "assessed"):
        at(world, step)
    union = _all_pages(
        lambda after: queues.team_queue(
            supervisor=world.supervisor, filters=QueueFilters(), after=after, now=NOW, limit=2
        )
    )
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    plain = _all_pages(
        lambda after: queues.team_queue(
            supervisor=world.supervisor, filters=QueueFilters(), after=after, now=NOW, limit=2
        )
    )
    assert union == plain and len(union) == 5


def test_the_team_queue_holds_the_pool_and_the_bodys_appeals_but_not_another_bodys(world):
    other_body = factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="other-body")
    outsider = make_user("outsider", Role.REVIEWER, other_body)
    waiting = at(world, "waiting")
    ours = at(world, "in_review")
    theirs = at(world, "in_review", reviewer=outsider)
    decided = at(world, "decided")

    refs = _refs(queues.team_queue(supervisor=world.supervisor, filters=QueueFilters(), now=NOW))

    assert waiting.reference in refs and ours.reference in refs
    assert theirs.reference not in refs and decided.reference not in refs


def test_the_personal_queue_holds_only_my_open_appeals(world):
    mine = at(world, "in_review")
    on_hold = at(world, "on_hold")
    other = at(world, "in_review", reviewer=world.reviewers[1])
    closed = at(world, "decided")
    refs = _refs(queues.personal_queue(reviewer=world.reviewers[0], filters=QueueFilters(), now=NOW))
    assert set(refs) == {mine.reference, on_hold.reference}
    assert other.reference not in refs and closed.reference not in refs


def test_each_filter(world):
    other_system = factories.system(world.agency, code="housing-aid")
    factories.model_version(other_system, "1.0")
    plain = filed(world)
    interim = filed(world, interim_protection="KEEP_PAYMENTS")
    vulnerable = filed(world)
    Appeal.objects.filter(pk=vulnerable.pk).update(vulnerable=True)
    only_other_ground = filed(world)
    Ground.objects.filter(appeal=only_other_ground).update(kind="OTHER")
    _set_due(plain, dt.date(2026, 4, 10))

    def refs(**kw):
        return set(_refs(queues.team_queue(supervisor=world.supervisor, filters=QueueFilters(**kw), now=NOW)))

    everything = {plain.reference, interim.reference, vulnerable.reference, only_other_ground.reference}
    assert refs() == everything
    assert refs(interim=True) == {interim.reference}
    assert refs(vulnerable=True) == {vulnerable.reference}
    assert refs(ground_kind="OTHER") == {only_other_ground.reference}
    assert refs(ground_kind="DATA_WRONG") == everything - {only_other_ground.reference}
    assert refs(due_before=dt.date(2026, 4, 11)) == {plain.reference}
    assert refs(system=world.system.code) == everything
    assert refs(system=other_system.code) == set()
    assert refs(older_than_days=0) == everything
    assert refs(older_than_days=1) == set()  # all were submitted at NOW
    assert refs(state="ADMISSIBILITY") == everything
    assert refs(state="IN_REVIEW") == set()


ROW_LINK = '<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/en/review/appeals/'


def test_the_team_page_filters_with_a_get_form(world):
    appeals = [filed(world) for _ in range(3)]
    client = client_for(world.supervisor)
    page = client.get(reverse("review:team"), {"interim": "on"})
    assert page.status_code == 200
    assert "No appeals match." in page.content.decode()
    everything = client.get(reverse("review:team")).content.decode()
    assert all(a.reference in everything for a in appeals)
    bad = client.get(reverse("review:team"), {"older_than_days": "soon", "after": "garbage"})
    assert bad.status_code == 200 and "Enter a whole number of days" in bad.content.decode()
    assert bad.content.decode().count(ROW_LINK) == 3  # the invalid filter is ignored, the cursor too


def test_the_next_page_link_keeps_the_filters(world, monkeypatch):
    for _ in range(3):
        filed(world)
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    client = client_for(world.supervisor)
    body = client.get(reverse("review:team"), {"ground_kind": "DATA_WRONG"}).content.decode()
    assert "ground_kind=DATA_WRONG&amp;after=" in body
    cursor = body.split("after=")[1].split('"')[0].replace("%2C", ",")
    second = client.get(
        reverse("review:team"), {"ground_kind": "DATA_WRONG", "after": cursor}
    ).content.decode()
    assert second.count(ROW_LINK) == 1
    assert 'rel="first"' in second


def test_the_team_page_costs_the_same_queries_for_one_row_or_many(world, django_assert_max_num_queries):
    for _ in range(6):
        filed(world)
    client = client_for(world.supervisor)
    client.get(reverse("review:team"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("review:team")).status_code == 200


def test_the_waiting_count_agrees_with_what_take_next_gives(world):
    decision = world.decision()
    earlier = filed(world, decision)
    core.appeal_assign(
        appeal_id=earlier.pk, reviewer=world.reviewers[0], supervisor=world.supervisor, now=NOW
    )
    core.appeal_withdraw(appeal_id=earlier.pk, citizen=world.citizen, now=NOW)
    filed(world, decision)  # reviewer 0 reviewed an earlier appeal on this decision: excluded
    conflicted = filed(world)
    core.appeal_assign(
        appeal_id=conflicted.pk, reviewer=world.reviewers[0], supervisor=world.supervisor, now=NOW
    )
    core.conflict_declare(
        appeal_id=conflicted.pk, reviewer=world.reviewers[0], has_conflict=True, note="Neighbour", now=NOW
    )
    for _ in range(2):
        filed(world)
    reviewer = world.reviewers[0]

    count, more = queues.waiting_count(reviewer=reviewer)

    taken = 0
    while True:
        try:
            core.appeal_take_next(reviewer=reviewer, now=NOW)
        except NothingToTake:
            break
        taken += 1
    assert (count, more) == (taken, False) == (2, False)
    assert queues.waiting_count(reviewer=world.reviewers[1]) == (2, False)
