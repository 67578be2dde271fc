"""Public open data: per system, model version, month and region, aggregates only, with small cells suppressed.

What is published (for each system, every complete calendar month, Asia/Almaty time):

    version total  ─┬─ month total (version, month) ─┬─ cell (version, month, region)
                    │                                 └─ ...
                    └─ ...

Measures, for the decisions a version made in a month (``decided_at``, local time) and the appeals against
those decisions, whenever they were filed (the decision cohort, as on the ombudsman's dashboard, see
oversight/selectors.py; so a rate's numerator is always part of its denominator):

- ``decisions``: decisions made;
- ``silent``: of those, silent assessments (the person was never notified);
- ``appeals``: appeals submitted against them (drafts excluded);
- ``decided``: of those, appeals decided;
- ``overturned``: of those, decisions overturned in whole or in part;
- ``deadlines_kept``: of the appeals decided, those decided on or before their due date;
- ``overturn_rate``: overturned ÷ decided, with its Wilson 95% interval (derived, never a count).

Regions with fewer than 10 decisions of the system in the published period are pooled (with decisions whose
region was not recorded) into one row, so that even the list of regions says nothing about a small number.
Every (version, month, region) combination is listed, including empty ones, so that the presence of a row does
not reveal that something happened there.

Suppression (the rule, applied to every count of every row at once; see ``suppress``):

1. Primary: every count from 1 to 9 is hidden, at every level. A zero is shown: it is about no one, and
   hiding zeros would hide, as their complements, most of the numbers around them.
2. Complementary, for a published total: when a total is shown and any of its parts is hidden, at least two
   parts are hidden and the hidden parts add up to at least 10; further parts are hidden smallest first
   (zeros last: hiding a zero adds nothing to the hidden sum). So subtracting the shown parts from the total
   gives only the sum of two or more hidden parts, never one part.
3. Complementary, for a hidden total: a hidden total whose parts were all shown could be rebuilt by adding
   them up, so its smallest part (non-zero first) is hidden too.
4. Rules 2 and 3 repeat until nothing changes (hiding a month total for rule 2 may call for rule 3 below it).
5. Differences: on one row, some counts are subsets of others (``SUBSETS``: silent of decisions; decided of
   appeals; overturned and deadlines_kept of decided, and so of appeals). Two such counts shown side by side
   publish their difference too (decided 12 and overturned 10 say that 2 appeals were not overturned), so
   each difference is treated as a count of its own: it is shown when both counts are, and hidden by hiding
   the smaller count (the subset). Rule 1 applies to it (a difference from 1 to 9 hides the subset), and so
   do rules 2 to 4 (the difference of two totals is the sum of the differences of their parts): subtracting
   shown differences from a shown one gives only the sum, at least 10, of two or more hidden differences.
   Hiding a count for a difference may call for rules 2 and 3 on that count's own totals, and back: all
   rules repeat together until nothing changes. When a shown total has too few shown parts left to complete
   rule 2 (a lone part, hidden for a difference), the total is hidden too.
6. A hidden subset whose whole is shown as zero would be known to be zero: the whole is hidden too.
7. A rate is hidden when its numerator or its denominator is hidden (a rate and its denominator, or the
   interval and the denominator, would give the numerator back).

So neither a hidden count nor a hidden difference can be worked out exactly from the published totals and
differences (tests/oversight/test_open_data_suppression.py checks it by linear algebra), though of course a
hidden subset is known to lie between zero and its whole when the whole is shown.
Hidden cells are not labelled by reason, so that a reader cannot tell a small number from its complement.
Only complete months are published. Residual risk, by design of live figures: appeals keep being decided for
closed months, so comparing two downloads made on different days shows what changed in between, in cells that
are shown (never in hidden ones, which stay hidden while they are under 10).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from explanations.models import AlgorithmicSystem, ModelVersion
from explanations.selectors import systems_public

from .exports import _scalar as csv_cell
from .rollups import OVERTURNS
from .selectors import Period, open_data_counts
from .stats import wilson

THRESHOLD = 10
COUNT_MEASURES: tuple[str, ...] = (
    "decisions",
    "silent",
    "appeals",
    "decided",
    "overturned",
    "deadlines_kept",
)
# (whole, part): on every row, the part counts a subset of what the whole counts (transitively closed), so the
# difference of the two is about people too and is protected like a count (module docstring, rule 5).
SUBSETS: tuple[tuple[str, str], ...] = (
    ("decisions", "silent"),
    ("appeals", "decided"),
    ("appeals", "overturned"),
    ("appeals", "deadlines_kept"),
    ("decided", "overturned"),
    ("decided", "deadlines_kept"),
)
MEASURE_LABELS: dict[str, Any] = {
    "decisions": _("Decisions"),
    "silent": _("Silent assessments"),
    "appeals": _("Appeals"),
    "decided": _("Appeals decided"),
    "overturned": _("Overturned"),
    "deadlines_kept": _("Decided within the deadline"),
    "overturn_rate": _("Overturn rate"),
}
MEASURE_DESCRIPTIONS: dict[str, str] = {
    "decisions": "Decisions made by the model version in the month (local time, Asia/Almaty).",
    "silent": "Of those decisions, silent assessments: the person was not notified of the decision.",
    "appeals": "Appeals submitted against those decisions, whenever they were submitted.",
    "decided": "Of those appeals, the ones decided.",
    "overturned": "Of the appeals decided, those where the decision was overturned in whole or in part.",
    "deadlines_kept": "Of the appeals decided, those decided on or before their due date.",
    "overturn_rate": "overturned / decided, with its Wilson score 95% interval (low, high).",
}
OTHER_REGION = ""  # the pooled row: regions under the threshold, and decisions with no region recorded
LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
SUPPRESSION_RULE = (
    "Every count from 1 to 9 is hidden (null, suppressed: true); zeros are shown. When a total is shown and any of "
    "its parts is hidden, at least two parts are hidden and the hidden parts add up to at least 10, so that no "
    "hidden number can be worked out by subtracting the shown parts from the total; a hidden total whose "
    "parts were all shown has its smallest part hidden too. The same holds for the difference between two "
    "counts of a row where one is part of the other (silent of decisions; decided of appeals; overturned and "
    "deadlines_kept of decided and of appeals): two such counts are never both shown when their difference is "
    "from 1 to 9 (the smaller is hidden), and differences get the same complementary suppression as counts. "
    "A hidden part of a total shown as 0 hides that total too. Rates are hidden when their numerator or "
    "denominator is hidden. Hidden numbers are not labelled by reason. Regions with fewer than 10 decisions "
    "in the period are pooled into one row (region null). Only complete calendar months are published."
)
CACHE_SECONDS = 600


# ----------------------------------------------------------------------------------------------------------
# Suppression: pure functions over named values, tested on their own.


@dataclass(frozen=True)
class Group:
    """One published additive relation: ``parent`` is the sum of ``children`` (keys into the values)."""

    parent: Any
    children: tuple[Any, ...]


@dataclass(frozen=True)
class Difference:
    """``whole`` − ``part``, where ``part`` counts a subset of what ``whole`` counts (keys into the values):
    when both are shown, their difference is published too."""

    whole: Any
    part: Any


def _difference_groups(groups: Sequence[Group], differences: Sequence[Difference]) -> list[Group]:
    """The additive relations between differences: when ``whole`` and ``part`` are both parents of groups
    whose children are pairwise differences, the difference of the parents is the sum of the children's."""
    by_pair = {(d.whole, d.part): d for d in differences}
    by_parent = {g.parent: g for g in groups}
    out = []
    for d in differences:
        of_whole, of_part = by_parent.get(d.whole), by_parent.get(d.part)
        if of_whole is None or of_part is None or len(of_whole.children) != len(of_part.children):
            continue
        children = [by_pair.get(pair) for pair in zip(of_whole.children, of_part.children, strict=True)]
        if all(c is not None for c in children):
            out.append(Group(d, tuple(children)))
    return out


