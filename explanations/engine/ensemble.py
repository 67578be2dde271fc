"""Tree ensembles: exact TreeSHAP contributions and cost-optimal counterfactuals by a MILP over leaf regions.

Contributions (shown): **interventional TreeSHAP** against the spec's ``background`` rows (the documented
reference population), computed exactly. For one background row ``r`` a tree's leaf is reached by the hybrid
case "``x`` on the features of S, ``r`` elsewhere" exactly when every feature on the way where only ``x``
follows the path is in S (set P) and every feature where only ``r`` does is not (set N); the Shapley values of
that game are ``v·(|P|−1)!|N|!/(|P|+|N|)!`` for each feature of P and ``−v·|P|!(|N|−1)!/(|P|+|N|)!`` for each of
N. Averaged over the background rows, in rational arithmetic over the exact values of the leaves, they add up
exactly: baseline (the mean exact margin of the background rows) + Σ contributions == the exact margin of the
case (``Σ`` of the exact leaves, which the float replay rounds). Multi-output models are explained on the
margin of the outcome received.

:func:`path_dependent_contributions` gives **path-dependent TreeSHAP** (the expectation over the training
distribution recorded in the nodes' ``cover``), also exact: for each leaf, Shapley values of the product game
``v·Π_{j∈S} oⱼ·Π_{j∉S} zⱼ`` (``oⱼ``: the case follows the path at every split on j; ``zⱼ``: the product of the
cover fractions of those splits), summed over the leaves.

Counterfactuals: Parmentier & Vidal (2021) style MILP, solved by SciPy's HiGHS (``scipy.optimize.milp``).
Each split becomes ``x_j <= T`` on the recorded value (float32 inputs and ``<`` splits are converted exactly to
such a double threshold), so every feature's values fall into intervals between consecutive thresholds; a
binary variable picks one interval per feature, at the exact cost of the cheapest allowed value in it
(``_domain``: bounds, direction, step grid, immutables). Leaf variables (binary) follow the flow constraints
of every split; the margin of the target outcome must cross the threshold (or beat every other output). The
margin is a function of the intervals alone, so each solution is replayed with the compiled model, and one
that the float replay does not confirm is cut off (a no-good cut) and the MILP solved again. Infeasibility
certifies that no allowed change gives another outcome. HiGHS runs with a time budget; a solution found but not
proven optimal in time is returned with ``exact = False`` and a note, and a search that found nothing in time
says so instead of claiming "no recourse". A feature whose recorded value is missing is not moved.
"""

from __future__ import annotations

import functools
import math
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

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
from ._domain import FeatureDomain, exact, exact_str, inside, to_float
from .linear import logit, replay_logit_threshold, sigmoid
from .result import Contribution, Contributions, Edge, ProbabilityView, Thresholds, ThresholdView

#: Seconds HiGHS may spend on one counterfactual MILP (several are solved for diverse alternatives).
TIME_BUDGET = 5.0
#: Solutions the float replay rejects before the search gives up (each is cut off and the MILP re-solved).
MAX_REJECTED = 50

_pack_d = struct.Struct("<d")
_pack_q = struct.Struct("<q")
_pack_f = struct.Struct("<f")


def _f32(x: float) -> float:
    return float(_pack_f.unpack(_pack_f.pack(x))[0])


def _ordered(f: float) -> int:
    i = _pack_q.unpack(_pack_d.pack(f))[0]
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def _unordered(i: int) -> float:
    return float(_pack_d.unpack(_pack_q.pack(i if i >= 0 else (-i) | -0x8000000000000000))[0])


def _largest_double(pred: Any, lo: float, hi: float) -> float:
    """The largest double ``x`` in [lo, hi] with ``pred(x)`` true (``pred`` monotone: true then false; true at lo)."""
    a, b = _ordered(lo), _ordered(hi)
    if pred(_unordered(b)):
        return _unordered(b)
    while b - a > 1:
        mid = (a + b) // 2
        if pred(_unordered(mid)):
            a = mid
        else:
            b = mid
    return _unordered(a)


