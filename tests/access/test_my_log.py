"""Who viewed your data: the signed-in citizen's own records only, newest first, paginated, in their language."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from access.models import AccessRecord, Purpose
from access.services import access_log
from tests.appeals.review.builders import at, filed

from .conftest import client_for

BASE = dt.datetime(2026, 4, 2, 6, 30, tzinfo=dt.UTC)


def my_log(lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("access:my-log")


def test_the_citizen_sees_who_viewed_their_data_with_role_organisation_time_and_purpose(world):
    mine = at(world, "decided")
    access_log(
        viewer=world.reviewers[0],
        decision=mine.decision,
        appeal=mine,
        purpose=Purpose.ASSIGNED_REVIEW,
        page="t",
        now=BASE,
    )
    access_log(
        viewer=world.ombudsman,
        decision=mine.decision,
        appeal=mine,
        purpose=Purpose.STATED_REASON,
        reason="Complaint 17 to the ombudsman",
        page="t",
        now=BASE + dt.timedelta(hours=2),
    )

    response = client_for(world.citizen).get(my_log())

    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert "Who viewed your data" in body
    ombudsman_row = body.index("Complaint 17 to the ombudsman")
    reviewer_row = body.index("Review of the appeal assigned to them")
    assert ombudsman_row < reviewer_row, "newest first"
    assert "Ombudsman" in body and "Reviewer" in body
    assert world.body.name["en"] in body and world.ombudsman.organisation.name["en"] in body
    when = formats.date_format(timezone.localtime(BASE), "DATETIME_FORMAT")
    assert when in body
    assert "reviewer0" not in body, "names of staff are not shown, only role and organisation"


def test_another_persons_records_never_appear(world):
    theirs = filed(world, citizen=world.other_citizen, decision=world.decision(citizen=world.other_citizen))
    access_log(
        viewer=world.supervisor,
        decision=theirs.decision,
        appeal=theirs,
        purpose=Purpose.STATED_REASON,
        reason="SECRET-OTHER-PERSON",
        page="t",
    )
    mine = filed(world)
    access_log(
        viewer=world.supervisor, decision=mine.decision, appeal=mine, purpose=Purpose.ASSIGNMENT, page="t"
    )

    body = client_for(world.citizen).get(my_log()).content.decode()
    assert "SECRET-OTHER-PERSON" not in body
    assert "Assigning the appeal to a reviewer" in body
    other = client_for(world.other_citizen).get(my_log()).content.decode()
    assert "SECRET-OTHER-PERSON" in other and "Assigning the appeal to a reviewer" not in other


def test_with_no_views_the_page_says_so(world):
    body = client_for(world.citizen).get(my_log()).content.decode()
    assert "No member of staff has viewed your data in the portal." in body


def test_the_log_is_paginated_25_a_page_newest_first(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 0
    mine = filed(world)
    for i in range(30):
        access_log(
            viewer=world.ombudsman,
            decision=mine.decision,
            appeal=mine,
            purpose=Purpose.STATED_REASON,
            reason=f"reason-{i:02d}",
            page="t",
            now=BASE + dt.timedelta(minutes=i),
        )
    client = client_for(world.citizen)
    first = client.get(my_log()).content.decode()
    second = client.get(my_log() + "?page=2").content.decode()
    assert [f"reason-{i:02d}" in first for i in range(30)] == [False] * 5 + [True] * 25
    assert [f"reason-{i:02d}" in second for i in range(30)] == [True] * 5 + [False] * 25
    assert "Page 1 of 2" in first and "Older records" in first and "Newer records" not in first
    assert "Page 2 of 2" in second and "Newer records" in second
    for bad in ("?page=abc", "?page=-1", "?page=99999999999999999999"):
        assert client.get(my_log() + bad).status_code == 200, bad


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_log_reads_in_kazakh_and_russian_with_local_dates(world, lang):
    mine = filed(world)
    access_log(
        viewer=world.supervisor, decision=mine.decision, appeal=mine, purpose=Purpose.ASSIGNMENT, page="t"
    )
    record = AccessRecord.objects.get(appeal=mine)
    response = client_for(world.citizen).get(my_log(lang))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'lang="{lang}"' in body
    with translation.override(lang):
        when = formats.date_format(timezone.localtime(record.at), "DATETIME_FORMAT")
    assert when in body
    assert world.body.name[lang] in body


@pytest.mark.parametrize("who", ["reviewer", "supervisor", "ombudsman", "agency_staff", "no_iin"])
def test_only_citizens_with_an_identity_have_the_page(world, who):
    from portal.accounts.models import Role
    from tests.appeals.conftest import make_user

    user = {
        "reviewer": world.reviewers[0],
        "supervisor": world.supervisor,
        "ombudsman": world.ombudsman,
        "agency_staff": world.agency_staff,
        "no_iin": make_user("no-iin", Role.CITIZEN),
    }[who]
    assert client_for(user).get(my_log()).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = client_for(None).get(my_log())
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_an_api_token_does_not_open_the_page(world):
    from django.test import Client

    from tests import factories

    response = Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}").get(my_log())
    assert response.status_code in (302, 401, 404)
    assert "Who viewed" not in response.content.decode()
