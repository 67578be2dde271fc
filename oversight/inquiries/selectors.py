"""Reads of alerts, alert rules and inquiries: lists, details, the dashboard panel, the register's section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from explanations import labels
from explanations.models import AlgorithmicSystem
from oversight import selectors as stats

from .models import (
    Alert,
    AlertEvent,
    AlertKind,
    AlertRule,
    AlertStatus,
    DisparityMetric,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)
from .services import RULE_FIELDS, threshold_is_share

PAGE_SIZE = 50
PANEL_SIZE = 5

# How a number of a rule or an alert is written: a percentage, percentage points, a ratio, or a count.
PERCENT, POINTS, RATIO, COUNT = "percent", "points", "ratio", "count"


def value_unit(kind: str, measure: str) -> str:
    if kind == AlertKind.OVERTURN_INCREASE:
        return POINTS
    if threshold_is_share(kind, measure):
        return PERCENT
    return RATIO if kind == AlertKind.DISPARITY else COUNT


def alert_status_filter(raw: str | None) -> str:
    """The list's filter from the query string: a status, "all", or (default) everything not closed."""
    if raw in AlertStatus.values or raw == "all":
        return str(raw)
    return "active"


def alerts(*, status: str = "active") -> QuerySet[Alert]:
    qs = Alert.objects.select_related("system", "model_version", "rule")
    if status == "active":
        qs = qs.exclude(status=AlertStatus.CLOSED)
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-raised_at", "-id")


def alert_page(*, status: str, page: str | None) -> Page:
    return Paginator(alerts(status=status), PAGE_SIZE).get_page(page)


def alert_detail(alert_id: int) -> Alert | None:
    return alerts(status="all").filter(pk=alert_id).first()


def alert_events(alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("actor").order_by("at", "id")


def group_label(attribute: str, value: str) -> str:
    """A group in words, as the dashboard writes it, e.g. "Sex: Female"."""
    return f"{labels.group_attribute_label(attribute)}: {stats.value_label(attribute, value)}"


def subject_label(alert: Alert) -> str:
    """The subject in words: the version or the group (the system's name is shown separately)."""
    if alert.model_version_id:
        return alert.model_version.version if alert.model_version else ""
    if alert.group_attribute:
        return group_label(alert.group_attribute, alert.group_value)
    return ""


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    subject: str
    unit: str  # of the value and the threshold
    metric_label: str  # disparity: the rate compared
    measure: str  # deadline breaches, not reproducible: COUNT or SHARE
    reference_label: str  # disparity: the group compared with
    details: dict[str, Any]


def alert_row(alert: Alert) -> AlertRow:
    details = alert.details or {}
    measure = str(details.get("rule", {}).get("measure") or "")
    metric = str(details.get("metric") or "")
    metric_label = DisparityMetric(metric).label if metric in DisparityMetric.values else ""
    reference = details.get("reference")
    return AlertRow(
        alert=alert,
        subject=subject_label(alert),
        unit=value_unit(alert.kind, measure),
        metric_label=str(metric_label),
        measure=measure,
        reference_label=group_label(alert.group_attribute, str(reference)) if reference is not None else "",
        details=details,
    )


@dataclass(frozen=True)
class OpenAlerts:
    count: int
    latest: list[AlertRow]


def open_alerts_summary(limit: int = PANEL_SIZE) -> OpenAlerts:
    """For the dashboard: how many alerts are open (not yet acknowledged), and the latest of them."""
    qs = alerts(status=AlertStatus.OPEN)
    return OpenAlerts(count=qs.count(), latest=[alert_row(a) for a in qs[:limit]])


# --- rules ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    fields: tuple[str, ...]
    unit: str


def rule_rows() -> list[RuleRow]:
    return [
        RuleRow(r, RULE_FIELDS[r.kind], value_unit(r.kind, r.measure))
        for r in AlertRule.objects.order_by("kind", "code", "id")
    ]


def rule_detail(rule_id: int) -> AlertRule | None:
    return AlertRule.objects.filter(pk=rule_id).first()


# --- inquiries --------------------------------------------------------------------------------------------------


def inquiry_status_filter(raw: str | None) -> str:
    return str(raw) if raw in InquiryStatus.values else "all"


def inquiry_page(*, status: str, page: str | None) -> Page:
    qs = Inquiry.objects.select_related("system", "alert")
    if status in InquiryStatus.values:
        qs = qs.filter(status=status)
    return Paginator(qs.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(page)


def inquiry_detail(inquiry_id: int) -> Inquiry | None:
    return Inquiry.objects.select_related("system", "alert", "opened_by").filter(pk=inquiry_id).first()


def inquiry_notes(inquiry: Inquiry) -> QuerySet[InquiryNote]:
    return inquiry.notes.select_related("author").order_by("created_at", "id")


def systems_for_choice() -> list[AlgorithmicSystem]:
    return list(AlgorithmicSystem.objects.order_by("code"))


@dataclass(frozen=True)
class PublicInquiry:
    """What the public sees of an inquiry: never its notes, its scope, its alert or who opened it."""

    title: str
    language: str
    opened_at: Any
    status: str
    status_label: str
    findings: str
    closed_at: Any


def public_inquiries(system: AlgorithmicSystem) -> list[PublicInquiry]:
    rows = (
        Inquiry.objects.filter(system=system)
        .order_by("-opened_at", "-id")
        .values("title", "language", "opened_at", "status", "findings", "closed_at")
    )
    return [
        PublicInquiry(
            title=r["title"],
            language=r["language"],
            opened_at=r["opened_at"],
            status=r["status"],
            status_label=str(InquiryStatus(r["status"]).label),
            findings=r["findings"] if r["status"] == InquiryStatus.CLOSED else "",
            closed_at=r["closed_at"] if r["status"] == InquiryStatus.CLOSED else None,
        )
        for r in rows
    ]