def double_threshold(t: float, float32: bool, lt: bool) -> float:
    """The double ``T`` with ``(the split's test holds) ⇔ x <= T`` for every recorded value ``x``."""
    if not float32:
        return math.nextafter(t, -math.inf) if lt else t

    def holds(x: float) -> bool:
        r = _f32(x)
        return r < t if lt else r <= t

    span = max(abs(t), 1e-30) * 1e-6 + 1e-38
    lo, hi = t - span, t + span
    while not holds(lo):
        lo -= span
        span *= 2
    while holds(hi):
        hi += span
        span *= 2
    return _largest_double(holds, lo, hi)


# ------------------------------------------------------------------------------------------------------------
# A compiled view of the spec for the engine (cached by spec hash)


@dataclass(frozen=True)
class _Tree:
    output: int
    feature: tuple[int, ...]  # feature position, -1 at leaves
    threshold: tuple[float, ...]  # as written
    bound: tuple[float, ...]  # the double threshold on the recorded value
    yes: tuple[int, ...]
    no: tuple[int, ...]
    missing_yes: tuple[bool, ...]
    leaf: tuple[Fraction, ...]  # exact leaf values (0 at splits)
    cover: tuple[Fraction, ...] | None
    leaves: tuple[int, ...]  # node indices of the leaves, depth first (yes first)


class _View:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        names = [f["name"] for f in spec["features"]]
        position = {n: i for i, n in enumerate(names)}
        float32 = spec["input_precision"] == "float32"
        lt = spec["split"] == "lt"
        self.names = names
        self.mean = spec["aggregation"] == "mean"
        self.base = tuple(exact(b) for b in spec["base_score"])
        self.n_outputs = len(self.base)
        bounds: dict[tuple[float, bool, bool], float] = {}
        trees = []
        for tree in spec["trees"]:
            nodes = tree["nodes"]
            feature = tuple(position[n["feature"]] if "leaf" not in n else -1 for n in nodes)
            threshold = tuple(float(n["threshold"]) if "leaf" not in n else 0.0 for n in nodes)
            bound = []
            for f, t in zip(feature, threshold, strict=True):
                if f < 0:
                    bound.append(0.0)
                    continue
                key = (t, float32, lt)
                if key not in bounds:
                    bounds[key] = double_threshold(t, float32, lt)
                bound.append(bounds[key])
            covered = all("cover" in n for n in nodes)
            yes = tuple(n.get("yes", -1) for n in nodes)
            no = tuple(n.get("no", -1) for n in nodes)
            leaves: list[int] = []
            stack = [0]
            while stack:
                i = stack.pop()
                if feature[i] < 0:
                    leaves.append(i)
                else:
                    stack.extend((no[i], yes[i]))
            trees.append(
                _Tree(
                    output=tree.get("output", 0),
                    feature=feature,
                    threshold=threshold,
                    bound=tuple(bound),
                    yes=yes,
                    no=no,
                    missing_yes=tuple(n.get("missing") == "yes" for n in nodes),
                    leaf=tuple(exact(n["leaf"]) if "leaf" in n else Fraction(0) for n in nodes),
                    cover=tuple(exact(n["cover"]) for n in nodes) if covered else None,
                    leaves=tuple(leaves),
                )
            )
        self.trees = tuple(trees)
        self.counts = tuple(sum(1 for t in trees if t.output == k) for k in range(self.n_outputs))
        self.scale = tuple(Fraction(1, c) if self.mean and c else Fraction(1) for c in self.counts)
        # per feature: the sorted distinct double thresholds of its splits
        per_feature: dict[int, set[float]] = {}
        for tr in trees:
            for f, b in zip(tr.feature, tr.bound, strict=True):
                if f >= 0:
                    per_feature.setdefault(f, set()).add(b)
        self.cuts = {f: sorted(v) for f, v in per_feature.items()}
        self._units: dict[int, list[int]] = {}

    def units(self, tree: _Tree) -> list[int]:
        """The tree's leaf values as integers in units of 2^-1074 (cached)."""
        key = id(tree)
        got = self._units.get(key)
        if got is None:
            got = self._units[key] = [_as_units(v) for v in tree.leaf]
        return got

    def exact_margins(self, leaves: Sequence[int]) -> list[Fraction]:
        acc = [Fraction(0)] * self.n_outputs
        for t, i in zip(self.trees, leaves, strict=True):
            acc[t.output] += t.leaf[i]
        return [b + s * a for b, s, a in zip(self.base, self.scale, acc, strict=True)]


