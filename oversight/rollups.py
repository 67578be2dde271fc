"""Rollups behind the ombudsman's statistics: how they are kept equal to a full recomputation without ever
scanning the decisions table per request (issue 5, item 6). The only writes of the oversight statistics.

Decision side: incremental, from a watermark.
    Decisions are immutable (a trigger refuses UPDATE and DELETE) and their ids increase, so a refresh folds in
    only the decisions it has not seen: ``id > watermark``, grouped in the database (GROUP BY over an index
    range of the primary key), added to the counts of ``DecisionCell`` and ``DecisionGroupCell``. Ids are
    handed out when a batch is inserted, not when it commits, so a batch still committing can leave a hole
    below a higher id that is already visible. Each refresh therefore lists the runs of consecutive visible
    ids above the watermark (one window-function query), folds exactly those runs, and remembers the holes
    between them as ``PendingGap``s; later refreshes fold whatever has appeared in a gap. A gap older than
    ``GAP_GIVE_UP`` is dropped: those ids belonged to a batch that rolled back (ingest is all or nothing and
    no transaction stays open for a day). No decision is ever counted twice or missed.

Appeal side: rebuilt.
    Appeals change state, and 100,000 of them (with grounds, assessments and corrections) group in well
    under a second, so the appeal cells are recomputed from scratch, in one transaction (readers see the old
    cells or the new, never a mix), whenever the appeal side changed: its ``signature`` (counts and highest
    ids of appeals, timeline events, grounds, assessments and correction notices: every state change writes
    a timeline event) differs from the last rebuild's, or the last rebuild is older than
    ``APPEAL_MAX_AGE`` (a safety net for a change that wrote no new row).

Consistency: a refresh runs under a PostgreSQL advisory lock (one refresh at a time) and, when it is not
nested in an outer transaction, in one REPEATABLE READ transaction, so the watermark, the gaps and the cells it
writes all describe one snapshot.

When: the Celery beat task ``oversight.rollup_refresh`` every 5 minutes, and lazily by ``ensure_fresh`` when the
dashboard is opened and the rollups are older than ``STALE_SECONDS`` (60 s). Why both: the beat keeps alerts
and open data current with nobody looking; the lazy refresh bounds what an ombudsman sees to a minute old even
when the beat is late or not running (``make run`` has no beat), and costs only the increment since the last
refresh. It never waits: when another refresh holds the lock, the page is served from the current rollups.

Rules that change: a decision's near-threshold flag (and favourable flag) is computed with its model version's
rule at fold time, and the system's ``near_threshold_band`` can be edited afterwards. So the decision state
records the rule each version was folded with (``RollupState.fold_rules``: edges, band and favourable outcomes
per version). A refresh that finds the rule of an already-folded version changed (or no record at all while
something was folded: cells from before the record existed) throws the decision cells away and folds every
decision again with the current rules, in the same snapshot: the result equals ``rollup_rebuild``. Counts
before the edit are not kept under the old band: every number reads with the band in force now, as the
explanations do. A new version only adds its rule (nothing of it was folded before). Edits are rare (a
configuration change), so the full rebuild they cost is acceptable.

Not audited: rollups are derived data, recomputable at any time from audited records (``rollup_rebuild``).

Near a threshold (the explanation engine's definition, explanations/engine ``Thresholds.near_threshold``):
the distance from the recorded score to the nearest score where the outcome changes is at most the band. The
band is the system's ``near_threshold_band``, else the spec's ``near_threshold_band``, else 5 % of the range of
scores the model can produce (engine ``resolve_near_band``). Edges: scorecards, the ``min_score`` of each
band whose outcome differs from the band below; linear and logistic models, ``threshold`` (on the recorded
scale: the score, or the probability when ``threshold_on`` is "probability"). Decision trees, rule lists and
opaque models have no score threshold: "not defined". Computed in the database as |score − edge| <= band in
double precision; the engine compares exact rationals, so the two could differ only for a score within
rounding of the band's edge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Q, Value
from django.db.models.expressions import Case, When
from django.db.models.fields import CharField
from django.db.models.functions import Abs, TruncDate, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from appeals.models import Appeal, Assessment, Ground, GroundKind, RegistryCorrection, TimelineEvent
from appeals.states import OPEN, Outcome, State
from explanations.models import Decision, ModelVersion, Reproducibility

from .models import (
    NO,
    UNDEFINED,
    YES,
    AppealCell,
    DecisionCell,
    DecisionGroupCell,
    GroundCell,
    OpenAppealCell,
    OutcomeCell,
    PendingGap,
    ReviewerCell,
    RollupState,
    SourceCell,
)

DECISIONS = "decisions"
APPEALS = "appeals"
STALE_SECONDS = 60
GAP_GIVE_UP = dt.timedelta(hours=24)
APPEAL_MAX_AGE = dt.timedelta(hours=1)
GROUP_FIELDS = ("settlement", "sex", "age_band", "disability")  # region is a key of every cell already
OVERTURNS = frozenset({Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED})
_LOCK_KEY = 0x4F565253  # "OVRS"
_RUNS_PER_QUERY = 200
_BATCH = 5000


# --- definitions shared with the selectors and the tests --------------------------------------------------------


@dataclass(frozen=True)
class NearRule:
    """Where a model's outcome changes on the recorded score scale, and how near counts as near."""

    edges: tuple[float, ...]
    band: float


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _linear_range(spec: Mapping[str, Any]) -> tuple[float, float]:
    features = {f["name"]: f for f in spec.get("features", [])}
    lo = hi = float(spec["intercept"])
    for name, w in spec["coefficients"].items():
        f = features.get(name, {})
        a, b = (0.0, 1.0) if f.get("type") == "boolean" else (float(f["min"]), float(f["max"]))
        lo += min(w * a, w * b)
        hi += max(w * a, w * b)
    return lo, hi


