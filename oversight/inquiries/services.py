"""Every write of alerts, alert rules and inquiries: keyword-only, atomic, audited in the same transaction.

The periodic scan (`alert_scan`) holds a session-level advisory lock on PostgreSQL from before it measures until
after its writes have committed, so scans never overlap: a scan that finds the lock held skips (it does not wait; the
next beat runs it again). Without that, a scan that measured before another scan's writes could undo them (clear
an alert the other just confirmed, or raise again one it just cleared, notifying everyone twice). Inside the lock
it measures first, outside any transaction (checks.py, read-only), then writes in one short durable transaction,
so no transaction stays open while the checks run. An alert is raised
at most once per episode of a condition (the database refuses a second live alert with the same dedupe key), and
each ombudsman is notified of it exactly once: one outbox row per alert and person, keyed, delivered after commit
by the appeals notification machinery.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.services.messages import OMBUDSMAN
from appeals.services.notify import enqueue
from explanations.models import AlgorithmicSystem
from oversight import rollups
from portal.accounts.models import OrganisationKind, Role, User
from portal.audit.services import audit_record

from . import checks
from .exceptions import IllegalTransition, InvalidInput, NotAllowed
from .models import (
    Alert,
    AlertEvent,
    AlertKind,
    AlertRule,
    AlertStatus,
    DisparityMetric,
    GroupAttribute,
    Inquiry,
    InquiryNote,
    InquiryStatus,
    Measure,
)
from .permissions import can_edit_rules, can_open_inquiry, can_view_alerts

ALERT_EVENT = "oversight.alert.raised"
_SCAN_LOCK = 0x414C5254  # "ALRT": one scan at a time, measuring and writing
TITLE_MAX = 200
TEXT_MAX = 10_000
MIN_COUNT_MAX = 1_000_000
PERIOD_MAX_MONTHS = 120

# The fields of a rule that mean something for each kind (the rest are ignored and not shown).
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    AlertKind.OVERTURN_RATE: ("enabled", "threshold", "min_count", "period_months"),
    AlertKind.OVERTURN_INCREASE: ("enabled", "threshold", "min_count", "period_months"),
    AlertKind.DISPARITY: ("enabled", "metric", "attribute", "threshold", "min_count", "period_months"),
    AlertKind.DEADLINE_BREACHES: ("enabled", "measure", "threshold", "min_count", "period_months"),
    AlertKind.NOT_REPRODUCIBLE: ("enabled", "measure", "threshold", "min_count", "period_months"),
}

ALERT_TRANSITIONS: dict[str, frozenset[str]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED}),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.CLOSED}),
    AlertStatus.CLOSED: frozenset(),
}
INQUIRY_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryStatus.OPEN: frozenset({InquiryStatus.IN_PROGRESS, InquiryStatus.CLOSED}),
    InquiryStatus.IN_PROGRESS: frozenset({InquiryStatus.OPEN, InquiryStatus.CLOSED}),
    InquiryStatus.CLOSED: frozenset(),
}


def threshold_is_share(kind: str, measure: str) -> bool:
    """Whether the threshold is a proportion (shown to people as a percentage)."""
    if kind in (AlertKind.OVERTURN_RATE, AlertKind.OVERTURN_INCREASE):
        return True
    return kind in (AlertKind.DEADLINE_BREACHES, AlertKind.NOT_REPRODUCIBLE) and measure == Measure.SHARE


# --- the periodic scan ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    rules: int
    raised: int
    cleared: int
    notified: int
    skipped: bool = False  # another scan held the lock: nothing was measured or written

    def as_dict(self) -> dict[str, int]:
        return {
            "rules": self.rules,
            "raised": self.raised,
            "cleared": self.cleared,
            "notified": self.notified,
            "skipped": int(self.skipped),
        }


def ombudsmen() -> list[User]:
    """Everyone who hears of a new alert: active members of the ombudsman's office."""
    return list(
        User.objects.filter(
            role=Role.OMBUDSMAN, is_active=True, organisation__kind=OrganisationKind.OMBUDSMAN
        ).order_by("id")
    )