_views: OrderedDict[str, _View] = OrderedDict()
_views_lock = threading.Lock()


def _view(case_or_spec: Any, digest: str) -> _View:
    with _views_lock:
        v = _views.get(digest)
        if v is not None:
            _views.move_to_end(digest)
            return v
    v = _View(case_or_spec)
    with _views_lock:
        _views[digest] = v
        while len(_views) > 64:
            _views.popitem(last=False)
    return v


def _goes_yes(tree: _Tree, i: int, x: float) -> bool:
    if x != x:
        return tree.missing_yes[i]
    return x <= tree.bound[i]


# ------------------------------------------------------------------------------------------------------------
# Contributions


@dataclass(frozen=True)
class EnsembleContributions:
    """Exact TreeSHAP of one output: ``baseline + Σ values == score`` in rationals."""

    output: int
    baseline: Fraction
    score: Fraction
    values: dict[str, Fraction]


#: Every double is a multiple of 2^-1074: leaf values are summed as integers in that unit (exact, and much
#: faster than rationals); Shapley weights are applied once per (feature, |P|, |N|) at the end.
_UNIT_BITS = 1074


@functools.cache
def _weights(p: int, n: int) -> tuple[Fraction, Fraction]:
    """Shapley weight of one feature of P and of one feature of N in the game "P ⊆ S and N ∩ S = ∅"."""
    total = math.factorial(p + n)
    wp = Fraction(math.factorial(p - 1) * math.factorial(n), total) if p else Fraction(0)
    wn = Fraction(math.factorial(p) * math.factorial(n - 1), total) if n else Fraction(0)
    return wp, wn


def _as_units(q: Fraction) -> int:
    scaled = q * (1 << _UNIT_BITS)
    assert scaled.denominator == 1  # a double's exact value
    return int(scaled)


def _directions(tree: _Tree, row: list[float]) -> list[bool]:
    """Per node: whether ``row`` takes the "yes" branch there."""
    out = []
    for i, f in enumerate(tree.feature):
        out.append(f >= 0 and _goes_yes(tree, i, row[f]))
    return out


def _interventional_tree(
    tree: _Tree,
    units: list[int],
    dx: list[bool],
    dr: list[bool],
    sums: dict[tuple[int, int, int, bool], int],
) -> int:
    """Add one tree's leaf sums per (feature, |P|, |N|, in P) to ``sums``; returns its value at r (units)."""
    base = 0
    feature, yes, no = tree.feature, tree.yes, tree.no
    stack: list[tuple[int, int, int]] = [(0, 0, 0)]  # node, P and N as bit masks of feature positions
    while stack:
        i, p, n = stack.pop()
        f = feature[i]
        if f < 0:
            v = units[i]
            if not p:  # the leaf the background row reaches on its own
                base += v
            if v == 0 or not (p or n):
                continue
            cp, cn = p.bit_count(), n.bit_count()
            m = p
            while m:
                low = m & -m
                key = (low.bit_length() - 1, cp, cn, True)
                sums[key] = sums.get(key, 0) + v
                m ^= low
            m = n
            while m:
                low = m & -m
                key = (low.bit_length() - 1, cp, cn, False)
                sums[key] = sums.get(key, 0) + v
                m ^= low
            continue
        gx, gr = dx[i], dr[i]
        if gx == gr:
            stack.append((yes[i] if gx else no[i], p, n))
            continue
        bit = 1 << f
        if not n & bit:  # follow x: f must be in S
            stack.append((yes[i] if gx else no[i], p | bit, n))
        if not p & bit:  # follow r: f must stay out of S
            stack.append((yes[i] if gr else no[i], p, n | bit))
    return base


