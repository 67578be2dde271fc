"""The audit chain: every event links to its predecessor; the verifier names the exact event tampered with."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from portal.audit.models import AuditEvent
from portal.audit.services import GENESIS, audit_checkpoint, audit_record, audit_verify


def _append(n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    action="test.event",
                    actor="system",
                    object_type="t",
                    object_id=i,
                    data={"i": i, "text": "Қазақ"},
                )
            )
    return events


def _tamper(sql: str, params: list[object]) -> None:
    """Change a row behind the application's back (as an attacker with table access would)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_events_link_to_their_predecessor(db):
    events = _append(3)
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    result = audit_verify()
    assert result.ok and result.checked == 3 and result.head_hash == events[-1].hash


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="test.orphan", actor="system")
    assert not AuditEvent.objects.filter(action="test.orphan").exists()


def test_the_verifier_names_the_event_whose_data_changed(db):
    events = _append(5)
    _tamper("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"i": 99}', events[2].seq])
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_seq == events[2].seq
    assert "content" in result.reason
    with pytest.raises(CommandError, match=f"event {events[2].seq}"):
        call_command("audit_verify")


def test_the_verifier_names_a_deleted_event(db):
    events = _append(4)
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == events[1].seq


def test_a_rewritten_history_with_recomputed_hashes_fails_the_checkpoint(db):
    from portal.audit.services import event_hash

    events = _append(3)
    audit_checkpoint()
    # Rewrite event 3 and recompute its hash so the chain alone looks consistent.
    target = events[2]
    new_data = {"i": 42}
    new_hash = event_hash(
        seq=target.seq,
        prev_hash=target.prev_hash,
        created_at=target.created_at,
        action=target.action,
        actor=target.actor,
        object_type=target.object_type,
        object_id=target.object_id,
        data=new_data,
    )
    _tamper(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE seq = %s", ['{"i": 42}', new_hash, target.seq]
    )
    result = audit_verify()
    assert not result.ok and "checkpoint" in result.reason


def test_the_database_refuses_update_and_delete(postgres):
    event = _append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_command_reports_an_intact_chain(db, capsys):
    _append(2)
    call_command("audit_verify")
    assert "intact: 2 events" in capsys.readouterr().out


def test_hash_covers_time_in_utc_whatever_the_zone(db):
    from portal.audit.services import event_hash

    when = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    almaty = when.astimezone(dt.timezone(dt.timedelta(hours=5)))
    kwargs = dict(seq=1, prev_hash=GENESIS, action="a", actor="b", object_type="", object_id="", data={})
    assert event_hash(created_at=when, **kwargs) == event_hash(created_at=almaty, **kwargs)
