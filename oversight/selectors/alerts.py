"""Per-version figures the alert rules read (overturn rates, disparities, deadlines, reproducibility)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..rollups import ensure_fresh
from ..stats import wilson
from ._base import (
    _ZERO_APPEALS,
    METRICS,
    DeadlineBreaches,
    Filters,
    GroupDisparity,
    NotReproducible,
    VersionRate,
    _appeal_sums,
    _decision_sums,
    _today,
    _version_order,
    _versions,
)
from .dashboard import _disparity, _groups, _open_cells, _outcome_stats, _overdue_by_version, _reference


def version_overturn_rates(filters: Filters) -> list[VersionRate]:
    """Every model version the filters select (including versions with no appeal decided yet), with the
    overturn rate of the appeals against its decisions made in the period."""
    ensure_fresh()
    versions = _versions()
    app = _appeal_sums(filters, "model_version_id")
    out = []
    for pk, v in versions.items():
        if filters.system_code and v.system_code != filters.system_code:
            continue
        if filters.model_version is not None and pk != filters.model_version:
            continue
        a = app.get(pk, _ZERO_APPEALS)
        out.append(
            VersionRate(
                system_code=v.system_code,
                model_version=pk,
                version=v.version,
                released_at=v.released_at,
                previous=v.previous,
                decided=a["decided"],
                overturned=a["overturned"],
                rate=wilson(a["overturned"], a["decided"]),
            )
        )
    return out


def group_disparities(
    filters: Filters, attribute: str, metric: str = "overturn_rate"
) -> list[GroupDisparity]:
    """Per value of ``attribute`` (one of GROUP_ATTRIBUTES): the metric's rate (one of METRICS) and its ratio to
    the reference group. Raises ValueError for an unknown attribute or metric."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    ensure_fresh()
    groups = _groups(filters, attribute)
    ref = _reference(groups)
    out = []
    for g in groups:
        rate, ratio, small = _disparity(g, ref, metric, attribute)
        out.append(
            GroupDisparity(
                attribute=attribute,
                value=g.value,
                metric=metric,
                rate=rate,
                ratio=ratio,
                reference=ref.value if ref is not None else None,
                is_reference=ref is not None and g.value == ref.value,
                small=small,
            )
        )
    return out


def deadline_breaches(filters: Filters, *, now: dt.datetime | None = None) -> list[DeadlineBreaches]:
    """Per model version: appeals decided in the period against their due dates, and open appeals overdue at
    `now` (default: the time of the call)."""
    ensure_fresh()
    versions = _versions()
    stats = _outcome_stats(filters)
    overdue = _overdue_by_version(_open_cells(filters), _today(now or timezone.now()))
    out = []
    for pk in sorted(set(stats) | set(overdue), key=_version_order(versions).__getitem__):
        v = versions[pk]
        s = stats.get(pk, {"with_due": 0, "kept": 0})
        out.append(
            DeadlineBreaches(
                system_code=v.system_code,
                model_version=pk,
                version=v.version,
                decided_with_due_date=s["with_due"],
                kept=s["kept"],
                late=s["with_due"] - s["kept"],
                kept_share=wilson(s["kept"], s["with_due"]),
                open_overdue=overdue.get(pk, 0),
            )
        )
    return out


def not_reproducible_counts(filters: Filters) -> list[NotReproducible]:
    """Per model version with decisions in the period: decisions, not reproducible, not replayable."""
    ensure_fresh()
    versions = _versions()
    dec = _decision_sums(filters, "model_version_id")
    return [
        NotReproducible(
            system_code=versions[pk].system_code,
            model_version=pk,
            version=versions[pk].version,
            decisions=dec[pk]["decisions"],
            not_reproducible=dec[pk]["mismatch"],
            not_replayable=dec[pk]["not_replayable"],
        )
        for pk in sorted(dec, key=_version_order(versions).__getitem__)
    ]