def interventional_contributions(
    spec: Mapping[str, Any],
    model: Any,
    values: Mapping[str, Any],
    output: int,
    background: Sequence[Mapping[str, Any]],
) -> EnsembleContributions:
    """Exact interventional TreeSHAP of ``output``'s margin against ``background`` (averaged over its rows)."""
    view = _view(spec, model.spec_hash)
    x = model.row(values)
    rows = [model.row(r) for r in background]
    trees = [t for t in view.trees if t.output == output]
    units = [view.units(t) for t in trees]
    sums: dict[tuple[int, int, int, bool], int] = {}
    dxs = [_directions(t, x) for t in trees]
    baseline = 0
    for r in rows:
        for t, u, dx in zip(trees, units, dxs, strict=True):
            baseline += _interventional_tree(t, u, dx, _directions(t, r), sums)
    totals: dict[int, Fraction] = {}
    for (j, cp, cn, in_p), v in sums.items():
        wp, wn = _weights(cp, cn)
        totals[j] = totals.get(j, Fraction(0)) + (v * wp if in_p else -v * wn)
    k = len(rows)
    s = view.scale[output] / (k << _UNIT_BITS)
    score = view.exact_margins(model.leaf_indices(x))[output]
    values_out = {view.names[j]: s * v for j, v in sorted(totals.items()) if v}
    base = view.base[output] + s * baseline
    return EnsembleContributions(output=output, baseline=base, score=score, values=values_out)


def path_dependent_contributions(
    spec: Mapping[str, Any], model: Any, values: Mapping[str, Any], output: int = 0
) -> EnsembleContributions:
    """Exact path-dependent TreeSHAP of ``output``'s margin (needs ``cover`` on every node)."""
    view = _view(spec, model.spec_hash)
    x = model.row(values)
    totals: dict[int, Fraction] = {}
    expected = Fraction(0)
    for tree in view.trees:
        if tree.output != output:
            continue
        if tree.cover is None:
            raise ValueError("path-dependent contributions need the 'cover' of every node")
        cover = tree.cover
        # walk every root-to-leaf path: per feature (o_j, z_j)
        stack: list[tuple[int, dict[int, tuple[bool, Fraction]]]] = [(0, {})]
        while stack:
            i, st = stack.pop()
            f = tree.feature[i]
            if f < 0:
                v = tree.leaf[i]
                zs = [z for _, z in st.values()]
                prod_z = math.prod(zs, start=Fraction(1))
                expected += v * prod_z
                if v == 0 or not st:
                    continue
                feats = list(st.items())
                d = len(feats)
                for a, (j, (o_j, z_j)) in enumerate(feats):
                    # polynomial over the other features: each contributes (o·t + z)
                    poly = [Fraction(1)]
                    for b, (_, (o_b, z_b)) in enumerate(feats):
                        if b == a:
                            continue
                        nxt = [Fraction(0)] * (len(poly) + 1)
                        for k, c in enumerate(poly):
                            nxt[k] += c * z_b
                            if o_b:
                                nxt[k + 1] += c
                        poly = nxt
                    total = sum(
                        (
                            c * Fraction(math.factorial(k) * math.factorial(d - k - 1), math.factorial(d))
                            for k, c in enumerate(poly)
                        ),
                        Fraction(0),
                    )
                    totals[j] = totals.get(j, Fraction(0)) + v * ((1 if o_j else 0) - z_j) * total
                continue
            gx = _goes_yes(tree, i, x[f])
            for child, branch in ((tree.yes[i], True), (tree.no[i], False)):
                o_prev, z_prev = st.get(f, (True, Fraction(1)))
                nst = dict(st)
                nst[f] = (o_prev and gx == branch, z_prev * cover[child] / cover[i])
                stack.append((child, nst))
    s = view.scale[output]
    score = view.exact_margins(model.leaf_indices(x))[output]
    return EnsembleContributions(
        output=output,
        baseline=view.base[output] + s * expected,
        score=score,
        values={view.names[j]: s * v for j, v in sorted(totals.items())},
    )


# ------------------------------------------------------------------------------------------------------------
# The explainer