def near_rule(spec: Mapping[str, Any], system_band: float | None) -> NearRule | None:
    """The near-threshold rule of one model version (see the module docstring); None when not defined.

    Registered specs are validated, so the fields exist; a spec written without them (older data, fixtures)
    has no rule rather than breaking every statistic of the portal.
    """
    try:
        return _near_rule(spec, system_band)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _near_rule(spec: Mapping[str, Any], system_band: float | None) -> NearRule | None:
    kind = spec.get("kind")
    if kind == "scorecard":
        bands = spec.get("bands", [])
        edges = tuple(
            float(bands[i]["min_score"])
            for i in range(1, len(bands))
            if bands[i]["outcome"] != bands[i - 1]["outcome"] and bands[i].get("min_score") is not None
        )
        lo = hi = float(spec["base_points"])
        for bins in spec.get("bins", {}).values():
            points = [float(b["points"]) for b in bins]
            lo += min(points)
            hi += max(points)
        score_range = hi - lo
    elif kind in ("linear", "logistic"):
        threshold = float(spec["threshold"])
        edges = (threshold,)
        lo, hi = _linear_range(spec)
        if kind == "logistic" and spec.get("threshold_on", "score") == "probability":
            score_range = _sigmoid(hi) - _sigmoid(lo)
        else:
            score_range = hi - lo
    else:
        return None
    if not edges:
        return None
    if system_band is not None:
        band = float(system_band)
    elif spec.get("near_threshold_band") is not None:
        band = float(spec["near_threshold_band"])
    else:
        band = abs(score_range) / 20
    return NearRule(edges=edges, band=band)


def is_near(rule: NearRule | None, score: float | None) -> str:
    """The flag as the rollups store it: YES, NO or UNDEFINED (plain Python; the fold does it in SQL)."""
    if rule is None or score is None:
        return UNDEFINED
    return YES if any(abs(score - e) <= rule.band for e in rule.edges) else NO


def favourable_codes(spec: Mapping[str, Any]) -> dict[str, bool]:
    return {o["code"]: bool(o.get("favourable", False)) for o in spec.get("outcomes", [])}


def favourable_flag(codes: Mapping[str, bool], outcome: str) -> str:
    if outcome not in codes:
        return UNDEFINED
    return YES if codes[outcome] else NO


def group_value(attribute: str, value: Any) -> str:
    """A decision's group attribute as the cells store it: disability "yes"/"no", blank = not recorded."""
    if attribute == "disability":
        return "" if value is None else ("yes" if value else "no")
    return value or ""


