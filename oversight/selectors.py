"""Reads behind the ombudsman's dashboard, the alerts and open data. Every number comes from the rollups
(oversight/rollups.py), never from a scan of the decisions table.

Public interface (others build on it; keep it stable)::

    from oversight.selectors import (
        Period, Filters, dashboard_tables, table, TABLE_IDS,
        version_overturn_rates, group_disparities, deadline_breaches, not_reproducible_counts,
        open_data_counts, drilldown_sample, filter_choices,
    )

    f = Filters(period=Period.last_months(12), system_code=None, model_version=None, region=None)
    dashboard_tables(f)            -> list[Table]         every table below, in TABLE_IDS order
    table(f, "versions")           -> Table | None        one table (exports); None for an unknown id
    version_overturn_rates(f)      -> list[VersionRate]   per model version, ordered by system, release
    group_disparities(f, "sex", metric="overturn_rate") -> list[GroupDisparity]
    deadline_breaches(f)           -> list[DeadlineBreaches]
    not_reproducible_counts(f)     -> list[NotReproducible]
    open_data_counts("dfc", period) -> list[OpenDataCell] raw counts, NOT suppressed (open data suppresses <10);
                                      reads the rollups as they are (refresh=True: refresh stale ones first)
    drilldown_sample(f, "versions", row_key, n=20, seed=0) -> list[CaseRow] | None (None: unknown table/key)
    filter_choices()               -> FilterChoices       systems, versions and regions for the filter form

Tables (ids are stable: URLs and export file names use them). Every row carries ``"key"``: the row key a
drill-down takes. Small groups carry ``"small": True`` (a "flag" column) and no comparison.

=================  ==================================================================================
id                 rows
=================  ==================================================================================
systems            per system: decisions, silent share, near-threshold share, not reproducible, appeals,
                   appeal rate and overturn rate (Wilson 95 % intervals)
versions           the same per model version
outcome_times      per model version: appeals decided in the period, median and 90th percentile days to
                   outcome, deadlines kept (share with interval), open appeals past their due date today
backlog            per model version: appeals open now, by age (0-7, 8-30, 31-90, over 90 days)
grounds            per system and ground kind: grounds raised, in decided appeals, accepted (share)
data_errors        per source registry: data items challenged ("data about me is wrong" grounds), decided,
                   confirmed wrong (correction notices sent to the registry), confirmed share
regions            breakdown by region (see "Group breakdowns")
group_settlement   breakdown by settlement (urban / rural)
group_sex          breakdown by sex
group_age_band     breakdown by age band
group_disability   breakdown by disability
reviewers          per reviewer (pseudonym "R-xxxxxxxx", stable, not reversible by the ombudsman) and
                   review body: cases decided, agreement with the AI after the reveal, changes of mind
                   after the reveal (all, and towards the AI), median minutes per case
review_bodies      the same per review body
=================  ==================================================================================

Definitions (each is also in the table's caption or notes):

* Period: whole months ``from_month``..``to_month`` inclusive, in the portal's time zone (Asia/Almaty).
* Decision-side numbers count decisions made (``Decision.decided_at``) in the period.
* Appeal-side numbers follow the decision cohort: the appeals (submitted, drafts excluded) against decisions
  made in the period, whenever they were filed: so a rate's numerator is always part of its denominator.
  Exceptions: time to outcome, deadlines kept and reviewer signals count appeals *decided* in the period
  (``Appeal.decided_at`` / ``Assessment.decided_at``); the backlog is the state as of the last refresh, aged
  to today, and ignores the period.
* Silent share: decisions with ``notified = False`` / decisions.
* Appeal rate: decisions with at least one submitted appeal / decisions.
* Overturn rate: appeals decided overturned in whole or in part / appeals decided (``Appeal.decided_at`` set;
  an adverse outcome waiting for a countersignature is not decided yet).
* Unfavourable share: decisions whose outcome the model's spec marks ``favourable: false`` / decisions with
  an outcome declared in the spec.
* Near a threshold: the explanation engine's definition (explanations/engine: distance from the recorded score
  to the nearest score where the outcome changes is at most the band: the system's ``near_threshold_band``,
  else the spec's, else 5 % of the range of scores the model can produce). Defined for scorecards and
  linear/logistic models only; the share's denominator is the decisions of those models.
* Not reproducible: ``reproducibility = MISMATCH``; not replayable (opaque models) is counted apart.
* Days to outcome: whole days from submission to the outcome (``floor((decided_at - submitted_at) / 1 day)``);
  median and 90th percentile by the nearest-rank method (the smallest value with at least p of the cases at
  or below it).
* Deadline kept: an appeal decided on or before its ``due_date`` (local date of ``decided_at`` <= due date).
  Open overdue: an open appeal whose clock runs (not on hold) and whose due date is before today.
* Data errors by source registry: the registry of a challenged item is the ``source`` recorded with the
  decision's input (the same value a RegistryCorrection records). Confirmed = correction notices sent, i.e.
  "data wrong" grounds the deciding reviewer accepted in an appeal that was decided.
* Reviewer signals (assessments decided in the period): agreement with the AI after the reveal = final
  outcome "the decision stands" / decided; change of mind = final outcome differs from the outcome recorded
  before the reveal; towards the AI = from overturn (whole or part) before to "the decision stands" after.
  Time per case: ``Assessment.seconds_spent`` (assignment to assessment), at one-minute resolution.

Group breakdowns (regions and each group attribute: settlement, sex, age_band, disability): per value
(blank = "not recorded", a group of its own): decisions, silent share, unfavourable share with interval,
appeal rate, overturn rate with interval, and disparity ratios of the unfavourable share and of the overturn
rate against the reference group. Reference group: the recorded value with the most decisions (ties: first
in value order). A ratio is group rate / reference rate with the Katz log interval (95 %); when a count is 0,
0.5 is added to every cell of the 2x2 table for the interval (the point ratio is never corrected; it is None
when the reference rate is 0). A group whose denominator is under ``MIN_GROUP_N`` (30) is flagged
``small`` and gets no ratio: too few cases to read a difference into.

Inconsistent rollups: a rate's numerator is part of its denominator by construction (both come from cells of
the same key written in one snapshot; e.g. the appealed decisions of a cohort are decisions of that cohort).
Should a numerator ever exceed its denominator all the same (a fault in the rollups, or cells edited by
hand), the rate is not clamped to 100 %, which would hide the fault behind a plausible number: a warning is
logged (logger ``oversight.selectors``, naming the table and row) and the rate, its interval and any
ratio built on it are shown as not available, with both counts as they are. ``rollup_rebuild`` repairs the
cells. Every rate shown is therefore successes/total of the counts shown, within [0, 1].

Who refreshes: the dashboard's reads (``dashboard_tables``, ``table`` and the alert selectors) refresh rollups
older than a minute first (``rollups.ensure_fresh``). The public open-data path (``open_data_counts``) never
does: anonymous visitors must not be able to make the server write, so open data reads the rollups as the
beat task (every 5 minutes) left them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db.models import CharField, F, Q, Sum, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, Assessment, GroundKind
from appeals.states import OPEN
from explanations.models import (
    AgeBand,
    AlgorithmicSystem,
    Decision,
    ModelVersion,
    Settlement,
    Sex,
)
from portal.accounts.models import Organisation, OrganisationKind
from portal.web.dates import month_year_genitive
from portal.web.templatetags.portal import i18n_text

from .models import (
    AppealCell,
    DecisionCell,
    DecisionGroupCell,
    GroundCell,
    OpenAppealCell,
    OutcomeCell,
    ReviewerCell,
    SourceCell,
)
from .rollups import ensure_fresh, local_month, reviewer_pseudonym, whole_days
from .stats import percentile_of_histogram, rate_ratio, wilson
from .tables import Column, Interval, Table

logger = logging.getLogger(__name__)

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


# --- filters ----------------------------------------------------------------------------------------------------


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


# --- results for alerts, open data and drill-downs --------------------------------------------------------------


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


# --- helpers ----------------------------------------------------------------------------------------------------


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


# --- tables: systems and versions -------------------------------------------------------------------------------

_SUMMARY_COLUMNS = (
    Column("decisions", _("Decisions"), "count"),
    Column("silent_share", _("Silent assessments (share)"), "rate"),
    Column("near_threshold_share", _("Near a threshold (share)"), "rate"),
    Column("not_reproducible", _("Not reproducible"), "count"),
    Column("not_replayable", _("Cannot be recomputed (opaque model)"), "count"),
    Column("appeals", _("Appeals"), "count"),
    Column("appeal_rate", _("Appeal rate (decisions appealed)"), "interval"),
    Column("decided", _("Appeals decided"), "count"),
    Column("overturned", _("Overturned in whole or in part"), "count"),
    Column("overturn_rate", _("Overturn rate"), "interval"),
)
_COHORT_CAPTION = _(
    "Decisions made from {start} to {end}, and the appeals against them. Rates with their 95% Wilson intervals."
)
_COHORT_NOTES = (
    _("A silent assessment is a decision the person was not told about."),
    _(
        "Appeal rate: decisions appealed at least once, out of all decisions. Overturn rate: appeals decided "
        "in the person's favour in whole or in part, out of appeals decided."
    ),
    _(
        "Near a threshold: the score is within the system's band of a score where the outcome changes, as in "
        "the explanations; counted for scorecards and linear and logistic models only."
    ),
)


def _checked_rate(successes: int, total: int, where: str) -> Interval:
    """wilson(successes, total), or a rate "not available" with a logged warning when the numerator exceeds
    the denominator (inconsistent rollups: see the module docstring; never clamped)."""
    if successes > total:
        logger.warning(
            "oversight rollups are inconsistent: %s: numerator %d exceeds denominator %d; rate not shown "
            "(rollup_rebuild repairs the cells)",
            where,
            successes,
            total,
        )
        return Interval(successes, total, None, None, None)
    return wilson(successes, total)


def _summary_row(d: dict[str, int], a: dict[str, int], where: str) -> dict[str, Any]:
    return {
        "decisions": d["decisions"],
        "silent_share": _share(d["silent"], d["decisions"]),
        "near_threshold_share": _share(d["near"], d["near_defined"]),
        "not_reproducible": d["mismatch"],
        "not_replayable": d["not_replayable"],
        "appeals": a["appeals"],
        "appeal_rate": _checked_rate(a["appealed"], d["decisions"], f"{where}: appeal rate"),
        "decided": a["decided"],
        "overturned": a["overturned"],
        "overturn_rate": wilson(a["overturned"], a["decided"]),
    }


def _versions_table(filters: Filters) -> Table:
    versions = _versions()
    dec = _decision_sums(filters, "model_version_id")
    app = _appeal_sums(filters, "model_version_id")
    rows = []
    for pk in sorted(set(dec) | set(app), key=_version_order(versions).__getitem__):
        v = versions[pk]
        row = {"key": str(pk), "system": v.system_name, "version": v.version}
        row.update(
            _summary_row(dec.get(pk, _ZERO_DECISIONS), app.get(pk, _ZERO_APPEALS), f"versions row {pk}")
        )
        rows.append(row)
    return Table(
        id="versions",
        title=_("By model version"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            *_SUMMARY_COLUMNS,
        ),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=_COHORT_NOTES,
    )


def _systems_table(filters: Filters) -> Table:
    systems = _systems()
    dec = _decision_sums(filters, "system_id")
    app = _appeal_sums(filters, "system_id")
    rows = []
    for pk in sorted(set(dec) | set(app), key=lambda p: systems[p][0]):
        code, name = systems[pk]
        row = {"key": code, "system": name}
        row.update(
            _summary_row(dec.get(pk, _ZERO_DECISIONS), app.get(pk, _ZERO_APPEALS), f"systems row {code}")
        )
        rows.append(row)
    return Table(
        id="systems",
        title=_("By system"),
        columns=(Column("system", _("System"), "text"), *_SUMMARY_COLUMNS),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=_COHORT_NOTES,
    )


# --- tables: time to outcome, deadlines, backlog ----------------------------------------------------------------


def _outcome_stats(filters: Filters) -> dict[int, dict[str, Any]]:
    rows = (
        OutcomeCell.objects.filter(_scope(filters, month="outcome_month"))
        .values("model_version_id", "days")
        .annotate(decided=Sum("decided"), with_due=Sum("with_due_date"), kept=Sum("kept"))
        .order_by()
    )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        s = out.setdefault(r["model_version_id"], {"decided": 0, "with_due": 0, "kept": 0, "days": {}})
        s["decided"] += _n(r["decided"])
        s["with_due"] += _n(r["with_due"])
        s["kept"] += _n(r["kept"])
        s["days"][r["days"]] = s["days"].get(r["days"], 0) + _n(r["decided"])
    return out


def _open_cells(filters: Filters) -> list[dict[str, Any]]:
    rows: Any = (
        OpenAppealCell.objects.filter(_scope(filters, month=None))
        .values("model_version_id", "submitted_on", "due_date", "on_hold")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return list(rows)


def _overdue_by_version(open_cells: list[dict[str, Any]], today: dt.date) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for c in open_cells:
        if not c["on_hold"] and c["due_date"] is not None and c["due_date"] < today:
            out[c["model_version_id"]] += _n(c["n"])
    return out


def _outcome_times_table(filters: Filters, today: dt.date) -> Table:
    versions = _versions()
    stats = _outcome_stats(filters)
    overdue = _overdue_by_version(_open_cells(filters), today)
    rows = []
    for pk in sorted(set(stats) | set(overdue), key=_version_order(versions).__getitem__):
        v = versions[pk]
        s = stats.get(pk, {"decided": 0, "with_due": 0, "kept": 0, "days": {}})
        rows.append(
            {
                "key": str(pk),
                "system": v.system_name,
                "version": v.version,
                "decided": s["decided"],
                "median_days": percentile_of_histogram(s["days"], 0.5),
                "p90_days": percentile_of_histogram(s["days"], 0.9),
                "with_due_date": s["with_due"],
                "late": s["with_due"] - s["kept"],
                "deadlines_kept": wilson(s["kept"], s["with_due"]),
                "open_overdue": overdue.get(pk, 0),
            }
        )
    return Table(
        id="outcome_times",
        title=_("Time to outcome and deadlines"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            Column("decided", _("Appeals decided"), "count"),
            Column("median_days", _("Median days to outcome"), "days"),
            Column("p90_days", _("90th percentile of days to outcome"), "days"),
            Column("with_due_date", _("Decided with a due date"), "count"),
            Column("late", _("Decided after the due date"), "count"),
            Column("deadlines_kept", _("Deadlines kept"), "interval"),
            Column("open_overdue", _("Open now and past the due date"), "count"),
        ),
        rows=tuple(rows),
        caption=_period_caption(_("Appeals decided from {start} to {end}."), filters.period),
        notes=(
            _(
                "Days to outcome: whole days from submission to the outcome; the median and the 90th percentile."
            ),
            _("A deadline is kept when the appeal was decided on or before its due date."),
            _("Open and past the due date: as of today, not counting appeals on hold, whatever the period."),
        ),
    )


def _bucket(age: int) -> int:
    for i, (low, high) in enumerate(BACKLOG_BUCKETS):
        if age >= low and (high is None or age <= high):
            return i
    return 0  # submitted "in the future" (clock skew): the youngest bucket


def _backlog_table(filters: Filters, today: dt.date) -> Table:
    versions = _versions()
    per: dict[int, list[int]] = {}
    for c in _open_cells(filters):
        counts = per.setdefault(c["model_version_id"], [0] * (len(BACKLOG_BUCKETS) + 3))
        n = _n(c["n"])
        counts[_bucket((today - c["submitted_on"]).days)] += n
        counts[-3] += n
        counts[-2] += n if c["on_hold"] else 0
        overdue = not c["on_hold"] and c["due_date"] is not None and c["due_date"] < today
        counts[-1] += n if overdue else 0
    rows = []
    for pk in sorted(per, key=_version_order(versions).__getitem__):
        v = versions[pk]
        counts = per[pk]
        row: dict[str, Any] = {
            "key": str(pk),
            "system": v.system_name,
            "version": v.version,
            "open": counts[-3],
        }
        for i, key in enumerate(_BUCKET_KEYS):
            row[key] = counts[i]
        row["on_hold"] = counts[-2]
        row["overdue"] = counts[-1]
        rows.append(row)
    return Table(
        id="backlog",
        title=_("Backlog of open appeals by age"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            Column("open", _("Open appeals"), "count"),
            Column("age_0_7", _("0 to 7 days"), "count"),
            Column("age_8_30", _("8 to 30 days"), "count"),
            Column("age_31_90", _("31 to 90 days"), "count"),
            Column("age_over_90", _("More than 90 days"), "count"),
            Column("on_hold", _("On hold"), "count"),
            Column("overdue", _("Past the due date"), "count"),
        ),
        rows=tuple(rows),
        caption=lazy(
            lambda: str(_("Appeals open now, by days since submission (the period does not apply).")), str
        )(),
        notes=(),
    )


_BUCKET_KEYS = ("age_0_7", "age_8_30", "age_31_90", "age_over_90")


# --- tables: grounds and data errors ----------------------------------------------------------------------------


def _grounds_table(filters: Filters) -> Table:
    systems = _systems()
    kinds = list(GroundKind.values)
    rows_db = (
        GroundCell.objects.filter(_scope(filters))
        .values("system_id", "kind")
        .annotate(grounds=Sum("grounds"), in_decided=Sum("in_decided"), accepted=Sum("accepted"))
        .order_by()
    )
    rows = []
    for r in sorted(
        rows_db,
        key=lambda r: (systems[r["system_id"]][0], kinds.index(r["kind"]) if r["kind"] in kinds else 99),
    ):
        code, name = systems[r["system_id"]]
        rows.append(
            {
                "key": f"{code}:{r['kind']}",
                "system": name,
                "kind": str(GroundKind(r["kind"]).label) if r["kind"] in kinds else r["kind"],
                "grounds": _n(r["grounds"]),
                "in_decided": _n(r["in_decided"]),
                "accepted": _n(r["accepted"]),
                "accepted_share": wilson(_n(r["accepted"]), _n(r["in_decided"])),
            }
        )
    return Table(
        id="grounds",
        title=_("Grounds of appeal"),
        columns=(
            Column("system", _("System"), "text"),
            Column("kind", _("Ground"), "text"),
            Column("grounds", _("Grounds raised"), "count"),
            Column("in_decided", _("In decided appeals"), "count"),
            Column("accepted", _("Accepted by the reviewer"), "count"),
            Column("accepted_share", _("Accepted (share of decided)"), "interval"),
        ),
        rows=tuple(rows),
        caption=_period_caption(
            _("Grounds of the appeals against decisions made from {start} to {end}."), filters.period
        ),
        notes=(_("One appeal can give several grounds; each is counted."),),
    )


def _source_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for sources in AlgorithmicSystem.objects.values_list("data_sources", flat=True):
        for item in sources or []:
            if isinstance(item, dict) and item.get("code"):
                out.setdefault(str(item["code"]), i18n_text(item.get("name")))
    return out


def _data_errors_table(filters: Filters) -> Table:
    names = _source_names()
    rows_db = (
        SourceCell.objects.filter(_scope(filters))
        .values("source")
        .annotate(challenged=Sum("challenged"), decided=Sum("decided"), confirmed=Sum("confirmed"))
        .order_by("source")
    )
    rows = []
    for r in rows_db:
        rows.append(
            {
                "key": r["source"],
                "source": r["source"] or str(_("Not recorded")),
                "source_name": names.get(r["source"], ""),
                "challenged": _n(r["challenged"]),
                "decided": _n(r["decided"]),
                "confirmed": _n(r["confirmed"]),
                "error_rate": wilson(_n(r["confirmed"]), _n(r["decided"])),
            }
        )
    return Table(
        id="data_errors",
        title=_("Data errors by source registry"),
        columns=(
            Column("source", _("Registry code"), "text"),
            Column("source_name", _("Registry"), "text"),
            Column("challenged", _("Data items challenged"), "count"),
            Column("decided", _("Challenges decided"), "count"),
            Column("confirmed", _("Confirmed wrong"), "count"),
            Column("error_rate", _("Confirmed wrong (share of decided)"), "interval"),
        ),
        rows=tuple(rows),
        caption=_period_caption(
            _("Appeal grounds saying the data was wrong, against decisions made from {start} to {end}."),
            filters.period,
        ),
        notes=(
            _(
                "Confirmed wrong: the reviewer accepted the ground in a decided appeal, and the registry was "
                "sent a correction notice."
            ),
        ),
    )


# --- group breakdowns -------------------------------------------------------------------------------------------


@dataclass
class _Group:
    value: str
    decisions: int = 0
    silent: int = 0
    unfavourable: int = 0
    favourable_defined: int = 0
    appeals: int = 0
    appealed: int = 0
    decided: int = 0
    overturned: int = 0

    def counts(self, metric: str) -> tuple[int, int]:
        if metric == "overturn_rate":
            return self.overturned, self.decided
        if metric == "appeal_rate":
            return self.appealed, self.decisions
        if metric == "silent_share":
            return self.silent, self.decisions
        if metric == "unfavourable_share":
            return self.unfavourable, self.favourable_defined
        raise ValueError(f"unknown metric {metric!r}")


def _value_order(attribute: str) -> list[str]:
    return {
        "settlement": list(Settlement.values),
        "sex": list(Sex.values),
        "age_band": list(AgeBand.values),
        "disability": ["yes", "no"],
    }.get(attribute, [])


def value_label(attribute: str, value: str) -> str:
    """How a group reads in the current language ("" = not recorded)."""
    if value == "":
        return str(_("Not recorded"))
    choices = {"settlement": Settlement, "sex": Sex, "age_band": AgeBand}.get(attribute)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if attribute == "disability":
        return str(_("With a disability") if value == "yes" else _("Without a disability"))
    return value


def _groups(filters: Filters, attribute: str) -> list[_Group]:
    if attribute not in GROUP_ATTRIBUTES:
        raise ValueError(f"unknown group attribute {attribute!r}")
    groups: dict[str, _Group] = {}
    dec: Any
    app: Any
    if attribute == "region":
        dec = DecisionCell.objects.filter(_scope(filters)).values(v=F("region"))
        app = AppealCell.objects.filter(_scope(filters), attribute="").values(v=F("region"))
    else:
        dec = DecisionGroupCell.objects.filter(_scope(filters), attribute=attribute).values(v=F("value"))
        app = AppealCell.objects.filter(_scope(filters), attribute=attribute).values(v=F("value"))
    for r in dec.annotate(**_GROUP_SUMS).order_by():
        g = groups.setdefault(r["v"], _Group(r["v"]))
        g.decisions, g.silent = _n(r["decisions"]), _n(r["silent"])
        g.unfavourable, g.favourable_defined = _n(r["unfavourable"]), _n(r["favourable_defined"])
    for r in app.annotate(**_APPEAL_SUMS).order_by():
        g = groups.setdefault(r["v"], _Group(r["v"]))
        g.appeals, g.appealed = _n(r["appeals"]), _n(r["appealed"])
        g.decided, g.overturned = _n(r["decided"]), _n(r["overturned"])
    order = _value_order(attribute)

    def sort_key(g: _Group) -> tuple[int, int, str]:
        if g.value == "":
            return (2, 0, "")
        return (0, order.index(g.value), "") if g.value in order else (1, 0, g.value)

    return sorted(groups.values(), key=sort_key)


def _reference(groups: list[_Group]) -> _Group | None:
    """The recorded value with the most decisions (ties: the first in value order)."""
    best: _Group | None = None
    for g in groups:
        if g.value != "" and g.decisions > 0 and (best is None or g.decisions > best.decisions):
            best = g
    return best


def _disparity(
    g: _Group, ref: _Group | None, metric: str, attribute: str = ""
) -> tuple[Interval, Interval | None, bool]:
    """(the group's rate, its ratio to the reference or None, small). An inconsistent count (numerator above
    denominator, see the module docstring) gives a rate "not available" and no ratio, in the group and in
    every group compared with it."""
    k, n = g.counts(metric)
    small = n < MIN_GROUP_N
    rate = _checked_rate(k, n, f"{attribute or 'group'} {g.value!r}: {metric}")
    ratio = None
    if ref is not None and not small and rate.rate is not None:
        rk, rn = ref.counts(metric)
        if rn >= MIN_GROUP_N and rk <= rn:
            ratio = rate_ratio(k, n, rk, rn)
    return rate, ratio, small


def _group_table(filters: Filters, attribute: str) -> Table:
    groups = _groups(filters, attribute)
    ref = _reference(groups)
    rows = []
    for g in groups:
        unfav, unfav_ratio, _small_u = _disparity(g, ref, "unfavourable_share", attribute)
        over, over_ratio, _small_o = _disparity(g, ref, "overturn_rate", attribute)
        small = g.decisions < MIN_GROUP_N
        rows.append(
            {
                "key": g.value,
                "group": value_label(attribute, g.value),
                "reference": ref is not None and g.value == ref.value,
                "small": small,
                "decisions": g.decisions,
                "silent_share": _share(g.silent, g.decisions),
                "unfavourable": unfav,
                "unfavourable_ratio": None if small else unfav_ratio,
                "appeal_rate": _checked_rate(
                    g.appealed, g.decisions, f"{attribute} {g.value!r}: appeal rate"
                ),
                "decided": g.decided,
                "overturn_rate": over,
                "overturn_ratio": None if small else over_ratio,
            }
        )
    title = {
        "region": _("By region"),
        "settlement": _("By settlement"),
        "sex": _("By sex"),
        "age_band": _("By age band"),
        "disability": _("By disability"),
    }[attribute]
    return Table(
        id="regions" if attribute == "region" else f"group_{attribute}",
        title=title,
        columns=(
            Column("group", _("Group"), "text"),
            Column("decisions", _("Decisions"), "count"),
            Column("small", _("Too few to compare"), "flag"),
            Column("reference", _("Reference group"), "flag"),
            Column("silent_share", _("Silent assessments (share)"), "rate"),
            Column("unfavourable", _("Unfavourable outcomes (share)"), "interval"),
            Column("unfavourable_ratio", _("Unfavourable: ratio to the reference group"), "ratio"),
            Column("appeal_rate", _("Appeal rate"), "interval"),
            Column("decided", _("Appeals decided"), "count"),
            Column("overturn_rate", _("Overturn rate"), "interval"),
            Column("overturn_ratio", _("Overturn: ratio to the reference group"), "ratio"),
        ),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=(
            _(
                # xgettext:no-python-format
                "The reference group is the group with the most decisions. A ratio above 1 means a higher rate "
                "than in the reference group; its 95% interval is shown in brackets."
            ),
            lazy(
                lambda: str(_("Groups with fewer than {n} cases are flagged and not compared.")).format(
                    n=MIN_GROUP_N
                ),
                str,
            )(),
        ),
    )


# --- reviewer signals -------------------------------------------------------------------------------------------


def _reviewer_rows(filters: Filters, by: str) -> list[dict[str, Any]]:
    fields = ("reviewer", "review_body_id") if by == "reviewer" else ("review_body_id",)
    rows = (
        ReviewerCell.objects.filter(_scope(filters))
        .values(*fields, "minutes")
        .annotate(
            decided=Sum("decided"),
            upheld=Sum("upheld"),
            upheld_before=Sum("upheld_before"),
            changed=Sum("changed"),
            changed_to_ai=Sum("changed_to_ai"),
        )
        .order_by()
    )
    bodies = {
        pk: i18n_text(name)
        for pk, name in Organisation.objects.filter(kind=OrganisationKind.REVIEW_BODY).values_list(
            "pk", "name"
        )
    }
    acc: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r[f] for f in fields)
        a = acc.setdefault(
            key, {"decided": 0, "upheld": 0, "upheld_before": 0, "changed": 0, "to_ai": 0, "minutes": {}}
        )
        a["decided"] += _n(r["decided"])
        a["upheld"] += _n(r["upheld"])
        a["upheld_before"] += _n(r["upheld_before"])
        a["changed"] += _n(r["changed"])
        a["to_ai"] += _n(r["changed_to_ai"])
        if r["minutes"] >= 0:
            a["minutes"][r["minutes"]] = a["minutes"].get(r["minutes"], 0) + _n(r["decided"])
    out = []
    for key, a in acc.items():
        body = key[-1]
        row: dict[str, Any] = {
            "key": str(key[0]) if by == "reviewer" else str(body or ""),
            "review_body": bodies.get(body, "") if body is not None else "",
            "small": a["decided"] < MIN_GROUP_N,
            "decided": a["decided"],
            "agreement_before": wilson(a["upheld_before"], a["decided"]),
            "agreement_after": wilson(a["upheld"], a["decided"]),
            "changed": a["changed"],
            "changed_share": _share(a["changed"], a["decided"]),
            "changed_to_ai": a["to_ai"],
            "median_minutes": percentile_of_histogram(a["minutes"], 0.5),
        }
        if by == "reviewer":
            row["reviewer"] = key[0]
        out.append(row)
    return sorted(out, key=lambda r: (r["review_body"], r.get("reviewer", "")))


_REVIEWER_COLUMNS = (
    Column("decided", _("Cases decided"), "count"),
    Column("small", _("Too few to compare"), "flag"),
    Column("agreement_before", _("Decision stands: own assessment before the reveal"), "interval"),
    Column("agreement_after", _("Agreement with the AI after the reveal"), "interval"),
    Column("changed", _("Changes of mind after the reveal"), "count"),
    Column("changed_share", _("Changes of mind (share)"), "rate"),
    Column("changed_to_ai", _("Changes towards the AI's decision"), "count"),
    Column("median_minutes", _("Median minutes per case"), "count"),
)
_REVIEWER_NOTES = (
    _(
        "Agreement with the AI: the final outcome lets the decision stand. Reviewers record their own "
        "assessment before they see the AI's score and explanation; a change of mind is a final outcome "
        "different from that assessment."
    ),
    _("Minutes per case: from assignment to the recorded assessment, in whole minutes."),
    _("Reviewers are shown by a pseudonym that stays the same from one period to the next."),
)


def _reviewers_table(filters: Filters) -> Table:
    return Table(
        id="reviewers",
        title=_("Reviewer signals"),
        columns=(
            Column("reviewer", _("Reviewer (pseudonym)"), "text"),
            Column("review_body", _("Review body"), "text"),
            *_REVIEWER_COLUMNS,
        ),
        rows=tuple(_reviewer_rows(filters, "reviewer")),
        caption=_period_caption(_("Assessments decided from {start} to {end}."), filters.period),
        notes=_REVIEWER_NOTES,
    )


def _review_bodies_table(filters: Filters) -> Table:
    return Table(
        id="review_bodies",
        title=_("Review bodies"),
        columns=(Column("review_body", _("Review body"), "text"), *_REVIEWER_COLUMNS),
        rows=tuple(_reviewer_rows(filters, "review_body")),
        caption=_period_caption(_("Assessments decided from {start} to {end}."), filters.period),
        notes=_REVIEWER_NOTES,
    )


# --- the API ----------------------------------------------------------------------------------------------------

# Each builder takes the filters and the local day the figures are "as of" (what is overdue on it).
_BUILDERS: dict[str, Callable[[Filters, dt.date], Table]] = {
    "systems": lambda f, today: _systems_table(f),
    "versions": lambda f, today: _versions_table(f),
    "outcome_times": _outcome_times_table,
    "backlog": _backlog_table,
    "grounds": lambda f, today: _grounds_table(f),
    "data_errors": lambda f, today: _data_errors_table(f),
    "regions": lambda f, today: _group_table(f, "region"),
    "group_settlement": lambda f, today: _group_table(f, "settlement"),
    "group_sex": lambda f, today: _group_table(f, "sex"),
    "group_age_band": lambda f, today: _group_table(f, "age_band"),
    "group_disability": lambda f, today: _group_table(f, "disability"),
    "reviewers": lambda f, today: _reviewers_table(f),
    "review_bodies": lambda f, today: _review_bodies_table(f),
}


def dashboard_tables(filters: Filters, *, now: dt.datetime | None = None) -> list[Table]:
    """Every dashboard table for these filters as of `now` (default: the time of the call), in TABLE_IDS order.
    Refreshes the rollups first when they are older than the staleness bound (rollups.ensure_fresh; it never
    waits for a running refresh)."""
    ensure_fresh()
    today = _today(now or timezone.now())
    return [_BUILDERS[t](filters, today) for t in TABLE_IDS]


def table(filters: Filters, table_id: str, *, now: dt.datetime | None = None) -> Table | None:
    """One table by id (for exports) as of `now` (default: the time of the call); None for an unknown id."""
    builder = _BUILDERS.get(table_id)
    if builder is None:
        return None
    ensure_fresh()
    return builder(filters, _today(now or timezone.now()))


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


# --- drill-down -------------------------------------------------------------------------------------------------


def case_pseudonym(decision_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"oversight-case:{decision_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10].upper()


def _local_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(month, dt.time.min))


_APPEAL_TABLES = frozenset(
    {"outcome_times", "backlog", "grounds", "data_errors", "reviewers", "review_bodies"}
)
# Tables whose rows are not the cohort of decisions made in the period: time to outcome and reviewer signals
# count appeals (assessments) decided in the period, the backlog counts appeals open now whatever the period.
_OWN_PERIOD = frozenset({"outcome_times", "backlog", "reviewers", "review_bodies"})
_MAX_ROW_KEY = (
    200  # longer than any key a table gives (codes, regions, pseudonyms, "code:KIND", registry codes)
)


def _period_q(field: str, period: Period) -> Q:
    """``field`` (a datetime) within the period's whole local months."""
    return Q(
        **{
            f"{field}__gte": _local_start(period.from_month),
            f"{field}__lt": _local_start(period.end_exclusive),
        }
    )


