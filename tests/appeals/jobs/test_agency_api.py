"""Agency API for appeal outcomes: poll by keyset cursor, acknowledge carrying out an overturn."""

import pytest
from django.test import Client

from appeals.models import Notification, OutcomeDelivery, TimelineEvent
from appeals.services.agency_outcomes import outcome_view, outcomes_for_agency
from appeals.states import Outcome
from portal.audit.models import AuditEvent
from tests import factories

from .helpers import assigned, decided

pytestmark = pytest.mark.django_db

OUTCOMES = "/api/v1/outcomes/"


@pytest.fixture
def agency_client(world) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}")


@pytest.fixture
def other_agency_client() -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {factories.token(factories.organisation(code='other-agency'))}")


def ack_url(delivery_id: int) -> str:
    return f"{OUTCOMES}{delivery_id}/ack"


def test_the_agency_polls_the_outcomes_of_its_systems_page_by_page(world, agency_client, other_agency_client):
    first = decided(world)
    second = decided(world, outcome=Outcome.DECISION_UPHELD)
    assigned(world)  # not decided: not an outcome

    response = agency_client.get(OUTCOMES, {"limit": 1})
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["has_more"] is True
    (item,) = page["results"]
    assert item["appeal_reference"] == first.reference
    assert item["decision_reference"] == first.decision.reference
    assert item["external_id"] == first.decision.external_id
    assert (item["outcome"], item["new_outcome"], item["action_required"]) == ("OVERTURNED", "SUPPORT", True)
    assert item["decided_at"].startswith("2026-04-01")
    assert item["corrections"] == [
        {
            "feature": "has_vehicle",
            "source": "REG_VEHICLE",
            "recorded_value": False,
            "correct_value": "no",
            "status": "SENT",
        }
    ]

    page = agency_client.get(OUTCOMES, {"after": page["next_cursor"]}).json()
    assert [r["appeal_reference"] for r in page["results"]] == [second.reference]
    assert page["results"][0]["new_outcome"] is None and page["has_more"] is False
    last = agency_client.get(OUTCOMES, {"after": page["next_cursor"]}).json()
    assert last == {"results": [], "next_cursor": page["next_cursor"], "has_more": False}

    assert other_agency_client.get(OUTCOMES).json()["results"] == []
    assert Client().get(OUTCOMES).status_code == 401


@pytest.mark.parametrize(
    "query", [{"after": "-1"}, {"after": "x"}, {"limit": "0"}, {"limit": "501"}, {"after": "9" * 30}]
)
def test_bad_cursors_are_refused_with_the_problem_named(world, agency_client, query):
    response = agency_client.get(OUTCOMES, query)
    assert response.status_code == 422, response.content
    assert response.json()["problems"][0]["field"] == next(iter(query))


def test_the_agency_acknowledges_carrying_out_an_overturn_once_and_it_is_audited(world, agency_client):
    appeal = decided(world)
    delivery = OutcomeDelivery.objects.get(appeal=appeal)

    response = agency_client.post(
        ack_url(delivery.pk), {"note": "Payment order 2026-118 issued"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["carried_out_note"] == "Payment order 2026-118 issued"
    again = agency_client.post(
        ack_url(delivery.pk), {"note": "something else"}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["carried_out_note"] == "Payment order 2026-118 issued"

    delivery.refresh_from_db()
    assert delivery.carried_out_at is not None and delivery.carried_out_by.startswith("agency:mlsp:")
    assert (
        AuditEvent.objects.filter(action="appeal.outcome.carried_out", object_id=str(appeal.pk)).count() == 1
    )
    assert TimelineEvent.objects.filter(appeal=appeal, code="appeal.outcome.carried_out").count() == 1
    told = Notification.objects.get(appeal=appeal, event="appeal.outcome.carried_out")
    assert told.recipient_id == world.citizen.pk


def test_acknowledging_is_refused_for_others_for_upheld_decisions_and_without_a_note(
    world, agency_client, other_agency_client
):
    overturned = OutcomeDelivery.objects.get(appeal=decided(world))
    upheld = OutcomeDelivery.objects.get(appeal=decided(world, outcome=Outcome.DECISION_UPHELD))
    body = {"note": "done"}

    assert (
        other_agency_client.post(ack_url(overturned.pk), body, content_type="application/json").status_code
        == 404
    )
    assert agency_client.post(ack_url(upheld.pk), body, content_type="application/json").status_code == 409
    assert (
        agency_client.post(ack_url(overturned.pk), {"note": " "}, content_type="application/json").status_code
        == 422
    )
    assert agency_client.post(ack_url(overturned.pk), {}, content_type="application/json").status_code == 422
    assert agency_client.post(ack_url(10**30), body, content_type="application/json").status_code == 404
    assert Client().post(ack_url(overturned.pk), body, content_type="application/json").status_code == 401
    overturned.refresh_from_db()
    assert overturned.carried_out_at is None


def test_the_outcome_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "get" in schema["paths"]["/api/v1/outcomes/"]
    assert "post" in schema["paths"]["/api/v1/outcomes/{delivery_id}/ack"]
    assert "X-Portal-Signature" in schema["paths"]["/api/v1/outcomes/"]["get"]["description"]


def test_outcomes_keep_the_citizens_identity_out(world):
    decided(world)
    (delivery,) = outcomes_for_agency(organisation=world.agency)
    view = outcome_view(delivery)
    assert not {"appellant", "statement", "iin", "grounds"} & set(view)
