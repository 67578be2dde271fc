"""Hypothesis generators of small, valid model specs of every kind, with cases, plus a brute-force oracle.

"Small" means every feature has at most a few dozen allowed values, so the whole grid of allowed changes can
be replayed. Numbers are dyadic (halves, quarters) so that float replay and exact arithmetic agree and costs
can be compared exactly. The oracle here is deliberately independent of the engine: it enumerates every
allowed value by its own reading of the cost model and replays each combination with the compiled model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

L = {"kk": "белгі", "ru": "метка", "en": "label"}
CODES = ("A", "B", "C")
DATES = ("2023-06-30", "2024-01-01", "2024-03-15", "2024-12-31")


def outcomes(codes: tuple[str, ...] = CODES) -> list[dict[str, Any]]:
    return [{"code": c, "label": L, "favourable": i == 0} for i, c in enumerate(codes)]


def _base(name: str, ftype: str, mutable: bool) -> dict[str, Any]:
    return {"name": name, "type": ftype, "mutable": mutable, "source": "TEST_REGISTRY", "label": L}


@st.composite
def feature(draw: st.DrawFn, name: str, types: tuple[str, ...], wide: bool = False) -> dict[str, Any]:
    """One feature with a small domain (``wide``: integer features up to a few thousand values)."""
    ftype = draw(st.sampled_from(types))
    f = _base(name, ftype, ftype != "date" and draw(st.sampled_from([True, True, True, True, True, False])))
    if draw(st.booleans()):
        f["cost"] = draw(st.sampled_from([0.5, 1, 1.5, 2, 4]))
    if ftype in ("integer", "boolean", "number") and f["mutable"]:
        direction = draw(st.sampled_from(["any", "any", "increase", "decrease", None]))
        if direction is not None:
            f["direction"] = direction
    if ftype == "integer":
        lo = draw(st.integers(-4, 4))
        width = draw(st.integers(300, 3000)) if wide else draw(st.integers(1, 8))
        f["min"], f["max"] = lo, lo + width
        step = draw(st.sampled_from([None, None, 1, 2, 3]))
        if step is not None:
            f["step"] = step
    elif ftype == "number":
        low = draw(st.integers(-8, 8)) / 2
        f["min"], f["max"] = low, low + draw(st.integers(1, 8)) / 2
        f["step"] = draw(st.sampled_from([0.25, 0.5, 0.75]))
    elif ftype == "category":
        f["categories"] = ["aa", "bb", "cc"][: draw(st.integers(2, 3))]
    return f


@st.composite
def value_of(draw: st.DrawFn, f: Mapping[str, Any]) -> Any:
    """A recorded value: any admissible value, on or off the step grid."""
    t = f["type"]
    if t == "integer":
        return draw(st.integers(f["min"], f["max"]))
    if t == "number":
        k = draw(st.integers(0, int((f["max"] - f["min"]) * 4)))
        return f["min"] + k / 4
    if t == "boolean":
        return draw(st.booleans())
    if t == "category":
        return draw(st.sampled_from(f["categories"]))
    return draw(st.sampled_from(DATES))


@st.composite
def features(draw: st.DrawFn, types: tuple[str, ...], n_min: int = 2, n_max: int = 4) -> list[dict[str, Any]]:
    n = draw(st.integers(n_min, n_max))
    return [draw(feature(f"f{i}", types)) for i in range(n)]


@st.composite
def values_for(draw: st.DrawFn, feats: list[dict[str, Any]]) -> dict[str, Any]:
    return {f["name"]: draw(value_of(f)) for f in feats}


# -- kinds -------------------------------------------------------------------------------------------------


def _numeric_cuts(draw: st.DrawFn, f: Mapping[str, Any]) -> list[float | int]:
    """Bin edges strictly inside (min, max] of admissible values."""
    if f["type"] == "integer":
        pool: list[float | int] = list(range(f["min"] + 1, f["max"] + 1))
    else:
        pool = [f["min"] + k / 4 for k in range(1, int((f["max"] - f["min"]) * 4) + 1)]
    if not pool:
        return []
    return sorted(draw(st.sets(st.sampled_from(pool), min_size=1, max_size=min(3, len(pool)))))


@st.composite
def scorecards(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    feats = draw(features(("integer", "number", "boolean", "category")))
    points = st.integers(-40, 40).filter(lambda k: k != 0).map(lambda k: k / 2)
    bins: dict[str, list[dict[str, Any]]] = {}
    refs: dict[str, int] = {}
    for f in feats:
        if f["type"] in ("integer", "number"):
            cuts = _numeric_cuts(draw, f)
            edges: list[Any] = [None, *cuts, None]
            bins[f["name"]] = [
                {"lower": edges[i], "upper": edges[i + 1], "points": draw(points)}
                for i in range(len(edges) - 1)
            ]
        else:
            cats = [False, True] if f["type"] == "boolean" else f["categories"]
            bins[f["name"]] = [{"category": c, "points": draw(points)} for c in cats]
        refs[f["name"]] = draw(st.integers(0, len(bins[f["name"]]) - 1))
    base = draw(st.integers(-10, 10))
    values = draw(values_for(feats))
    # bands around the case's own score, so that nearby outcomes (and multi-feature routes) are common
    score = base + sum(_points_of(bins[f["name"]], values[f["name"]]) for f in feats)
    n_bands = draw(st.sampled_from([2, 2, 3, 3, 4, 1]))
    pool = st.integers(-60, 60).map(lambda k: math.floor(score) + k / 2)
    mins = sorted(draw(st.sets(pool, min_size=n_bands - 1, max_size=n_bands - 1)))
    band_outcomes: list[str] = []
    for _ in range(n_bands):  # neighbours mostly differ, sometimes repeat (a run of bands, one outcome)
        prev = band_outcomes[-1] if band_outcomes else None
        options = [c for c in CODES if c != prev] * 3 + ([prev] if prev else [])
        band_outcomes.append(draw(st.sampled_from(options)))
    bands = [{"min_score": m, "outcome": o} for m, o in zip([None, *mins], band_outcomes, strict=True)]
    spec = {
        "kind": "scorecard",
        "features": feats,
        "outcomes": outcomes(),
        "base_points": base,
        "bins": bins,
        "reference_bins": refs,
        "bands": bands,
    }
    return spec, values


def _points_of(bins: list[dict[str, Any]], value: Any) -> float:
    for b in bins:
        if "category" in b:
            if type(b["category"]) is type(value) and b["category"] == value:
                return b["points"]
        elif (b["lower"] is None or value >= b["lower"]) and (b["upper"] is None or value < b["upper"]):
            return b["points"]
    raise AssertionError("value in no bin")


@st.composite
def linears(draw: st.DrawFn, wide: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Linear or logistic models over integer/number(step)/boolean features (one wide integer if ``wide``)."""
    feats = draw(features(("integer", "number", "boolean")))
    if wide:
        feats[0] = draw(feature("f0", ("integer",), wide=True))
    kind = draw(st.sampled_from(["linear", "logistic"]))
    half = st.integers(-8, 8).map(lambda k: k / 2)
    nonzero = st.integers(-8, 8).filter(lambda k: k != 0).map(lambda k: k / 2)
    coefficients = {f["name"]: draw(st.one_of(nonzero, nonzero, nonzero, half)) for f in feats}
    baseline: dict[str, Any] = {}
    for f in feats:
        baseline[f["name"]] = draw(st.booleans()) if f["type"] == "boolean" else draw(value_of(f))
    spec: dict[str, Any] = {
        "kind": kind,
        "features": feats,
        "outcomes": outcomes(("A", "B")),
        "intercept": draw(st.integers(-8, 8)) / 2,
        "coefficients": coefficients,
        "baseline": baseline,
        "outcome_at_or_above": "B",
        "outcome_below": "A",
    }
    if kind == "logistic" and draw(st.booleans()):
        spec["threshold_on"] = "probability"
        spec["threshold"] = draw(st.sampled_from([0.2, 0.5, 0.75, 0.9]))
    else:
        if kind == "logistic":
            spec["threshold_on"] = "score"
        # a threshold inside the range of reachable scores, so that both outcomes occur
        lo = hi = spec["intercept"]
        for f in feats:
            a, b = (0, 1) if f["type"] == "boolean" else (f["min"], f["max"])
            w = coefficients[f["name"]]
            lo, hi = lo + min(w * a, w * b), hi + max(w * a, w * b)
        spec["threshold"] = draw(st.integers(math.floor(lo * 2), math.ceil(hi * 2))) / 2
    return spec, draw(values_for(feats))