def _int_key(row_key: str) -> int | None:
    """A row key that is a database id (ASCII digits, in range), else None."""
    if row_key.isascii() and row_key.isdigit() and len(row_key) <= 18:
        return int(row_key)
    return None


def _drill_condition(filters: Filters, table_id: str, row_key: str, prefix: str) -> Q | None:
    """The condition (on Decision, or on Appeal with prefix "decision__") that selects a row's cases: the
    filters, the row, and for cohort tables the decisions made in the period (the other tables' own period is
    applied by drilldown_sample)."""
    p = prefix
    q = Q() if table_id in _OWN_PERIOD else _period_q(f"{p}decided_at", filters.period)
    if filters.system_code:
        q &= Q(**{f"{p}system__code": filters.system_code})
    if filters.model_version is not None:
        q &= Q(**{f"{p}model_version_id": filters.model_version})
    if filters.region is not None:
        q &= Q(**{f"{p}region": filters.region})
    if table_id == "systems":
        return q & Q(**{f"{p}system__code": row_key})
    if table_id in ("versions", "outcome_times", "backlog"):
        version = _int_key(row_key)
        if version is None:
            return None
        return q & Q(**{f"{p}model_version_id": version})
    if table_id == "regions":
        return q & Q(**{f"{p}region": row_key})
    if table_id.startswith("group_") and table_id[6:] in GROUP_ATTRIBUTES:
        attribute = table_id[6:]
        if attribute == "disability":
            value: Any = {"yes": True, "no": False, "": None}.get(row_key, "?")
            if value == "?":
                return None
            return q & Q(
                **{f"{p}disability": value} if value is not None else {f"{p}disability__isnull": True}
            )
        return q & Q(**{f"{p}{attribute}": row_key})
    return q if table_id in _APPEAL_TABLES else None