def explain_ensemble(case: Case, near_band: float | None, max_alternatives: int) -> KindParts:
    spec = case.spec
    model: Any = case.model
    view = _view(spec, model.spec_hash)
    single = view.n_outputs == 1
    received = case.result.outcome
    output = 0 if single else list(spec["classes"]).index(received)
    background = spec["background"]
    c = interventional_contributions(spec, model, case.values, output, background)
    items_exact = {n: c.values.get(n, Fraction(0)) for j, n in enumerate(view.names) if j in view.cuts}
    check_identity(c.baseline, items_exact.values(), c.score)
    margins = model.margins(model.leaf_indices(model.row(case.values)))
    # the replay rounds each partial sum (to float32 when the spec says so): agree within that rounding
    magnitude = abs(view.base[output]) + sum(
        (
            view.scale[t.output] * max(abs(t.leaf[i]) for i in t.leaves)
            for t in view.trees
            if t.output == output
        ),
        Fraction(0),
    )
    rounding = 2.0**-22 if spec["accumulation"] == "float32" else 2.0**-50
    if abs(float(c.score) - margins[output]) > rounding * len(view.trees) * max(1.0, float(magnitude)):
        raise EngineInconsistency(f"engine margin {float(c.score)!r} != replayed margin {margins[output]!r}")

    sigmoid_link = spec["link"] == "sigmoid"
    one_reference = len(background) == 1
    contributions = Contributions(
        scale="logit" if spec["link"] in ("sigmoid", "softmax") else "score",
        baseline_definition="tree_shap_interventional_mean_over_background",
        baseline=to_float(c.baseline),
        baseline_exact=exact_str(c.baseline),
        score=to_float(c.score),
        score_exact=exact_str(c.score),
        items=tuple(
            Contribution(
                feature=n,
                value=case.values[n],
                reference=background[0].get(n) if one_reference else None,
                contribution=to_float(v),
                contribution_exact=exact_str(v),
                odds_factor=(math.exp(float(v)) if sigmoid_link and float(v) < 700 else None),
            )
            for n, v in items_exact.items()
        ),
    )
    probability = None
    thresholds = None
    notes: list[tuple[str, str]] = []
    if single:
        above, below = spec["outcome_at_or_above"], spec["outcome_below"]
        on_probability = spec.get("threshold_on") == "probability"
        t = float(spec["threshold"])
        t_margin: float = replay_logit_threshold(t) if on_probability else t
        if sigmoid_link:
            probability = ProbabilityView(
                probability_at_baseline=sigmoid(float(c.baseline)),
                probability_at_case=sigmoid(margins[0]),
                threshold_probability=t if on_probability else sigmoid(t),
            )
        thresholds = _thresholds(case, view, margins[0], t, on_probability, near_band, above, below)
        direction = 1 if received == below else -1
    else:
        t_margin = 0.0
        direction = -1
    reasons = additive_reasons([(n, case.values[n], v) for n, v in items_exact.items()], direction)
    if not one_reference:
        notes.append(
            (
                "reference_population",
                f"Each factor's share is measured against {len(background)} documented reference cases "
                "(the average over them), not against a single reference value.",
            )
        )

    search = _Search(case, view, output, t_margin)

    def solver(frozen: frozenset[str]) -> Candidate | None:
        return search.solve(frozen)

    alternatives = diverse_alternatives(case, solver, max_alternatives)
    exact_result = not search.timed_out
    if search.timed_out:
        notes.append(
            (
                "counterfactual_not_proven_optimal",
                "The search for the smallest change reached its time limit: the changes shown are the best "
                "found, not proven to be the smallest.",
            )
        )
    return KindParts(
        contributions=contributions,
        probability=probability,
        principal_reasons=reasons,
        thresholds=thresholds,
        alternatives=tuple(alternatives),
        method="milp_over_leaf_regions_highs",
        exact=exact_result,
        notes=notes,
        proven_no_recourse=not search.unresolved,
    )


