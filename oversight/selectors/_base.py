"""What every part of the dashboard's reads shares: periods, filters, result shapes, the rollups' sums."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.functional import lazy

from explanations.models import (
    AlgorithmicSystem,
    ModelVersion,
)
from portal.web.dates import month_year_genitive
from portal.web.templatetags.portal import i18n_text

from ..models import (
    AppealCell,
    DecisionCell,
)
from ..tables import Interval

logger = logging.getLogger("oversight.selectors")  # one logger for the whole package (named in its docstring)


MIN_GROUP_N = 30


GROUP_ATTRIBUTES = ("region", "settlement", "sex", "age_band", "disability")


Metric = Literal["overturn_rate", "appeal_rate", "silent_share", "unfavourable_share"]


METRICS: tuple[Metric, ...] = ("overturn_rate", "appeal_rate", "silent_share", "unfavourable_share")


TABLE_IDS = (
    "systems",
    "versions",
    "outcome_times",
    "backlog",
    "grounds",
    "data_errors",
    "regions",
    "group_settlement",
    "group_sex",
    "group_age_band",
    "group_disability",
    "reviewers",
    "review_bodies",
)


BACKLOG_BUCKETS = ((0, 7), (8, 30), (31, 90), (91, None))  # days since submission, inclusive


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months from ``from_month`` to ``to_month`` inclusive (both the first day of a month)."""

    from_month: dt.date
    to_month: dt.date

    def __post_init__(self) -> None:
        if self.from_month.day != 1 or self.to_month.day != 1:
            raise ValueError("a period runs from the first day of a month to the first day of a month")
        if self.from_month > self.to_month:
            raise ValueError("the period ends before it starts")

    @classmethod
    def last_months(cls, n: int = 12, *, today: dt.date | None = None) -> Period:
        """The ``n`` months up to and including the current one (local time)."""
        this = month_start(today or timezone.localdate())
        return cls(add_months(this, -(n - 1)), this)

    @classmethod
    def parse(cls, from_text: str, to_text: str) -> Period:
        """From "YYYY-MM" texts (a form's month inputs). Raises ValueError with a plain message."""
        try:
            start = dt.date.fromisoformat(f"{from_text.strip()}-01")
            end = dt.date.fromisoformat(f"{to_text.strip()}-01")
        except ValueError as exc:
            raise ValueError("enter months as YYYY-MM") from exc
        return cls(start, end)

    def contains(self, month: dt.date) -> bool:
        return self.from_month <= month <= self.to_month

    def months(self) -> list[dt.date]:
        out, m = [], self.from_month
        while m <= self.to_month:
            out.append(m)
            m = add_months(m, 1)
        return out

    @property
    def end_exclusive(self) -> dt.date:
        return add_months(self.to_month, 1)


@dataclass(frozen=True)
class Filters:
    period: Period
    system_code: str | None = None
    model_version: int | None = None  # ModelVersion.pk
    region: str | None = None


@dataclass(frozen=True)
class VersionRate:
    system_code: str
    model_version: int
    version: str
    released_at: dt.datetime
    previous: int | None  # the system's version released just before this one, if any
    decided: int  # appeals decided (cohort: decisions in the period)
    overturned: int  # in whole or in part
    rate: Interval


@dataclass(frozen=True)
class GroupDisparity:
    attribute: str  # one of GROUP_ATTRIBUTES
    value: str  # "" = not recorded; disability "yes"/"no"
    metric: str
    rate: Interval  # the group's rate with its Wilson interval
    ratio: Interval | None  # rate = group rate / reference rate, low/high = Katz 95 %; None: small/undefined
    reference: str | None  # the reference group's value (None: no group large enough)
    is_reference: bool
    small: bool  # denominator < MIN_GROUP_N: flagged, not compared


@dataclass(frozen=True)
class DeadlineBreaches:
    system_code: str
    model_version: int
    version: str
    decided_with_due_date: int  # appeals decided in the period that had a due date
    kept: int
    late: int
    kept_share: Interval
    open_overdue: int  # open now, clock running, due date before today (ignores the period)


@dataclass(frozen=True)
class NotReproducible:
    system_code: str
    model_version: int
    version: str
    decisions: int
    not_reproducible: int  # MISMATCH
    not_replayable: int  # opaque models


@dataclass(frozen=True)
class OpenDataCell:
    """Raw counts of one (model version, region, month): NOT suppressed; open data suppresses cells under 10."""

    system_code: str
    model_version: int
    version: str
    month: dt.date
    region: str
    decisions: int
    silent: int
    appealed_decisions: int
    appeals: int
    decided_appeals: int
    overturned: int