def drilldown_sample(
    filters: Filters, table_id: str, row_key: str, *, n: int = 20, seed: int = 0
) -> list[CaseRow] | None:
    """Up to ``n`` anonymised cases behind one row of one table, the same for the same seed; None for an unknown
    table or a malformed row key (a NUL character, an overlong key, a version or body id that is no number).

    Each sample is drawn from the cases the row counts. Decision-side rows (systems, versions, group tables):
    decisions made in the period. Appeal-side rows sample appeals (submitted): outcome_times, appeals decided
    in the period (``Appeal.decided_at``); backlog, appeals open now (state in OPEN, not decided), whatever the
    period; grounds and data_errors, appeals against decisions made in the period with that ground or a
    confirmed error from that registry; reviewers and review_bodies, appeals with an assessment decided in the
    period (``Assessment.decided_at``, with a final outcome) by that reviewer, or in that review body. Unlike
    the dashboard this reads the decisions and appeals themselves, once, bounded by the filters and ``n``: it
    runs only when an ombudsman asks for a sample. No IIN, name or reference leaves here: the case is a keyed
    hash of the decision.
    """
    if table_id not in _BUILDERS or n <= 0:
        return None
    if "\x00" in row_key or len(row_key) > _MAX_ROW_KEY:  # PostgreSQL refuses NUL in a text parameter
        return None
    n = min(n, 100)
    appeal_side = table_id in _APPEAL_TABLES
    where = _drill_condition(filters, table_id, row_key, "decision__" if appeal_side else "")
    if where is None:
        return None
    order = MD5(Concat(Cast("id", output_field=CharField()), Value(f":{seed}")))
    if not appeal_side:
        ids = list(
            Decision.objects.filter(where).annotate(o=order).order_by("o").values_list("id", flat=True)[:n]
        )
        appeals = _latest_appeals(ids)
        return _case_rows(ids, appeals)
    period = filters.period
    qs = Appeal.objects.filter(where, submitted_at__isnull=False)
    if table_id == "outcome_times":
        qs = qs.filter(_period_q("decided_at", period)).exclude(outcome="")
    elif table_id == "backlog":  # as rollups._rebuild_appeal_cells: open, and not decided
        qs = qs.filter(Q(decided_at__isnull=True) | Q(outcome=""), state__in=OPEN)
    elif table_id == "grounds":
        code, _sep, kind = row_key.rpartition(":")
        if not code or kind not in GroundKind.values:
            return None
        qs = qs.filter(decision__system__code=code, grounds__kind=kind)
    elif table_id == "data_errors":
        qs = qs.filter(corrections__source=row_key)
    elif table_id == "reviewers":
        reviewer = _reviewer_by_pseudonym(row_key)
        if reviewer is None:
            return []
        # One filter() call: the reviewer, the date and the final outcome are of the same assessment.
        qs = qs.filter(
            _period_q("assessments__decided_at", period),
            assessments__reviewer_id=reviewer,
            assessments__final_outcome__gt="",
        )
    elif table_id == "review_bodies":
        body = _int_key(row_key) if row_key else None
        if row_key and body is None:
            return None
        qs = qs.filter(
            _period_q("assessments__decided_at", period),
            assessments__final_outcome__gt="",
            **({"review_body_id": body} if body is not None else {"review_body__isnull": True}),
        )
    appeal_ids = list(qs.distinct().annotate(o=order).order_by("o").values_list("id", flat=True)[:n])
    rows = {a.pk: a for a in Appeal.objects.filter(pk__in=appeal_ids).prefetch_related("grounds")}
    by_decision = {rows[i].decision_id: rows[i] for i in appeal_ids}
    return _case_rows(list(by_decision), by_decision)


