"""The periodic scan's bookkeeping, with the measurement replaced by a fixed list of findings: one alert per
episode of a condition (dedupe key), each ombudsman notified of it exactly once, episodes ending when the
condition clears, audit records for each change. What the checks measure is tested in test_checks.py."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from appeals.models import Notification
from appeals.services.messages import render_message
from oversight.inquiries import checks, services
from oversight.inquiries.models import Alert, AlertRule, AlertStatus
from portal.audit.models import AuditEvent

from .conftest import NOW, World, only_rule

LATER = NOW + dt.timedelta(minutes=15)


@pytest.fixture
def findings(monkeypatch: pytest.MonkeyPatch, world: World) -> dict[str, list[checks.Finding]]:
    """What the fake measurement returns per rule code (nothing unless a test says so)."""
    by_rule: dict[str, list[checks.Finding]] = {}
    monkeypatch.setattr(checks, "evaluate", lambda rule, now: list(by_rule.get(rule.code, [])))
    return by_rule


def finding(world: World, key: str = "version:1", value: float = 0.5) -> checks.Finding:
    version = world.system.versions.get()
    return checks.Finding(
        key=key, system_id=world.system.pk, model_version_id=version.pk, value=value, sample_size=40
    )


def test_a_finding_raises_one_alert_and_notifies_each_ombudsman_once(
    world: World, findings: Any, second_ombudsman: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rule = only_rule("version-overturn-rate")
    findings[rule.code] = [finding(world)]

    with django_capture_on_commit_callbacks(execute=True):
        first = services.alert_scan(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.alert_scan(now=LATER)

    assert (first.raised, first.notified) == (1, 2)
    assert (second.raised, second.notified) == (0, 0)
    alert = Alert.objects.get(rule=rule)
    assert alert.status == AlertStatus.OPEN
    assert (alert.value, alert.threshold, alert.sample_size) == (0.5, rule.threshold, 40)
    assert alert.latest_checked_at == LATER
    notes = Notification.objects.filter(event=services.ALERT_EVENT)
    assert sorted(n.recipient_id for n in notes) == sorted([world.ombudsman.pk, second_ombudsman.pk])
    assert all(n.appeal_id is None and n.state == Notification.State.SENT for n in notes)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.ombudsman.email, second_ombudsman.email])
    assert world.system.code in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="oversight.alert.raised", object_id=str(alert.pk)).count() == 1


def test_the_message_names_the_system_in_the_ombudsmans_language(world: World, findings: Any) -> None:
    rule = only_rule("version-overturn-rate")
    findings[rule.code] = [finding(world)]
    world.ombudsman.preferred_language = "en"
    world.ombudsman.save()
    services.alert_scan(now=NOW)
    note = Notification.objects.get(event=services.ALERT_EVENT, recipient=world.ombudsman)
    message = render_message(note)
    assert note.language == "en"
    assert message.subject == f"New oversight alert about {world.system.code}"
    assert "Alerts" in message.body
    assert "To change how we contact you" not in message.body  # that line is for appellants


def test_a_closed_alert_is_not_raised_again_while_its_condition_lasts(world: World, findings: Any) -> None:
    rule = only_rule("version-overturn-rate")
    findings[rule.code] = [finding(world)]
    services.alert_scan(now=NOW)
    alert = Alert.objects.get(rule=rule)
    services.alert_status_set(alert_id=alert.pk, actor=world.ombudsman, status="CLOSED", note="Known issue")

    again = services.alert_scan(now=LATER)

    assert again.raised == 0
    assert list(Alert.objects.filter(rule=rule).values_list("pk", flat=True)) == [alert.pk]


def test_a_condition_that_clears_ends_the_episode_and_a_recurrence_is_a_new_alert(
    world: World, findings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rule = only_rule("version-overturn-rate")
    findings[rule.code] = [finding(world)]
    services.alert_scan(now=NOW)
    findings[rule.code] = []
    cleared = services.alert_scan(now=LATER)
    first = Alert.objects.get(rule=rule)
    assert cleared.cleared == 1 and first.cleared_at == LATER and first.status == AlertStatus.OPEN

    findings[rule.code] = [finding(world, value=0.6)]
    with django_capture_on_commit_callbacks(execute=True):
        again = services.alert_scan(now=LATER + dt.timedelta(minutes=15))

    assert again.raised == 1 and again.notified == 1
    second = Alert.objects.filter(rule=rule).exclude(pk=first.pk).get()
    assert second.dedupe_key == first.dedupe_key and second.cleared_at is None and second.value == 0.6
    assert Notification.objects.filter(event=services.ALERT_EVENT).count() == 2


def test_distinct_subjects_and_distinct_rules_raise_distinct_alerts(world: World, findings: Any) -> None:
    only_rule("version-overturn-rate")
    AlertRule.objects.filter(code="not-reproducible").update(enabled=True)
    findings["version-overturn-rate"] = [finding(world, "version:1"), finding(world, "version:2")]
    findings["not-reproducible"] = [finding(world, "version:1")]

    result = services.alert_scan(now=NOW)

    assert result.raised == 3
    assert Alert.objects.filter(cleared_at__isnull=True).values("dedupe_key").distinct().count() == 3


def test_a_disabled_rule_raises_nothing(world: World, findings: Any) -> None:
    rule = only_rule("version-overturn-rate")
    rule.enabled = False
    rule.save()
    findings[rule.code] = [finding(world)]
    assert services.alert_scan(now=NOW).raised == 0
    assert not Alert.objects.filter(rule=rule).exists()


def test_the_database_refuses_a_second_live_alert_with_the_same_key(world: World, findings: Any) -> None:
    from django.db import IntegrityError, transaction

    rule = only_rule("version-overturn-rate")
    findings[rule.code] = [finding(world)]
    services.alert_scan(now=NOW)
    alert = Alert.objects.get(rule=rule)
    alert.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        alert.save()