def suppress(
    values: Mapping[Any, int],
    groups: Sequence[Group],
    threshold: int = THRESHOLD,
    subsets: Sequence[tuple[Any, Any]] = (),
) -> set[Any]:
    """The keys to hide so that no value from 1 to `threshold` - 1 is shown or can be worked out from the
    groups' sums, nor the difference of a `subsets` pair (whole, part) (module docstring, rules 1 to 6).

    A difference counts as shown when both its keys are shown, and is hidden by hiding its part (the smaller
    count). Deterministic: complements are chosen smallest non-zero value first, then zeros, ties broken by
    the children's order. Raises ValueError when a part is larger than its whole (inconsistent counts).
    """
    differences = [Difference(whole, part) for whole, part in subsets]
    for d in differences:
        if values[d.part] > values[d.whole]:
            raise ValueError(f"{d.part!r} ({values[d.part]}) exceeds {d.whole!r} ({values[d.whole]})")
    value: dict[Any, int] = dict(values)
    value.update({d: values[d.whole] - values[d.part] for d in differences})
    wholes_of: dict[Any, list[Any]] = defaultdict(list)
    for d in differences:
        wholes_of[d.part].append(d.whole)
    hidden: set[Any] = set()

    def is_hidden(key: Any) -> bool:
        if isinstance(key, Difference):
            return key.whole in hidden or key.part in hidden
        return key in hidden

    def hide(key: Any) -> None:
        key = key.part if isinstance(key, Difference) else key
        hidden.add(key)
        for whole in wholes_of[key]:  # rule 6: a part of a shown zero is zero, hidden or not
            if value[whole] == 0 and whole not in hidden:
                hide(whole)

    for key in (*values, *differences):  # rule 1 (and rule 5 for differences)
        if 0 < value[key] < threshold and not is_hidden(key):
            hide(key)
    all_groups = [*groups, *_difference_groups(groups, differences)]
    changed = True
    while changed:
        changed = False
        for group in all_groups:
            if not group.children:
                continue
            while True:
                hidden_children = [c for c in group.children if is_hidden(c)]
                shown = sorted(
                    (c for c in enumerate(group.children) if not is_hidden(c[1])),
                    key=lambda ic: (value[ic[1]] == 0, value[ic[1]], ic[0]),
                )
                if is_hidden(group.parent):
                    # Rule 3: the parts would add up to the hidden total. Not for a difference: it is hidden
                    # because a count is, and rule 3 on that count's own group hides one of its parts.
                    needed = not hidden_children and not isinstance(group.parent, Difference)
                else:  # rule 2
                    total = sum(value[c] for c in hidden_children)
                    needed = bool(hidden_children) and (len(hidden_children) < 2 or total < threshold)
                if not needed:
                    break
                if shown:
                    hide(shown[0][1])
                else:  # too few parts left to hide (a part hidden for a difference): the total goes too
                    hide(group.parent)
                changed = True
    return hidden