def _reviewer_by_pseudonym(pseudonym: str) -> int | None:
    for pk in Assessment.objects.values_list("reviewer_id", flat=True).distinct():
        if reviewer_pseudonym(pk) == pseudonym:
            return int(pk)
    return None


def _latest_appeals(decision_ids: list[int]) -> dict[int, Appeal]:
    out: dict[int, Appeal] = {}
    for a in (
        Appeal.objects.filter(decision_id__in=decision_ids, submitted_at__isnull=False)
        .order_by("submitted_at", "id")
        .prefetch_related("grounds")
    ):
        out[a.decision_id] = a
    return out


def _case_rows(decision_ids: list[int], appeals: dict[int, Appeal]) -> list[CaseRow]:
    versions = _versions()
    decisions = {
        d["id"]: d
        for d in Decision.objects.filter(id__in=decision_ids).values(
            "id", "model_version_id", "decided_at", "region", "outcome", "notified", "reproducibility"
        )
    }
    out = []
    for pk in decision_ids:
        d = decisions[pk]
        v = versions[d["model_version_id"]]
        a = appeals.get(pk)
        days = None
        if a is not None and a.decided_at is not None and a.submitted_at is not None:
            days = whole_days(a.submitted_at, a.decided_at)
        out.append(
            CaseRow(
                case=case_pseudonym(pk),
                system_code=v.system_code,
                version=v.version,
                month=local_month(d["decided_at"]),
                region=d["region"],
                outcome=d["outcome"],
                notified=d["notified"],
                reproducibility=d["reproducibility"],
                appeal_state=a.state if a is not None else "",
                appeal_outcome=(a.outcome if a is not None and a.decided_at is not None else ""),
                grounds=tuple(g.kind for g in sorted(a.grounds.all(), key=lambda g: g.position)) if a else (),
                days_to_outcome=days,
            )
        )
    return out


__all__ = [
    "GROUP_ATTRIBUTES",
    "METRICS",
    "MIN_GROUP_N",
    "TABLE_IDS",
    "CaseRow",
    "DeadlineBreaches",
    "FilterChoices",
    "Filters",
    "GroupDisparity",
    "NotReproducible",
    "OpenDataCell",
    "Period",
    "VersionRate",
    "dashboard_tables",
    "deadline_breaches",
    "drilldown_sample",
    "filter_choices",
    "group_disparities",
    "not_reproducible_counts",
    "open_data_counts",
    "table",
    "value_label",
    "version_overturn_rates",
]
