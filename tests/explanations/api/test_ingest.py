"""The ingest endpoint: every bad input gets a specific 4xx and changes nothing; good batches are stored whole."""

import json
from typing import Any

import pytest
from django.test import override_settings

from explanations.models import Decision, Reproducibility
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify
from tests import factories

URL = "/api/v1/systems/family-card/decisions/"


def post(api: Any, records: list[dict[str, Any]], **headers: Any) -> Any:
    return api.post(URL, data=json.dumps({"decisions": records}), content_type="application/json", **headers)


def problems(response: Any) -> list[tuple[int | None, str]]:
    return [(p.get("index"), p["field"]) for p in response.json()["problems"]]


def test_a_valid_batch_is_stored_whole_replayed_and_audited(api, scorecard_system):
    records = [factories.decision_record(i, income=30000 + 20000 * i) for i in range(5)]

    response = post(api, records)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 5 and body["not_reproducible"] == 0
    stored = Decision.objects.filter(system=scorecard_system).order_by("external_id")
    assert [d.external_id for d in stored] == [f"ext-{i}" for i in range(5)]
    assert all(d.reproducibility == Reproducibility.REPRODUCED for d in stored)
    assert {d["reference"] for d in body["decisions"]} == {d.reference for d in stored}
    event = AuditEvent.objects.filter(action="decision.batch.ingested").get()
    assert event.data["count"] == 5
    assert audit_verify().ok


def test_the_iin_is_stored_encrypted_and_found_by_keyed_hash(api, scorecard_system):
    from portal import crypto

    record = factories.decision_record(1)
    assert post(api, [record]).status_code == 201
    decision = Decision.objects.get(external_id="ext-1")
    assert record["subject_iin"].encode() not in bytes(decision.subject_iin_encrypted)
    assert crypto.decrypt(decision.subject_iin_encrypted) == record["subject_iin"]
    assert decision.subject_iin_hash == crypto.lookup_hash(record["subject_iin"])


def test_a_score_the_portal_cannot_reproduce_is_stored_and_marked(api, scorecard_system):
    response = post(api, [factories.decision_record(1, income=40000, score=27.5)])

    assert response.status_code == 201, response.content
    assert response.json()["not_reproducible"] == 1
    decision = Decision.objects.get(external_id="ext-1")
    assert decision.reproducibility == Reproducibility.MISMATCH
    assert decision.replayed_score == 20 and decision.score == 27.5


def test_a_wrong_outcome_is_not_reproducible_either(api, scorecard_system):
    response = post(api, [factories.decision_record(1, income=40000, outcome="NO_SUPPORT")])
    assert response.status_code == 201
    assert Decision.objects.get(external_id="ext-1").reproducibility == Reproducibility.MISMATCH


def test_malformed_json_is_400_and_changes_nothing(api, scorecard_system, unchanged):
    check = unchanged()
    response = api.post(URL, data=b'{"decisions": [', content_type="application/json")
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]
    check()


def test_a_wrong_content_type_is_415(api, scorecard_system, unchanged):
    check = unchanged()
    response = api.post(URL, data="decisions=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    check()


def test_an_oversize_batch_is_rejected_with_its_size(api, scorecard_system, unchanged):
    check = unchanged()
    with override_settings(INGEST_MAX_BATCH=3):
        response = post(api, [factories.decision_record(i) for i in range(4)])
    assert response.status_code == 422
    assert response.json()["error"] == "batch_too_large"
    assert "at most 3" in response.json()["problems"][0]["message"]
    check()


def test_an_oversize_body_is_413(api, scorecard_system, unchanged):
    check = unchanged()
    with override_settings(INGEST_MAX_BODY_BYTES=1000):
        response = post(api, [factories.decision_record(i) for i in range(3)])
    assert response.status_code == 413
    check()


def test_a_body_without_the_decisions_key_is_422(api, scorecard_system, unchanged):
    check = unchanged()
    response = api.post(URL, data=json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 422
    check()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.update(subject_iin="949940000385"), "subject_iin"),
        (lambda r: r.update(subject_iin="12345"), "subject_iin"),
        (
            lambda r: r["inputs"].update(
                pets={"value": 1, "source": "X", "as_of_date": "2026-01-01", "collection": "registry"}
            ),
            "inputs.pets",
        ),
        (lambda r: r["inputs"].pop("children"), "inputs.children"),
        (lambda r: r["inputs"]["income_per_person"].update(value=-5), "inputs.income_per_person"),
        (lambda r: r["inputs"]["income_per_person"].update(value="lots"), "inputs.income_per_person"),
        (lambda r: r["inputs"]["children"].update(value=1.5), "inputs.children"),
        (lambda r: r["inputs"]["has_vehicle"].update(value="yes"), "inputs.has_vehicle"),
        (lambda r: r["inputs"]["housing"].update(value="castle"), "inputs.housing"),
        (lambda r: r["inputs"]["housing"].update(as_of_date="yesterday"), "inputs.housing.as_of_date"),
        (lambda r: r["inputs"]["housing"].update(collection="guess"), "inputs.housing.collection"),
        (lambda r: r["inputs"]["housing"].update(source=""), "inputs.housing.source"),
        (lambda r: r.update(model_version="9.9"), "model_version"),
        (lambda r: r.update(outcome="MAYBE"), "outcome"),
        (lambda r: r.update(score="high"), "score"),
        (lambda r: r.update(decided_at="2026-03-01"), "decided_at"),
        (lambda r: r.update(decided_at="2999-01-01T00:00:00+00:00"), "decided_at"),
        (lambda r: r.update(notified=True), "notified_at"),
        (lambda r: r.update(notified_at="2026-03-02T00:00:00+00:00"), "notified_at"),
        (lambda r: r.update(notified="no"), "notified"),
        (lambda r: r.pop("external_id"), "external_id"),
        (lambda r: r.update(colour="red"), "colour"),
        (lambda r: r["group"].update(sex="X"), "group.sex"),
        (lambda r: r["group"].update(religion="any"), "group.religion"),
        (lambda r: r.update(human_involvement={"kind": "MAGIC"}), "human_involvement.kind"),
        (lambda r: r.update(attributions={"children": 1.0}), "attributions"),
        (lambda r: r.update(supersedes="ext-none"), "supersedes"),
    ],
)
def test_each_bad_record_is_named_by_index_and_field_and_nothing_is_stored(
    api, scorecard_system, unchanged, mutate, expected
):
    good = factories.decision_record(0)
    bad = factories.decision_record(1)
    mutate(bad)
    check = unchanged()

    response = post(api, [good, bad])

    assert response.status_code == 422, response.content
    assert (1, expected) in problems(response), response.json()
    assert all(index == 1 for index, _ in problems(response))
    check()