# ----------------------------------------------------------------------------------------------------------
# The published shape.


@dataclass(frozen=True)
class Value:
    """A published count: `value` is None exactly when `suppressed`."""

    value: int | None
    suppressed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed}


@dataclass(frozen=True)
class Rate:
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "suppressed": self.suppressed}


@dataclass(frozen=True)
class Figures:
    counts: dict[str, Value]
    overturn_rate: Rate

    def as_dict(self) -> dict[str, Any]:
        data = {key: value.as_dict() for key, value in self.counts.items()}
        data["overturn_rate"] = self.overturn_rate.as_dict()
        return data


@dataclass(frozen=True)
class RegionRow:
    region: str | None  # None: the pooled row (small regions and no region recorded)
    figures: Figures


@dataclass(frozen=True)
class MonthBlock:
    month: str  # YYYY-MM
    figures: Figures
    regions: tuple[RegionRow, ...]


@dataclass(frozen=True)
class VersionBlock:
    version: str
    released_at: dt.datetime
    retired_at: dt.datetime | None
    figures: Figures
    months: tuple[MonthBlock, ...]


@dataclass(frozen=True)
class SystemOpenData:
    code: str
    name: dict[str, str]
    generated_at: dt.datetime
    first_month: str | None
    last_month: str | None
    versions: tuple[VersionBlock, ...]


