"""Idempotency-Key: same body → first answer; other body → 422; still running → 409 (on PostgreSQL, for real)."""

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from explanations.models import Decision, IdempotencyRecord, IdempotencyState
from explanations.services import ingest
from tests import factories

URL = "/api/v1/systems/family-card/decisions/"


def post(api: Any, records: list[dict[str, Any]], key: str) -> Any:
    return api.post(
        URL,
        data=json.dumps({"decisions": records}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_same_key_and_body_returns_the_first_answer(api, scorecard_system):
    records = [factories.decision_record(i) for i in range(3)]
    first = post(api, records, "key-1")
    second = post(api, records, "key-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Decision.objects.filter(system=scorecard_system).count() == 3


def test_the_same_key_with_another_body_is_422(api, scorecard_system, unchanged):
    assert post(api, [factories.decision_record(1)], "key-1").status_code == 201
    check = unchanged()
    response = post(api, [factories.decision_record(2)], "key-1")
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    check()


def test_keys_are_per_agency(api, scorecard_system, other_agency, client_for):
    other_system = factories.system(other_agency, code="tax")
    factories.model_version(other_system, "1.0")
    assert post(api, [factories.decision_record(1)], "shared").status_code == 201
    theirs = client_for(other_agency).post(
        "/api/v1/systems/tax/decisions/",
        data=json.dumps({"decisions": [factories.decision_record(1)]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert theirs.status_code == 201


def test_a_rejected_request_releases_its_key(api, scorecard_system):
    bad = factories.decision_record(1, subject_iin="000000000001")
    assert post(api, [bad], "key-1").status_code == 422
    assert not IdempotencyRecord.objects.filter(key="key-1").exists()
    assert post(api, [factories.decision_record(1)], "key-1").status_code == 201


def test_a_key_in_flight_answers_409(api, scorecard_system, agency, unchanged):
    IdempotencyRecord.objects.create(
        organisation=agency,
        key="busy",
        request_hash="x",
        state=IdempotencyState.IN_PROGRESS,
        created_at=timezone.now(),
    )
    check = unchanged()
    response = api.post(
        URL,
        data=json.dumps({"decisions": [factories.decision_record(1)]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="busy",
    )
    assert response.status_code in (409, 422)
    check()


@pytest.mark.parametrize("key", ["", "x" * 201, "spaces are not allowed", "ключ"])
def test_a_malformed_key_is_422(api, scorecard_system, key, unchanged):
    check = unchanged()
    response = post(api, [factories.decision_record(1)], key)
    assert response.status_code == 422, response.content
    check()


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_replay_gets_409_while_the_first_runs(postgres, monkeypatch):
    """Two real connections to PostgreSQL: the second request arrives while the first is inside ingest."""
    agency = factories.organisation(code="mlsp")
    sys = factories.system(agency, code="family-card")
    factories.model_version(sys, "1.0")
    clear = factories.token(agency)
    records = [factories.decision_record(i) for i in range(3)]
    inside, release = threading.Event(), threading.Event()
    real = ingest.decisions_ingest

    def slow_ingest(**kwargs: Any) -> Any:
        inside.set()
        assert release.wait(20)
        return real(**kwargs)

    monkeypatch.setattr("explanations.api.views.decisions_ingest", slow_ingest)
    results: dict[str, Any] = {}

    def first() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
        try:
            results["first"] = post(client, records, "same-key")
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(20)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    during = post(client, records, "same-key")
    release.set()
    thread.join(30)
    after = post(client, records, "same-key")

    assert during.status_code == 409, during.content
    assert results["first"].status_code == 201
    assert after.status_code == 201 and after.json() == results["first"].json()
    assert Decision.objects.filter(system=sys).count() == 3