def test_every_problem_of_a_batch_is_returned_at_once(api, scorecard_system, unchanged):
    records = [factories.decision_record(i) for i in range(4)]
    records[0]["subject_iin"] = "000000000001"
    records[2]["inputs"]["children"]["value"] = -1
    records[3]["outcome"] = "NOPE"
    check = unchanged()

    response = post(api, records)

    assert response.status_code == 422
    assert {index for index, _ in problems(response)} == {0, 2, 3}
    check()


def test_a_repeated_external_id_in_a_batch_or_in_the_database_is_refused(api, scorecard_system, unchanged):
    assert post(api, [factories.decision_record(1)]).status_code == 201
    check = unchanged()
    twice = post(api, [factories.decision_record(2), factories.decision_record(2)])
    again = post(api, [factories.decision_record(1)])
    assert twice.status_code == 422 and (1, "external_id") in problems(twice)
    assert again.status_code == 422 and (0, "external_id") in problems(again)
    check()


def test_an_unknown_system_is_404(api, scorecard_system, unchanged):
    check = unchanged()
    response = api.post(
        "/api/v1/systems/nope/decisions/",
        data=json.dumps({"decisions": [{}]}),
        content_type="application/json",
    )
    assert response.status_code == 404
    check()


def test_another_agencys_token_cannot_touch_the_system(scorecard_system, other_agency, client_for, unchanged):
    intruder = client_for(other_agency)
    check = unchanged()
    response = post(intruder, [factories.decision_record(1)])
    assert response.status_code == 404
    check()


def test_a_revoked_token_is_401(agency, scorecard_system, unchanged):
    from rest_framework.test import APIClient

    from portal.api.tokens import token_issue, token_revoke

    row, clear = token_issue(organisation_code=agency.code, name="old", actor="test")
    token_revoke(prefix=row.prefix, actor="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    check = unchanged()
    response = post(client, [factories.decision_record(1)])
    assert response.status_code == 401
    check()


@pytest.mark.parametrize("header", ["", "Token", "Token ap_x_y", "Token a b", "Bearer abc"])
def test_missing_or_malformed_tokens_are_401(scorecard_system, header, unchanged):
    from rest_framework.test import APIClient

    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    check = unchanged()
    assert post(client, [factories.decision_record(1)]).status_code == 401
    check()


def test_a_correction_supersedes_without_overwriting(api, scorecard_system):
    first = factories.decision_record(1, income=40000)
    assert post(api, [first]).status_code == 201
    correction = factories.decision_record(
        2, income=120000, subject_iin=first["subject_iin"], supersedes="ext-1"
    )

    response = post(api, [correction])

    assert response.status_code == 201, response.content
    old = Decision.objects.get(external_id="ext-1")
    new = Decision.objects.get(external_id="ext-2")
    assert new.supersedes_id == old.pk
    assert old.inputs["income_per_person"]["value"] == 40000
    read = api.get(f"/api/v1/decisions/{old.reference}/").json()
    assert read["status"] == "SUPERSEDED" and read["superseded_by"] == new.reference
    second = factories.decision_record(3, subject_iin=first["subject_iin"], supersedes="ext-1")
    assert post(api, [second]).status_code == 422


def test_a_correction_must_concern_the_same_person(api, scorecard_system, unchanged):
    assert post(api, [factories.decision_record(1)]).status_code == 201
    check = unchanged()
    response = post(api, [factories.decision_record(2, supersedes="ext-1")])
    assert response.status_code == 422 and (0, "supersedes") in problems(response)
    check()


def test_reading_a_decision_returns_its_status_and_others_get_404(
    api, scorecard_system, other_agency, client_for
):
    assert post(api, [factories.decision_record(1)]).status_code == 201
    reference = Decision.objects.get(external_id="ext-1").reference

    mine = api.get(f"/api/v1/decisions/{reference}/")
    theirs = client_for(other_agency).get(f"/api/v1/decisions/{reference}/")
    missing = api.get("/api/v1/decisions/NOPE/")

    assert mine.status_code == 200 and mine.json()["status"] == "CURRENT"
    assert mine.json()["reproducibility"] == "REPRODUCED"
    assert "subject_iin" not in mine.json()
    assert theirs.status_code == 404 and missing.status_code == 404