@dataclass(frozen=True)
class CaseRow:
    """One case of a drill-down sample: no IIN, no name, no reference; ``case`` is a keyed hash (stable)."""

    case: str
    system_code: str
    version: str
    month: dt.date
    region: str
    outcome: str
    notified: bool
    reproducibility: str
    appeal_state: str
    appeal_outcome: str
    grounds: tuple[str, ...]
    days_to_outcome: int | None


@dataclass(frozen=True)
class FilterChoices:
    systems: tuple[tuple[str, Any], ...]  # (code, name in the current language)
    versions: tuple[tuple[int, str, str], ...]  # (pk, system code, version)
    regions: tuple[str, ...]


def _today(now: dt.datetime) -> dt.date:
    """The local day of `now`: what counts as overdue is worked out for the moment the caller asks about."""
    return timezone.localdate(now)


def _month_text(month: dt.date) -> str:
    """A month inside a caption's "from {start} to {end}" (ru: "с января 2026 г. до конца ноября 2026 г.")."""
    return month_year_genitive(month)


def _period_caption(template: Any, period: Period) -> Any:
    """A caption naming the period, translated and formatted in whatever language reads it."""

    def text() -> str:
        return str(template).format(start=_month_text(period.from_month), end=_month_text(period.to_month))

    return lazy(text, str)()


def _n(value: Any) -> int:
    return int(value or 0)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _scope(filters: Filters, *, month: str | None = "month") -> Q:
    """The filters as a condition on a rollup cell (``month``: the cell's month field; None: no period)."""
    q = Q()
    if month is not None:
        q &= Q(**{f"{month}__gte": filters.period.from_month, f"{month}__lte": filters.period.to_month})
    if filters.system_code:
        q &= Q(system__code=filters.system_code)
    if filters.model_version is not None:
        q &= Q(model_version_id=filters.model_version)
    if filters.region is not None:
        q &= Q(region=filters.region)
    return q


@dataclass(frozen=True)
class _Version:
    pk: int
    system_id: int
    system_code: str
    system_name: str
    version: str
    released_at: dt.datetime
    previous: int | None


def _versions() -> dict[int, _Version]:
    rows = list(
        ModelVersion.objects.order_by("system__code", "released_at", "pk").values_list(
            "pk", "system_id", "system__code", "system__name", "version", "released_at"
        )
    )
    out: dict[int, _Version] = {}
    last: dict[int, int] = {}
    for pk, system_id, code, name, version, released in rows:
        out[pk] = _Version(pk, system_id, code, i18n_text(name), version, released, last.get(system_id))
        last[system_id] = pk
    return out


def _systems() -> dict[int, tuple[str, str]]:
    return {
        pk: (code, i18n_text(name))
        for pk, code, name in AlgorithmicSystem.objects.values_list("pk", "code", "name")
    }


def _version_order(versions: dict[int, _Version]) -> dict[int, int]:
    return {pk: i for i, pk in enumerate(versions)}  # _versions() is ordered by system, then release


_DECISION_SUMS = {
    "decisions": Sum("n"),
    "silent": Sum("silent"),
    "near": Sum("near"),
    "near_defined": Sum("near_defined"),
    "mismatch": Sum("mismatch"),
    "not_replayable": Sum("not_replayable"),
    "unfavourable": Sum("unfavourable"),
    "favourable_defined": Sum("favourable_defined"),
}


_GROUP_SUMS = {k: _DECISION_SUMS[k] for k in ("decisions", "silent", "unfavourable", "favourable_defined")}


_APPEAL_SUMS = {
    "appeals": Sum("appeals"),
    "appealed": Sum("appealed_decisions"),
    "decided": Sum("decided"),
    "overturned": Sum("overturned"),
}


def _decision_sums(filters: Filters, by: str) -> dict[Any, dict[str, int]]:
    rows = DecisionCell.objects.filter(_scope(filters)).values(by).annotate(**_DECISION_SUMS).order_by()
    return {r[by]: {k: _n(r[k]) for k in _DECISION_SUMS} for r in rows}


def _appeal_sums(filters: Filters, by: str, attribute: str = "") -> dict[Any, dict[str, int]]:
    rows = (
        AppealCell.objects.filter(_scope(filters), attribute=attribute)
        .values(by)
        .annotate(**_APPEAL_SUMS)
        .order_by()
    )
    return {r[by]: {k: _n(r[k]) for k in _APPEAL_SUMS} for r in rows}


_ZERO_DECISIONS = dict.fromkeys(_DECISION_SUMS, 0)


_ZERO_APPEALS = dict.fromkeys(_APPEAL_SUMS, 0)