def _thresholds(
    case: Case,
    view: _View,
    margin: float,
    t: float,
    on_probability: bool,
    near_band: float | None,
    above: str,
    below: str,
) -> Thresholds:
    received = case.result.outcome
    up = received == below
    other = above if up else below
    lo = hi = view.base[0]
    for tree in view.trees:
        leaves = [tree.leaf[i] for i in tree.leaves]
        lo += view.scale[0] * min(leaves)
        hi += view.scale[0] * max(leaves)

    def one(scale: str, s: float, thr: float) -> ThresholdView:
        edges = (
            Edge(value=thr, direction="up" if up else "down", distance=abs(thr - s), outcome_beyond=other),
        )
        return ThresholdView(scale=scale, score=s, edges=edges, margin=s - thr)

    if on_probability:
        p = float(case.result.score) if case.result.score is not None else sigmoid(margin)
        views = [one("probability", p, t), one("logit", margin, logit(t))]
        rng = Fraction(sigmoid(float(hi))) - Fraction(sigmoid(float(lo)))
        distance = abs(p - t)
    else:
        views = [one("logit" if case.spec["link"] == "sigmoid" else "score", margin, t)]
        rng = hi - lo
        distance = abs(margin - t)
    band, source = resolve_near_band(near_band, case.spec, rng)
    return Thresholds(
        views=tuple(views),
        near_band=to_float(band),
        near_band_source=source,
        near_threshold=distance <= float(band),
    )


# ------------------------------------------------------------------------------------------------------------
# Counterfactual search


@dataclass
class _Interval:
    feature: int
    index: int  # interval q: (cuts[q-1], cuts[q]]
    value: Any  # the cheapest allowed value in it (JSON value), None when it is the recorded one's
    cost: Fraction


class _Search:
    """The MILP of one case, built once per target output; frozen features only change variable bounds, and
    no-good cuts (facts about interval combinations) are kept across solves."""

    def __init__(self, case: Case, view: _View, output: int, t_margin: float) -> None:
        self.case = case
        self.view = view
        model: Any = case.model
        self.model = model
        self.output = output
        self.t_margin = t_margin
        self.row: list[float] = model.row(case.values)
        self.timed_out = False
        self.unresolved = False
        self.deadline = time.monotonic() + TIME_BUDGET
        self.single = view.n_outputs == 1
        if self.single:
            self.targets = [0] if case.targets else []
        else:
            classes = list(case.spec["classes"])
            self.targets = [classes.index(o) for o in classes if o in case.targets]
        self._intervals: dict[int, list[_Interval]] | None = None
        self._built: dict[int, _Milp] = {}

    def intervals(self) -> dict[int, list[_Interval]]:
        """Per split feature, its reachable intervals with the cheapest allowed value in each."""
        if self._intervals is not None:
            return self._intervals
        out: dict[int, list[_Interval]] = {}
        by_name = self.case.by_name
        for f, cuts in self.view.cuts.items():
            name = self.view.names[f]
            d: FeatureDomain = by_name[name]
            recorded = self.case.values[name]
            x = self.row[f]
            if x != x:  # missing: never moved, its splits follow their missing direction
                continue
            current = sum(1 for c in cuts if x > c)
            options: list[_Interval] = []
            for q in range(len(cuts) + 1):
                if q == current:
                    options.append(_Interval(f, q, None, Fraction(0)))
                    continue
                if not d.movable():
                    continue
                lower = (exact(cuts[q - 1]), False) if q > 0 else (None, True)
                upper = (exact(cuts[q]), True) if q < len(cuts) else (None, True)
                v = _cheapest(d, recorded, lower, upper, frozenset())
                if v is not None:
                    options.append(_Interval(f, q, v, d.change_cost(recorded, v)))
            out[f] = options
        self._intervals = out
        return out

    def solve(self, frozen: frozenset[str]) -> Candidate | None:
        best: Candidate | None = None
        for target in self.targets:
            if target not in self._built:
                self._built[target] = _Milp(self, target)
            cand = self._built[target].solve(frozen)
            if cand is not None and (best is None or cand.order < best.order):
                best = cand
        return best


