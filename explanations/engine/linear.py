"""Linear and logistic models: weights, a documented baseline, one threshold.

* Contributions: ``wᵢ·(xᵢ − bᵢ)``; baseline = ``intercept + Σ wᵢ·bᵢ`` (``bᵢ`` = the spec's ``baseline``; a
  feature missing from it is referenced at 0, which the notes say). For logistic models the contributions are
  on the logit (log-odds) scale and the probability view gives the probability at the baseline and at the case.
* Threshold and margin on the recorded scale, and for logistic models on the other scale too.
* Counterfactual: minimise ``Σ costᵢ`` subject to reaching the other side of the threshold. Continuous
  features form a fractional knapsack, solved exactly by the greedy rule (highest |wᵢ| per unit of cost first,
  which is the LP optimum). Integer, stepped and boolean features are enumerated by an exact depth-first
  branch and bound in display order, bounded by that LP relaxation (convex in each level, so the levels worth
  trying form one interval found by bisection). All arithmetic is rational; the search is exhaustive apart
  from pruning by a valid lower bound, so the result is a proven optimum of the cost model.
* Floats: the exact optimum may sit exactly on the threshold; every candidate is replayed with the compiled
  model, and a continuous feature is then moved on by the fewest float steps (ulps) that make the replay
  agree. The reported cost is that of the values actually replayed.
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ._common import (
    Candidate,
    Case,
    EngineInconsistency,
    KindParts,
    additive_reasons,
    check_identity,
    diverse_alternatives,
    resolve_near_band,
)
from ._domain import UNCHANGED, FeatureDomain, GridLevels, KeyElem, exact, exact_str, to_float
from .result import Contribution, Contributions, Edge, ProbabilityView, Thresholds, ThresholdView

INF = math.inf


def sigmoid(z: float) -> float:
    """Logistic function, overflow-free."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def logit(p: float) -> float:
    if p <= 0:
        return -INF
    if p >= 1:
        return INF
    return math.log(p) - math.log1p(-p)


def _ordered(f: float) -> int:
    """Floats as integers in the same order (for bisection over every float)."""
    i = struct.unpack("<q", struct.pack("<d", f))[0]
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def _unordered(i: int) -> float:
    return struct.unpack("<d", struct.pack("<q", i if i >= 0 else (-i) | -0x8000000000000000))[0]


def replay_logit_threshold(t: float) -> float:
    """The smallest float logit ``z`` with ``sigmoid(z) >= t``: the decision boundary as the replay computes it.

    ``log(t/(1−t))`` is off by a few ulps, and near it many logits share one float probability, so a case
    exactly at a boundary (e.g. logit 6 with ``t = sigmoid(6)``) would otherwise be put on the wrong side.
    Bisection over the ordered floats, using the same overflow-free sigmoid as the compiled model.
    """
    z = logit(t)
    if math.isinf(z):
        return z
    width = max(1e-9, abs(z) * 1e-9)
    lo, hi = z - width, z + width
    while sigmoid(lo) >= t:
        lo -= width
        width *= 2
    while sigmoid(hi) < t:
        hi += width
        width *= 2
    a, b = _ordered(lo), _ordered(hi)  # sigmoid(lo) < t <= sigmoid(hi)
    while b - a > 1:
        mid = (a + b) // 2
        if sigmoid(_unordered(mid)) >= t:
            b = mid
        else:
            a = mid
    return _unordered(b)


@dataclass(frozen=True)
class _Model:
    intercept: Fraction
    weights: dict[str, Fraction]
    baseline: dict[str, Fraction]
    missing_baseline: tuple[str, ...]
    threshold: float
    on_probability: bool
    logistic: bool
    above: str
    below: str

    @classmethod
    def parse(cls, spec: Mapping[str, Any], domains: tuple[FeatureDomain, ...]) -> _Model:
        coeffs = spec["coefficients"]
        names = [d.name for d in domains if d.name in coeffs]
        base = spec.get("baseline", {})
        return cls(
            intercept=exact(spec["intercept"]),
            weights={n: exact(coeffs[n]) for n in names},
            baseline={n: exact(base.get(n, 0)) for n in names},
            missing_baseline=tuple(n for n in names if n not in base),
            threshold=float(spec["threshold"]),
            on_probability=spec["kind"] == "logistic" and spec.get("threshold_on", "score") == "probability",
            logistic=spec["kind"] == "logistic",
            above=spec["outcome_at_or_above"],
            below=spec["outcome_below"],
        )

    def linear_threshold(self) -> Fraction | float:
        """The threshold on the linear predictor (logit for logistic models); ±inf when unreachable."""
        if not self.on_probability:
            return exact(self.threshold)
        t = replay_logit_threshold(self.threshold)
        return t if math.isinf(t) else Fraction(t)


