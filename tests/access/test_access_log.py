"""Every staff view of a person's data is logged with its purpose, once per look, and mirrored in the audit
chain; a case outside one's assigned work opens only after a stated reason, which never widens who may see it."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from access.models import AccessRecord, Purpose
from access.services import access_log
from appeals.models import Appeal, Evidence
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify
from tests.appeals.review.builders import at

from .conftest import client_for


def workspace(appeal: Appeal) -> str:
    return reverse("review:workspace", args=[appeal.reference])


def reason_url(appeal: Appeal) -> str:
    return reverse("access:state-reason", args=[appeal.reference])


def records(appeal: Appeal) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(appeal=appeal).order_by("id"))


def test_the_assigned_reviewer_opening_the_case_is_logged_with_role_organisation_person_and_purpose(world):
    appeal = at(world, "in_review")
    reviewer = world.reviewers[0]

    response = client_for(reviewer).get(workspace(appeal))

    assert response.status_code == 200, response.content
    [record] = records(appeal)
    assert (record.viewer_id, record.viewer_role, record.organisation_id) == (
        reviewer.pk,
        "REVIEWER",
        world.body.pk,
    )
    assert record.subject_iin_hash == appeal.decision.subject_iin_hash == world.citizen.iin_hash
    assert (record.decision_id, record.purpose, record.reason) == (
        appeal.decision_id,
        Purpose.ASSIGNED_REVIEW,
        "",
    )
    assert record.page == "review:workspace"
    event = AuditEvent.objects.get(seq=record.audit_seq)
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        "access.viewed",
        f"reviewer:{reviewer.pk}",
        "appeal",
        str(appeal.pk),
    )
    assert event.data["purpose"] == "ASSIGNED_REVIEW" and event.data["decision"] == appeal.decision.reference
    assert audit_verify().ok


def test_moving_between_pages_of_one_case_is_one_look_until_the_window_passes(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 600
    appeal = at(world, "in_review")
    client = client_for(world.reviewers[0])
    start = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.get(workspace(appeal))
        client.get(reverse("review:assess", args=[appeal.reference]))
        client.get(reverse("review:hold", args=[appeal.reference]))
    assert len(records(appeal)) == 1
    with time_machine.travel(start + dt.timedelta(seconds=599), tick=False):
        client.get(workspace(appeal))
    assert len(records(appeal)) == 1
    with time_machine.travel(start + dt.timedelta(seconds=601), tick=False):
        client.get(workspace(appeal))
    assert len(records(appeal)) == 2


def test_with_the_window_off_every_view_is_logged(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 0
    appeal = at(world, "in_review")
    client = client_for(world.reviewers[0])
    for _ in range(3):
        client.get(workspace(appeal))
    assert len(records(appeal)) == 3


def test_posts_are_not_logged_as_views(world):
    appeal = at(world, "declared")
    client_for(world.reviewers[0]).post(reverse("review:start", args=[appeal.reference]))
    assert records(appeal) == []


@pytest.mark.parametrize(
    ("step", "page", "purpose"),
    [
        ("waiting", "review:assign", Purpose.ASSIGNMENT),
        ("waiting", "review:workspace", Purpose.ASSIGNMENT),
        ("in_review", "review:workspace", Purpose.SUPERVISION),
        ("countersign", "review:countersign", Purpose.COUNTERSIGNATURE),
    ],
)
def test_a_supervisors_assigned_work_is_logged_with_its_implicit_purpose(world, step, page, purpose):
    appeal = at(world, step)
    response = client_for(world.supervisor).get(reverse(page, args=[appeal.reference]))
    assert response.status_code == 200, response.content
    [record] = records(appeal)
    assert (record.viewer_id, record.purpose, record.page) == (world.supervisor.pk, purpose, page)


def test_a_quality_check_is_an_implicit_purpose_for_a_sampled_decided_appeal(world):
    appeal = at(world, "decided")
    Appeal.objects.filter(pk=appeal.pk).update(quality_review=True)
    response = client_for(world.supervisor).get(workspace(appeal))
    assert response.status_code == 200
    assert [r.purpose for r in records(appeal)] == [Purpose.QUALITY_CHECK]


def test_a_decided_case_outside_the_supervisors_work_opens_only_after_a_stated_reason(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 0  # every view recorded, to see each one
    appeal = at(world, "decided")
    client = client_for(world.supervisor)

    first = client.get(workspace(appeal))
    assert first.status_code == 302
    assert first["Location"].startswith(reason_url(appeal))
    assert records(appeal) == []

    form = client.get(first["Location"])
    assert form.status_code == 200
    assert "Why do you need to open this case?" in form.content.decode()

    empty = client.post(reason_url(appeal), {"reason": "   ", "next": workspace(appeal)})
    assert empty.status_code == 200
    assert "Say why you need to open this case" in empty.content.decode()
    assert records(appeal) == []

    stated = client.post(
        reason_url(appeal), {"reason": "The appellant complained about the letter", "next": workspace(appeal)}
    )
    assert stated.status_code == 302 and stated["Location"] == workspace(appeal)
    page = client.get(workspace(appeal))
    assert page.status_code == 200, page.content
    reasons = [(r.purpose, r.reason, r.page) for r in records(appeal)]
    assert reasons == [
        (Purpose.STATED_REASON, "The appellant complained about the letter", "access:state-reason"),
        (Purpose.STATED_REASON, "The appellant complained about the letter", "review:workspace"),
    ]
    actions = AuditEvent.objects.filter(seq__in=[r.audit_seq for r in records(appeal)])
    assert {e.data["reason"] for e in actions} == {"The appellant complained about the letter"}


def test_a_stated_reason_expires(world, settings):
    from access.selectors import stated_reason
    from access.services import access_state_reason

    settings.ACCESS_REASON_VALID_SECONDS = 3600
    appeal = at(world, "decided")
    start = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    access_state_reason(viewer=world.supervisor, appeal=appeal, reason="Complaint", now=start)
    later = start + dt.timedelta(minutes=59)
    assert stated_reason(viewer=world.supervisor, appeal=appeal, now=later) == "Complaint"
    assert stated_reason(viewer=world.supervisor, appeal=appeal, now=start + dt.timedelta(minutes=61)) is None
    assert stated_reason(viewer=world.ombudsman, appeal=appeal, now=later) is None, "a reason is personal"
    with time_machine.travel(later, tick=False):
        assert client_for(world.supervisor).get(workspace(appeal)).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert client_for(world.supervisor).get(workspace(appeal)).status_code == 302


def test_stating_a_reason_and_reading_the_case_straight_after_is_one_look(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 600
    appeal = at(world, "decided")
    client = client_for(world.supervisor)
    client.post(reason_url(appeal), {"reason": "Complaint", "next": workspace(appeal)})
    client.get(workspace(appeal))
    client.get(workspace(appeal))
    assert [(r.purpose, r.reason) for r in records(appeal)] == [(Purpose.STATED_REASON, "Complaint")]


def test_an_outside_next_address_is_ignored(world):
    appeal = at(world, "decided")
    response = client_for(world.supervisor).post(
        reason_url(appeal), {"reason": "Complaint", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == workspace(appeal)


def test_the_ombudsman_opens_a_case_read_only_after_a_stated_reason(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 0
    appeal = at(world, "decided")
    client = client_for(world.ombudsman)
    case_url = reverse("access:case", args=[appeal.reference])

    first = client.get(case_url)
    assert first.status_code == 302 and first["Location"].startswith(reason_url(appeal))
    client.post(reason_url(appeal), {"reason": "Complaint 2026/17 to the ombudsman"})
    page = client.get(case_url)

    assert page.status_code == 200, page.content
    body = page.content.decode()
    assert "Complaint 2026/17 to the ombudsman" in body and "Nothing can be changed here." in body
    assert "The AI&#x27;s result" in body or "The AI's result" in body  # decided: the ombudsman may see it
    assert 'method="post"' not in body.split("<main", 1)[1]
    [_, viewed] = records(appeal)
    assert (viewed.viewer_role, viewed.organisation_id, viewed.purpose, viewed.page) == (
        "OMBUDSMAN",
        world.ombudsman.organisation_id,
        Purpose.STATED_REASON,
        "access:case",
    )


def test_the_ombudsman_downloads_evidence_only_after_a_stated_reason(world, settings):
    settings.ACCESS_LOG_DEDUPE_SECONDS = 0
    appeal = at(world, "assigned", evidence=True)
    evidence = Evidence.objects.get(appeal=appeal)
    file_url = reverse("appeals:evidence-file", args=[appeal.reference, evidence.pk])
    client = client_for(world.ombudsman)

    refused = client.get(file_url)
    assert refused.status_code == 302 and refused["Location"].startswith(reason_url(appeal))
    client.post(reason_url(appeal), {"reason": "Checking a complaint", "next": file_url})
    assert client.get(file_url).status_code == 200
    assert [r.page for r in records(appeal)] == ["access:state-reason", "appeals:evidence-file"]


def test_the_appellant_reading_their_own_evidence_is_not_logged(world):
    appeal = at(world, "assigned", evidence=True)
    evidence = Evidence.objects.get(appeal=appeal)
    response = client_for(world.citizen).get(
        reverse("appeals:evidence-file", args=[appeal.reference, evidence.pk])
    )
    assert response.status_code == 200
    assert records(appeal) == []


def test_the_delivery_pages_are_supervision_for_the_bodys_supervisor(world):
    appeal = at(world, "decided")
    response = client_for(world.supervisor).get(
        reverse("appeals-staff:notifications", args=[appeal.reference])
    )
    assert response.status_code == 200
    assert [(r.purpose, r.page) for r in records(appeal)] == [
        (Purpose.SUPERVISION, "appeals-staff:notifications")
    ]


@pytest.mark.parametrize(
    "who", ["other_reviewer", "agency_staff", "agency_reviewer", "citizen", "other_body"]
)
def test_a_reason_never_opens_a_case_to_someone_who_may_not_see_it(world, who):
    from portal.accounts.models import OrganisationKind, Role
    from tests import factories
    from tests.appeals.conftest import make_user

    appeal = at(world, "decided")
    user: Any = {
        "other_reviewer": world.reviewers[1],
        "agency_staff": world.agency_staff,
        "agency_reviewer": world.agency_reviewer,
        "citizen": world.other_citizen,
        "other_body": make_user(
            "sup-x", Role.SUPERVISOR, factories.organisation(kind=OrganisationKind.REVIEW_BODY)
        ),
    }[who]
    client = client_for(user)
    assert client.get(reason_url(appeal)).status_code == 404
    assert client.post(reason_url(appeal), {"reason": "curious"}).status_code == 404
    assert client.get(workspace(appeal)).status_code == 404
    assert client.get(reverse("access:case", args=[appeal.reference])).status_code == 404
    assert records(appeal) == []


def test_the_service_refuses_a_stated_reason_without_words(world):
    from access.exceptions import AccessError

    appeal = at(world, "decided")
    with pytest.raises(AccessError):
        access_log(
            viewer=world.supervisor,
            decision=appeal.decision,
            appeal=appeal,
            purpose=Purpose.STATED_REASON,
            page="x",
        )
    assert records(appeal) == []


def test_the_access_log_is_append_only_in_the_database(world, postgres):
    from django.db import DatabaseError, transaction

    appeal = at(world, "in_review")
    client_for(world.reviewers[0]).get(workspace(appeal))
    [record] = records(appeal)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessRecord.objects.filter(pk=record.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessRecord.objects.filter(pk=record.pk).delete()


@pytest.mark.parametrize(
    ("step", "page", "actor", "purpose"),
    [
        ("assigned", "review:conflict", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("in_review", "review:hold", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("in_review", "review:inadmissible", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("in_review", "review:recuse", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("in_review", "review:assess", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("revealed", "review:decide", "reviewer", Purpose.ASSIGNED_REVIEW),
        ("countersign", "review:countersign", "supervisor", Purpose.COUNTERSIGNATURE),
        ("waiting", "review:assign", "supervisor", Purpose.ASSIGNMENT),
    ],
)
def test_an_invalid_post_answered_with_the_case_is_logged_as_a_view(world, step, page, actor, purpose):
    appeal = at(world, step)
    state = appeal.state
    user = world.reviewers[0] if actor == "reviewer" else world.supervisor

    response = client_for(user).post(reverse(page, args=[appeal.reference]), {})

    assert response.status_code == 200, response.content  # the form again, with its errors, and the case
    assert "govuk-error-summary" in response.content.decode()
    [record] = records(appeal)
    assert (record.viewer_id, record.purpose, record.page) == (user.pk, purpose, page)
    assert AuditEvent.objects.get(seq=record.audit_seq).action == "access.viewed"
    appeal.refresh_from_db()
    assert appeal.state == state, "an invalid form changes nothing"


def test_a_post_answered_with_a_redirect_is_not_logged_as_a_view(world):
    appeal = at(world, "in_review")
    response = client_for(world.reviewers[0]).post(
        reverse("review:hold", args=[appeal.reference]), {"reason": "Please send the sale contract"}
    )
    assert response.status_code == 302
    assert records(appeal) == []


def test_each_refusal_of_a_stated_reason_has_its_own_message():
    from access.services import CASE_NOT_OPENABLE, REASON_MISSING, REASON_TOO_LONG
    from access.views import reason_error_message

    missing, too_long = reason_error_message(REASON_MISSING), reason_error_message(REASON_TOO_LONG)
    assert missing == "Say why you need to open this case"
    assert too_long == "Use 2000 characters or fewer"
    assert reason_error_message(CASE_NOT_OPENABLE) is None  # not a message: the page answers 404


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_missing"), ("x" * 2001, "reason_too_long"), ("Complaint", "case_not_openable")],
)
def test_the_service_names_the_rule_that_refused_a_stated_reason(world, reason, code):
    from access.exceptions import AccessError
    from access.services import access_state_reason

    appeal = at(world, "decided")
    who = world.reviewers[1] if code == "case_not_openable" else world.supervisor
    with pytest.raises(AccessError) as refused:
        access_state_reason(viewer=who, appeal=appeal, reason=reason)
    assert refused.value.code == code
    assert records(appeal) == []


def test_a_case_that_can_no_longer_be_opened_when_the_reason_is_stored_is_a_404_not_a_reason_error(
    world, monkeypatch
):
    from access import permissions, services

    appeal = at(world, "decided")
    allowed = permissions.may_state_reason
    answers = iter(
        [True]
    )  # the page's own check still allows it; the service's check (a moment later) does not

    def may_state_reason(user: Any, appeal: Appeal) -> bool:
        return next(answers, False) and allowed(user, appeal)

    monkeypatch.setattr(permissions, "may_state_reason", may_state_reason)  # the page's check
    monkeypatch.setattr(services, "may_state_reason", may_state_reason)  # the service's

    response = client_for(world.supervisor).post(reason_url(appeal), {"reason": "Complaint"})

    assert response.status_code == 404
    assert "Say why you need to open this case" not in response.content.decode()
    assert records(appeal) == []
