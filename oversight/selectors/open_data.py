"""Raw counts for open data (suppressed by the caller) and the dashboard's filter choices."""

from __future__ import annotations

from django.db.models import Sum

from ..models import (
    AppealCell,
    DecisionCell,
)
from ..rollups import ensure_fresh
from ._base import (
    _APPEAL_SUMS,
    FilterChoices,
    Filters,
    OpenDataCell,
    Period,
    _n,
    _scope,
    _systems,
    _version_order,
    _versions,
)


def open_data_counts(system_code: str, period: Period, *, refresh: bool = False) -> list[OpenDataCell]:
    """Raw counts per (model version, region, month) of one system; the appeal counts follow the decision
    month (cohort). NOT suppressed: open data suppresses cells under 10 itself. Ordered by version, month,
    region.

    Reads the rollups as they are and writes nothing: this is the public path, and an anonymous request must
    not make the server refresh (the beat does, every 5 minutes). ``refresh=True`` (staff callers only)
    refreshes stale rollups first, like the dashboard."""
    if refresh:
        ensure_fresh()
    versions = _versions()
    f = Filters(period=period, system_code=system_code)
    keys = ("model_version_id", "month", "region")
    dec = {
        tuple(r[k] for k in keys): r
        for r in DecisionCell.objects.filter(_scope(f))
        .values(*keys)
        .annotate(decisions=Sum("n"), silent=Sum("silent"))
        .order_by()
    }
    app = {
        tuple(r[k] for k in keys): r
        for r in AppealCell.objects.filter(_scope(f), attribute="")
        .values(*keys)
        .annotate(**_APPEAL_SUMS)
        .order_by()
    }
    order = _version_order(versions)
    out = []
    for key in sorted(set(dec) | set(app), key=lambda k: (order[k[0]], k[1], k[2])):
        d, a = dec.get(key, {}), app.get(key, {})
        v = versions[key[0]]
        out.append(
            OpenDataCell(
                system_code=v.system_code,
                model_version=v.pk,
                version=v.version,
                month=key[1],
                region=key[2],
                decisions=_n(d.get("decisions")),
                silent=_n(d.get("silent")),
                appealed_decisions=_n(a.get("appealed")),
                appeals=_n(a.get("appeals")),
                decided_appeals=_n(a.get("decided")),
                overturned=_n(a.get("overturned")),
            )
        )
    return out


def filter_choices() -> FilterChoices:
    versions = _versions()
    return FilterChoices(
        systems=tuple(sorted((code, name) for code, name in _systems().values())),
        versions=tuple((pk, v.system_code, v.version) for pk, v in versions.items()),
        regions=tuple(DecisionCell.objects.order_by("region").values_list("region", flat=True).distinct()),
    )
