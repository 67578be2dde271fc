"""Scorecards: points per bin, bands of outcomes.

* Contributions: ``points(case bin) − points(reference bin)``; baseline = ``base_points + Σ reference points``.
* Edges: the score values where the outcome changes, below and above the case.
* Counterfactual: a multiple-choice knapsack over "which bin each feature ends in", solved exactly by dynamic
  programming over the exact (rational) point sums. The value chosen inside a target bin is the nearest allowed
  value (bounds, direction, grid), which is the cheapest way to land in that bin because cost grows with
  distance. Optimal for the cost model; ties broken by the key of ``_domain``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import (
    Candidate,
    Case,
    KindParts,
    additive_reasons,
    check_identity,
    check_replayed_score,
    diverse_alternatives,
    favourable_map,
    resolve_near_band,
)
from ._domain import UNCHANGED, FeatureDomain, KeyElem, exact, exact_str, to_float
from .result import Contribution, Contributions, Edge, Thresholds, ThresholdView


@dataclass(frozen=True)
class _Bin:
    lower: Fraction | None
    upper: Fraction | None
    category: Any
    points: Fraction
    numeric: bool

    def holds(self, value: Any) -> bool:
        if not self.numeric:
            return type(value) is type(self.category) and value == self.category
        x = exact(value)
        return (self.lower is None or x >= self.lower) and (self.upper is None or x < self.upper)


def _bins(spec: Mapping[str, Any]) -> dict[str, list[_Bin]]:
    out: dict[str, list[_Bin]] = {}
    for name, bins in spec["bins"].items():
        out[name] = [
            _Bin(
                lower=None if b.get("lower") is None else exact(b["lower"]),
                upper=None if b.get("upper") is None else exact(b["upper"]),
                category=b.get("category"),
                points=exact(b["points"]),
                numeric="category" not in b,
            )
            for b in bins
        ]
    return out


@dataclass(frozen=True)
class _Bands:
    mins: tuple[Fraction | None, ...]
    outcomes: tuple[str, ...]

    def index(self, score: Fraction) -> int:
        """The band with the greatest min_score ≤ score (the first band's null min is −∞)."""
        found = 0
        for i, m in enumerate(self.mins):
            if m is None or m <= score:
                found = i
        return found

    def outcome(self, score: Fraction) -> str:
        return self.outcomes[self.index(score)]


def explain_scorecard(case: Case, near_band: float | None, max_alternatives: int) -> KindParts:
    """Contributions, edges, principal reasons and exact counterfactuals of a scorecard case."""
    spec = case.spec
    bins = _bins(spec)
    ref = spec["reference_bins"]
    base = exact(spec["base_points"])
    bands = _Bands(
        mins=tuple(None if b.get("min_score") is None else exact(b["min_score"]) for b in spec["bands"]),
        outcomes=tuple(b["outcome"] for b in spec["bands"]),
    )
    binned = [d for d in case.domains if d.name in bins]

    # -- contributions (exact) --------------------------------------------------------------------------
    items: list[Contribution] = []
    reason_items: list[tuple[str, Any, Fraction]] = []
    baseline = base
    score = base
    for d in binned:
        value = case.values[d.name]
        fbins = bins[d.name]
        idx = next((i for i, b in enumerate(fbins) if b.holds(value)), None)
        if idx is None:
            raise ValueError(f"{d.name}: value {value!r} falls in no bin")
        r = int(ref[d.name])
        c = fbins[idx].points - fbins[r].points
        baseline += fbins[r].points
        score += fbins[idx].points
        reason_items.append((d.name, value, c))
        b = fbins[idx]
        items.append(
            Contribution(
                feature=d.name,
                value=value,
                reference=_bin_label(fbins[r]),
                contribution=to_float(c),
                contribution_exact=exact_str(c),
                points=to_float(b.points),
                reference_points=to_float(fbins[r].points),
                bin=idx,
                reference_bin=r,
                bin_lower=None if b.lower is None else to_float(b.lower),
                bin_upper=None if b.upper is None else to_float(b.upper),
            )
        )
    check_identity(baseline, (c for _, _, c in reason_items), score)
    magnitude = abs(base) + sum((abs(b.points) for d in binned for b in bins[d.name]), Fraction(0))
    check_replayed_score(
        case, score, bands.outcome(score), magnitude, edges=(m for m in bands.mins if m is not None)
    )

    contributions = Contributions(
        scale="points",
        baseline_definition="base_points_plus_reference_bin_points",
        baseline=to_float(baseline),
        baseline_exact=exact_str(baseline),
        score=to_float(score),
        score_exact=exact_str(score),
        items=tuple(items),
    )

    # -- edges and near-threshold ---------------------------------------------------------------------
    band = bands.index(score)
    current = bands.outcomes[band]
    # the run of neighbouring bands with the same outcome: its ends are where the outcome changes
    lo = band
    while lo > 0 and bands.outcomes[lo - 1] == current:
        lo -= 1
    hi = band
    while hi + 1 < len(bands.outcomes) and bands.outcomes[hi + 1] == current:
        hi += 1
    edges: list[Edge] = []
    distances: list[Fraction] = []
    lower_edge = bands.mins[lo]
    if lo > 0 and lower_edge is not None:
        distances.append(score - lower_edge)
        edges.append(Edge(to_float(lower_edge), "down", to_float(score - lower_edge), bands.outcomes[lo - 1]))
    if hi + 1 < len(bands.outcomes):
        upper_edge = bands.mins[hi + 1]
        assert upper_edge is not None
        distances.append(upper_edge - score)
        edges.append(Edge(to_float(upper_edge), "up", to_float(upper_edge - score), bands.outcomes[hi + 1]))
    lo_total = base + sum((min(x.points for x in bins[d.name]) for d in binned), Fraction(0))
    hi_total = base + sum((max(x.points for x in bins[d.name]) for d in binned), Fraction(0))
    band_value, band_source = resolve_near_band(near_band, spec, hi_total - lo_total)
    thresholds = Thresholds(
        views=(ThresholdView(scale="points", score=to_float(score), edges=tuple(edges), margin=None),),
        near_band=to_float(band_value),
        near_band_source=band_source,
        near_threshold=bool(distances) and min(distances) <= band_value,
    )

    reasons = additive_reasons(reason_items, _direction_to_other(spec, bands, score))

    # -- counterfactuals ------------------------------------------------------------------------------
    options = [_options(case, d, bins[d.name]) for d in binned]

    def solver(frozen: frozenset[str]) -> Candidate | None:
        # a frozen feature keeps only its first option, "unchanged"
        opts = [o[:1] if d.name in frozen else o for d, o in zip(binned, options, strict=True)]
        return _solve(case, binned, opts, base, bands)

    alternatives = diverse_alternatives(case, solver, max_alternatives)
    return KindParts(
        contributions=contributions,
        principal_reasons=reasons,
        thresholds=thresholds,
        alternatives=tuple(alternatives),
        method="multiple_choice_knapsack_dp",
        exact=True,
    )


def _bin_label(b: _Bin) -> Any:
    """How a reference bin is shown: its category, or ``[lower, upper)`` as a two-element list."""
    if not b.numeric:
        return b.category
    return (
        f"[{'-inf' if b.lower is None else repr(to_float(b.lower))}, "
        f"{'+inf' if b.upper is None else repr(to_float(b.upper))})"
    )


def _direction_to_other(spec: Mapping[str, Any], bands: _Bands, score: Fraction) -> int:
    """+1 / −1: the side of the score where the outcome the person would look for lies; 0 if none.

    That is the nearest band with a favourable outcome when the outcome received is not favourable (and one
    exists), otherwise the nearest band with any other outcome. Distances are measured to the score the case
    would need; ties go up.
    """
    favourable = favourable_map(spec)
    b = bands.index(score)
    current = bands.outcomes[b]
    others = [j for j, o in enumerate(bands.outcomes) if o != current]
    if not favourable.get(current, False):
        wanted = [j for j in others if favourable.get(bands.outcomes[j], False)]
        others = wanted or others
    best: tuple[Fraction, int] | None = None
    for j in others:
        if j > b:
            m = bands.mins[j]
            assert m is not None
            cand = (m - score, -1)  # -1 sorts "up" first on ties
        else:
            m = bands.mins[j + 1]
            assert m is not None
            cand = (score - m, 1)
        if best is None or cand < best:
            best = cand
    if best is None:
        return 0
    return 1 if best[1] == -1 else -1


_Option = tuple[Fraction, Fraction, KeyElem, Any]  # (points, cost, key element, new value or None)


def _options(case: Case, d: FeatureDomain, fbins: list[_Bin]) -> list[_Option]:
    """Per feature: stay (cost 0, first) or move to the nearest allowed value of each other reachable bin."""
    value = case.values[d.name]
    current = next(i for i, b in enumerate(fbins) if b.holds(value))
    opts: list[_Option] = [(fbins[current].points, Fraction(0), UNCHANGED, None)]
    if not d.movable():
        return opts
    for j, b in enumerate(fbins):
        if j == current:
            continue
        if b.numeric:
            v = d.nearest(exact(value), (b.lower, True), (b.upper, False))
            if v is None:
                continue
            new: Any = d.typed(v)
        else:
            if not d.flip_allowed(value, b.category):
                continue
            new = b.category
        opts.append((b.points, d.change_cost(value, new), d.key_elem(value, new), new))
    return opts


_Scaled = tuple[int, int, KeyElem, Any]  # (points, cost, key element, new value or None), integers scaled
_State = tuple[int, tuple[KeyElem, ...], tuple[Any, ...]]  # (cost, key, picks) per exact sum of points


def _solve(
    case: Case,
    binned: list[FeatureDomain],
    all_opts: list[list[_Option]],
    base: Fraction,
    bands: _Bands,
    *,
    prune: bool = True,
) -> Candidate | None:
    """Exact cheapest change of bins giving a target outcome, choosing one option per feature.

    DP state = exact sum of points so far; per state we keep the best (cost, key) prefix. Because keys
    compare lexicographically in the order features are added, the best prefix per state extends to the best
    full solution per final sum, so the minimum over final sums in the target bands is the optimum. Points and
    costs are scaled by the common denominator of their values so that the DP runs on integers (exact, and
    much faster than ``Fraction``).

    Pruning keeps the number of sums small even when points are arbitrary decimals. A state is dropped when
    the remaining features cannot bring its sum into a target band, or when its cost plus a lower bound on
    the cost still needed (a fractional-knapsack relaxation) exceeds the cost of a known solution (found first
    by the same DP restricted to the cheapest states of each layer). Both drop only states that cannot be
    optimal, so the result is unchanged.
    """
    p_scale = math.lcm(*(o[0].denominator for opts in all_opts for o in opts))
    c_scale = math.lcm(*(o[1].denominator for opts in all_opts for o in opts))
    scaled = [[(int(p * p_scale), int(c * c_scale), k, new) for p, c, k, new in opts] for opts in all_opts]
    # base + total/p_scale >= min  <=>  total >= ceil((min - base) * p_scale), totals being integers
    cuts = [math.ceil((m - base) * p_scale) for m in bands.mins[1:]]  # type: ignore[operator]
    wanted = [o in case.targets for o in bands.outcomes]
    bounds = _Bounds(scaled, cuts, wanted, p_scale, c_scale)

    limit: int | None = None
    if prune:
        beam = _dp(scaled, bounds, limit=None, beam=64)
        limit = min((st[0] for total, st in beam.items() if bounds.in_target(total)), default=None)
    states = _dp(scaled, bounds, limit=limit, beam=None)
    finals = sorted((st for total, st in states.items() if bounds.in_target(total)), key=lambda st: st[:2])
    for _, _, picks in finals:
        changes = {d.name: new for d, new in zip(binned, picks, strict=True) if new is not None}
        verified = case.accept(changes)
        if verified is not None:
            return verified
    if limit is not None:  # the bound came from exact arithmetic the replay rejected: search without it
        return _solve(case, binned, all_opts, base, bands, prune=False)
    return None


def _dp(
    scaled: list[list[_Scaled]], bounds: _Bounds, *, limit: int | None, beam: int | None
) -> dict[int, _State]:
    """The layered DP over features; ``beam`` keeps only that many cheapest states per layer (a heuristic
    used only to find a first solution), ``limit`` drops states that cannot beat a known solution."""
    states: dict[int, _State] = {0: (0, (), ())}
    for i, opts in enumerate(scaled):
        nxt: dict[int, _State] = {}
        for total, (cost, key, picks) in states.items():
            for points, c, k, new in opts:
                s = total + points
                new_cost = cost + c
                if limit is not None and new_cost > limit:
                    continue
                cur = nxt.get(s)
                if cur is not None and (cur[0] < new_cost or (cur[0] == new_cost and cur[1] <= (*key, k))):
                    continue
                nxt[s] = (new_cost, (*key, k), (*picks, new))
        states = {s: st for s, st in nxt.items() if bounds.keep(s, st[0], i + 1, limit)}
        if beam is not None and len(states) > beam:
            states = dict(sorted(states.items(), key=lambda item: item[1][:2])[:beam])
    return states


class _Bounds:
    """Reachability of target bands and lower bounds on the cost still needed, per DP layer.

    For the features from layer ``i`` on, each may raise the sum by at most ``up`` points at no less than
    ``ratio`` cost per point (likewise down); filling a needed change fractionally in order of ratio is a lower
    bound on any real choice of options (the fractional relaxation of the multiple-choice knapsack). The
    relaxation is computed in floats in the original units (scaled integers can exceed the float range) and
    only ever compared with a relative safety margin.
    """

    def __init__(
        self, scaled: list[list[_Scaled]], cuts: list[int], wanted: list[bool], p_scale: int, c_scale: int
    ) -> None:
        self.p_scale = p_scale
        self.c_scale = c_scale
        self.cuts = cuts
        self.wanted = wanted
        n = len(wanted)
        self.ranges = [
            (cuts[j - 1] if j else None, cuts[j] if j < len(cuts) else None) for j in range(n) if wanted[j]
        ]
        self.lo = [0] * (len(scaled) + 1)
        self.hi = [0] * (len(scaled) + 1)
        self.stay = [0] * (len(scaled) + 1)  # points of the remaining features if they all stay unchanged
        self.relax_up: list[list[tuple[float, float]]] = [[] for _ in range(len(scaled) + 1)]
        self.relax_down: list[list[tuple[float, float]]] = [[] for _ in range(len(scaled) + 1)]
        for i in range(len(scaled) - 1, -1, -1):
            opts = scaled[i]
            stay = opts[0][0]
            self.stay[i] = self.stay[i + 1] + stay
            self.lo[i] = self.lo[i + 1] + min(o[0] for o in opts)
            self.hi[i] = self.hi[i + 1] + max(o[0] for o in opts)
            # (cost per point, points), in original units
            up = [self._ratio(c, p - stay) for p, c, _, _ in opts[1:] if p > stay]
            down = [self._ratio(c, stay - p) for p, c, _, _ in opts[1:] if p < stay]
            self.relax_up[i] = sorted(
                self.relax_up[i + 1] + ([(min(up)[0], max(u[1] for u in up))] if up else [])
            )
            self.relax_down[i] = sorted(
                self.relax_down[i + 1] + ([(min(down)[0], max(d[1] for d in down))] if down else [])
            )

    def _ratio(self, cost: int, points: int) -> tuple[float, float]:
        pts = points / self.p_scale
        return (cost / self.c_scale) / pts, pts

    def in_target(self, total: int) -> bool:
        return self.wanted[bisect_right(self.cuts, total)]

    @staticmethod
    def _fill(items: list[tuple[float, float]], need: float) -> float:
        cost = 0.0
        for ratio, cap in items:
            if need <= 0:
                return cost
            take = min(cap, need)
            cost += take * ratio
            need -= take
        return cost if need <= 0 else math.inf

    def keep(self, total: int, cost: int, i: int, limit: int | None) -> bool:
        """Whether a state with this sum and cost after ``i`` features can still lead to a best solution."""
        lo, hi = total + self.lo[i], total + self.hi[i]
        settled = total + self.stay[i]  # the final sum if no remaining feature changes
        best = math.inf
        for a, b in self.ranges:
            if (a is not None and hi < a) or (b is not None and lo >= b):
                continue  # this band is out of reach
            if limit is None:
                return True
            if a is not None and settled < a:
                best = min(best, self._fill(self.relax_up[i], (a - settled) / self.p_scale))
            elif b is not None and settled >= b:
                best = min(best, self._fill(self.relax_down[i], (settled - b + 1) / self.p_scale))
            else:
                return True  # lands in a target band as it is: nothing more is needed
        if limit is None or best == math.inf:
            return False  # no target band within reach
        # a relative margin far above float rounding (1e-16) makes sure rounding never drops an optimal path
        return (cost / self.c_scale + best) * (1 - 1e-9) <= limit / self.c_scale
