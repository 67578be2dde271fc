"""The agency API's decision read returns the stored, structured explanation with the decision."""

from rest_framework.test import APIClient

from explanations.models import StoredExplanation
from tests import factories

from . import builders


def test_decision_read_includes_the_stored_explanation(db: None) -> None:
    system = builders.system_for("scorecard")
    _, iin = builders.citizen()
    decision = builders.decide(system, iin=iin, kind="scorecard")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(system.operator)}")

    response = api.get(f"/api/v1/decisions/{decision.reference}/")

    assert response.status_code == 200, response.content
    body = response.json()
    stored = StoredExplanation.objects.get(decision=decision)
    assert body["reference"] == decision.reference
    assert body["explanation"] == stored.content
    assert body["explanation"]["kind"] == "scorecard"
    assert body["explanation"]["replay"]["status"] == "match"
    assert {"contributions", "principal_reasons", "thresholds", "counterfactuals"} <= set(body["explanation"])


def test_another_agency_still_gets_404_and_no_explanation_is_computed(db: None) -> None:
    system = builders.system_for("scorecard")
    _, iin = builders.citizen()
    decision = builders.decide(system, iin=iin, kind="scorecard")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(factories.organisation())}")

    response = api.get(f"/api/v1/decisions/{decision.reference}/")

    assert response.status_code == 404
    assert not StoredExplanation.objects.filter(decision=decision).exists()
