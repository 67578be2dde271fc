"""What each kind of alert rule measures, read from the dashboard's statistics (oversight.selectors).

Each check measures every subject its rule is about (a model version, a system, a group of people in a system)
and returns a Finding where the rule's condition is met. Nothing here writes; services.alert_scan turns findings
into alerts. The numbers are the dashboard's, from its rollups (never a scan of the decisions table), so an
alert and the dashboard never disagree. Definitions are the dashboard's (see oversight/selectors.py);
what each rule adds:

- OVERTURN_RATE: a version's overturn rate, by its Wilson 95% lower bound, above the threshold, with at least
  ``min_count`` decided appeals (the lower bound: a small sample does not raise an alert by chance);
- OVERTURN_INCREASE: a version's overturn rate minus its predecessor's (the version of the same system released
  just before it) above the margin, both with at least ``min_count`` decided appeals;
- DISPARITY: a group's rate divided by the reference group's (the recorded value with the most cases) beyond
  the bound either way (above it, or below its inverse): a group is worse off with more unfavourable decisions
  or with fewer appeals upheld alike. Groups the dashboard flags as small, groups under ``min_count``, and
  people whose attribute is not recorded are not compared;
- DEADLINE_BREACHES: per system, appeals decided after their due date in the period plus open appeals past
  their due date now; as a count, or as a share of the appeals decided with a due date plus those open ones;
- NOT_REPRODUCIBLE: per version, decisions in the period the portal's replay could not reproduce, as a count or
  a share of the version's decisions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from explanations.models import AlgorithmicSystem
from oversight import selectors as stats
from oversight.tables import Interval

from .models import AlertKind, AlertRule, GroupAttribute, Measure

ALL_TIME_FROM = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Finding:
    """A rule's condition met on one subject."""

    key: str  # the subject, within the rule: the dedupe key is "<rule id>:<key>"
    system_id: int
    value: float
    sample_size: int
    model_version_id: int | None = None
    group_attribute: str = ""
    group_value: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def period_for(rule: AlertRule, now: dt.datetime) -> stats.Period:
    """The rule's period as the dashboard counts it: whole months up to and including the current one."""
    today = timezone.localtime(now).date()
    if rule.period_months:
        return stats.Period.last_months(rule.period_months, today=today)
    return stats.Period(ALL_TIME_FROM, stats.month_start(today))


def _filters(rule: AlertRule, now: dt.datetime, system_code: str | None = None) -> stats.Filters:
    return stats.Filters(period=period_for(rule, now), system_code=system_code)


def _interval(value: Interval | None) -> dict[str, Any] | None:
    return asdict(value) if value is not None else None


def _system_ids() -> dict[str, int]:
    return dict(AlgorithmicSystem.objects.values_list("code", "pk"))