def explain_linear(case: Case, near_band: float | None, max_alternatives: int) -> KindParts:
    """Contributions, thresholds, principal reasons and exact counterfactuals of a linear/logistic case."""
    m, score_range = _parsed(case)
    xs = {n: exact(case.values[n]) for n in m.weights}
    score = m.intercept + sum((m.weights[n] * xs[n] for n in m.weights), Fraction(0))
    baseline = m.intercept + sum((m.weights[n] * m.baseline[n] for n in m.weights), Fraction(0))
    contribs = {n: m.weights[n] * (xs[n] - m.baseline[n]) for n in m.weights}
    check_identity(baseline, contribs.values(), score)

    t_lin = m.linear_threshold()
    received = case.result.outcome
    _check_replay(case, m, score, t_lin)

    items = tuple(
        Contribution(
            feature=n,
            value=case.values[n],
            reference=_reference_value(case, n, m.baseline[n]),
            contribution=to_float(c),
            contribution_exact=exact_str(c),
            weight=to_float(m.weights[n]),
            odds_factor=(math.exp(float(c)) if m.logistic and float(c) < 700 else None),
        )
        for n, c in contribs.items()
    )
    contributions = Contributions(
        scale="logit" if m.logistic else "score",
        baseline_definition="intercept_plus_weighted_baseline",
        baseline=to_float(baseline),
        baseline_exact=exact_str(baseline),
        score=to_float(score),
        score_exact=exact_str(score),
        items=items,
    )
    probability = None
    if m.logistic:
        probability = ProbabilityView(
            probability_at_baseline=sigmoid(float(baseline)),
            probability_at_case=sigmoid(float(score)),
            threshold_probability=m.threshold if m.on_probability else sigmoid(m.threshold),
        )

    thresholds = _thresholds(case, m, score, t_lin, near_band, score_range)
    direction = 1 if received == m.below else -1
    reasons = additive_reasons([(n, case.values[n], c) for n, c in contribs.items()], direction)

    notes = []
    if m.missing_baseline:
        notes.append(
            (
                "baseline_defaulted_to_zero",
                "The model documents no reference value for: "
                + ", ".join(m.missing_baseline)
                + "; their contributions are measured from 0.",
            )
        )

    pool: dict[str, _Item | None] = {}  # the movable items, built once for all the searches of this case

    def solver(frozen: frozenset[str]) -> Candidate | None:
        return _Search(case, m, xs, score, t_lin, frozen, pool).run()

    alternatives = diverse_alternatives(case, solver, max_alternatives)
    return KindParts(
        contributions=contributions,
        probability=probability,
        principal_reasons=reasons,
        thresholds=thresholds,
        alternatives=tuple(alternatives),
        method="greedy_lp_and_exact_branch_and_bound",
        exact=True,
        notes=notes,
    )


#: The parsed model and its score range by spec hash (both depend on the spec alone). Cleared when full.
_PARSED: dict[str, tuple[_Model, tuple[Fraction, Fraction]]] = {}
_PARSED_SIZE = 1024


def _parsed(case: Case) -> tuple[_Model, tuple[Fraction, Fraction]]:
    digest = case.model.spec_hash
    found = _PARSED.get(digest)
    if found is None:
        if len(_PARSED) >= _PARSED_SIZE:
            _PARSED.clear()
        m = _Model.parse(case.spec, case.domains)
        found = _PARSED[digest] = (m, _range(m, case))
    return found


def _reference_value(case: Case, name: str, b: Fraction) -> Any:
    d = case.by_name[name]
    if d.type == "boolean" and b in (0, 1):
        return bool(b)  # a boolean reference; otherwise a share between 0 and 1, shown as a number
    if d.type == "integer" and b.denominator == 1:
        return int(b)
    return to_float(b)


