"""Two ingest batches with different Idempotency-Keys racing for the same external ids, on real PostgreSQL with two
real connections: the loser gets the same 422 as a sequential duplicate (naming the external id), nothing of it
is stored, and never a 500."""

import json
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from explanations.models import Decision, IdempotencyRecord
from explanations.services import ingest
from portal.audit.models import AuditEvent
from tests import factories

URL = "/api/v1/systems/family-card/decisions/"


def post(client: APIClient, records: list[dict[str, Any]], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        URL, data=json.dumps({"decisions": records}), content_type="application/json", **headers
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_with_the_same_external_ids_get_the_sequential_answer(postgres, monkeypatch):
    agency = factories.organisation(code="mlsp")
    sys = factories.system(agency, code="family-card")
    factories.model_version(sys, "1.0")
    clear = factories.token(agency)
    batch_a = [factories.decision_record(i) for i in (0, 1, 2)]
    batch_b = [factories.decision_record(i) for i in (3, 2, 4)]  # ext-2 in both
    both_validated = threading.Barrier(2, timeout=20)
    real_copy = ingest._copy_rows

    def copy_after_both_validated(rows: Any) -> None:
        # Both requests have checked that their external ids are new; only then does either write.
        both_validated.wait()
        real_copy(rows)

    monkeypatch.setattr(ingest, "_copy_rows", copy_after_both_validated)
    results: dict[str, Any] = {}

    def send(name: str, records: list[dict[str, Any]]) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
        client.raise_request_exception = False  # a 500 must show up as a 500 answer, not kill the thread
        try:
            results[name] = post(client, records, key=f"key-{name}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n, r)) for n, r in (("a", batch_a), ("b", batch_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    assert set(results) == {"a", "b"}

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [201, 422], {n: (r.status_code, r.content[:300]) for n, r in results.items()}
    winner = next(n for n, r in results.items() if r.status_code == 201)
    loser = "b" if winner == "a" else "a"
    stored = set(Decision.objects.filter(system=sys).values_list("external_id", flat=True))
    winner_records = batch_a if winner == "a" else batch_b
    loser_records = batch_b if winner == "a" else batch_a
    assert stored == {r["external_id"] for r in winner_records}  # nothing of the loser's batch
    assert AuditEvent.objects.filter(action="decision.batch.ingested").count() == 1
    assert not IdempotencyRecord.objects.filter(key=f"key-{loser}").exists()  # released: a fix may reuse it

    answer = results[loser]
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error", "detail", "problems"}
    clash = [r["external_id"] for r in loser_records].index("ext-2")  # 1 in B, 2 in A
    assert [(p["index"], p["field"]) for p in body["problems"]] == [(clash, "external_id")]
    assert "ext-2" in body["problems"][0]["message"]

    monkeypatch.setattr(ingest, "_copy_rows", real_copy)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    sequential = post(client, loser_records)
    assert sequential.status_code == 422
    assert sequential.json() == body
