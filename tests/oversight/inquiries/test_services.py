"""Alert status changes, rule changes and inquiries: the services' guards, each refusal changing nothing."""

import datetime as dt
import itertools
from typing import Any

import pytest

from oversight.inquiries import services
from oversight.inquiries.exceptions import IllegalTransition, InvalidInput, NotAllowed
from oversight.inquiries.models import Alert, AlertRule, AlertStatus, Inquiry, InquiryNote, InquiryStatus
from portal.audit.models import AuditEvent

from .conftest import NOW, World

_keys = itertools.count(1)


def make_alert(world: World, status: str = AlertStatus.OPEN) -> Alert:
    """An alert as the scan raises one (each with its own subject key)."""
    rule = AlertRule.objects.get(code="version-overturn-rate")
    return Alert.objects.create(
        rule=rule,
        kind=rule.kind,
        dedupe_key=f"{rule.pk}:version:{world.system.versions.get().pk}:{next(_keys)}",
        system=world.system,
        model_version=world.system.versions.get(),
        status=status,
        threshold=0.3,
        value=0.42,
        sample_size=50,
        latest_value=0.42,
        latest_checked_at=NOW,
        raised_at=NOW,
        closed_at=NOW if status == AlertStatus.CLOSED else None,
    )


def audit_actions(object_type: str, pk: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_the_migration_seeds_one_enabled_rule_of_each_kind(db: None) -> None:
    rules = AlertRule.objects.filter(enabled=True)
    assert {r.kind for r in rules} == {
        "OVERTURN_RATE",
        "OVERTURN_INCREASE",
        "DISPARITY",
        "DEADLINE_BREACHES",
        "NOT_REPRODUCIBLE",
    }
    assert AlertRule.objects.get(code="not-reproducible").threshold == 0  # any mismatch at all


# --- alerts ---


def test_the_ombudsman_acknowledges_then_closes_an_alert_with_a_note(world: World) -> None:
    alert = make_alert(world)
    services.alert_status_set(alert_id=alert.pk, actor=world.ombudsman, status="ACKNOWLEDGED", note="")
    services.alert_status_set(
        alert_id=alert.pk, actor=world.ombudsman, status="CLOSED", note="Agency fixed the income feed"
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.acknowledged_at and alert.closed_at
    assert [e.code for e in alert.events.order_by("id")] == ["acknowledged", "closed"]
    assert alert.events.get(code="closed").note == "Agency fixed the income feed"
    assert audit_actions("alert", alert.pk) == ["oversight.alert.acknowledged", "oversight.alert.closed"]


@pytest.mark.parametrize(
    ("status", "start", "note", "field"),
    [
        ("CLOSED", AlertStatus.OPEN, "  ", "note"),  # closing needs a reason
        ("ACKNOWLEDGED", AlertStatus.ACKNOWLEDGED, "", "status"),  # already acknowledged
        ("OPEN", AlertStatus.OPEN, "", "status"),  # not a move anyone makes
        ("WHATEVER", AlertStatus.OPEN, "", "status"),
    ],
)
def test_a_wrong_alert_change_is_refused_with_a_message_on_its_field(
    world: World, status: str, start: str, note: str, field: str
) -> None:
    alert = make_alert(world, start)
    with pytest.raises(InvalidInput) as caught:
        services.alert_status_set(alert_id=alert.pk, actor=world.ombudsman, status=status, note=note)
    assert field in caught.value.errors
    assert Alert.objects.get(pk=alert.pk).status == start
    assert audit_actions("alert", alert.pk) == []


def test_a_closed_alert_cannot_change(world: World) -> None:
    alert = make_alert(world, AlertStatus.CLOSED)
    with pytest.raises(IllegalTransition):
        services.alert_status_set(alert_id=alert.pk, actor=world.ombudsman, status="ACKNOWLEDGED", note="")


@pytest.mark.parametrize("who", ["reviewers", "supervisor", "agency_staff", "citizen"])
def test_nobody_but_the_ombudsman_may_change_an_alert(world: World, who: str) -> None:
    actor = getattr(world, who)
    actor = actor[0] if isinstance(actor, list) else actor
    alert = make_alert(world)
    with pytest.raises(NotAllowed):
        services.alert_status_set(alert_id=alert.pk, actor=actor, status="CLOSED", note="x")
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


# --- rules ---


def rule_values(rule: AlertRule, **changes: Any) -> dict[str, Any]:
    values = {
        "enabled": rule.enabled,
        "threshold": rule.threshold,
        "min_count": rule.min_count,
        "period_months": rule.period_months,
        "measure": rule.measure,
        "metric": rule.metric,
        "attribute": rule.attribute,
    }
    values.update(changes)
    return values


def test_a_rule_change_is_saved_and_audited_with_what_changed(world: World) -> None:
    rule = AlertRule.objects.get(code="disparity-overturn-rate")
    services.rule_update(
        rule_id=rule.pk,
        actor=world.ombudsman,
        values=rule_values(rule, threshold=2.0, attribute="region", period_months=None),
        now=NOW,
    )
    rule.refresh_from_db()
    assert (rule.threshold, rule.attribute, rule.period_months) == (2.0, "region", None)
    assert rule.updated_by == world.ombudsman
    event = AuditEvent.objects.get(action="oversight.alert_rule.changed", object_id=str(rule.pk))
    assert event.data["changes"] == {
        "threshold": [1.5, 2.0],
        "attribute": ["", "region"],
        "period_months": [12, None],
    }


@pytest.mark.parametrize(
    ("code", "changes", "field"),
    [
        ("version-overturn-rate", {"threshold": 1.0}, "threshold"),  # a proportion: 100 % is not a threshold
        ("version-overturn-rate", {"threshold": -0.1}, "threshold"),
        ("version-overturn-rate", {"threshold": float("nan")}, "threshold"),
        ("version-overturn-rate", {"min_count": 0}, "min_count"),
        ("version-overturn-rate", {"period_months": 0}, "period_months"),
        ("version-overturn-rate", {"period_months": 121}, "period_months"),
        ("disparity-overturn-rate", {"threshold": 1.0}, "threshold"),  # a ratio bound must exceed 1
        ("disparity-overturn-rate", {"metric": "nonsense"}, "metric"),
        ("disparity-overturn-rate", {"attribute": "religion"}, "attribute"),
        ("not-reproducible", {"threshold": 2.5}, "threshold"),  # a count is whole
        ("not-reproducible", {"measure": ""}, "measure"),
        ("deadline-breaches", {"threshold": 5.0}, "threshold"),  # a share, not a per cent
    ],
)
def test_an_invalid_rule_change_is_refused_with_a_message_and_changes_nothing(
    world: World, code: str, changes: dict[str, Any], field: str
) -> None:
    rule = AlertRule.objects.get(code=code)
    before = rule_values(rule)
    with pytest.raises(InvalidInput) as caught:
        services.rule_update(rule_id=rule.pk, actor=world.ombudsman, values=rule_values(rule, **changes))
    assert set(caught.value.errors) == {field}
    assert str(caught.value.errors[field])
    assert rule_values(AlertRule.objects.get(pk=rule.pk)) == before


def test_a_count_rule_may_count_from_zero_cases(world: World) -> None:
    rule = AlertRule.objects.get(code="not-reproducible")
    services.rule_update(rule_id=rule.pk, actor=world.ombudsman, values=rule_values(rule, threshold=3.0))
    assert AlertRule.objects.get(pk=rule.pk).threshold == 3


# --- inquiries ---


def open_inquiry(world: World, **extra: Any) -> Inquiry:
    values: dict[str, Any] = {
        "actor": world.ombudsman,
        "system_id": world.system.pk,
        "title": "Overturns of version 1.0",
        "scope": "Sample 50 overturned appeals; interview the agency.",
        "language": "en",
        "now": NOW,
    }
    values.update(extra)
    return services.inquiry_open(**values)


def test_an_inquiry_goes_from_open_to_in_progress_to_closed_with_findings_and_notes(world: World) -> None:
    inquiry = open_inquiry(world)
    services.inquiry_note_add(inquiry_id=inquiry.pk, actor=world.ombudsman, text="Asked the agency for data")
    services.inquiry_status_set(inquiry_id=inquiry.pk, actor=world.ombudsman, status="IN_PROGRESS")
    services.inquiry_status_set(
        inquiry_id=inquiry.pk,
        actor=world.ombudsman,
        status="CLOSED",
        findings="The income feed was stale.",
        now=NOW + dt.timedelta(days=30),
    )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED and inquiry.findings == "The income feed was stale."
    assert inquiry.closed_at == NOW + dt.timedelta(days=30)
    assert audit_actions("inquiry", inquiry.pk) == [
        "oversight.inquiry.opened",
        "oversight.inquiry.note_added",
        "oversight.inquiry.status_changed",
        "oversight.inquiry.status_changed",
    ]
    with pytest.raises(IllegalTransition):
        services.inquiry_note_add(inquiry_id=inquiry.pk, actor=world.ombudsman, text="too late")
    with pytest.raises(IllegalTransition):
        services.inquiry_status_set(inquiry_id=inquiry.pk, actor=world.ombudsman, status="OPEN")


def test_closing_an_inquiry_needs_findings(world: World) -> None:
    inquiry = open_inquiry(world)
    with pytest.raises(InvalidInput) as caught:
        services.inquiry_status_set(
            inquiry_id=inquiry.pk, actor=world.ombudsman, status="CLOSED", findings=" "
        )
    assert set(caught.value.errors) == {"findings"}
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.OPEN


def test_an_inquiry_from_an_alert_must_be_about_the_alerts_system(world: World) -> None:
    from tests import factories

    alert = make_alert(world)
    other = factories.system(world.agency, code="tax-risk")
    with pytest.raises(InvalidInput) as caught:
        open_inquiry(world, system_id=other.pk, alert_id=alert.pk)
    assert set(caught.value.errors) == {"system"}
    inquiry = open_inquiry(world, alert_id=alert.pk)
    assert inquiry.alert_id == alert.pk


def test_an_inquiry_without_a_system_title_or_scope_lists_every_problem(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_inquiry(world, system_id=None, title=" ", scope="")
    assert set(caught.value.errors) == {"system", "title", "scope"}
    with pytest.raises(InvalidInput) as caught:
        open_inquiry(world, title="x" * 201)
    assert set(caught.value.errors) == {"title"}
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("who", ["reviewers", "supervisor", "agency_staff", "citizen"])
def test_nobody_but_the_ombudsman_may_open_or_change_an_inquiry(world: World, who: str) -> None:
    actor = getattr(world, who)
    actor = actor[0] if isinstance(actor, list) else actor
    with pytest.raises(NotAllowed):
        open_inquiry(world, actor=actor)
    inquiry = open_inquiry(world)
    with pytest.raises(NotAllowed):
        services.inquiry_note_add(inquiry_id=inquiry.pk, actor=actor, text="x")
    with pytest.raises(NotAllowed):
        services.inquiry_status_set(inquiry_id=inquiry.pk, actor=actor, status="CLOSED", findings="x")
    assert not InquiryNote.objects.filter(inquiry=inquiry).exists()
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.OPEN