def check_overturn_rate(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    systems = _system_ids()
    out = []
    for r in stats.version_overturn_rates(_filters(rule, now)):
        low = r.rate.low
        if r.decided < max(rule.min_count, 1) or low is None or low <= rule.threshold:
            continue
        out.append(
            Finding(
                key=f"version:{r.model_version}",
                system_id=systems[r.system_code],
                model_version_id=r.model_version,
                value=low,
                sample_size=r.decided,
                details={"rate": _interval(r.rate)},
            )
        )
    return out


def check_overturn_increase(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    systems = _system_ids()
    rates = stats.version_overturn_rates(_filters(rule, now))
    by_version = {r.model_version: r for r in rates}
    out = []
    for r in rates:
        before = by_version.get(r.previous) if r.previous is not None else None
        if before is None or min(r.decided, before.decided) < max(rule.min_count, 1):
            continue
        if r.rate.rate is None or before.rate.rate is None:
            continue
        difference = r.rate.rate - before.rate.rate
        if difference > rule.threshold:
            out.append(
                Finding(
                    key=f"version:{r.model_version}",
                    system_id=systems[r.system_code],
                    model_version_id=r.model_version,
                    value=difference,
                    sample_size=r.decided,
                    details={
                        "rate": _interval(r.rate),
                        "previous_version_id": before.model_version,
                        "previous_version": before.version,
                        "previous_rate": _interval(before.rate),
                    },
                )
            )
    return out


def check_disparity(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    attributes = [rule.attribute] if rule.attribute else list(GroupAttribute.values)
    bound = max(rule.threshold, 1.0)
    out = []
    for code, system_id in sorted(_system_ids().items()):
        filters = _filters(rule, now, system_code=code)
        for attribute in attributes:
            for g in stats.group_disparities(filters, attribute, metric=rule.metric):
                if g.small or g.is_reference or not g.value or g.ratio is None or g.ratio.rate is None:
                    continue
                if g.rate.total < max(rule.min_count, 1):
                    continue
                ratio = g.ratio.rate
                if ratio > bound or ratio < 1 / bound:
                    out.append(
                        Finding(
                            key=f"system:{system_id}:{attribute}:{g.value}",
                            system_id=system_id,
                            group_attribute=attribute,
                            group_value=g.value,
                            value=ratio,
                            sample_size=g.rate.total,
                            details={
                                "metric": rule.metric,
                                "rate": _interval(g.rate),
                                "ratio": _interval(g.ratio),
                                "reference": g.reference,
                            },
                        )
                    )
    return out


def check_deadline_breaches(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # late, decided, open overdue, kept
    for r in stats.deadline_breaches(_filters(rule, now), now=now):
        c = counts[r.system_code]
        c[0] += r.late
        c[1] += r.decided_with_due_date
        c[2] += r.open_overdue
        c[3] += r.kept
    systems = _system_ids()
    rows = {
        systems[code]: (
            late + overdue,
            decided + overdue,
            {"late": late, "open_overdue": overdue, "kept": kept},
        )
        for code, (late, decided, overdue, kept) in counts.items()
    }
    return _count_or_share(rule, rows, lambda system_id: (f"system:{system_id}", system_id, None))


def check_not_reproducible(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    systems = _system_ids()
    rows: dict[int, tuple[int, int, dict[str, Any]]] = {}
    owner: dict[int, int] = {}
    for r in stats.not_reproducible_counts(_filters(rule, now)):
        rows[r.model_version] = (r.not_reproducible, r.decisions, {"not_replayable": r.not_replayable})
        owner[r.model_version] = systems[r.system_code]
    return _count_or_share(
        rule, rows, lambda version_id: (f"version:{version_id}", owner[version_id], version_id)
    )


def _count_or_share(
    rule: AlertRule,
    rows: dict[int, tuple[int, int, dict[str, Any]]],
    subject: Callable[[int], tuple[str, int, int | None]],
) -> list[Finding]:
    out = []
    for pk, (k, n, extra) in sorted(rows.items()):
        if rule.measure == Measure.COUNT:
            value: float = k
        elif n < max(rule.min_count, 1):
            continue
        else:
            value = k / n
        if value <= rule.threshold:
            continue
        key, system_id, version_id = subject(pk)
        out.append(
            Finding(
                key=key,
                system_id=system_id,
                model_version_id=version_id,
                value=value,
                sample_size=n,
                details={"count": k, "total": n, **extra},
            )
        )
    return out


CHECKS: dict[str, Callable[[AlertRule, dt.datetime], list[Finding]]] = {
    AlertKind.OVERTURN_RATE: check_overturn_rate,
    AlertKind.OVERTURN_INCREASE: check_overturn_increase,
    AlertKind.DISPARITY: check_disparity,
    AlertKind.DEADLINE_BREACHES: check_deadline_breaches,
    AlertKind.NOT_REPRODUCIBLE: check_not_reproducible,
}


def evaluate(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Every subject on which the rule's condition is met now."""
    return CHECKS[rule.kind](rule, now)
