"""Hypothesis strategies for model specs (docs/model-spec.md) and for inputs to them.

Import as ``from tests.explanations.strategies import specs, inputs_for, ...``. Every strategy here only
builds plain JSON data; nothing imports Django.

Main entry points
-----------------
``specs(kind=None, *, small=False, max_features=None)``
    Valid specs (``validate_spec(spec) == []`` always) of one kind, or of any kind when ``kind`` is None.
    Features get names ``<type>_<i>`` (e.g. ``integer_0``), outcomes ``OUT_<i>``; every outcome a spec can
    produce is declared, bins cover their features, trees are trees, and so on. Scores, thresholds and bands
    are drawn inside the range of scores the model can reach, so every outcome is usually reachable.
``small_specs(kind=None)``
    ``specs(kind, small=True)``: at most 3 features, each with a finite grid of at most 6 values (integers
    with small ranges, booleans, up to 3 categories, numbers with a ``step`` whose grid points are exact
    binary fractions), integer points/coefficients and no dates. Every bin edge and every tree/rule constant
    of a number feature lies on its grid or half-way between two grid points. Meant for brute-force search
    with ``enumerate_inputs``.
``inputs_for(spec, *, grid_only=False)``
    Valid inputs (``compile_spec(spec).validate_inputs(v) == []``): one value per feature, of the canonical
    JSON type (int for integer features), with extra weight on boundary values (bounds, bin edges, tree
    thresholds, rule constants). With ``grid_only`` every value comes from ``value_grid``.
``specs_with_inputs(kind=None, *, small=False)``
    ``(spec, inputs)`` pairs.
``value_grid(feature)``, ``enumerate_inputs(spec, base=None, only_mutable=False)``, ``input_space_size(spec)``
    The finite value domain of a feature (None for dates and numbers without a usable step) and every input
    combination, for brute force.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "KINDS",
    "REPLAYABLE_KINDS",
    "enumerate_inputs",
    "input_space_size",
    "inputs_for",
    "label",
    "small_specs",
    "specs",
    "specs_with_inputs",
    "value_grid",
]

KINDS: tuple[str, ...] = ("scorecard", "linear", "logistic", "decision_tree", "rules", "opaque")
REPLAYABLE_KINDS: tuple[str, ...] = KINDS[:-1]

#: Dates in generated specs and inputs lie in this window.
DATE_MIN = date(2019, 1, 1)
DATE_MAX = date(2027, 12, 31)
#: Largest grid ``value_grid`` returns (beyond it, None).
MAX_GRID = 1000

_CATEGORY_POOL = ("owned", "rented", "social", "none", "қала", "ауыл", "село", "other value", "x")
_SMALL_STEPS = (0.25, 0.5, 1.0)

Spec = dict[str, Any]


def label(text: str) -> dict[str, str]:
    """A kk/ru/en label (the three strings differ, as in real specs)."""
    return {"kk": f"{text} (kk)", "ru": f"{text} (ru)", "en": text}


# ------------------------------------------------------------------------------------------------------------
# Value domains


def value_grid(feature: Mapping[str, Any]) -> list[Any] | None:
    """Every admissible value of a feature with a finite, small domain, in increasing order; else None.

    integer: ``min..max``; boolean: ``[False, True]``; category: the categories; number with ``step``:
    ``min + k*step`` up to ``max``. None for dates, numbers without step, and domains above ``MAX_GRID``.
    """
    ftype = feature["type"]
    if ftype == "boolean":
        return [False, True]
    if ftype == "category":
        return list(feature["categories"])
    if ftype == "integer":
        lo, hi = int(feature["min"]), int(feature["max"])
        return list(range(lo, hi + 1)) if hi - lo < MAX_GRID else None
    if ftype == "number" and "step" in feature:
        lo, hi, step = feature["min"], feature["max"], feature["step"]
        count = math.floor((hi - lo) / step + 1e-9) + 1
        if count > MAX_GRID:
            return None
        return [v for v in (lo + k * step for k in range(count)) if v <= hi]
    return None


def input_space_size(spec: Mapping[str, Any]) -> int | None:
    """Number of input combinations over the grids of all features (None if one has no grid)."""
    size = 1
    for feature in spec["features"]:
        grid = value_grid(feature)
        if grid is None:
            return None
        size *= len(grid)
    return size


def enumerate_inputs(
    spec: Mapping[str, Any], base: Mapping[str, Any] | None = None, *, only_mutable: bool = False
) -> Iterator[dict[str, Any]]:
    """Every combination of grid values, as input dicts in feature display order.

    Features without a grid (and, with ``only_mutable``, immutable features) keep their value from ``base``,
    which is then required for them. The combination equal to ``base`` is included.
    """
    names: list[str] = []
    domains: list[Sequence[Any]] = []
    for feature in spec["features"]:
        name = feature["name"]
        grid = value_grid(feature)
        if grid is None or (only_mutable and not feature["mutable"]):
            if base is None or name not in base:
                raise ValueError(f"feature {name!r} has no grid (or is immutable): give its value in base")
            grid = [base[name]]
        names.append(name)
        domains.append(grid)
    for combo in itertools.product(*domains):
        yield dict(zip(names, combo, strict=True))


# ------------------------------------------------------------------------------------------------------------
# Features


def _kind_types(kind: str, small: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(types used by the model, extra types allowed but unused) for a kind."""
    if small:
        if kind in ("linear", "logistic"):
            return ("number", "integer", "boolean"), ()
        return ("number", "integer", "boolean", "category"), ()
    if kind == "scorecard":
        return ("number", "integer", "boolean", "category"), ("date",)
    if kind in ("linear", "logistic"):
        return ("number", "integer", "boolean"), ("category", "date")
    return ("number", "integer", "boolean", "category", "date"), ()