# ----------------------------------------------------------------------------------------------------------
# Raw counts: read-only aggregate queries, one per event kind, restricted to one system and the period.

Key = tuple[str, str, str]  # (version, YYYY-MM, region as recorded)


def _local_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _month_start(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(_local_tz())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _month_key(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = value.astimezone(_local_tz())
    return f"{value.year:04d}-{value.month:02d}"


def _next_month(key: str) -> str:
    year, month = int(key[:4]), int(key[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def raw_counts(
    system: AlgorithmicSystem, first_month: dt.date, last_month: dt.date
) -> dict[Key, dict[str, int]]:
    """Counts per (version, month, region as recorded) of the decisions made in the months, unsuppressed.

    The month is the decision's (local time); appeal-side counts follow the decision cohort, as on the
    ombudsman's dashboard (oversight/selectors.py): the appeals against those decisions. Decisions and
    silent assessments come from the decision rollups; the four appeal counts from one aggregate query over
    the appeals (`_appeal_counts`), so that a part never exceeds its whole on any row.
    """
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_MEASURES, 0))
    period = Period(first_month, last_month)
    for cell in open_data_counts(system.code, period):
        target = counts[(cell.version, _month_key(cell.month), cell.region)]
        target["decisions"] += cell.decisions
        target["silent"] += cell.silent
    for key, appeal_counts in _appeal_counts(system, period).items():
        for measure, n in appeal_counts.items():
            counts[key][measure] += n
    return dict(counts)


def _appeal_counts(system: AlgorithmicSystem, period: Period) -> dict[Key, dict[str, int]]:
    """appeals, decided, overturned and deadlines_kept per (version, decision month, region), in one statement.

    Why not the appeal rollups: they hold no count of deadlines kept per decision month (OutcomeCell is by the
    month of the outcome), and a count read live next to a rolled-up one could exceed it (more appeals decided
    since the last rebuild). One statement reads one snapshot, so deadlines_kept <= decided <= appeals and
    overturned <= decided hold on every row; `suppress` relies on it (and raises if not). The definitions are
    the rollups' (oversight/rollups.py, `_rebuild_appeal_cells`): submitted appeals; decided: with a
    decision time and an outcome; overturned in whole or in part; kept: decided on or before the due date
    (local date). The appeals are a small table next to the decisions, read only for this system and period.
    """
    tz = _local_tz()
    start = dt.datetime.combine(period.from_month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end_exclusive, dt.time.min, tzinfo=tz)
    decided = Q(decided_at__isnull=False) & ~Q(outcome="")
    rows = (
        Appeal.objects.filter(
            decision__system=system,
            decision__decided_at__gte=start,
            decision__decided_at__lt=end,
            submitted_at__isnull=False,
        )
        .annotate(month=TruncMonth("decision__decided_at", tzinfo=tz))
        .values("decision__model_version__version", "month", "decision__region")
        .annotate(
            appeals=Count("id"),
            decided=Count("id", filter=decided),
            overturned=Count("id", filter=decided & Q(outcome__in=OVERTURNS)),
            deadlines_kept=Count(
                "id",
                filter=decided & Q(due_date__isnull=False, due_date__gte=TruncDate("decided_at", tzinfo=tz)),
            ),
        )
        .order_by()
    )
    return {
        (row["decision__model_version__version"], _month_key(row["month"]), row["decision__region"]): {
            m: row[m] for m in ("appeals", "decided", "overturned", "deadlines_kept")
        }
        for row in rows
    }


# ----------------------------------------------------------------------------------------------------------
# Building the published data.


def systems_with_open_data() -> list[AlgorithmicSystem]:
    """Every system in the public register (in use or not), by code: each has an open-data page."""
    return list(systems_public())


def system_by_code(code: str) -> AlgorithmicSystem | None:
    return systems_public().filter(code=code).first()


def last_complete_month(now: dt.datetime) -> dt.date:
    """The first day of the last complete month (local time): the last month published."""
    this = _month_start(now).date()
    return (this - dt.timedelta(days=1)).replace(day=1)


def build(system: AlgorithmicSystem, *, now: dt.datetime) -> SystemOpenData:
    """The system's open data as of `now`: complete months only, suppressed as the module docstring says."""
    versions = list(ModelVersion.objects.filter(system=system).order_by("released_at", "id"))
    last = last_complete_month(now)
    last_month = _month_key(last)
    first = min((_month_start(mv.released_at).date() for mv in versions), default=last)
    raw = raw_counts(system, min(first, last), last) if versions and first <= last else {}

    # Pool the small regions (by decisions of the whole system over the period) and the unrecorded ones.
    per_region: dict[str, int] = defaultdict(int)
    for (_v, _m, region), cell in raw.items():
        per_region[region] += cell["decisions"]
    kept = sorted(r for r, n in per_region.items() if r and n >= THRESHOLD)
    regions: list[str] = [*kept, OTHER_REGION]
    pooled: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_MEASURES, 0))
    for (version, month, region), cell in raw.items():
        target = pooled[(version, month, region if region in kept else OTHER_REGION)]
        for measure in COUNT_MEASURES:
            target[measure] += cell[measure]

    # Months of a version: while it was in use (release to retirement, or to the last complete month),
    # widened to any month in which it has decisions.
    event_months: dict[str, list[str]] = defaultdict(list)
    for version, month, _region in pooled:
        event_months[version].append(month)
    months_of: dict[str, list[str]] = {}
    for mv in versions:
        start = _month_key(mv.released_at)
        stop = min(_month_key(mv.retired_at), last_month) if mv.retired_at else last_month
        start = min([start, *event_months[mv.version]])
        stop = max([stop, *event_months[mv.version]])
        months: list[str] = []
        month = start
        while month <= stop:
            months.append(month)
            month = _next_month(month)
        months_of[mv.version] = months

    # Values per node: ("v", version), ("m", version, month), ("c", version, month, region).
    zero = dict.fromkeys(COUNT_MEASURES, 0)
    node_counts: dict[tuple[str, ...], dict[str, int]] = {}
    groups: list[Group] = []
    for mv in versions:
        v_node = ("v", mv.version)
        v_total = dict(zero)
        month_nodes = []
        for month in months_of[mv.version]:
            m_node = ("m", mv.version, month)
            m_total = dict(zero)
            cell_nodes = []
            for region in regions:
                c_node = ("c", mv.version, month, region)
                cell = dict(pooled.get((mv.version, month, region), zero))
                node_counts[c_node] = cell
                cell_nodes.append(c_node)
                for measure in COUNT_MEASURES:
                    m_total[measure] += cell[measure]
            node_counts[m_node] = m_total
            month_nodes.append(m_node)
            groups.append(Group(m_node, tuple(cell_nodes)))
            for measure in COUNT_MEASURES:
                v_total[measure] += m_total[measure]
        node_counts[v_node] = v_total
        groups.append(Group(v_node, tuple(month_nodes)))

    # One suppression over every (node, measure): the measures of a node are tied by their differences.
    hidden = suppress(
        {(node, m): c[m] for node, c in node_counts.items() for m in COUNT_MEASURES},
        [
            Group((g.parent, m), tuple((child, m) for child in g.children))
            for m in COUNT_MEASURES
            for g in groups
        ],
        subsets=[((node, whole), (node, part)) for node in node_counts for whole, part in SUBSETS],
    )

    def figures(node: tuple[str, ...]) -> Figures:
        c = node_counts[node]
        values = {m: Value(None, True) if (node, m) in hidden else Value(c[m], False) for m in COUNT_MEASURES}
        if values["decided"].suppressed or values["overturned"].suppressed:
            rate = Rate(None, None, None, True)
        else:
            interval = wilson(c["overturned"], c["decided"])
            rate = Rate(interval.rate, interval.low, interval.high, suppressed=False)
        return Figures(values, rate)

    blocks = []
    for mv in versions:
        month_blocks = tuple(
            MonthBlock(
                month=month,
                figures=figures(("m", mv.version, month)),
                regions=tuple(
                    RegionRow(region or None, figures(("c", mv.version, month, region))) for region in regions
                ),
            )
            for month in months_of[mv.version]
        )
        blocks.append(
            VersionBlock(mv.version, mv.released_at, mv.retired_at, figures(("v", mv.version)), month_blocks)
        )
    all_months = [m for months in months_of.values() for m in months]
    return SystemOpenData(
        code=system.code,
        name=dict(system.name) if isinstance(system.name, dict) else {"en": str(system.name)},
        generated_at=now,
        first_month=min(all_months) if all_months else None,
        last_month=max(all_months) if all_months else None,
        versions=tuple(blocks),
    )