def _check_replay(case: Case, m: _Model, score: Fraction, t_lin: Fraction | float) -> None:
    """Refuse to explain when our exact score disagrees with the compiled model's replay.

    The replay rounds each product ``wᵢ·xᵢ`` to a float, so the tolerance scales with the size of the terms
    (cancellation can make the score itself tiny while each term is large).
    """
    # the size of the terms only sets the tolerance, so floats suffice (rationals cost as much as a replay)
    magnitude = abs(float(m.intercept)) + sum(
        abs(float(w) * float(case.values[n])) for n, w in m.weights.items()
    )
    tolerance = 1e-9 * max(1.0, magnitude)
    replayed = case.result.score
    ours = sigmoid(float(score)) if m.on_probability else float(score)
    if replayed is not None and abs(ours - float(replayed)) > tolerance:
        raise EngineInconsistency(f"engine score {ours!r} != replayed score {replayed!r}")
    expected = m.above if score >= t_lin else m.below
    # Only a float-rounding tie at the threshold may make the replay differ from exact arithmetic.
    if expected != case.result.outcome and (
        isinstance(t_lin, float) or abs(float(score - t_lin)) > tolerance
    ):
        raise EngineInconsistency(f"engine outcome {expected} != replayed outcome {case.result.outcome}")


def _range(m: _Model, case: Case) -> tuple[Fraction, Fraction]:
    lo = hi = m.intercept
    for n, w in m.weights.items():
        d = case.by_name[n]
        a, b = (Fraction(0), Fraction(1)) if d.type == "boolean" else (d.lo, d.hi)
        assert a is not None and b is not None
        lo += min(w * a, w * b)
        hi += max(w * a, w * b)
    return lo, hi


def _thresholds(
    case: Case,
    m: _Model,
    score: Fraction,
    t_lin: Fraction | float,
    near_band: float | None,
    score_range: tuple[Fraction, Fraction],
) -> Thresholds:
    other = m.above if case.result.outcome == m.below else m.below
    up = case.result.outcome == m.below
    lo, hi = score_range
    views: list[ThresholdView] = []

    def view(scale: str, s: float, t: float) -> ThresholdView:
        edges: tuple[Edge, ...] = ()
        if math.isfinite(t):
            edges = (
                Edge(value=t, direction="up" if up else "down", distance=abs(t - s), outcome_beyond=other),
            )
        return ThresholdView(scale=scale, score=s, edges=edges, margin=(s - t) if math.isfinite(t) else None)

    linear_scale = "logit" if m.logistic else "score"
    # shown: the mathematical logit of the probability threshold (the search uses the replay's exact boundary)
    shown_t = logit(m.threshold) if m.on_probability else float(t_lin)
    lin_view = view(linear_scale, to_float(score), shown_t)
    if m.on_probability:
        p = float(case.result.score) if case.result.score is not None else sigmoid(float(score))
        views = [view("probability", p, m.threshold), lin_view]
        rng: Fraction = Fraction(sigmoid(float(hi))) - Fraction(sigmoid(float(lo)))
        margin = abs(p - m.threshold)
    else:
        views = [lin_view]
        if m.logistic:
            views.append(view("probability", sigmoid(float(score)), sigmoid(m.threshold)))
        rng = hi - lo
        margin = abs(float(score) - m.threshold)
    band, source = resolve_near_band(near_band, case.spec, rng)
    return Thresholds(
        views=tuple(views),
        near_band=to_float(band),
        near_band_source=source,
        near_threshold=margin <= float(band),
    )