@st.composite
def _feature(draw: st.DrawFn, ftype: str, index: int, small: bool) -> dict[str, Any]:
    feature: dict[str, Any] = {"name": f"{ftype}_{index}", "type": ftype}
    lo: float
    hi: float
    if ftype == "integer":
        if small:
            lo = draw(st.integers(-3, 3))
            hi = lo + draw(st.integers(0, 5))
        else:
            lo = draw(st.integers(-50, 50))
            hi = lo + draw(st.one_of(st.integers(0, 10), st.integers(0, 500)))
        feature.update(min=lo, max=hi)
        if small or draw(st.booleans()):
            feature["step"] = draw(st.integers(1, 3)) if not small else 1
    elif ftype == "number":
        if small:
            step = draw(st.sampled_from(_SMALL_STEPS))
            lo = draw(st.integers(-4, 4)) * step
            hi = lo + draw(st.integers(0, 5)) * step
            feature.update(min=lo, max=hi, step=step)
        else:
            lo = draw(
                st.one_of(
                    st.integers(-1000, 1000), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
                )
            )
            width = draw(
                st.one_of(
                    st.just(0),
                    st.integers(1, 10000),
                    st.floats(0, 1e4, allow_nan=False, allow_infinity=False),
                )
            )
            feature.update(min=lo, max=lo + width)
            if draw(st.booleans()):
                feature["step"] = draw(st.sampled_from([0.01, 0.5, 1, 100]))
    elif ftype == "category":
        size = draw(st.integers(1, 3 if small else 5))
        feature["categories"] = draw(
            st.lists(st.sampled_from(_CATEGORY_POOL), min_size=size, max_size=size, unique=True)
        )
    feature["mutable"] = False if ftype == "date" else draw(st.booleans())
    if ftype in ("number", "integer", "boolean") and draw(st.booleans()):
        feature["direction"] = draw(st.sampled_from(["any", "increase", "decrease"]))
    elif ftype == "category" and draw(st.booleans()):
        feature["direction"] = "any"
    if draw(st.booleans()):
        feature["cost"] = draw(st.sampled_from([0.5, 1, 2, 3.5]))
    feature["source"] = "TEST_REGISTRY"
    feature["label"] = label(f"feature {feature['name']}")
    return feature


