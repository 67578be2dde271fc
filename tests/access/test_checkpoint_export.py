"""The daily checkpoint is exported outside the database as a signed JSON line; verification compares the chain
with the file, so a rewrite of history that also rewrites the database's checkpoints is still detected."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from portal.audit.models import AuditCheckpoint, AuditEvent
from portal.audit.services import (
    CHECKPOINT_FILE,
    audit_checkpoint,
    audit_record,
    audit_verify,
    event_hash,
    exported_checkpoints,
)
from portal.audit.tasks import audit_checkpoint_task


@pytest.fixture
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def append(n: int) -> list[AuditEvent]:
    out = []
    for i in range(n):
        with transaction.atomic():
            out.append(audit_record(action="test.event", actor="system", object_id=i, data={"i": i}))
    return out


def raw(sql: str, params: list[Any]) -> None:
    """Change the tables behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def rewrite_with_recomputed_hashes(events: list[AuditEvent], index: int) -> None:
    """Rewrite one event and re-chain every later one, so that the chain alone is consistent again."""
    prev = events[index].prev_hash
    for i, event in enumerate(events[index:], start=index):
        data = {"i": 42} if i == index else event.data
        new = event_hash(
            seq=event.seq,
            prev_hash=prev,
            created_at=event.created_at,
            action=event.action,
            actor=event.actor,
            object_type=event.object_type,
            object_id=event.object_id,
            data=data,
        )
        raw(
            "UPDATE audit_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [json.dumps(data), prev, new, event.seq],
        )
        prev = new


def test_the_checkpoint_is_appended_to_the_file_signed(db, export_dir):
    events = append(3)
    audit_checkpoint()
    append(1)
    audit_checkpoint()

    lines = (export_dir / CHECKPOINT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert (first["seq"], first["hash"]) == (events[-1].seq, events[-1].hash)
    assert len(first["sig"]) == 64
    assert [(p.seq, p.hash) for p in exported_checkpoints()] == list(
        AuditCheckpoint.objects.order_by("id").values_list("seq", "hash")
    )
    result = audit_verify()
    assert result.ok and result.exported_checkpoints == 2


def test_a_rewrite_that_also_rewrites_the_database_checkpoints_fails_against_the_file(db, export_dir):
    events = append(4)
    audit_checkpoint()
    rewrite_with_recomputed_hashes(events, 1)
    with connection.cursor() as cursor:  # the checkpoints in the database are rewritten too
        cursor.execute(
            "UPDATE audit_auditcheckpoint SET hash = %s WHERE seq = %s",
            [AuditEvent.objects.get(seq=events[-1].seq).hash, events[-1].seq],
        )

    result = audit_verify()

    assert not result.ok
    assert result.first_broken_seq == events[-1].seq
    assert "checkpoint file" in result.reason


def test_without_the_exported_file_the_same_rewrite_goes_unnoticed(db, settings):
    """The control for the test above: it is the file that catches the rewrite."""
    settings.AUDIT_CHECKPOINT_DIR = ""
    events = append(4)
    audit_checkpoint()
    rewrite_with_recomputed_hashes(events, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditcheckpoint SET hash = %s WHERE seq = %s",
            [AuditEvent.objects.get(seq=events[-1].seq).hash, events[-1].seq],
        )
    assert audit_verify().ok


def test_a_truncated_chain_fails_against_the_file(db, export_dir):
    events = append(3)
    audit_checkpoint()
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    AuditCheckpoint.objects.all().delete()
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == events[-1].seq


def test_an_edited_line_of_the_file_is_detected(db, export_dir):
    events = append(2)
    audit_checkpoint()
    path = export_dir / CHECKPOINT_FILE
    record = json.loads(path.read_text(encoding="utf-8"))
    record["hash"] = events[0].hash
    record["seq"] = events[0].seq
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = audit_verify()
    assert not result.ok and "not signed" in result.reason


def test_a_garbled_line_of_the_file_is_detected(db, export_dir):
    append(1)
    audit_checkpoint()
    with (export_dir / CHECKPOINT_FILE).open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    result = audit_verify()
    assert not result.ok and "line 2" in result.reason and "malformed" in result.reason


def test_a_checkpoint_of_an_empty_chain_verifies(db, export_dir):
    assert not AuditEvent.objects.exists()
    audit_checkpoint()
    assert audit_verify().ok


def test_the_task_reports_whether_it_exported(db, export_dir):
    append(1)
    assert audit_checkpoint_task.apply().get()["exported"] is True
    assert (export_dir / CHECKPOINT_FILE).exists()


def test_with_the_export_off_nothing_is_written(db, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = ""
    append(1)
    assert audit_checkpoint_task.apply().get()["exported"] is False
    assert not any(tmp_path.iterdir())


def test_if_the_export_fails_no_checkpoint_is_recorded(db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.AUDIT_CHECKPOINT_DIR = str(blocker)
    append(1)
    with pytest.raises(OSError):
        audit_checkpoint()
    assert not AuditCheckpoint.objects.exists()
