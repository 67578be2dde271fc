"""One alert scan at a time, on PostgreSQL: a scan holds a session-level advisory lock from before it measures
until its writes have committed; a scan that finds the lock held skips without measuring or writing anything,
and sequential scans behave as they always did (and leave the lock free)."""

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection, connections

from appeals.models import Notification
from oversight.inquiries import checks, services
from oversight.inquiries.models import Alert, AlertRule
from portal.audit.models import AuditEvent

from .conftest import NOW, World, only_rule

LATER = NOW + dt.timedelta(minutes=15)


@pytest.fixture
def other_session(postgres: None) -> Iterator[psycopg.Connection[Any]]:
    """A second session on the test database (autocommit), as another worker's scan would have."""
    params = connection.get_connection_params()
    other = psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        dbname=params["dbname"],
        autocommit=True,
    )
    try:
        yield other
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")
        other.close()


def lock_is_free(other: psycopg.Connection[Any]) -> bool:
    """Whether another session can take the scan lock now (and give it straight back)."""
    row = other.execute("SELECT pg_try_advisory_lock(%s)", [services._SCAN_LOCK]).fetchone()
    assert row is not None
    if row[0]:
        other.execute("SELECT pg_advisory_unlock(%s)", [services._SCAN_LOCK])
    return bool(row[0])


def finding(world: World, value: float = 0.5) -> checks.Finding:
    version = world.system.versions.get()
    return checks.Finding(
        key="version:1", system_id=world.system.pk, model_version_id=version.pk, value=value, sample_size=40
    )


def alert_notes() -> int:
    return Notification.objects.filter(event=services.ALERT_EVENT).count()


def test_a_scan_skips_while_another_session_holds_the_lock(
    world: World, other_session: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = only_rule("version-overturn-rate")
    measured: list[str] = []

    def evaluate(rule: AlertRule, now: dt.datetime) -> list[checks.Finding]:
        measured.append(rule.code)
        return [finding(world)]

    monkeypatch.setattr(checks, "evaluate", evaluate)
    other_session.execute("SELECT pg_advisory_lock(%s)", [services._SCAN_LOCK])

    busy = services.alert_scan(now=NOW)

    assert busy.skipped is True
    assert (busy.rules, busy.raised, busy.cleared, busy.notified) == (0, 0, 0, 0)
    assert busy.as_dict()["skipped"] == 1
    assert measured == []  # it did not even measure
    assert not Alert.objects.exists() and alert_notes() == 0
    assert not AuditEvent.objects.filter(action__startswith="oversight.alert.").exists()

    other_session.execute("SELECT pg_advisory_unlock(%s)", [services._SCAN_LOCK])
    free = services.alert_scan(now=LATER)

    assert free.skipped is False and free.as_dict()["skipped"] == 0
    assert (free.rules, free.raised, free.notified) == (1, 1, 1)
    assert measured == [rule.code]
    assert Alert.objects.filter(rule=rule).count() == 1


def test_sequential_scans_behave_as_before_and_leave_the_lock_free(
    world: World, other_session: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = only_rule("version-overturn-rate")
    present: list[checks.Finding] = []
    monkeypatch.setattr(checks, "evaluate", lambda rule, now: list(present))

    present[:] = [finding(world, 0.5)]
    raised = services.alert_scan(now=NOW)
    assert lock_is_free(other_session)
    present[:] = [finding(world, 0.7)]
    kept = services.alert_scan(now=LATER)
    assert lock_is_free(other_session)
    present[:] = []
    cleared = services.alert_scan(now=LATER + dt.timedelta(minutes=15))
    assert lock_is_free(other_session)
    present[:] = [finding(world, 0.6)]
    again = services.alert_scan(now=LATER + dt.timedelta(minutes=30))
    assert lock_is_free(other_session)

    summary = [(r.skipped, r.rules, r.raised, r.cleared, r.notified) for r in (raised, kept, cleared, again)]
    assert summary == [(False, 1, 1, 0, 1), (False, 1, 0, 0, 0), (False, 1, 0, 1, 0), (False, 1, 1, 0, 1)]
    first, second = Alert.objects.filter(rule=rule).order_by("id")
    assert (first.value, first.latest_value, first.cleared_at) == (0.5, 0.7, LATER + dt.timedelta(minutes=15))
    assert (second.value, second.cleared_at) == (0.6, None)
    assert alert_notes() == 2


def test_a_scan_that_fails_gives_the_lock_back(
    world: World, other_session: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    only_rule("version-overturn-rate")

    def broken(rule: AlertRule, now: dt.datetime) -> list[checks.Finding]:
        assert not lock_is_free(other_session)  # held while measuring
        raise RuntimeError("check failed")

    monkeypatch.setattr(checks, "evaluate", broken)
    with pytest.raises(RuntimeError):
        services.alert_scan(now=NOW)

    assert lock_is_free(other_session)
    assert not Alert.objects.exists()


@pytest.mark.usefixtures("postgres")
def test_a_scan_overlapping_another_cannot_undo_its_writes(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the lock closes. An alert is live; scan A measures the condition still present; meanwhile scan
    B starts in another worker, where the condition has just cleared. Without the lock B cleared the alert and A,
    writing its older measurement afterwards, raised it again and notified everyone a second time. With the lock
    B skips and the one alert stays live, notified once."""
    world = World()
    rule = only_rule("version-overturn-rate")
    monkeypatch.setattr(checks, "evaluate", lambda rule, now: [finding(world)])
    assert services.alert_scan(now=NOW).raised == 1
    assert alert_notes() == 1

    overlapping: list[services.ScanResult] = []

    def scan_b() -> None:
        try:
            overlapping.append(services.alert_scan(now=LATER))
        finally:
            connections.close_all()  # this thread's own connection

    def evaluate_a(rule: AlertRule, now: dt.datetime) -> list[checks.Finding]:
        # While A measures, B runs in full in another thread (another database session), seeing no finding.
        monkeypatch.setattr(checks, "evaluate", lambda rule, now: [])
        thread = threading.Thread(target=scan_b)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive()
        return [finding(world)]

    monkeypatch.setattr(checks, "evaluate", evaluate_a)
    a = services.alert_scan(now=LATER)

    assert [r.skipped for r in overlapping] == [True]
    assert (a.skipped, a.raised, a.cleared, a.notified) == (False, 0, 0, 0)
    alert = Alert.objects.get(rule=rule)
    assert alert.cleared_at is None and alert.latest_checked_at == LATER
    assert alert_notes() == 1
    assert AuditEvent.objects.filter(action="oversight.alert.cleared").count() == 0
