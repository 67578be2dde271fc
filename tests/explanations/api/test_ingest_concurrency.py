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


def race(clear: str, batches: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Send the batches at once, each from its own thread (its own connection); the answers by batch name."""
    results: dict[str, Any] = {}

    def send(name: str, records: list[dict[str, Any]]) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
        client.raise_request_exception = False  # a 500 must show up as a 500 answer, not kill the thread
        try:
            results[name] = post(client, records, key=f"key-{name}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=item) for item in batches.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    assert set(results) == set(batches)
    return results


def copy_after_both_validated(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Both requests have checked that their external ids are new before either writes; returns the writes."""
    both_validated = threading.Barrier(2, timeout=20)
    real_copy = ingest._copy_rows
    waited = threading.local()
    writes: list[list[str]] = []

    def copy(rows: Any) -> None:
        rows = list(rows)
        writes.append([row[3] for row in rows])
        if not getattr(waited, "done", False):  # a write again after a deadlock has no one to wait for
            waited.done = True
            both_validated.wait()
        real_copy(rows)

    monkeypatch.setattr(ingest, "_copy_rows", copy)
    return writes


PAUSE = "pause-before-writing"


@pytest.fixture
def pause_marked_rows(postgres: None) -> Any:
    """A row whose household_id is PAUSE is written a second late (a trigger), so that each of two concurrent
    COPYs has written its rows before the marked one when the other reaches it (a COPY otherwise runs through
    a small batch before the other one starts)."""
    table = Decision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION test_pause_marked_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF NEW.household_id = '{PAUSE}' THEN PERFORM pg_sleep(1); END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_pause_marked_row BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_pause_marked_row()"
        )
    yield PAUSE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS test_pause_marked_row ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS test_pause_marked_row()")


@pytest.mark.django_db(transaction=True)
def test_two_shared_external_ids_in_opposite_order_get_the_sequential_answer_not_a_deadlock(
    pause_marked_rows, monkeypatch
):
    # A writes ext-2 then ext-3, B ext-3 then ext-2: unsorted, each COPY waits on the other's unique-index entry
    # and PostgreSQL aborts one with deadlock_detected (40P01), which used to answer 500.
    agency = factories.organisation(code="mlsp")
    sys = factories.system(agency, code="family-card")
    factories.model_version(sys, "1.0")
    clear = factories.token(agency)
    batch_a = [
        factories.decision_record(0),
        factories.decision_record(2),
        factories.decision_record(3, household_id=pause_marked_rows),
    ]
    batch_b = [
        factories.decision_record(3),
        factories.decision_record(2, household_id=pause_marked_rows),
        factories.decision_record(4),
    ]
    writes = copy_after_both_validated(monkeypatch)

    results = race(clear, {"a": batch_a, "b": batch_b})

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [201, 422], {n: (r.status_code, r.content[:300]) for n, r in results.items()}
    # Each batch is written once, in external_id order: no deadlock to retry.
    assert sorted(writes) == [["ext-0", "ext-2", "ext-3"], ["ext-2", "ext-3", "ext-4"]]
    winner = next(n for n, r in results.items() if r.status_code == 201)
    loser_records = batch_b if winner == "a" else batch_a
    winner_records = batch_a if winner == "a" else batch_b
    stored = set(Decision.objects.filter(system=sys).values_list("external_id", flat=True))
    assert stored == {r["external_id"] for r in winner_records}
    assert AuditEvent.objects.filter(action="decision.batch.ingested").count() == 1
    # The decisions come back in the order they were sent, whatever order they were written in.
    assert [d["external_id"] for d in results[winner].json()["decisions"]] == [
        r["external_id"] for r in winner_records
    ]

    body = results["b" if winner == "a" else "a"].json()
    ids = [r["external_id"] for r in loser_records]
    assert [(p["index"], p["field"]) for p in body["problems"]] == sorted(
        [(ids.index("ext-2"), "external_id"), (ids.index("ext-3"), "external_id")]
    )
    monkeypatch.undo()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    assert post(client, loser_records).json() == body


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_on_corrections_gets_the_sequential_answer(pause_marked_rows, monkeypatch):
    # Sorting by external_id cannot order the supersedes index too: A corrects ext-0 then ext-1, B (its own,
    # later-sorting external ids) corrects ext-1 then ext-0, and PostgreSQL aborts one with 40P01; the loser
    # hears what a sequential request would hear, that both decisions have already been superseded.
    agency = factories.organisation(code="mlsp")
    sys = factories.system(agency, code="family-card")
    factories.model_version(sys, "1.0")
    clear = factories.token(agency)
    originals = [factories.decision_record(i) for i in (0, 1)]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    assert post(client, originals).status_code == 201
    iin = {0: originals[0]["subject_iin"], 1: originals[1]["subject_iin"]}

    def correction(n: int, target: int, **extra: Any) -> dict[str, Any]:
        return factories.decision_record(n, subject_iin=iin[target], supersedes=f"ext-{target}", **extra)

    batch_a = [correction(10, 0), correction(11, 1, household_id=pause_marked_rows)]
    batch_b = [correction(20, 1), correction(21, 0, household_id=pause_marked_rows)]
    writes = copy_after_both_validated(monkeypatch)

    results = race(clear, {"a": batch_a, "b": batch_b})

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [201, 422], {n: (r.status_code, r.content[:300]) for n, r in results.items()}
    assert len(writes) >= 3  # PostgreSQL aborted one as a deadlock, and it was written again
    winner = next(n for n, r in results.items() if r.status_code == 201)
    loser_records = batch_b if winner == "a" else batch_a
    assert Decision.objects.filter(system=sys).count() == 4
    body = results["b" if winner == "a" else "a"].json()
    assert [(p["index"], p["field"]) for p in body["problems"]] == [(0, "supersedes"), (1, "supersedes")]
    monkeypatch.undo()
    assert post(client, loser_records).json() == body