@st.composite
def _features(draw: st.DrawFn, kind: str, small: bool, max_features: int | None) -> list[dict[str, Any]]:
    used, extra = _kind_types(kind, small)
    limit = max_features if max_features is not None else (3 if small else 6)
    count = draw(st.integers(1, max(1, limit)))
    types = draw(st.lists(st.sampled_from(used), min_size=count, max_size=count))
    if extra and count < limit and draw(st.integers(0, 3)) == 0:
        types.append(draw(st.sampled_from(extra)))
    return [draw(_feature(ftype, i, small)) for i, ftype in enumerate(types)]


@st.composite
def _outcomes(draw: st.DrawFn, minimum: int = 2) -> list[dict[str, Any]]:
    count = draw(st.integers(minimum, 4))
    return [
        {"code": f"OUT_{i}", "label": label(f"outcome {i}"), "favourable": draw(st.booleans())}
        for i in range(count)
    ]


# ------------------------------------------------------------------------------------------------------------
# Constants near a feature's domain (thresholds, edges)


def _grid_or_halfway(feature: Mapping[str, Any]) -> list[float]:
    """Grid points and mid-points of a small number/integer feature (plus one step outside on each side)."""
    grid = value_grid(feature)
    assert grid is not None
    step = feature.get("step", 1) if feature["type"] == "number" else 1
    points = [grid[0] - step, *grid, grid[-1] + step]
    mids = [a + step / 2 for a in points[:-1]]
    return sorted({*points, *mids})


def _number_constant(feature: Mapping[str, Any], small: bool) -> st.SearchStrategy[Any]:
    if small:
        return st.sampled_from(_grid_or_halfway(feature))
    lo, hi = feature["min"], feature["max"]
    if feature["type"] == "integer":
        return st.one_of(st.integers(lo - 1, hi + 1), st.integers(lo, hi).map(lambda v: v + 0.5))
    return st.one_of(
        st.sampled_from([lo, hi]),
        st.floats(lo - 1, hi + 1, allow_nan=False, allow_infinity=False),
    )


def _date_constant() -> st.SearchStrategy[str]:
    return st.dates(DATE_MIN, DATE_MAX).map(date.isoformat)


# ------------------------------------------------------------------------------------------------------------
# Kinds


@st.composite
def _numeric_bins(draw: st.DrawFn, feature: Mapping[str, Any], small: bool) -> list[dict[str, Any]]:
    lo, hi = feature["min"], feature["max"]
    if small:
        grid = value_grid(feature)
        assert grid is not None
        candidates: list[Any] = [v for v in grid if v > lo]
        inner = (
            sorted(draw(st.lists(st.sampled_from(candidates), unique=True, max_size=3))) if candidates else []
        )
    elif feature["type"] == "integer":
        inner = sorted(draw(st.lists(st.integers(lo + 1, hi), unique=True, max_size=4))) if hi > lo else []
    else:
        raw = draw(
            st.lists(st.floats(lo, hi, allow_nan=False, allow_infinity=False), unique=True, max_size=4)
        )
        inner = sorted(v for v in raw if lo < v <= hi)
    first = draw(st.sampled_from([None, lo, lo - 1]))
    last = draw(st.sampled_from([None, hi + 1, hi + 0.5]))
    edges = [first, *inner, last]
    points = (
        st.integers(-5, 5)
        if small
        else st.one_of(st.integers(-50, 50), st.floats(-100, 100, allow_nan=False, allow_infinity=False))
    )
    return [{"lower": edges[i], "upper": edges[i + 1], "points": draw(points)} for i in range(len(edges) - 1)]