@st.composite
def continuous_linears(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Linear models whose movable features are all continuous numbers (no step): the LP case."""
    n = draw(st.integers(1, 4))
    feats = []
    for i in range(n):
        f = _base(f"f{i}", "number", draw(st.sampled_from([True, True, False])))
        lo = draw(st.integers(-20, 20))
        f["min"], f["max"] = lo, lo + draw(st.integers(1, 40))
        if draw(st.booleans()):
            f["cost"] = draw(st.sampled_from([0.3, 1, 2.5]))
        if f["mutable"] and draw(st.booleans()):
            f["direction"] = draw(st.sampled_from(["increase", "decrease"]))
        feats.append(f)
    weights = st.floats(-5, 5, allow_nan=False).filter(lambda w: abs(w) > 1e-3)
    spec = {
        "kind": "linear",
        "features": feats,
        "outcomes": outcomes(("A", "B")),
        "intercept": draw(st.floats(-10, 10)),
        "coefficients": {f["name"]: draw(weights) for f in feats},
        "baseline": {f["name"]: f["min"] for f in feats},
        "threshold": draw(st.floats(-10, 10)),
        "outcome_at_or_above": "B",
        "outcome_below": "A",
    }
    values = {f["name"]: draw(st.floats(f["min"], f["max"])) for f in feats}
    return spec, values


@st.composite
def _test_for(draw: st.DrawFn, f: Mapping[str, Any]) -> dict[str, Any]:
    t = f["type"]
    if t in ("integer", "number"):
        return {"feature": f["name"], "op": "<=", "value": draw(value_of(f))}
    if t == "date":
        return {"feature": f["name"], "op": "<=", "value": draw(st.sampled_from(DATES))}
    cats = [False, True] if t == "boolean" else f["categories"]
    subset = draw(st.lists(st.sampled_from(cats), min_size=1, max_size=len(cats) - 1, unique=True))
    return {"feature": f["name"], "op": "in", "value": subset}


@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    feats = draw(features(("integer", "number", "boolean", "category", "date")))
    nodes: list[dict[str, Any]] = []

    def build(depth: int) -> int:
        nid = len(nodes)
        nodes.append({})
        if depth == 0 or draw(st.integers(0, 4)) == 0:
            leaf: dict[str, Any] = {"id": nid, "outcome": draw(st.sampled_from(CODES))}
            if draw(st.booleans()):
                leaf["score"] = draw(st.integers(0, 8)) / 8
            nodes[nid] = leaf
            return nid
        test = draw(_test_for(draw(st.sampled_from(feats))))
        t = build(depth - 1)
        fl = build(depth - 1)
        nodes[nid] = {"id": nid, **test, "true": t, "false": fl}
        return nid

    root = build(draw(st.integers(2, 4)))
    spec = {"kind": "decision_tree", "features": feats, "outcomes": outcomes(), "nodes": nodes, "root": root}
    return spec, draw(values_for(feats))


@st.composite
def _condition(draw: st.DrawFn, f: Mapping[str, Any]) -> dict[str, Any]:
    t = f["type"]
    if t in ("integer", "number"):
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        if t == "integer":
            value: Any = draw(st.integers(f["min"] - 1, f["max"] + 1))
        else:
            value = draw(st.integers(int(f["min"] * 4) - 2, int(f["max"] * 4) + 2)) / 4
        return {"feature": f["name"], "op": op, "value": value}
    if t == "date":
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return {"feature": f["name"], "op": op, "value": draw(st.sampled_from(DATES))}
    cats = [False, True] if t == "boolean" else f["categories"]
    op = draw(st.sampled_from(["==", "!=", "in", "not_in"]))
    if op in ("in", "not_in"):
        value = draw(st.lists(st.sampled_from(cats), min_size=1, max_size=len(cats), unique=True))
    else:
        value = draw(st.sampled_from(cats))
    return {"feature": f["name"], "op": op, "value": value}


@st.composite
def rule_lists(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    feats = draw(features(("integer", "number", "boolean", "category", "date")))
    rules = []
    for i in range(draw(st.integers(1, 4))):
        conds = [draw(_condition(draw(st.sampled_from(feats)))) for _ in range(draw(st.integers(1, 3)))]
        rules.append(
            {"id": f"R{i + 1}", "conditions": conds, "outcome": draw(st.sampled_from(CODES)), "label": L}
        )
    spec = {
        "kind": "rules",
        "features": feats,
        "outcomes": outcomes(),
        "rules": rules,
        "default_outcome": draw(st.sampled_from(CODES)),
    }
    return spec, draw(values_for(feats))


# -- brute-force oracle ------------------------------------------------------------------------------------


def _q(x: Any) -> Fraction:
    return Fraction(int(x)) if isinstance(x, bool) else Fraction(x)


def allowed_values(f: Mapping[str, Any], x: Any) -> list[Any]:
    """Every value the feature may take in a counterfactual (the recorded one first), by direct enumeration."""
    t = f["type"]
    direction = f.get("direction", "any")
    if not f["mutable"] or t == "date":
        return [x]
    if t in ("integer", "number"):
        lo, hi = Fraction(f["min"]), Fraction(f["max"])
        if lo == hi:
            return [x]
        if "step" not in f and t == "number":
            raise ValueError("a number without step is continuous: no grid")
        step = Fraction(repr(f["step"])) if "step" in f else Fraction(1)
        k_lo, k_hi = math.ceil(lo / step), math.floor(hi / step)
        out = [x]
        for k in range(k_lo, k_hi + 1):
            v = k * step
            if v == _q(x):
                continue
            if (direction == "increase" and v < _q(x)) or (direction == "decrease" and v > _q(x)):
                continue
            out.append(int(v) if t == "integer" else float(v))
        return out
    if t == "boolean":
        other = not x
        if (direction == "increase" and other < x) or (direction == "decrease" and other > x):
            return [x]
        return [x, other]
    return [x, *(c for c in f["categories"] if c != x)]


def change_cost(f: Mapping[str, Any], old: Any, new: Any) -> Fraction:
    """The documented cost model, written out independently of the engine."""
    if f["type"] in ("integer", "number"):
        if _q(old) == _q(new):
            return Fraction(0)
        return _q(f.get("cost", 1)) * abs(_q(new) - _q(old)) / (_q(f["max"]) - _q(f["min"]))
    if type(old) is type(new) and old == new:
        return Fraction(0)
    return _q(f.get("cost", 1))


def all_solutions(
    spec: Mapping[str, Any], values: Mapping[str, Any], model: Any
) -> Iterator[tuple[Fraction, frozenset[str], str]]:
    """(cost, changed features, outcome) of every allowed combination whose replayed outcome differs."""
    current = model.score(values).outcome
    feats = spec["features"]
    grids = [allowed_values(f, values[f["name"]]) for f in feats]
    for combo in itertools.product(*grids):
        new = {f["name"]: v for f, v in zip(feats, combo, strict=True)}
        changed = frozenset(
            f["name"] for f in feats if change_cost(f, values[f["name"]], new[f["name"]]) != 0
        )
        if not changed:
            continue
        res = model.score(new)
        if res.outcome != current:
            cost = sum((change_cost(f, values[f["name"]], new[f["name"]]) for f in feats), Fraction(0))
            yield cost, changed, res.outcome


def grid_size(spec: Mapping[str, Any], values: Mapping[str, Any]) -> float:
    """Size of the brute-force grid; infinite when a movable number has no step (a continuum)."""
    for f in spec["features"]:
        if f["type"] == "number" and "step" not in f and f["mutable"] and f["max"] > f["min"]:
            return math.inf
    return math.prod(len(allowed_values(f, values[f["name"]])) for f in spec["features"])