def system_open_data(system: AlgorithmicSystem, *, now: dt.datetime | None = None) -> SystemOpenData:
    """`build`, cached for a few minutes per system and published month (the figures change when it closes)."""
    now = now or timezone.now()
    key = f"open-data:v1:{system.code}:{_month_key(last_complete_month(now))}"
    cached = cache.get(key)
    if isinstance(cached, SystemOpenData):
        return cached
    data = build(system, now=now)
    cache.set(key, data, CACHE_SECONDS)
    return data


# ----------------------------------------------------------------------------------------------------------
# Serialisations: the API and the JSON download are the same document; the CSV is its flat form.


def as_json(data: SystemOpenData, *, register_url: str = "", data_url: str = "") -> dict[str, Any]:
    return {
        "system": {"code": data.code, "name": data.name, "register_url": register_url, "data_url": data_url},
        "generated_at": data.generated_at.isoformat(),
        "licence": LICENCE,
        "period": {
            "first_month": data.first_month,
            "last_month": data.last_month,
            "time_zone": settings.TIME_ZONE,
        },
        "suppression": {"threshold": THRESHOLD, "rule": SUPPRESSION_RULE},
        "measures": [{"key": key, "description": text} for key, text in MEASURE_DESCRIPTIONS.items()],
        "versions": [
            {
                "version": v.version,
                "released_at": v.released_at.isoformat(),
                "retired_at": v.retired_at.isoformat() if v.retired_at else None,
                "totals": v.figures.as_dict(),
                "months": [
                    {
                        "month": m.month,
                        "totals": m.figures.as_dict(),
                        "regions": [{"region": r.region, **r.figures.as_dict()} for r in m.regions],
                    }
                    for m in v.months
                ],
            }
            for v in data.versions
        ],
    }