@st.composite
def _scorecard(draw: st.DrawFn, features: list[dict[str, Any]], small: bool) -> Spec:
    bins: dict[str, list[dict[str, Any]]] = {}
    points = (
        st.integers(-5, 5)
        if small
        else st.one_of(st.integers(-50, 50), st.floats(-100, 100, allow_nan=False, allow_infinity=False))
    )
    for feature in features:
        ftype = feature["type"]
        if ftype == "date":
            continue
        if ftype in ("number", "integer"):
            bins[feature["name"]] = draw(_numeric_bins(feature, small))
        else:
            values = [True, False] if ftype == "boolean" else list(feature["categories"])
            values = draw(st.permutations(values))
            bins[feature["name"]] = [{"category": v, "points": draw(points)} for v in values]
    base = draw(
        st.integers(-20, 20)
        if small
        else st.one_of(st.integers(-100, 100), st.floats(-100, 100, allow_nan=False))
    )
    low = base + sum(min(b["points"] for b in bs) for bs in bins.values())
    high = base + sum(max(b["points"] for b in bs) for bs in bins.values())
    cut = st.integers(math.floor(low) - 1, math.ceil(high) + 1) if small else st.floats(low - 1, high + 1)
    cuts = sorted(draw(st.lists(cut, unique=True, max_size=4)))
    outcomes = draw(_outcomes())
    codes = [o["code"] for o in outcomes]
    bands = [{"min_score": None, "outcome": draw(st.sampled_from(codes))}]
    bands += [{"min_score": c, "outcome": draw(st.sampled_from(codes))} for c in cuts]
    reference = {name: draw(st.integers(0, len(bs) - 1)) for name, bs in bins.items()}
    return {
        "kind": "scorecard",
        "features": features,
        "outcomes": outcomes,
        "score_label": label("score"),
        "base_points": base,
        "bins": bins,
        "reference_bins": reference,
        "bands": bands,
    }


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@st.composite
def _linear(draw: st.DrawFn, kind: str, features: list[dict[str, Any]], small: bool) -> Spec:
    coefficient = (
        st.integers(-3, 3)
        if small
        else st.one_of(
            st.just(0), st.integers(-20, 20), st.floats(-50, 50, allow_nan=False, allow_infinity=False)
        )
    )
    intercept = draw(st.integers(-5, 5) if small else st.floats(-100, 100, allow_nan=False))
    coefficients: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    low = high = float(intercept)
    for feature in features:
        ftype, name = feature["type"], feature["name"]
        if ftype not in ("number", "integer", "boolean"):
            continue
        w = draw(coefficient)
        coefficients[name] = w
        if ftype == "boolean":
            baseline[name] = draw(st.one_of(st.booleans(), st.floats(0, 1)))
            xs = (0, 1)
        else:
            lo, hi = feature["min"], feature["max"]
            baseline[name] = draw(st.sampled_from([lo, hi]) if small else st.floats(lo, hi))
            xs = (lo, hi)
        low += min(w * x for x in xs)
        high += max(w * x for x in xs)
    if small:
        threshold: float = draw(st.integers(math.floor(low) - 1, math.ceil(high) + 1)) + draw(
            st.sampled_from([0, 0, 0.5])
        )
    else:
        threshold = draw(st.floats(low - 1, high + 1, allow_nan=False, allow_infinity=False))
    outcomes = draw(_outcomes())
    above, below = draw(st.permutations([o["code"] for o in outcomes]))[:2]
    spec: Spec = {
        "kind": kind,
        "features": features,
        "outcomes": outcomes,
        "intercept": intercept,
        "coefficients": coefficients,
        "baseline": baseline,
        "threshold": threshold,
        "outcome_at_or_above": above,
        "outcome_below": below,
    }
    if kind == "logistic":
        on = draw(st.sampled_from(["score", "probability"]))
        spec["threshold_on"] = on
        if on == "probability":
            spec["threshold"] = min(max(_sigmoid(threshold), 1e-6), 1 - 1e-6)
    elif draw(st.booleans()):
        spec["threshold_on"] = "score"
    return spec