# ---------------------------------------------------------------------------------------------------------
# Counterfactual search
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Item:
    """A feature that can move in the useful direction.

    ``gain`` and ``cost`` are per unit of |Δ| (for a boolean flip |Δ| = 1); ``cap`` is the largest useful |Δ|.
    """

    d: FeatureDomain
    x: Fraction
    up: bool
    gain: Fraction
    cost: Fraction
    cap: Fraction
    levels: GridLevels | None  # None: continuous; a flip has one level
    flip_to: Any = None
    ratio: Fraction = field(init=False)  # cost per unit of score gained (lower is better)
    _deltas: dict[int, Fraction] = field(init=False, default_factory=dict)
    _gain_cost: dict[int, tuple[Fraction, Fraction]] = field(init=False, default_factory=dict)
    # float shadows, used only to decide comparisons that are clear by more than the search's tolerance
    gain_f: float = field(init=False)
    cost_f: float = field(init=False)
    ratio_f: float = field(init=False)
    cap_f: float = field(init=False)
    scale_f: float = field(init=False)  # magnitude of |Δ| and of the values involved (for the tolerance)
    _first_f: float = field(init=False, default=0.0)
    _step_f: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.ratio = self.cost / self.gain
        self.gain_f, self.cost_f, self.ratio_f = float(self.gain), float(self.cost), float(self.ratio)
        self.cap_f = float(self.cap)
        self.scale_f = self.cap_f + abs(float(self.x)) + 1.0
        if self.levels is not None:
            self._first_f = abs(float(self.levels.first) - float(self.x))
            self._step_f = abs(float(self.levels.step))
            self.scale_f += abs(float(self.levels.limit)) + abs(float(self.levels.first))

    def gain_cost_f(self, k: int) -> tuple[float, float]:
        """Float approximation of :meth:`gain_cost` (error far below the search's tolerance)."""
        d = 1.0 if self.flip_to is not None else self._first_f + k * self._step_f
        return self.gain_f * d, self.cost_f * d

    @property
    def continuous(self) -> bool:
        return self.levels is None and self.flip_to is None

    @property
    def count(self) -> int:
        if self.flip_to is not None:
            return 1
        assert self.levels is not None
        return self.levels.count

    def delta(self, k: int) -> Fraction:
        """|Δ| of the k-th level (0-based) beyond the recorded value (memoised: the search asks often)."""
        if self.flip_to is not None:
            return Fraction(1)
        found = self._deltas.get(k)
        if found is None:
            assert self.levels is not None
            found = abs(self.d.materialize(self.levels.value(k)) - self.x)
            self._deltas[k] = found
        return found

    def gain_cost(self, k: int) -> tuple[Fraction, Fraction]:
        """(score gained, cost) of moving to level k (memoised)."""
        found = self._gain_cost.get(k)
        if found is None:
            d = self.delta(k)
            found = (self.gain * d, self.cost * d)
            self._gain_cost[k] = found
        return found

    def key_elem(self, k: int) -> KeyElem:
        """The tie-break key element of level k (same as ``FeatureDomain.key_elem`` of its value)."""
        if self.flip_to is not None:
            return (1, self.d.categories.index(self.flip_to))
        return (1, self.delta(k))

    def value(self, k: int) -> Any:
        if self.flip_to is not None:
            return self.flip_to
        assert self.levels is not None
        return self.d.typed(self.x + self.delta(k) if self.up else self.x - self.delta(k))


class _LP:
    """Fractional cover of a requirement by items sorted by ratio: the exact LP relaxation value.

    Prefix sums of capacities and costs make each evaluation a bisection plus one multiply-add. The float
    shadow (:meth:`value_f`) is built at once; the exact prefix sums only when an exact value is first asked
    for, which the float-first comparisons of the search make rare.
    """

    def __init__(self, items: list[_Item]) -> None:
        self._unsorted = items
        by_ratio_f = sorted(items, key=lambda it: (it.ratio_f, it.d.index))
        self.caps_f: list[float] = []
        self.costs_f: list[float] = [0.0]
        self.ratios_f = [it.ratio_f for it in by_ratio_f]
        gain_f = cost_f = 0.0
        for it in by_ratio_f:
            g = it.gain_f * it.cap_f
            gain_f += g
            cost_f += g * it.ratio_f
            self.caps_f.append(gain_f)
            self.costs_f.append(cost_f)
        self.capacity_f = gain_f
        self._exact: tuple[list[_Item], list[Fraction], list[Fraction], Fraction] | None = None

    def _prefix_sums(self) -> tuple[list[_Item], list[Fraction], list[Fraction], Fraction]:
        if self._exact is None:
            items = sorted(self._unsorted, key=lambda it: (it.ratio, it.d.index))
            caps: list[Fraction] = []  # cumulative score gain of the first i+1 items, filled completely
            costs: list[Fraction] = [Fraction(0)]  # cumulative cost of the first i items
            total_gain = total_cost = Fraction(0)
            for it in items:
                g = it.gain * it.cap
                total_gain += g
                total_cost += g * it.ratio
                caps.append(total_gain)
                costs.append(total_cost)
            self._exact = (items, caps, costs, total_gain)
        return self._exact

    @property
    def capacity(self) -> Fraction:
        return self._prefix_sums()[3]

    def value_f(self, need: float, tol: float) -> float | None:
        """:meth:`value` in floats, or None when ``need`` is within ``tol`` of the capacity (where the exact
        value jumps to infinity). Elsewhere the LP value is continuous and piecewise linear in ``need``, so a
        float error in ``need``, in a prefix sum or in the segment found (equal ratios may sort either way)
        only moves the result by that error times a ratio."""
        if need <= tol and self.capacity_f <= tol:
            # no capacity left: the exact value jumps from 0 (need ≤ 0) to infinity (need > 0) here
            return 0.0 if need < -tol else None
        if need <= 0:
            return 0.0
        if need > self.capacity_f + tol:
            return INF
        if need >= self.capacity_f - tol:
            return None
        caps = self.caps_f
        i = min(bisect_left(caps, need), len(caps) - 1)
        before = caps[i - 1] if i else 0.0
        return self.costs_f[i] + (need - before) * self.ratios_f[i]

    def value(self, need: Fraction) -> Fraction | float:
        if need <= 0:
            return Fraction(0)
        items, caps, costs, capacity = self._prefix_sums()
        if need > capacity:
            return INF
        i = bisect_left(caps, need)  # the first item whose cumulative capacity covers the need
        before = caps[i - 1] if i else Fraction(0)
        return costs[i] + (need - before) * items[i].ratio