def reviewer_pseudonym(user_id: int) -> str:
    """A stable keyed pseudonym of a reviewer ("R-" + 8 hex digits): the same person is the same row across
    refreshes, and nobody without the server's secret key can tell who it is."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"oversight-reviewer:{user_id}".encode(), hashlib.sha256)
    return "R-" + digest.hexdigest()[:8].upper()


def local_month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def whole_days(start: dt.datetime, end: dt.datetime) -> int:
    return math.floor((end - start).total_seconds() / 86400)


@dataclass(frozen=True)
class VersionInfo:
    system_id: int
    rule: NearRule | None
    favourable: dict[str, bool]


def fold_rules(infos: Mapping[int, VersionInfo]) -> dict[str, str]:
    """Per version (str(pk)): the rules a fold applies to its decisions, as a comparable text."""
    out = {}
    for pk, info in infos.items():
        rule = None if info.rule is None else (info.rule.edges, info.rule.band)
        out[str(pk)] = repr((rule, sorted(info.favourable.items())))
    return out


def _fold_rules_changed(state: RollupState, current: Mapping[str, str]) -> bool:
    """Whether the decision cells were folded with a rule that is no longer the version's (see the module
    docstring): then only a rebuild makes them equal to a recomputation."""
    if state.watermark == 0 and not PendingGap.objects.exists():
        return False  # nothing folded yet
    recorded = state.fold_rules
    if not isinstance(recorded, dict):
        return True  # folded before the rules were recorded: unknown, so rebuild once
    return any(pk in current and current[pk] != rule for pk, rule in recorded.items())


def version_infos() -> dict[int, VersionInfo]:
    out = {}
    for pk, system_id, spec, band in ModelVersion.objects.values_list(
        "pk", "system_id", "spec", "system__near_threshold_band"
    ):
        out[pk] = VersionInfo(system_id, near_rule(spec, band), favourable_codes(spec))
    return out


# --- locking --------------------------------------------------------------------------------------------------


@contextmanager
def _refresh_lock(wait: bool) -> Iterator[bool]:
    """One refresh at a time (a session-level advisory lock, taken before the refresh's transaction starts so
    that its snapshot sees every earlier refresh). Yields False when ``wait`` is false and the lock is held."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            got = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


@contextmanager
def _snapshot_transaction() -> Iterator[None]:
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


# --- the services ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshReport:
    skipped: bool  # another refresh held the lock
    decisions_folded: int = 0
    gap_decisions_folded: int = 0
    appeals_rebuilt: bool = False
    decisions_rebuilt: bool = False  # from nothing: asked for, or a version's fold rule had changed
    seconds: float = 0.0


def rollup_refresh(*, now: dt.datetime | None = None, wait: bool = True, full: bool = False) -> RefreshReport:
    """Fold new decisions into the decision cells and rebuild the appeal cells if the appeal side changed.

    ``full``: start from nothing (``rollup_rebuild``). ``wait``: block on a concurrent refresh (the beat task)
    or skip (a page's lazy refresh). The decision side also starts from nothing when a version's fold rule
    (near-threshold band, edges, favourable outcomes) is not the one its cells were folded with."""
    started = time.perf_counter()
    now = now or timezone.now()
    with _refresh_lock(wait) as got:
        if not got:
            return RefreshReport(skipped=True)
        with _snapshot_transaction():
            infos = version_infos()
            rules = fold_rules(infos)
            state, _ = RollupState.objects.get_or_create(name=DECISIONS)
            rebuild_decisions = full or _fold_rules_changed(state, rules)
            if rebuild_decisions:
                DecisionCell.objects.all().delete()
                DecisionGroupCell.objects.all().delete()
                PendingGap.objects.all().delete()
                state.watermark = 0
                state.rebuilt_at = now
            folded, from_gaps = _fold_new_decisions(state, infos, now)
            state.fold_rules = rules
            state.refreshed_at = now
            state.save()
            rebuilt = _refresh_appeals(now, force=full)
    return RefreshReport(
        skipped=False,
        decisions_folded=folded,
        gap_decisions_folded=from_gaps,
        appeals_rebuilt=rebuilt,
        decisions_rebuilt=rebuild_decisions,
        seconds=time.perf_counter() - started,
    )


def rollup_rebuild(*, now: dt.datetime | None = None) -> RefreshReport:
    """Throw every cell away and recompute from the decisions and appeals (``manage.py oversight_rollups
    --rebuild``; also what the tests compare an incremental refresh with)."""
    return rollup_refresh(now=now, full=True)


def rollups_refreshed_at() -> dt.datetime | None:
    state = RollupState.objects.filter(name=DECISIONS).first()
    return state.refreshed_at if state else None