def _test_for(draw: st.DrawFn, feature: Mapping[str, Any], small: bool, ops: Sequence[str]) -> dict[str, Any]:
    """A random valid test (feature, op, value) on ``feature`` using only ``ops``."""
    ftype, name = feature["type"], feature["name"]
    if ftype in ("category", "boolean"):
        values = [True, False] if ftype == "boolean" else list(feature["categories"])
        allowed = [op for op in ops if op in ("==", "!=", "in", "not_in")]
        op = draw(st.sampled_from(allowed))
        if op in ("in", "not_in"):
            subset = draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))
            return {"feature": name, "op": op, "value": subset}
        return {"feature": name, "op": op, "value": draw(st.sampled_from(values))}
    allowed = [op for op in ops if op not in ("in", "not_in")]
    op = draw(st.sampled_from(allowed))
    if ftype == "date":
        return {"feature": name, "op": op, "value": draw(_date_constant())}
    value = draw(_number_constant(feature, small))
    if ftype == "integer" and op in ("==", "!="):
        value = math.floor(value)
    return {"feature": name, "op": op, "value": value}


@st.composite
def _tree(draw: st.DrawFn, features: list[dict[str, Any]], small: bool) -> Spec:
    outcomes = draw(_outcomes())
    codes = [o["code"] for o in outcomes]
    max_depth = 3 if small else 4
    nodes: list[dict[str, Any]] = []

    def build(depth: int) -> int:
        index = len(nodes)
        nodes.append({})
        if depth >= max_depth or draw(st.integers(0, 3)) == 0:
            leaf: dict[str, Any] = {"outcome": draw(st.sampled_from(codes))}
            score = draw(st.one_of(st.none(), st.just("absent"), st.floats(0, 1), st.integers(-5, 5)))
            if score != "absent":
                leaf["score"] = score
            nodes[index] = leaf
            return index
        feature = draw(st.sampled_from(features))
        test = _test_for(draw, feature, small, ("<=", "in"))
        node = dict(test)
        node["true"] = build(depth + 1)
        node["false"] = build(depth + 1)
        nodes[index] = node
        return index

    build(0)
    ids = draw(st.permutations(range(len(nodes))))
    offset = draw(st.sampled_from([0, 0, 10]))
    id_of = [ids[i] + offset for i in range(len(nodes))]
    out: list[dict[str, Any]] = []
    for i, node in enumerate(nodes):
        item: dict[str, Any] = {"id": id_of[i]}
        item.update(node)
        if "true" in item:
            item["true"] = id_of[node["true"]]
            item["false"] = id_of[node["false"]]
        out.append(item)
    order = draw(st.permutations(range(len(out))))
    return {
        "kind": "decision_tree",
        "features": features,
        "outcomes": outcomes,
        "nodes": [out[i] for i in order],
        "root": id_of[0],
    }


@st.composite
def _rules(draw: st.DrawFn, features: list[dict[str, Any]], small: bool) -> Spec:
    outcomes = draw(_outcomes())
    codes = [o["code"] for o in outcomes]
    ops = ("<", "<=", ">", ">=", "==", "!=", "in", "not_in")
    rules = []
    for i in range(draw(st.integers(1, 4 if small else 5))):
        conditions = [
            _test_for(draw, draw(st.sampled_from(features)), small, ops)
            for _ in range(draw(st.integers(1, 3)))
        ]
        rules.append(
            {
                "id": f"R{i + 1}",
                "conditions": conditions,
                "outcome": draw(st.sampled_from(codes)),
                "label": label(f"rule {i + 1}"),
            }
        )
    return {
        "kind": "rules",
        "features": features,
        "outcomes": outcomes,
        "rules": rules,
        "default_outcome": draw(st.sampled_from(codes)),
    }


@st.composite
def _spec_of_kind(draw: st.DrawFn, kind: str, small: bool, max_features: int | None) -> Spec:
    features = draw(_features(kind, small, max_features))
    if kind == "scorecard":
        return draw(_scorecard(features, small))
    if kind in ("linear", "logistic"):
        return draw(_linear(kind, features, small))
    if kind == "decision_tree":
        return draw(_tree(features, small))
    if kind == "rules":
        return draw(_rules(features, small))
    return {
        "kind": "opaque",
        "features": features,
        "outcomes": draw(_outcomes(minimum=1)),
        "description": {"kk": "сипаттама", "ru": "описание", "en": "description"},
    }


