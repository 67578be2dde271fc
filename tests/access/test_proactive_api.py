"""The agency API for flagged decisions: each agency lists and marks only its own flags; documented in OpenAPI."""

import json
from typing import Any

import pytest
from django.test import Client

from access.models import ProactiveReview
from portal.audit.models import AuditEvent
from tests import factories

from .test_propagation import SOURCE, Planned, Scene, decide_appeal

LIST = "/api/v1/proactive-reviews/"


def mark(flag_id: int) -> str:
    return f"/api/v1/proactive-reviews/{flag_id}/review"


@pytest.fixture
def flagged(world: Any) -> Scene:
    scene = Scene(world)
    appealed = scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("family-card", 1, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-Q", SOURCE, value=True))
    scene.decide(Planned("tax-risk", 1, "hh-P", SOURCE))  # another agency's "hh-P": not the same family
    decide_appeal(world, appealed)
    return scene


def api(org: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {factories.token(org)}")


def test_each_agency_lists_only_the_flags_on_its_own_systems(flagged: Scene):
    mlsp = api(flagged.world.agency).get(LIST)
    mof = api(flagged.other_agency).get(LIST)
    assert mlsp.status_code == 200, mlsp.content
    mlsp_ids = {r["id"] for r in mlsp.json()["results"]}
    mof_ids = {r["id"] for r in mof.json()["results"]}
    assert mlsp_ids == set(
        ProactiveReview.objects.filter(organisation=flagged.world.agency).values_list("id", flat=True)
    )
    assert mof_ids == set(
        ProactiveReview.objects.filter(organisation=flagged.other_agency).values_list("id", flat=True)
    )
    assert len(mlsp_ids) == 2 and len(mof_ids) == 2 and not mlsp_ids & mof_ids
    assert {r["system"] for r in mof.json()["results"]} == {"tax-risk"}
    assert {r["match"] for r in mof.json()["results"]} == {"PERSON"}
    assert {r["match"] for r in mlsp.json()["results"]} == {"PERSON", "HOUSEHOLD"}
    assert api(factories.organisation(code="nobody")).get(LIST).json()["results"] == []


def test_a_result_names_the_item_and_its_own_value_but_never_the_other_persons_case(flagged: Scene):
    mlsp = api(flagged.world.agency).get(LIST).json()["results"]
    mof = api(flagged.other_agency).get(LIST).json()["results"]
    [own_person] = [r for r in mlsp if r["match"] == "PERSON"]
    [household] = [r for r in mlsp if r["match"] == "HOUSEHOLD"]
    for row in [*mlsp, *mof]:
        assert (row["feature"], row["source"], row["status"]) == ("has_vehicle", "REG_VEHICLE", "OPEN")
        text = json.dumps(row)
        appeal = ProactiveReview.objects.get(pk=row["id"]).correction.appeal
        assert appeal.reference not in text and appeal.decision.reference not in text
        assert flagged.iins[0] not in text and flagged.iins[1] not in text
    # The appealed decision's own operator, same person, same value: the values it receives with the outcome.
    assert (
        own_person["recorded_value"],
        own_person["confirmed_wrong_value"],
        own_person["correct_value"],
    ) == (
        False,
        False,
        "no",
    )
    # Someone else of the household, or another agency: only that the registry's value was confirmed wrong.
    for row in [household, *mof]:
        assert (row["confirmed_wrong_value"], row["correct_value"]) == (None, None), row
    assert sorted(r["recorded_value"] for r in mof) == [False, True]  # each decision's own value


def test_pagination_and_status_filter(flagged: Scene):
    client = api(flagged.other_agency)
    first = client.get(LIST, {"limit": 1}).json()
    assert len(first["results"]) == 1 and first["has_more"] is True
    second = client.get(LIST, {"limit": 1, "after": first["next_cursor"]}).json()
    assert len(second["results"]) == 1 and second["has_more"] is False
    assert first["results"][0]["id"] < second["results"][0]["id"]
    assert client.get(LIST, {"status": "REVIEWED"}).json()["results"] == []
    for bad in ({"status": "DONE"}, {"limit": 0}, {"limit": "x"}, {"after": -1}):
        response = client.get(LIST, bad)
        assert response.status_code == 422, bad
        assert response.json()["error"] == "invalid"


def test_the_agency_marks_a_flag_reviewed_once(flagged: Scene):
    flag = ProactiveReview.objects.filter(organisation=flagged.other_agency).order_by("id").first()
    assert flag is not None
    client = api(flagged.other_agency)

    first = client.post(
        mark(flag.pk), {"note": "Re-checked the vehicle registry"}, content_type="application/json"
    )
    again = client.post(mark(flag.pk), {"note": "another note"}, content_type="application/json")

    assert first.status_code == 200, first.content
    assert (
        first.json()["status"] == "REVIEWED"
        and first.json()["review_note"] == "Re-checked the vehicle registry"
    )
    assert again.json() == first.json()
    flag.refresh_from_db()
    assert flag.status == "REVIEWED" and flag.reviewed_by.startswith("agency:mof:")
    assert (
        AuditEvent.objects.filter(action="access.propagation.reviewed", object_id=str(flag.pk)).count() == 1
    )
    assert [r["id"] for r in client.get(LIST, {"status": "REVIEWED"}).json()["results"]] == [flag.pk]


def test_another_agencys_flag_is_not_found_and_unchanged(flagged: Scene):
    theirs = ProactiveReview.objects.filter(organisation=flagged.other_agency).order_by("id").first()
    assert theirs is not None
    response = api(flagged.world.agency).post(mark(theirs.pk), {"note": "x"}, content_type="application/json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "OPEN"
    assert (
        api(flagged.world.agency)
        .post(mark(2**63), {"note": "x"}, content_type="application/json")
        .status_code
        == 404
    )


def test_a_note_is_required(flagged: Scene):
    flag = ProactiveReview.objects.filter(organisation=flagged.other_agency).order_by("id").first()
    assert flag is not None
    client = api(flagged.other_agency)
    for body in ({}, {"note": ""}, {"note": "   "}, {"note": 5}, {"note": "x" * 2001}):
        response = client.post(mark(flag.pk), body, content_type="application/json")
        assert response.status_code == 422, body
    flag.refresh_from_db()
    assert flag.status == "OPEN"


def test_without_a_token_the_api_answers_401_and_signed_in_staff_get_nothing(flagged: Scene):
    assert Client().get(LIST).status_code == 401
    staff = Client()
    staff.force_login(flagged.world.agency_staff)
    assert staff.get(LIST).status_code in (401, 403)


def test_the_endpoints_are_in_the_openapi_schema(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/proactive-reviews/" in text and "/api/v1/proactive-reviews/{flag_id}/review" in text
    assert "proactive_reviews_list" in text and "proactive_review_mark_reviewed" in text
