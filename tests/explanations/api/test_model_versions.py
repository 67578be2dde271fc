"""Registering model versions: schema-validated, immutable, scoped to the agency's own systems."""

import copy
import json
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from explanations.models import ModelVersion
from portal.audit.models import AuditEvent
from tests import factories


def register(api: Any, code: str, payload: Any, **headers: Any) -> Any:
    return api.post(
        f"/api/v1/systems/{code}/model-versions/",
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def test_a_valid_version_is_registered_hashed_and_audited(api, agency):
    sys = factories.system(agency, code="fc")
    response = register(api, "fc", factories.version_payload("2.0"))
    assert response.status_code == 201, response.content
    version = ModelVersion.objects.get(system=sys, version="2.0")
    assert response.json()["spec_hash"] == version.spec_hash and len(version.spec_hash) == 64
    assert AuditEvent.objects.filter(action="model_version.registered", object_id=str(version.pk)).exists()


def test_registering_the_same_content_again_returns_it_unchanged(api, agency):
    factories.system(agency, code="fc")
    assert register(api, "fc", factories.version_payload("2.0")).status_code == 201
    again = register(api, "fc", factories.version_payload("2.0"))
    assert again.status_code == 200


def test_a_changed_spec_under_the_same_version_is_409(api, agency, unchanged):
    factories.system(agency, code="fc")
    assert register(api, "fc", factories.version_payload("2.0")).status_code == 201
    changed = factories.version_payload("2.0")
    changed["spec"]["base_points"] = 51
    check = unchanged()
    response = register(api, "fc", changed)
    assert response.status_code == 409
    assert "new version" in response.json()["detail"]
    check()


def test_an_invalid_spec_is_422_with_the_path_of_each_problem(api, agency, unchanged):
    factories.system(agency, code="fc")
    payload = factories.version_payload("2.0")
    payload["spec"]["bands"][1]["outcome"] = "UNDECLARED"
    payload["dataset"]["sha256"] = "not-a-hash"
    payload["change_note"] = {"en": "only English"}
    check = unchanged()
    response = register(api, "fc", payload)
    assert response.status_code == 422, response.content
    fields = [p["field"] for p in response.json()["problems"]]
    assert "dataset.sha256" in fields and "change_note" in fields
    assert any(f.startswith("spec.bands") or f.startswith("spec") for f in fields)
    check()


def test_another_agency_cannot_register_on_my_system(agency, other_agency, client_for, unchanged):
    factories.system(agency, code="fc")
    intruder = client_for(other_agency)
    check = unchanged()
    response = register(intruder, "fc", factories.version_payload("2.0"))
    assert response.status_code == 404
    check()


def test_the_database_refuses_to_change_a_registered_spec(agency, postgres):
    sys = factories.system(agency, code="fc")
    version = factories.model_version(sys, "2.0")
    spec = copy.deepcopy(version.spec)
    spec["base_points"] = 99
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ModelVersion.objects.filter(pk=version.pk).update(spec=spec)
    version.refresh_from_db()
    assert version.spec["base_points"] == 50


def test_the_systems_list_shows_only_my_systems(api, agency, other_agency):
    factories.system(agency, code="mine")
    factories.system(other_agency, code="theirs")
    codes = [s["code"] for s in api.get("/api/v1/systems/").json()]
    assert codes == ["mine"]


def test_the_openapi_schema_and_docs_are_served_without_outside_network(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")
    assert schema.status_code == 200
    assert b"/api/v1/systems/{system_code}/decisions/" in schema.content
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"https://" not in docs.content.lower()