def specs(
    kind: str | Sequence[str] | None = None, *, small: bool = False, max_features: int | None = None
) -> st.SearchStrategy[Spec]:
    """Valid specs of ``kind`` (a kind, a list of kinds, or None for every kind including opaque).

    ``small=True``: see :func:`small_specs`. ``max_features`` caps the number of model features (default 6,
    or 3 when small); scorecard and linear specs may carry one extra unused date/category feature.
    """
    if kind is None:
        kinds: Sequence[str] = KINDS
    elif isinstance(kind, str):
        kinds = [kind]
    else:
        kinds = list(kind)
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"unknown kind {k!r}")
    return st.sampled_from(list(kinds)).flatmap(lambda k: _spec_of_kind(k, small, max_features))


def small_specs(kind: str | Sequence[str] | None = None, *, max_features: int = 3) -> st.SearchStrategy[Spec]:
    """Small-domain valid specs for brute force: ``input_space_size(spec) <= 6 ** max_features``."""
    return specs(kind, small=True, max_features=max_features)


# ------------------------------------------------------------------------------------------------------------
# Inputs


def _interesting(spec: Mapping[str, Any], name: str) -> list[Any]:
    """Constants the spec compares ``name`` with (bin edges, tree thresholds, rule values)."""
    found: list[Any] = []
    for item in spec.get("bins", {}).get(name, []):
        found += [item.get("lower"), item.get("upper")]
    tests = [n for n in spec.get("nodes", []) if n.get("feature") == name]
    tests += [c for r in spec.get("rules", []) for c in r["conditions"] if c["feature"] == name]
    for test in tests:
        value = test["value"]
        found += value if isinstance(value, list) else [value]
    return [v for v in found if v is not None]


def _value_strategy(
    spec: Mapping[str, Any], feature: Mapping[str, Any], grid_only: bool
) -> st.SearchStrategy[Any]:
    ftype = feature["type"]
    grid = value_grid(feature)
    if grid_only:
        if grid is None:
            raise ValueError(f"feature {feature['name']!r} has no grid")
        return st.sampled_from(grid)
    if ftype == "boolean":
        return st.booleans()
    if ftype == "category":
        return st.sampled_from(list(feature["categories"]))
    special = _interesting(spec, feature["name"])
    if ftype == "date":
        dates = [v for v in special if isinstance(v, str)]
        return st.one_of(_date_constant(), *([st.sampled_from(dates)] if dates else []))
    lo, hi = feature["min"], feature["max"]
    numbers = [v for v in special if isinstance(v, int | float) and not isinstance(v, bool)]
    if ftype == "integer":
        near = sorted(
            {
                int(c)
                for v in numbers
                for c in (math.floor(v), math.ceil(v), math.floor(v) - 1)
                if lo <= c <= hi
            }
            | {lo, hi}
        )
        return st.one_of(st.integers(lo, hi), st.sampled_from(near))
    near_numbers = sorted({v for v in numbers if lo <= v <= hi} | {lo, hi})
    options: list[st.SearchStrategy[Any]] = [
        st.floats(lo, hi, allow_nan=False, allow_infinity=False),
        st.sampled_from(near_numbers),
    ]
    if grid is not None:
        options.append(st.sampled_from(grid))
    if math.ceil(lo) <= math.floor(hi):
        options.append(st.integers(math.ceil(lo), math.floor(hi)))
    return st.one_of(*options)


def inputs_for(spec: Mapping[str, Any], *, grid_only: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Valid inputs for ``spec``: every feature, canonical JSON types, extra weight on boundary values."""
    return st.fixed_dictionaries({f["name"]: _value_strategy(spec, f, grid_only) for f in spec["features"]})


def specs_with_inputs(
    kind: str | Sequence[str] | None = None, *, small: bool = False, grid_only: bool = False
) -> st.SearchStrategy[tuple[Spec, dict[str, Any]]]:
    """``(spec, inputs)`` pairs: a valid spec of ``kind`` and valid inputs for it."""
    return specs(kind, small=small).flatmap(
        lambda spec: inputs_for(spec, grid_only=grid_only).map(lambda values: (spec, values))
    )