CSV_COLUMNS = (
    "system",
    "version",
    "level",
    "month",
    "region",
    *COUNT_MEASURES,
    "overturn_rate",
    "overturn_rate_low",
    "overturn_rate_high",
    "generated_at",
    "licence",
)
SUPPRESSED_MARK = "suppressed"
POOLED_REGION_MARK = "(other or not recorded)"


def csv_rows(data: SystemOpenData) -> Iterable[list[str]]:
    """A header, then one row per version total, month total and cell (`level` says which). A hidden value
    reads `suppressed`; the pooled region reads `(other or not recorded)`. Every cell goes through the
    dashboard exports' rule (oversight/exports.py): text that a spreadsheet would run as a formula
    gets a leading apostrophe (region names and versions come from agencies)."""
    yield list(CSV_COLUMNS)
    tail = [data.generated_at.isoformat(), LICENCE["url"]]

    def row(version: str, level: str, month: str, region: str, f: Figures) -> list[str]:
        cells = [data.code, version, level, month, region]
        cells += [
            SUPPRESSED_MARK if f.counts[m].suppressed else str(f.counts[m].value) for m in COUNT_MEASURES
        ]
        rate = f.overturn_rate
        for number in (rate.value, rate.low, rate.high):
            cells.append(SUPPRESSED_MARK if rate.suppressed else ("" if number is None else f"{number:.4f}"))
        return [csv_cell(cell) for cell in cells + tail]  # text from agencies: no spreadsheet formulas

    for v in data.versions:
        yield row(v.version, "version", "", "", v.figures)
        for m in v.months:
            yield row(v.version, "month", m.month, "", m.figures)
            for r in m.regions:
                yield row(v.version, "region", m.month, r.region or POOLED_REGION_MARK, r.figures)


def as_csv(data: SystemOpenData) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(data))
    return buffer.getvalue()