def ensure_fresh(*, max_age_seconds: float = STALE_SECONDS, now: dt.datetime | None = None) -> None:
    """Refresh now, without waiting for a running refresh, when the rollups are older than ``max_age_seconds``
    (see the module docstring for why the dashboard does this on top of the beat)."""
    now = now or timezone.now()
    refreshed = rollups_refreshed_at()
    if refreshed is not None and (now - refreshed).total_seconds() <= max_age_seconds:
        return
    rollup_refresh(now=now, wait=False)


# --- decision side --------------------------------------------------------------------------------------------


def _runs(low: int, high: int | None) -> list[tuple[int, int]]:
    """Runs of consecutive visible decision ids in (low, high] (high None: no upper bound), ascending."""
    table = connection.ops.quote_name(Decision._meta.db_table)
    where = "id > %s" + ("" if high is None else " AND id <= %s")
    params = [low] if high is None else [low, high]
    sql = (
        f"SELECT MIN(id), MAX(id) FROM (SELECT id, id - ROW_NUMBER() OVER (ORDER BY id) AS grp "  # noqa: S608
        f"FROM {table} WHERE {where}) runs GROUP BY grp ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def _holes(low: int, high: int, runs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The id ranges in [low, high] not covered by ``runs`` (sorted, inside [low, high])."""
    out, cursor = [], low
    for a, b in runs:
        if a > cursor:
            out.append((cursor, a - 1))
        cursor = max(cursor, b + 1)
    if cursor <= high:
        out.append((cursor, high))
    return out


def _fold_new_decisions(
    state: RollupState, infos: dict[int, VersionInfo], now: dt.datetime
) -> tuple[int, int]:
    runs = _runs(state.watermark, None)
    gap_runs: list[tuple[int, int]] = []
    new_gaps: list[PendingGap] = []
    for gap in list(PendingGap.objects.order_by("low")):
        found = _runs(gap.low - 1, gap.high)
        gap_runs.extend(found)
        if found or now - gap.seen_at > GAP_GIVE_UP:
            gap.delete()
            if now - gap.seen_at <= GAP_GIVE_UP:
                new_gaps.extend(
                    PendingGap(low=a, high=b, seen_at=gap.seen_at)
                    for a, b in _holes(gap.low, gap.high, found)
                )
    if runs:
        top = runs[-1][1]
        new_gaps.extend(
            PendingGap(low=a, high=b, seen_at=now) for a, b in _holes(state.watermark + 1, top, runs)
        )
        state.watermark = top
    PendingGap.objects.bulk_create(new_gaps)
    folded = _fold_runs(runs, infos)
    from_gaps = _fold_runs(gap_runs, infos)
    return folded, from_gaps


def _near_expression(infos: dict[int, VersionInfo]) -> Case:
    """YES / NO / UNDEFINED per decision, in SQL: |score - edge| <= band for the version's edges."""
    whens = []
    for pk, info in infos.items():
        if info.rule is None:
            continue
        near: Q | None = None
        for edge in info.rule.edges:
            term = Q(LessThanOrEqual(Abs(F("score") - Value(edge)), Value(info.rule.band)))
            near = term if near is None else near | term
        assert near is not None
        whens.append(When(Q(model_version_id=pk, score__isnull=False) & near, then=Value(YES)))
        whens.append(When(Q(model_version_id=pk, score__isnull=False), then=Value(NO)))
    return Case(*whens, default=Value(UNDEFINED), output_field=CharField())


def _favourable_expression(infos: dict[int, VersionInfo]) -> Case:
    """YES / NO per decision whose outcome the version's spec declares, UNDEFINED otherwise."""
    whens = []
    for pk, info in infos.items():
        good = [code for code, fav in info.favourable.items() if fav]
        bad = [code for code, fav in info.favourable.items() if not fav]
        if good:
            whens.append(When(model_version_id=pk, outcome__in=good, then=Value(YES)))
        if bad:
            whens.append(When(model_version_id=pk, outcome__in=bad, then=Value(NO)))
    return Case(*whens, default=Value(UNDEFINED), output_field=CharField())


_KEY = ("system_id", "model_version_id", "month", "region")
_DECISION_COUNTS = (
    "n", "silent", "near", "near_defined", "mismatch", "not_replayable", "unfavourable", "favourable_defined",
)  # fmt: skip
_GROUP_COUNTS = ("n", "silent", "unfavourable", "favourable_defined")


def _counts(*names: str) -> dict[str, Count]:
    conditions = {
        "n": None,
        "silent": Q(notified=False),
        "near": Q(near_flag=YES),
        "near_defined": ~Q(near_flag=UNDEFINED),
        "mismatch": Q(reproducibility=Reproducibility.MISMATCH),
        "not_replayable": Q(reproducibility=Reproducibility.NOT_REPLAYABLE),
        "unfavourable": Q(favourable_flag=NO),
        "favourable_defined": ~Q(favourable_flag=UNDEFINED),
    }
    return {f"c_{name}": Count("id", filter=conditions[name]) for name in names}


def _fold_runs(runs: Sequence[tuple[int, int]], infos: dict[int, VersionInfo]) -> int:
    """Group the decisions of ``runs`` (id ranges) in the database and add them to the cells."""
    if not runs:
        return 0
    cells: dict[tuple[Any, ...], list[int]] = {}
    groups: dict[tuple[Any, ...], list[int]] = {}
    total = 0
    for start in range(0, len(runs), _RUNS_PER_QUERY):
        where = Q()
        for a, b in runs[start : start + _RUNS_PER_QUERY]:
            where |= Q(id__gte=a, id__lte=b)
        base = (
            Decision.objects.filter(where)
            .annotate(
                m=TruncMonth("decided_at", output_field=DateField()),
                favourable_flag=_favourable_expression(infos),
            )
            .order_by()
        )
        keys = ("system_id", "model_version_id", "m", "region")
        rows = (
            base.annotate(near_flag=_near_expression(infos))
            .values(*keys)
            .annotate(**_counts(*_DECISION_COUNTS))
        )
        for r in rows:
            counts = cells.setdefault(tuple(r[k] for k in keys), [0] * len(_DECISION_COUNTS))
            for i, name in enumerate(_DECISION_COUNTS):
                counts[i] += r[f"c_{name}"]
            total += r["c_n"]
        for attribute in GROUP_FIELDS:
            for r in base.values(*keys, attribute).annotate(**_counts(*_GROUP_COUNTS)):
                key = (*(r[k] for k in keys), attribute, group_value(attribute, r[attribute]))
                counts = groups.setdefault(key, [0] * len(_GROUP_COUNTS))
                for i, name in enumerate(_GROUP_COUNTS):
                    counts[i] += r[f"c_{name}"]
    _add_counts(DecisionCell, (*_KEY,), _DECISION_COUNTS, cells)
    _add_counts(DecisionGroupCell, (*_KEY, "attribute", "value"), _GROUP_COUNTS, groups)
    return total


def _add_counts(
    model: Any, fields: tuple[str, ...], counts: tuple[str, ...], deltas: dict[tuple[Any, ...], list[int]]
) -> None:
    """cell.counts += deltas for every key (creating the cells that do not exist yet).

    PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE that adds. Elsewhere:
    read the cells concerned, add in Python, and upsert them."""
    if not deltas:
        return
    unique = [f.removesuffix("_id") for f in fields if f != "system_id"]
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        columns = [*fields, *counts]
        names = ", ".join(qn(c) for c in columns)
        keys = ", ".join(qn(model._meta.get_field(f).column) for f in unique)
        adds = ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in counts)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE oversight_delta AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608
            _copy(cursor, "oversight_delta", columns, ((*key, *delta) for key, delta in deltas.items()))
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM oversight_delta "  # noqa: S608
                f"ON CONFLICT ({keys}) DO UPDATE SET {adds}"
            )
            cursor.execute("DROP TABLE oversight_delta")
        return
    versions = {k[1] for k in deltas}
    months = {k[2] for k in deltas}
    existing = {
        tuple(row[: len(fields)]): row[len(fields) :]
        for row in model.objects.filter(model_version_id__in=versions, month__in=months).values_list(
            *fields, *counts
        )
    }
    objs = []
    for key, delta in deltas.items():
        old = existing.get(key, (0,) * len(counts))
        values = {name: old[i] + delta[i] for i, name in enumerate(counts)}
        objs.append(model(**dict(zip(fields, key, strict=True)), **values))
    model.objects.bulk_create(
        objs, batch_size=_BATCH, update_conflicts=True, unique_fields=unique, update_fields=list(counts)
    )


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain inserts of new cells: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _copy(cursor, model._meta.db_table, columns, rows)
        return
    model.objects.bulk_create(
        (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=_BATCH
    )


# --- appeal side ----------------------------------------------------------------------------------------------


def appeal_signature() -> str:
    parts = []
    for model in (Appeal, TimelineEvent, Ground, Assessment, RegistryCorrection):
        agg = model.objects.aggregate(n=Count("id"), top=Max("id"))
        parts.append(f"{agg['n']}:{agg['top'] or 0}")
    return "|".join(parts)


def _refresh_appeals(now: dt.datetime, *, force: bool) -> bool:
    state, _ = RollupState.objects.get_or_create(name=APPEALS)
    signature = appeal_signature()
    fresh = state.rebuilt_at is not None and now - state.rebuilt_at <= APPEAL_MAX_AGE
    if not force and fresh and state.signature == signature:
        state.refreshed_at = now
        state.save(update_fields=["refreshed_at"])
        return False
    for model in (AppealCell, OutcomeCell, OpenAppealCell, GroundCell, SourceCell, ReviewerCell):
        model.objects.all().delete()
    _rebuild_appeal_cells()
    state.signature = signature
    state.rebuilt_at = now
    state.refreshed_at = now
    state.save()
    return True


def _source_of_grounds() -> dict[int, str]:
    """Ground id -> the source registry recorded with the decision's input the ground challenges."""
    g = connection.ops.quote_name(Ground._meta.db_table)
    a = connection.ops.quote_name(Appeal._meta.db_table)
    d = connection.ops.quote_name(Decision._meta.db_table)
    if connection.vendor == "postgresql":
        source = "d.inputs -> g.feature ->> 'source'"
    else:
        source = "json_extract(d.inputs, '$.\"' || g.feature || '\".source')"
    sql = (
        f"SELECT g.id, {source} FROM {g} g JOIN {a} a ON a.id = g.appeal_id "  # noqa: S608
        f"JOIN {d} d ON d.id = a.decision_id WHERE g.kind = %s AND a.submitted_at IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [GroundKind.DATA_WRONG])
        return {int(pk): (src or "") for pk, src in cursor.fetchall()}


def _rebuild_appeal_cells() -> None:
    appeals = list(
        Appeal.objects.filter(submitted_at__isnull=False)
        .annotate(
            decision_month=TruncMonth("decision__decided_at", output_field=DateField()),
            submitted_on=TruncDate("submitted_at"),
            decided_on=TruncDate("decided_at"),
            outcome_month=TruncMonth("decided_at", output_field=DateField()),
        )
        .values_list(
            "id",
            "decision_id",
            "decision__system_id",
            "decision__model_version_id",
            "decision_month",
            "decision__region",
            "decision__settlement",
            "decision__sex",
            "decision__age_band",
            "decision__disability",
            "state",
            "submitted_at",
            "submitted_on",
            "decided_at",
            "decided_on",
            "outcome_month",
            "outcome",
            "due_date",
            "review_body_id",
            "reviewer_id",
        )
        .order_by()
    )
    by_id: dict[int, tuple[Any, ...]] = {}
    totals: dict[tuple[Any, ...], list[Any]] = {}
    outcomes: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    open_cells: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in appeals:
        (pk, decision_id, system_id, version_id, month, region, settlement, sex, age_band, disability, state_,
         submitted_at, submitted_on, decided_at, decided_on, outcome_month, outcome, due_date, _body_id,
         reviewer_id) = row  # fmt: skip
        by_id[pk] = row
        decided = decided_at is not None and bool(outcome)
        overturned = decided and outcome in OVERTURNS
        values = {"": "", **{
            f: group_value(f, v)
            for f, v in zip(GROUP_FIELDS, (settlement, sex, age_band, disability), strict=True)
        }}  # fmt: skip
        for attribute, value in values.items():
            key = (system_id, version_id, month, region, attribute, value)
            cell = totals.setdefault(key, [0, set(), 0, 0])
            cell[0] += 1
            cell[1].add(decision_id)
            cell[2] += decided
            cell[3] += overturned
        if decided:
            assert submitted_at is not None and decided_at is not None
            o = outcomes[(system_id, version_id, region, outcome_month, whole_days(submitted_at, decided_at))]
            o[0] += 1
            if due_date is not None:
                o[1] += 1
                o[2] += decided_on <= due_date
        elif state_ in OPEN:
            open_cells[(system_id, version_id, region, submitted_on, due_date, state_ == State.ON_HOLD)] += 1

    _insert(
        AppealCell,
        (
            "system_id",
            "model_version_id",
            "month",
            "region",
            "attribute",
            "value",
            "appeals",
            "appealed_decisions",
            "decided",
            "overturned",
        ),
        ((k[0], k[1], k[2], k[3], k[4], k[5], v[0], len(v[1]), v[2], v[3]) for k, v in totals.items()),
    )
    _insert(
        OutcomeCell,
        (
            "system_id",
            "model_version_id",
            "region",
            "outcome_month",
            "days",
            "decided",
            "with_due_date",
            "kept",
        ),
        ((k[0], k[1], k[2], k[3], k[4], v[0], v[1], v[2]) for k, v in outcomes.items()),
    )
    _insert(
        OpenAppealCell,
        ("system_id", "model_version_id", "region", "submitted_on", "due_date", "on_hold", "n"),
        ((k[0], k[1], k[2], k[3], k[4], k[5], v) for k, v in open_cells.items()),
    )

    # The deciding reviewer's assessment of each decided appeal says which grounds were accepted.
    assessments = list(
        Assessment.objects.filter(appeal__submitted_at__isnull=False)
        .annotate(month=TruncMonth("decided_at", output_field=DateField()))
        .values_list(
            "appeal_id",
            "reviewer_id",
            "outcome",
            "new_outcome",
            "final_outcome",
            "final_new_outcome",
            "ground_findings",
            "decided_at",
            "month",
            "seconds_spent",
        )
        .order_by()
    )
    accepted: dict[int, set[int]] = {}
    reviewers: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (
        appeal_id,
        reviewer_id,
        before,
        before_new,
        final,
        final_new,
        findings,
        a_decided_at,
        month,
        secs,
    ) in assessments:
        arow = by_id.get(appeal_id)
        if arow is None:
            continue
        if reviewer_id == arow[19]:
            accepted[appeal_id] = {
                int(f["ground"]) for f in (findings or []) if f.get("finding") == "ACCEPTED"
            }
        if a_decided_at is None or not final:
            continue
        minutes = -1 if secs is None else int(secs) // 60
        rkey = (arow[2], arow[3], arow[5], month, reviewer_pseudonym(reviewer_id), arow[18], minutes)
        r = reviewers[rkey]
        r[0] += 1
        r[1] += final == Outcome.DECISION_UPHELD
        r[2] += before == Outcome.DECISION_UPHELD
        r[3] += final != before or (final_new or "") != (before_new or "")
        r[4] += before in OVERTURNS and final == Outcome.DECISION_UPHELD
    _insert(
        ReviewerCell,
        (
            "system_id",
            "model_version_id",
            "region",
            "month",
            "reviewer",
            "review_body_id",
            "minutes",
            "decided",
            "upheld",
            "upheld_before",
            "changed",
            "changed_to_ai",
        ),
        (
            (k[0], k[1], k[2], k[3], k[4], k[5], k[6], v[0], v[1], v[2], v[3], v[4])
            for k, v in reviewers.items()
        ),
    )

    sources = _source_of_grounds()
    grounds: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    challenged: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for ground_id, appeal_id, position, kind in (
        Ground.objects.filter(appeal__submitted_at__isnull=False)
        .values_list("id", "appeal_id", "position", "kind")
        .order_by()
    ):
        grow = by_id[appeal_id]
        decided = grow[13] is not None and bool(grow[16])
        ok = decided and position in accepted.get(appeal_id, ())
        g = grounds[(grow[2], grow[3], grow[4], grow[5], kind)]
        g[0] += 1
        g[1] += decided
        g[2] += ok
        if kind == GroundKind.DATA_WRONG:
            c = challenged[(grow[2], grow[3], grow[4], grow[5], sources.get(ground_id, ""))]
            c[0] += 1
            c[1] += decided
            c[2] += ok
    _insert(
        GroundCell,
        ("system_id", "model_version_id", "month", "region", "kind", "grounds", "in_decided", "accepted"),
        ((k[0], k[1], k[2], k[3], k[4], v[0], v[1], v[2]) for k, v in grounds.items()),
    )
    _insert(
        SourceCell,
        ("system_id", "model_version_id", "month", "region", "source", "challenged", "decided", "confirmed"),
        ((k[0], k[1], k[2], k[3], k[4][:100], v[0], v[1], v[2]) for k, v in challenged.items()),
    )