def _constant(x: Fraction) -> Callable[[], Fraction]:
    return lambda: x


class _State:
    """The exact (need, cost) of a search node, computed only when asked (most nodes are decided on floats).

    A child is its parent minus one level's gain plus its cost; the rationals are formed on first use.
    """

    __slots__ = ("_cost", "_gain", "_parent", "_value")

    def __init__(
        self,
        parent: _State | None,
        gain: Fraction,
        cost: Fraction,
    ) -> None:
        self._parent, self._gain, self._cost = parent, gain, cost
        self._value: tuple[Fraction, Fraction] | None = None if parent is not None else (gain, cost)

    def value(self) -> tuple[Fraction, Fraction]:
        if self._value is None:
            assert self._parent is not None
            need, cost = self._parent.value()
            self._value = (need - self._gain, cost + self._cost)
        return self._value


class _Search:
    """Exact minimum-cost crossing of the threshold with ``frozen`` features kept (see module docstring)."""

    def __init__(
        self,
        case: Case,
        m: _Model,
        xs: dict[str, Fraction],
        score: Fraction,
        t_lin: Fraction | float,
        frozen: frozenset[str],
        pool: dict[str, _Item | None] | None = None,
    ) -> None:
        self.case = case
        self.frozen = frozen
        self.sign = 1 if case.result.outcome == m.below else -1  # +1: the score must rise
        if isinstance(t_lin, float):  # threshold ±inf: every case is on the same side, there is no other
            self.feasible = False
            return
        self.feasible = True
        # need: the gain required; strict: whether the gain must exceed it (leaving "≥ threshold" needs "<").
        if self.sign > 0:
            self.need, self.strict = t_lin - score, False
        else:
            self.need, self.strict = score - t_lin, True
        self.root_tie = self.need <= 0
        if self.root_tie:  # replay and exact arithmetic disagree at the threshold: any move at all
            self.need, self.strict = Fraction(0), True
        discrete: list[_Item] = []
        continuous: list[_Item] = []
        pool = {} if pool is None else pool
        for name, w in m.weights.items():
            if name in frozen:
                continue
            if name not in pool:  # an item depends on the frozen set only through this test
                pool[name] = self._item(case.by_name[name], xs[name], w)
            item = pool[name]
            if item is None:
                continue
            (continuous if item.continuous else discrete).append(item)
        self.discrete = discrete  # display order: the DFS order and the key order
        self.continuous = sorted(continuous, key=lambda it: (it.ratio, it.d.index))
        self.lps = [_LP(discrete[i:] + continuous) for i in range(len(discrete) + 1)]
        # Tolerances of the float shadows: every float bound is a few dozen rounded operations on terms of at
        # most these magnitudes (relative error ~1e-16 each), so a float comparison that is clear by more
        # than 1e-9 of them decides like the exact one; closer comparisons are made in exact arithmetic.
        items = discrete + continuous
        need_scale = 1.0 + abs(float(self.need)) + sum(it.gain_f * it.scale_f for it in items)
        max_ratio = max([1.0, *(it.ratio_f for it in items)])
        cost_scale = 1.0 + sum(it.cost_f * it.scale_f for it in items) + need_scale * max_ratio
        self.need_tol = 1e-9 * need_scale
        self.cost_tol = 1e-9 * cost_scale
        self.best_cost: Fraction | float = INF
        self.best_f = INF
        self.best_key: tuple[KeyElem, ...] | None = None
        self.best: Candidate | None = None
        self.choice: list[int | None] = [None] * len(discrete)  # level index per discrete item

    def _item(self, d: FeatureDomain, x: Fraction, w: Fraction) -> _Item | None:
        """The item of a feature that is not frozen (the same for every frozen set that leaves it free)."""
        if w == 0 or not d.movable():
            return None
        up = self.sign * w > 0
        if d.type == "boolean":
            old = bool(x)
            if old == up:
                return None
            new = not old
            if not d.flip_allowed(old, new):
                return None
            return _Item(d, x, up, abs(w), d.weight, Fraction(1), None, flip_to=new)
        levels = d.grid_levels(x, up)
        if levels is None:
            return None
        per_unit = d.unit_cost
        if levels.count == 0:
            return _Item(d, x, up, abs(w), per_unit, abs(levels.limit - x), None)
        cap = abs(d.materialize(levels.value(levels.count - 1)) - x)
        return _Item(d, x, up, abs(w), per_unit, cap, levels)

    # -- search -----------------------------------------------------------------------------------------
    def run(self) -> Candidate | None:
        if not self.feasible:
            return None
        reach = self.lps[0].value_f(float(self.need), self.need_tol)
        if reach == INF or (reach is None and self.lps[0].value(self.need) == INF):
            return None
        self._incumbent()
        self._dfs(0, _State(None, self.need, Fraction(0)), float(self.need), 0.0, ())
        return self.best

    def _covers(self, gain: Fraction, need: Fraction) -> bool:
        return gain > need if self.strict else gain >= need

    def _incumbent(self) -> None:
        """A quick feasible solution (greedy by ratio, rounding levels up) so that pruning starts early."""
        need = self.need
        position = {it.d.name: i for i, it in enumerate(self.discrete)}
        picks: dict[int, int] = {}
        # a heuristic (any feasible leaf will do: the search below is exhaustive), so floats order it
        for it in sorted(self.discrete + self.continuous, key=lambda it: (it.ratio_f, it.d.index)):
            if need < 0 or (need == 0 and not self.strict):
                break
            if it.continuous:  # the leaf fills it; account for it here
                need -= min(it.gain * it.cap, need)
                continue
            k = self._cover_level(it, float(need), _constant(need))
            picks[position[it.d.name]] = k
            need -= it.gain * it.delta(k)
        key: list[KeyElem] = []
        cost = Fraction(0)
        residual = self.need
        for i, it in enumerate(self.discrete):
            if i in picks:
                self.choice[i] = picks[i]
                key.append(it.key_elem(picks[i]))
                cost += it.cost * it.delta(picks[i])
                residual -= it.gain * it.delta(picks[i])
            else:
                self.choice[i] = None
                key.append(UNCHANGED)
        self._leaf(residual, cost, tuple(key))
        self.choice = [None] * len(self.discrete)

    def _cover_level(self, it: _Item, need_f: float, exact_need: Callable[[], Fraction]) -> int:
        """Smallest level whose gain covers ``need``, else the largest level (levels beyond are dominated).

        Levels are an arithmetic progression up to float representation, so the estimate by division is off by
        at most one level; the loops settle it, each test on the float shadow when that is clear by more than
        the tolerance, else exactly.
        """
        tol = self.need_tol

        def covers(k: int) -> bool:
            g = it.gain_cost_f(k)[0]
            if g > need_f + tol:
                return True
            if g < need_f - tol:
                return False
            return self._covers(it.gain_cost(k)[0], exact_need())

        last = it.count - 1
        if not covers(last):
            return last
        if it.flip_to is not None or it.levels is None:
            return 0
        k = math.ceil((need_f / it.gain_f - it._first_f) / it._step_f) if it._step_f > 0 else 0
        k = min(max(k, 0), last)
        while k > 0 and covers(k - 1):
            k -= 1
        while k < last and not covers(k):
            k += 1
        return k

    def _pruned(self, bound: Fraction | float, prefix: tuple[KeyElem, ...]) -> bool:
        if bound == INF or bound > self.best_cost:
            return True
        if bound == self.best_cost and self.best_key is not None:
            return prefix > self.best_key[: len(prefix)]
        return False

    def _pruned_fast(
        self,
        lp: _LP,
        state: _State,
        cost_f: float,
        need_f: float,
        prefix: tuple[KeyElem, ...],
    ) -> bool:
        """:meth:`_pruned` of ``cost + lp.value(need)``, decided in floats when that is clear by more than the
        tolerance (same answer as exact arithmetic), else exactly."""
        v = lp.value_f(need_f, self.need_tol)
        if v is not None:
            if v == INF:
                return True
            b = cost_f + v
            if b > self.best_f + self.cost_tol:
                return True
            if b < self.best_f - self.cost_tol:
                return False
        need, cost = state.value()
        return self._pruned(cost + lp.value(need), prefix)

    def _dfs(self, i: int, state: _State, need_f: float, cost_f: float, key: tuple[KeyElem, ...]) -> None:
        if i == len(self.discrete):
            need, cost = state.value()
            self._leaf(need, cost, key)
            return
        it = self.discrete[i]
        lp = self.lps[i + 1]
        # Unchanged first: it sorts first in the key.
        if not self._pruned_fast(lp, state, cost_f, need_f, (*key, UNCHANGED)):
            self.choice[i] = None
            self._dfs(i + 1, state, need_f, cost_f, (*key, UNCHANGED))
        for k in self._levels_to_try(it, lp, state, need_f, cost_f):
            gain_kf, cost_kf = it.gain_cost_f(k)
            v = lp.value_f(need_f - gain_kf, self.need_tol)
            if v == INF or (v is not None and cost_f + cost_kf + v > self.best_f + self.cost_tol):
                continue  # clearly pruned: no exact arithmetic needed
            child = _State(state, *it.gain_cost(k))
            elem = it.key_elem(k)
            if self._pruned_fast(lp, child, cost_f + cost_kf, need_f - gain_kf, (*key, elem)):
                continue
            self.choice[i] = k
            self._dfs(i + 1, child, need_f - gain_kf, cost_f + cost_kf, (*key, elem))
        self.choice[i] = None

    def _levels_to_try(self, it: _Item, lp: _LP, state: _State, need_f: float, cost_f: float) -> range:
        """Levels whose bound can still beat the incumbent: an interval, since the bound is convex in |Δ|.

        One level beyond the covering one is included: it is dominated in exact arithmetic (so pruned whenever
        the covering level replays as expected) but needed when float rounding in the replay rejects a level
        that lands exactly on the threshold. Each comparison of the bisections is decided on the float
        shadows when it is clear by more than the tolerance, else in exact arithmetic.
        """
        top = min(self._cover_level(it, need_f, lambda: state.value()[0]) + 1, it.count - 1)
        if top < 32:
            return range(top + 1)
        tol = self.cost_tol
        exact_memo: dict[int, Fraction | float] = {}

        def bound(k: int) -> Fraction | float:
            found = exact_memo.get(k)
            if found is None:
                need, cost = state.value()
                gain_k, cost_k = it.gain_cost(k)
                found = exact_memo[k] = cost + cost_k + lp.value(need - gain_k)
            return found

        def bound_f(k: int) -> float | None:
            gain_k, cost_k = it.gain_cost_f(k)
            v = lp.value_f(need_f - gain_k, self.need_tol)
            return None if v is None else cost_f + cost_k + v

        def stops_decreasing(k: int) -> bool:  # bound(k) != inf and bound(k + 1) >= bound(k)
            fa, fb = bound_f(k), bound_f(k + 1)
            if fa is not None and fb is not None:
                if fa == INF:
                    return False
                if fb == INF or fb - fa > 2 * tol:
                    return True
                if fb - fa < -2 * tol:
                    return False
            a, b = bound(k), bound(k + 1)
            return a != INF and b >= a

        def within_best(k: int) -> bool:  # bound(k) != inf and bound(k) <= best
            f = bound_f(k)
            if f is not None:
                if f == INF:
                    return False
                if f < self.best_f - tol:
                    return True
                if f > self.best_f + tol:
                    return False
            b = bound(k)
            return b != INF and b <= self.best_cost

        # argmin: first k where the bound stops decreasing (inf counts as still decreasing).
        lo, hi = 0, top
        while lo < hi:
            mid = (lo + hi) // 2
            if stops_decreasing(mid):
                hi = mid
            else:
                lo = mid + 1
        kmin = lo
        if not within_best(kmin):
            return range(0)
        lo, hi = 0, kmin  # first k ≤ kmin with bound ≤ best (bound decreasing there)
        while lo < hi:
            mid = (lo + hi) // 2
            if within_best(mid):
                hi = mid
            else:
                lo = mid + 1
        first = lo
        lo, hi = kmin, top  # last k ≥ kmin with bound ≤ best (bound increasing there)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if within_best(mid):
                lo = mid
            else:
                hi = mid - 1
        return range(first, lo + 1)

    def _leaf(self, need: Fraction, cost: Fraction, key: tuple[KeyElem, ...]) -> None:
        """Complete a discrete choice with the greedy continuous fill, replay it, keep it if it is better."""
        fill = self._fill(need)
        if fill is None:
            return
        if float(cost) + sum(it.cost_f * float(use) for it, use in fill) > self.best_f + self.cost_tol:
            return  # clearly dearer than the incumbent (float shadow, see __init__)
        total = cost + sum((it.cost * use for it, use in fill), Fraction(0))
        if total > self.best_cost:
            return
        if total == self.best_cost and self.best_key is not None and key >= self.best_key:
            return
        changes = {
            it.d.name: it.value(k) for it, k in zip(self.discrete, self.choice, strict=True) if k is not None
        }
        for it, use in fill:
            if use > 0:
                v = it.d.round_out(it.x + use if it.up else it.x - use, up=it.up)
                changes[it.d.name] = it.d.typed(it.d.materialize(v))
        by_name = self.case.by_name
        changes = {k: v for k, v in changes.items() if not by_name[k].same(self.case.values[k], v)}
        verified = self.case.accept(changes)
        if verified is None and fill:
            verified = self._nudge(changes, fill)
        if verified is None:
            return
        if self.best is None or (verified.cost, key) < (self.best_cost, self.best_key):
            self.best_cost = verified.cost
            self.best_f = float(verified.cost)
            self.best_key = key
            self.best = verified

    def _fill(self, need: Fraction) -> list[tuple[_Item, Fraction]] | None:
        """Greedy (LP-optimal) continuous amounts covering ``need``; None when impossible.

        A strict requirement met exactly by discrete changes alone is left to the replay. One met exactly by
        continuous amounts is left to the replay/nudge step, which moves the last continuous
        feature on by the smallest float amount; it never brings in an extra feature only to break an exact
        tie (that would show a person a "change" of 1e-16), except when the tie is the case itself or the
        features used so far are at their limit (then the next one must move, or nothing would help).
        """
        if need < 0 or (need == 0 and not self.strict):
            return []
        if need == 0:
            if not self.root_tie:
                # Discrete changes reach the threshold exactly: the float replay decides (its rounding may
                # already pass it; if not, the candidate is dropped and the search goes one step further).
                return []
            spare = next((it for it in self.continuous if it.cap > 0), None)
            return None if spare is None else [(spare, Fraction(0))]
        fill: list[tuple[_Item, Fraction]] = []
        remaining = need
        for it in self.continuous:
            if remaining <= 0:
                break
            use = min(it.cap, remaining / it.gain)
            fill.append((it, use))
            remaining -= it.gain * use
        if remaining > 0:
            return None
        if self.strict and fill[-1][1] == fill[-1][0].cap:
            # Exactly at the limit of the features used so far: the requirement is strict, so the next
            # feature with room joins at zero and the nudge moves it on by the smallest step. Without one,
            # the threshold cannot be passed with these features.
            spare = next((it for it in self.continuous[len(fill) :] if it.cap > 0), None)
            if spare is None:
                return None
            fill.append((spare, Fraction(0)))
        return fill

    def _nudge(self, changes: dict[str, Any], fill: list[tuple[_Item, Fraction]]) -> Candidate | None:
        """Move the marginal continuous feature on by 1, 2, 4, … resolution steps until the replay agrees.

        Needed only when the rounded optimum still lies exactly on the threshold (or on the old side of it
        after float rounding in the replay). When the marginal feature reaches its limit first (rounding to
        the resolution can carry it there, and a float score may not register a subnormal remainder), it
        stays at the limit and the next continuous feature with room is nudged the same way.
        """
        used = {id(it) for it, _ in fill}
        marginal = next((it for it, use in reversed(fill) if use < it.cap), None)
        order = [] if marginal is None else [marginal]
        order += [it for it in self.continuous if id(it) not in used and it.cap > 0]
        trial = dict(changes)
        for it in order:
            d = it.d
            res = d.resolution
            bound = d.hi if it.up else d.lo
            assert res is not None and bound is not None
            start = exact(trial.get(d.name, it.x))
            for p in range(64):
                step = (2**p) * res
                v = min(start + step, bound) if it.up else max(start - step, bound)
                trial[d.name] = d.typed(d.materialize(v))
                verified = self.case.accept(trial)
                if verified is not None:
                    return verified
                if v == bound:
                    break
        return None