class _Milp:
    def __init__(self, search: _Search, target: int) -> None:
        self.search = search
        self.target = target
        view = search.view
        intervals = search.intervals()
        self.chosen_of: list[_Interval] = []
        mu: dict[tuple[int, int], int] = {}
        costs: list[float] = []
        for options in intervals.values():
            for it in options:
                mu[(it.feature, it.index)] = len(costs)
                costs.append(float(it.cost))
                self.chosen_of.append(it)
        self.mu = mu
        self.n_mu = len(costs)
        leaf_var: list[dict[int, int]] = []
        for tree in view.trees:
            index = {}
            for leaf in tree.leaves:
                index[leaf] = len(costs)
                costs.append(0.0)
            leaf_var.append(index)
        self.n = n = len(costs)
        self.costs = np.asarray(costs)
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        add = self.add
        for options in intervals.values():
            add([(mu[(it.feature, it.index)], 1.0) for it in options], 1.0, 1.0)
        upper = np.ones(n)
        row = search.row
        position = {f: {b: k for k, b in enumerate(cuts)} for f, cuts in view.cuts.items()}
        for t, tree in enumerate(view.trees):
            add([(v, 1.0) for v in leaf_var[t].values()], 1.0, 1.0)
            below = _subtree_leaves(tree)
            for i, f in enumerate(tree.feature):
                if f < 0:
                    continue
                if row[f] != row[f]:  # missing and never moved: the missing direction is fixed
                    blocked = tree.no[i] if tree.missing_yes[i] else tree.yes[i]
                    for leaf in below[blocked]:
                        upper[leaf_var[t][leaf]] = 0.0
                    continue
                k = position[f][tree.bound[i]]  # yes ⇔ interval index <= k
                options = intervals[f]
                yes_mu = [(mu[(f, it.index)], -1.0) for it in options if it.index <= k]
                no_mu = [(mu[(f, it.index)], -1.0) for it in options if it.index > k]
                add([(leaf_var[t][leaf], 1.0) for leaf in below[tree.yes[i]]] + yes_mu, -np.inf, 0.0)
                add([(leaf_var[t][leaf], 1.0) for leaf in below[tree.no[i]]] + no_mu, -np.inf, 0.0)
        self.upper = upper

        def margin_terms(k: int) -> dict[int, float]:
            terms: dict[int, float] = {}
            s = float(view.scale[k])
            for t, tree in enumerate(view.trees):
                if tree.output != k:
                    continue
                for leaf, col in leaf_var[t].items():
                    v = float(tree.leaf[leaf]) * s
                    if v:
                        terms[col] = v
            return terms

        mean_leaf = sum(abs(float(t.leaf[i])) for t in view.trees for i in t.leaves) / max(1, len(view.trees))
        eps = 1e-9 * (1.0 + mean_leaf)
        case = search.case
        if search.single:
            base = float(view.base[0])
            terms = list(margin_terms(0).items())
            if case.result.outcome == case.spec["outcome_below"]:
                add(terms, search.t_margin - base, np.inf)  # reach the threshold
            else:
                add(terms, -np.inf, search.t_margin - base - eps)
            self.outcome = (
                case.spec["outcome_at_or_above"]
                if case.result.outcome != case.spec["outcome_at_or_above"]
                else case.spec["outcome_below"]
            )
        else:
            tc = margin_terms(target)
            for k in range(view.n_outputs):
                if k == target:
                    continue
                diff = dict(tc)
                for col, v in margin_terms(k).items():
                    diff[col] = diff.get(col, 0.0) - v
                gap = float(view.base[k] - view.base[target]) + (eps if k < target else 0.0)
                add(list(diff.items()), gap, np.inf)
            self.outcome = case.spec["classes"][target]
        # leaf variables binary too: the same optimum (the intervals fix the leaves), but HiGHS proves it
        # faster on 100-tree models than with continuous leaves (28 s against > 60 s on the benchmark's)
        self.integrality = np.ones(n)

    def add(self, entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.lb)
        for col, val in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.lb.append(lo)
        self.ub.append(hi)

    def solve(self, frozen: frozenset[str]) -> Candidate | None:
        search = self.search
        upper = self.upper.copy()
        names = search.view.names
        for col, it in enumerate(self.chosen_of):
            if it.value is not None and names[it.feature] in frozen:
                upper[col] = 0.0
        incumbent = self._incumbent(frozen)
        rejected = 0
        while True:
            remaining = search.deadline - time.monotonic()
            if remaining <= 0:
                search.timed_out = True
                if incumbent is None:
                    search.unresolved = True
                return incumbent
            rows, cols, vals, lb, ub = self.rows, self.cols, self.vals, self.lb, self.ub
            if incumbent is not None:  # only cheaper solutions are of interest: a cut-off row
                r = len(lb)
                extra = [(col, c) for col, c in enumerate(self.costs[: self.n_mu]) if c]
                rows = rows + [r] * len(extra)
                cols = cols + [col for col, _ in extra]
                vals = vals + [c for _, c in extra]
                lb = [*lb, -np.inf]
                ub = [*ub, float(incumbent.cost) * (1 + 1e-12)]
            matrix = coo_matrix((vals, (rows, cols)), shape=(len(lb), self.n)).tocsr()
            res = milp(
                c=self.costs,
                constraints=LinearConstraint(matrix, np.asarray(lb), np.asarray(ub)),
                integrality=self.integrality,
                bounds=Bounds(np.zeros(self.n), upper),
                # presolve off: on generated cases HiGHS's presolve (SciPy 1.17) returned "optimal" for a
                # solution costlier than a feasible one; the brute-force tests caught it
                options={"time_limit": remaining, "mip_rel_gap": 0.0, "presolve": False},
            )
            if res.x is None:
                if res.status == 1:  # time limit with nothing better found
                    search.timed_out = True
                    if incumbent is None:
                        search.unresolved = True  # no certificate either way
                    return incumbent
                # infeasible: certified that no allowed change reaches this outcome (more cheaply than the
                # incumbent, when there is one)
                return incumbent
            if res.status == 1:
                search.timed_out = True  # a solution, not proven optimal
            chosen = [it for col, it in enumerate(self.chosen_of) if res.x[col] > 0.5]
            changes = {names[it.feature]: it.value for it in chosen if it.value is not None}
            res_replay = search.case.replay(changes) if changes else None
            if res_replay is not None and res_replay.outcome == self.outcome:
                found = search.case.candidate(changes, res_replay)
                if incumbent is not None and incumbent.order < found.order:
                    return incumbent
                return found
            rejected += 1
            if rejected > MAX_REJECTED:
                search.unresolved = True
                return None
            # no-good cut: this combination of intervals does not give the outcome (the margin depends on the
            # intervals only), so it is excluded for good
            self.add([(self.mu[(it.feature, it.index)], 1.0) for it in chosen], -np.inf, len(chosen) - 1.0)

    def _incumbent(self, frozen: frozenset[str]) -> Candidate | None:
        """The cheapest change of a single feature that gives the outcome (replayed), as a first solution and
        a cut-off for the MILP; None when no single change does (or the time budget ran out)."""
        search = self.search
        names = search.view.names
        moves = sorted(
            (it for it in self.chosen_of if it.value is not None and names[it.feature] not in frozen),
            key=lambda it: (it.cost, it.feature, it.index),
        )
        for it in moves:
            if time.monotonic() > search.deadline:
                return None
            changes = {names[it.feature]: it.value}
            res = search.case.replay(changes)
            if res.outcome == self.outcome:
                return search.case.candidate(changes, res)
        return None


def _subtree_leaves(tree: _Tree) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i in range(len(tree.feature) - 1, -1, -1):
        if tree.feature[i] < 0:
            out[i] = [i]
        else:
            out[i] = out[tree.yes[i]] + out[tree.no[i]]
    return out


def _cheapest(d: FeatureDomain, recorded: Any, lower: Any, upper: Any, frozen: frozenset[str]) -> Any:
    """The cheapest allowed value of ``d`` in the interval (JSON value), or None."""
    if d.numeric:
        v = d.nearest(exact(recorded), lower, upper, frozen)
        return None if v is None else d.typed(v)
    if d.type == "boolean":
        for c in d.flips(recorded, frozen):
            if inside(Fraction(int(c)), lower, upper):
                return c
    return None
