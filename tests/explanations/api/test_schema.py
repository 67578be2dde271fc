"""The served OpenAPI schema is as strict as the server: each constraint checked here is checked against what the
server really answers too, so the two cannot drift apart silently."""

import json
from typing import Any

import pytest
from django.conf import settings

from access.api import PAGE_MAX
from appeals.services.agency_outcomes import POLL_MAX
from explanations.spec.validate import load_schema
from portal.api.params import MAX_ID
from tests import factories


@pytest.fixture
def schema(client: Any, db: None) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def request_schema(schema: dict[str, Any], path: str) -> dict[str, Any]:
    ref = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_an_empty_batch_is_refused_by_schema_and_server_alike(schema, api, scorecard_system):
    decisions = request_schema(schema, "/api/v1/systems/{system_code}/decisions/")["properties"]["decisions"]
    assert decisions["minItems"] == 1
    assert decisions["maxItems"] == settings.INGEST_MAX_BATCH
    response = api.post("/api/v1/systems/family-card/decisions/", data={"decisions": []}, format="json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("limit", "status"), [("0", 422), ("1", 200), (str(PAGE_MAX), 200), (str(PAGE_MAX + 1), 422)]
)
def test_the_limit_range_is_documented_as_the_server_applies_it(schema, api, limit, status):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/proactive-reviews/"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": 100}
    assert params["after"]["schema"]["minimum"] == 0
    assert api.get(f"/api/v1/proactive-reviews/?limit={limit}").status_code == status


def test_the_spec_of_a_model_version_requires_what_the_validator_requires(schema, api, agency):
    body = request_schema(schema, "/api/v1/systems/{system_code}/model-versions/")
    assert {"version", "released_at", "dataset", "change_note", "spec"} <= set(body["required"])
    spec = body["properties"]["spec"]
    required = load_schema()["required"]
    assert spec["required"] == required and {"kind", "features", "outcomes"} <= set(required)
    assert spec["properties"]["kind"]["enum"] == load_schema()["properties"]["kind"]["enum"]

    factories.system(agency, code="family-card")
    for field in required:
        payload = factories.version_payload("2.0")
        del payload["spec"][field]
        response = api.post("/api/v1/systems/family-card/model-versions/", data=payload, format="json")
        assert response.status_code == 422, (field, response.content)


def test_every_agency_operation_documents_the_errors_it_can_give(schema):
    agency_operations = [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if {"agencyToken": []} in operation.get("security", [])
    ]
    assert len(agency_operations) >= 8
    for path, method, operation in agency_operations:
        responses = operation["responses"]
        expected = {"401", "429"} | ({"400", "413", "415", "422"} if "requestBody" in operation else set())
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            content = responses[status]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"], (method, path)
    batch = schema["paths"]["/api/v1/systems/{system_code}/decisions/"]["post"]["responses"]
    assert {"400", "404", "409", "413", "415", "422"} <= set(batch)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "detail"}


@pytest.mark.parametrize(
    ("limit", "status"), [("0", 422), ("1", 200), (str(POLL_MAX), 200), (str(POLL_MAX + 1), 422)]
)
def test_the_outcome_poll_documents_the_range_it_applies(schema, api, limit, status):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/outcomes/"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": POLL_MAX, "default": 100}
    assert params["after"]["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}
    assert api.get(f"/api/v1/outcomes/?limit={limit}").status_code == status