def alert_scan(*, now: dt.datetime | None = None) -> ScanResult:
    """Evaluate every enabled rule; raise an alert for each new condition, end the episodes that cleared.

    Idempotent: run twice on the same data, the second run raises nothing and notifies nobody. Returns at once
    with ``skipped`` set, having measured and written nothing, while another scan is running.
    """
    now = now or timezone.now()
    # The numbers are the dashboard's rollups; fold in what the 5-minute refresh has not yet (cheap: only the
    # increment, and it never waits for a refresh already running).
    rollups.ensure_fresh(now=now)
    with _scan_lock() as got:
        if not got:
            return ScanResult(rules=0, raised=0, cleared=0, notified=0, skipped=True)
        rules = list(AlertRule.objects.filter(enabled=True).order_by("id"))
        measured = [(rule, checks.evaluate(rule, now)) for rule in rules]
        return _record_findings(measured, now)


@contextmanager
def _scan_lock() -> Iterator[bool]:
    """One scan at a time: a session-level advisory lock (it outlives the write transaction, so it covers the
    measuring before it and the commit). Yields False, without waiting, when another scan holds it. SQLite has
    one writer and no concurrent scans (development only): no lock."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_SCAN_LOCK])
        row = cursor.fetchone()
    if not (row and row[0]):
        yield False
        return
    try:
        yield True
    finally:
        _scan_unlock()


def _scan_unlock() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_SCAN_LOCK])
    except DatabaseError:
        # The session cannot run the unlock (connection lost, or an enclosing transaction aborted): end the
        # session, which releases its advisory locks, rather than leave every later scan skipping.
        connection.close()


@transaction.atomic(durable=True)
def _record_findings(measured: list[tuple[AlertRule, list[checks.Finding]]], now: dt.datetime) -> ScanResult:
    """Write what one scan measured: called only under `_scan_lock`, in one short transaction."""
    recipients = ombudsmen()
    raised = cleared = notified = 0
    for rule, findings in measured:
        # The rule may have been switched off between measuring and writing: then its findings are stale.
        if not AlertRule.objects.filter(pk=rule.pk, enabled=True).exists():
            continue
        live = {
            a.dedupe_key: a
            for a in Alert.objects.select_for_update()
            .filter(rule=rule, cleared_at__isnull=True)
            .order_by("id")
        }
        seen = set()
        for finding in findings:
            key = f"{rule.pk}:{finding.key}"
            seen.add(key)
            alert = live.get(key)
            if alert is not None:
                alert.latest_value = finding.value
                alert.latest_checked_at = now
                alert.save(update_fields=["latest_value", "latest_checked_at"])
                continue
            alert = _raise(rule, finding, key, now)
            raised += 1
            notified += _notify(alert, recipients, now)
        for key, alert in live.items():
            if key not in seen:
                _clear(alert, now)
                cleared += 1
    return ScanResult(rules=len(measured), raised=raised, cleared=cleared, notified=notified)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _raise(rule: AlertRule, finding: checks.Finding, key: str, now: dt.datetime) -> Alert:
    alert = Alert.objects.create(
        rule=rule,
        kind=rule.kind,
        dedupe_key=key,
        system_id=finding.system_id,
        model_version_id=finding.model_version_id,
        group_attribute=finding.group_attribute,
        group_value=finding.group_value,
        threshold=rule.threshold,
        value=_finite(finding.value),
        sample_size=finding.sample_size,
        details={**finding.details, "rule": _rule_snapshot(rule)},
        latest_value=_finite(finding.value),
        latest_checked_at=now,
        raised_at=now,
    )
    AlertEvent.objects.create(alert=alert, code="raised", to_status=AlertStatus.OPEN, at=now)
    audit_record(
        action="oversight.alert.raised",
        actor=None,
        object_type="alert",
        object_id=alert.pk,
        data={
            "rule": rule.code,
            "kind": rule.kind,
            "key": key,
            "system_id": finding.system_id,
            "model_version_id": finding.model_version_id,
            "group": [finding.group_attribute, finding.group_value] if finding.group_attribute else None,
            "value": alert.value,
            "threshold": rule.threshold,
            "sample_size": finding.sample_size,
        },
        now=now,
    )
    return alert


def _rule_snapshot(rule: AlertRule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "threshold": rule.threshold,
        "measure": rule.measure,
        "min_count": rule.min_count,
        "period_months": rule.period_months,
        "metric": rule.metric,
        "attribute": rule.attribute,
    }


def _notify(alert: Alert, recipients: list[User], now: dt.datetime) -> int:
    system_code = AlgorithmicSystem.objects.filter(pk=alert.system_id).values_list("code", flat=True).first()
    sent = 0
    for person in recipients:
        note = enqueue(
            appeal=None,
            recipient=person,
            event=ALERT_EVENT,
            now=now,
            key=f"{ALERT_EVENT}:{alert.pk}:{person.pk}",
            context={"audience": OMBUDSMAN, "alert": alert.pk, "system": system_code or ""},
        )
        sent += note is not None
    return sent


def _clear(alert: Alert, now: dt.datetime) -> None:
    alert.cleared_at = now
    alert.latest_checked_at = now
    alert.save(update_fields=["cleared_at", "latest_checked_at"])
    AlertEvent.objects.create(alert=alert, code="cleared", at=now)
    audit_record(
        action="oversight.alert.cleared",
        actor=None,
        object_type="alert",
        object_id=alert.pk,
        data={"key": alert.dedupe_key},
        now=now,
    )


# --- the ombudsman's changes to alerts --------------------------------------------------------------------------


@transaction.atomic(durable=True)
def alert_status_set(
    *, alert_id: int, actor: Any, status: str, note: str, now: dt.datetime | None = None
) -> Alert:
    """Acknowledge or close an alert, with a note (required to close)."""
    now = now or timezone.now()
    if not can_view_alerts(actor):
        raise NotAllowed("only the ombudsman's office")
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise NotAllowed("no such alert")
    note = (note or "").strip()
    errors: dict[str, Any] = {}
    if status not in ALERT_TRANSITIONS[alert.status]:
        if alert.status == AlertStatus.CLOSED:
            raise IllegalTransition(_("This alert is closed, so it cannot be changed."))
        errors["status"] = (
            _("This alert is already acknowledged: you can close it.")
            if status == AlertStatus.ACKNOWLEDGED and alert.status == AlertStatus.ACKNOWLEDGED
            else _("Choose whether to acknowledge or to close the alert.")
        )
    if status == AlertStatus.CLOSED and not note:
        errors["note"] = _("Say why you are closing the alert")
    if len(note) > TEXT_MAX:
        errors["note"] = _("Use %(limit)s characters or fewer") % {"limit": TEXT_MAX}
    if errors:
        raise InvalidInput(errors)
    before = alert.status
    alert.status = status
    fields = ["status"]
    if status == AlertStatus.ACKNOWLEDGED:
        alert.acknowledged_at = now
        fields.append("acknowledged_at")
    else:
        alert.closed_at = now
        fields.append("closed_at")
    alert.save(update_fields=fields)
    AlertEvent.objects.create(
        alert=alert, code=status.lower(), actor=actor, from_status=before, to_status=status, note=note, at=now
    )
    audit_record(
        action=f"oversight.alert.{status.lower()}",
        actor=actor,
        object_type="alert",
        object_id=alert.pk,
        data={"from": before, "to": status, "note_length": len(note)},
        now=now,
    )
    return alert


# --- alert rules ------------------------------------------------------------------------------------------------


def _validate_rule(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    fields = RULE_FIELDS[kind]
    measure = values.get("measure") or ""
    if "measure" in fields and measure not in Measure.values:
        errors["measure"] = _("Choose whether to count cases or to take their share")
    if "metric" in fields and values.get("metric") not in DisparityMetric.values:
        errors["metric"] = _("Choose the rate to compare between groups")
    if "attribute" in fields and (values.get("attribute") or "") not in ("", *GroupAttribute.values):
        errors["attribute"] = _("Choose a group attribute, or all of them")
    threshold = values.get("threshold")
    if threshold is None or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        errors["threshold"] = _("Enter the threshold as a number")
    elif threshold_is_share(kind, measure):
        if not 0 <= threshold < 1:
            errors["threshold"] = _("Enter a percentage of at least 0 and less than 100")
    elif kind == AlertKind.DISPARITY:
        if not 1 < threshold <= 100:
            errors["threshold"] = _("Enter a ratio greater than 1 and at most 100, for example 1.5")
    elif threshold < 0 or threshold != int(threshold) or threshold > MIN_COUNT_MAX:
        errors["threshold"] = _("Enter a whole number of cases, 0 or more")
    min_count = values.get("min_count")
    # A count needs no sample size; a rate or a share does (an unknown measure is reported on its own field).
    counts = (AlertKind.DEADLINE_BREACHES, AlertKind.NOT_REPRODUCIBLE)
    needs_sample = kind not in counts or measure == Measure.SHARE
    if min_count is None or not isinstance(min_count, int) or min_count < (1 if needs_sample else 0):
        errors["min_count"] = _("Enter a whole number of cases, 1 or more")
    elif min_count > MIN_COUNT_MAX:
        errors["min_count"] = _("Enter %(max)s cases or fewer") % {"max": f"{MIN_COUNT_MAX:,}"}
    period = values.get("period_months")
    if period is not None and (not isinstance(period, int) or not 1 <= period <= PERIOD_MAX_MONTHS):
        errors["period_months"] = _(
            "Enter a number of months from 1 to %(max)s, or leave it empty to look at all time"
        ) % {"max": PERIOD_MAX_MONTHS}
    if errors:
        raise InvalidInput(errors)
    return {k: values.get(k) for k in fields}


@transaction.atomic(durable=True)
def rule_update(
    *, rule_id: int, actor: Any, values: dict[str, Any], now: dt.datetime | None = None
) -> AlertRule:
    """Change a rule's threshold, sample size, period and switch; validated as a whole, audited with the change.

    Alerts already raised keep the threshold they were raised under; the next scan applies the new one.
    """
    now = now or timezone.now()
    if not can_edit_rules(actor):
        raise NotAllowed("only the ombudsman's office")
    rule = AlertRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotAllowed("no such rule")
    clean = _validate_rule(rule.kind, values)
    if "attribute" in clean:
        clean["attribute"] = clean["attribute"] or ""
    changed = {k: [getattr(rule, k), v] for k, v in clean.items() if getattr(rule, k) != v}
    if not changed:
        return rule
    for k, (_old, new) in changed.items():
        setattr(rule, k, new)
    rule.updated_at = now
    rule.updated_by = actor
    rule.save(update_fields=[*changed, "updated_at", "updated_by"])
    audit_record(
        action="oversight.alert_rule.changed",
        actor=actor,
        object_type="alert_rule",
        object_id=rule.pk,
        data={"code": rule.code, "changes": changed},
        now=now,
    )
    return rule


# --- inquiries --------------------------------------------------------------------------------------------------


def _text_errors(errors: dict[str, Any], field: str, text: str, required: Any, limit: int) -> None:
    if not text:
        errors[field] = required
    elif len(text) > limit:
        errors[field] = _("Use %(limit)s characters or fewer") % {"limit": f"{limit:,}"}


@transaction.atomic(durable=True)
def inquiry_open(
    *,
    actor: Any,
    system_id: int | None,
    title: str,
    scope: str,
    language: str,
    alert_id: int | None = None,
    now: dt.datetime | None = None,
) -> Inquiry:
    """Open an own-initiative inquiry into one system (from an alert about that system, if given)."""
    now = now or timezone.now()
    if not can_open_inquiry(actor):
        raise NotAllowed("only the ombudsman's office")
    title, scope = (title or "").strip(), (scope or "").strip()
    errors: dict[str, Any] = {}
    alert = Alert.objects.filter(pk=alert_id).first() if alert_id is not None else None
    if alert_id is not None and alert is None:
        errors["alert"] = _("The alert this inquiry starts from does not exist")
    system = AlgorithmicSystem.objects.filter(pk=system_id).first() if system_id is not None else None
    if system is None:
        errors["system"] = _("Choose the system the inquiry is about")
    elif alert is not None and alert.system_id != system.pk:
        errors["system"] = _("The alert is about another system: choose the system of the alert")
    _text_errors(errors, "title", title, _("Enter a title for the inquiry"), TITLE_MAX)
    _text_errors(errors, "scope", scope, _("Describe what the inquiry will look into"), TEXT_MAX)
    if errors:
        raise InvalidInput(errors)
    assert system is not None
    inquiry = Inquiry.objects.create(
        system=system,
        alert=alert,
        title=title,
        scope=scope,
        language=(language or "kk")[:2],
        opened_by=actor,
        opened_at=now,
        status_changed_at=now,
    )
    audit_record(
        action="oversight.inquiry.opened",
        actor=actor,
        object_type="inquiry",
        object_id=inquiry.pk,
        data={"system": system.code, "alert_id": alert.pk if alert else None},
        now=now,
    )
    return inquiry


def _lock_inquiry(inquiry_id: int, actor: Any) -> Inquiry:
    if not can_open_inquiry(actor):
        raise NotAllowed("only the ombudsman's office")
    inquiry = Inquiry.objects.select_for_update().filter(pk=inquiry_id).first()
    if inquiry is None:
        raise NotAllowed("no such inquiry")
    if inquiry.status == InquiryStatus.CLOSED:
        raise IllegalTransition(_("This inquiry is closed, so it cannot be changed."))
    return inquiry


@transaction.atomic(durable=True)
def inquiry_note_add(
    *, inquiry_id: int, actor: Any, text: str, now: dt.datetime | None = None
) -> InquiryNote:
    """Add a dated internal note to an inquiry that is not closed."""
    now = now or timezone.now()
    inquiry = _lock_inquiry(inquiry_id, actor)
    text = (text or "").strip()
    errors: dict[str, Any] = {}
    _text_errors(errors, "text", text, _("Write the note"), TEXT_MAX)
    if errors:
        raise InvalidInput(errors)
    note = InquiryNote.objects.create(inquiry=inquiry, author=actor, text=text, created_at=now)
    audit_record(
        action="oversight.inquiry.note_added",
        actor=actor,
        object_type="inquiry",
        object_id=inquiry.pk,
        data={"note_id": note.pk, "length": len(text)},
        now=now,
    )
    return note


@transaction.atomic(durable=True)
def inquiry_status_set(
    *, inquiry_id: int, actor: Any, status: str, findings: str = "", now: dt.datetime | None = None
) -> Inquiry:
    """Move an inquiry on: open ↔ in progress, or closed with findings (final; the findings become public)."""
    now = now or timezone.now()
    inquiry = _lock_inquiry(inquiry_id, actor)
    findings = (findings or "").strip()
    errors: dict[str, Any] = {}
    if status not in INQUIRY_TRANSITIONS[inquiry.status]:
        errors["status"] = (
            _("The inquiry already has this status: choose another")
            if status == inquiry.status
            else _("Choose the new status")
        )
    if status == InquiryStatus.CLOSED:
        _text_errors(
            errors, "findings", findings, _("Write the findings: they are published when you close"), TEXT_MAX
        )
    if errors:
        raise InvalidInput(errors)
    before = inquiry.status
    inquiry.status = status
    inquiry.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if status == InquiryStatus.CLOSED:
        inquiry.findings = findings
        inquiry.closed_at = now
        fields += ["findings", "closed_at"]
    inquiry.save(update_fields=fields)
    audit_record(
        action="oversight.inquiry.status_changed",
        actor=actor,
        object_type="inquiry",
        object_id=inquiry.pk,
        data={"from": before, "to": status},
        now=now,
    )
    return inquiry
