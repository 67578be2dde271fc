"""tree_ensemble explanations: exact TreeSHAP (against brute-force Shapley values and the ``shap`` package) and
MILP counterfactuals (against brute force over whole grids), on generated small ensembles and fitted models.

Generated ensembles use small grids (integer, stepped number and boolean features) and dyadic leaves, so the
float replay is exact and brute force can replay every allowed combination. Every generated case goes through
the same ``check_all`` as the other kinds: replay match, counterfactuals replayed, within the constraints,
optimal against brute force, diverse alternatives optimal, byte-identical JSON.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier

from explanations.engine import ensemble as ensemble_engine
from explanations.engine import explain
from explanations.engine.ensemble import interventional_contributions, path_dependent_contributions
from explanations.spec import compile_spec, validate_spec
from explanations.spec.importers import import_tree_ensemble
from tests.explanations.engine.checks import check_all
from tests.explanations.engine.strategies_small import L, feature, outcomes, values_for
from tests.explanations.spec.ensemble_fixtures import data, rows, template

EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cut_pool(f: Mapping[str, Any]) -> list[float]:
    if f["type"] in ("category", "date"):
        return []
    if f["type"] == "boolean":
        return [0.5]
    if f["type"] == "integer":
        return [k + 0.5 for k in range(f["min"], f["max"])] + list(range(f["min"], f["max"]))
    return [f["min"] + k / 4 for k in range(int((f["max"] - f["min"]) * 4))]


@st.composite
def _tree(draw: st.DrawFn, feats: list[dict[str, Any]], depth: int, output: int) -> dict[str, Any]:
    splittable = [f for f in feats if _cut_pool(f)]
    nodes: list[dict[str, Any]] = [{}]
    frontier = [(0, 0)]
    covers = draw(st.booleans())
    while frontier:
        i, d = frontier.pop(0)
        if d >= depth or not splittable or (d > 0 and draw(st.integers(0, 3)) == 0):
            nodes[i] = {"leaf": draw(st.integers(-16, 16)) / 8}
            continue
        f = draw(st.sampled_from(splittable))
        yes, no = len(nodes), len(nodes) + 1
        nodes.extend([{}, {}])
        nodes[i] = {
            "feature": f["name"],
            "threshold": draw(st.sampled_from(_cut_pool(f))),
            "yes": yes,
            "no": no,
        }
        if f.get("nullable"):
            nodes[i]["missing"] = draw(st.sampled_from(["yes", "no"]))
        frontier.extend([(yes, d + 1), (no, d + 1)])
    if covers:
        # covers consistent with a training sample: leaves get counts, splits the sum of their children
        for i in range(len(nodes) - 1, -1, -1):
            if "leaf" in nodes[i]:
                nodes[i]["cover"] = draw(st.integers(1, 9))
            else:
                nodes[i]["cover"] = nodes[nodes[i]["yes"]]["cover"] + nodes[nodes[i]["no"]]["cover"]
    return {"output": output, "nodes": nodes}


@st.composite
def ensembles(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    n = draw(st.integers(2, 3))
    feats = [draw(feature(f"f{i}", ("integer", "number", "boolean", "category"))) for i in range(n)]
    n_outputs = draw(st.sampled_from([1, 1, 1, 3]))
    link = "softmax" if n_outputs > 1 else draw(st.sampled_from(["identity", "sigmoid"]))
    covers = draw(st.booleans())
    trees = []
    for t in range(draw(st.integers(1, 4))):
        tree = draw(_tree(feats, draw(st.integers(1, 3)), t % n_outputs))
        if not covers:
            for node in tree["nodes"]:
                node.pop("cover", None)
        trees.append(tree)
    if any(("cover" in nd) != ("cover" in trees[0]["nodes"][0]) for t in trees for nd in t["nodes"]):
        for t in trees:
            for nd in t["nodes"]:
                nd.pop("cover", None)
    codes = ("A", "B", "C")
    spec: dict[str, Any] = {
        "kind": "tree_ensemble",
        "features": feats,
        "outcomes": outcomes(codes),
        "trees": trees,
        "aggregation": draw(st.sampled_from(["sum", "sum", "mean"])),
        "link": link,
        "base_score": [draw(st.integers(-4, 4)) / 4 for _ in range(n_outputs)],
        "input_precision": draw(st.sampled_from(["float64", "float32"])),
        "split": draw(st.sampled_from(["le", "lt"])),
        "accumulation": draw(st.sampled_from(["float64", "float32"])),
        "background": [draw(values_for(feats)) for _ in range(draw(st.integers(1, 3)))],
    }
    if spec["aggregation"] == "mean":
        for k in range(n_outputs):
            if not any(t["output"] == k for t in trees):
                trees.append({"output": k, "nodes": [{"leaf": 0.5}]})
        if any("cover" in nd for t in trees for nd in t["nodes"]):
            for t in trees:
                for nd in t["nodes"]:
                    nd.setdefault("cover", 1)
    if n_outputs == 1:
        spec.update(threshold=draw(st.integers(-8, 8)) / 4, outcome_at_or_above="A", outcome_below="B")
    else:
        spec["classes"] = list(codes)
    values = draw(values_for(feats))
    errors = validate_spec(spec)
    assert errors == [], errors
    return spec, values


def _check_additive(exp: Any) -> None:
    c = exp.contributions
    assert c is not None
    total = Fraction(c.baseline_exact) + sum((Fraction(i.contribution_exact) for i in c.items), Fraction(0))
    assert total == Fraction(c.score_exact)


# HiGHS's presolve returned "optimal" for a costlier solution on this case (31/42 is the optimum)
_PRESOLVE_CASE = json.loads(
    '{"kind":"tree_ensemble","features":[{"name":"f0","type":"number","mutable":true,"source":"TEST_REGIS'
    'TRY","label":"__L__","direction":"any","min":3.5,"max":6.5,"step":0.25},{"name":"f1","type":"number"'
    ',"mutable":true,"source":"TEST_REGISTRY","label":"__L__","cost":4,"direction":"any","min":2.5,"max":'
    '6.0,"step":0.25},{"name":"f2","type":"integer","mutable":true,"source":"TEST_REGISTRY","label":"__L_'
    '_","cost":2,"direction":"any","min":-2,"max":5}],"trees":[{"output":0,"nodes":[{"feature":"f0","thre'
    'shold":6.25,"yes":1,"no":2},{"feature":"f0","threshold":6.25,"yes":3,"no":4},{"feature":"f1","thresh'
    'old":5.0,"yes":5,"no":6},{"leaf":1.125},{"leaf":-1.75},{"leaf":-1.375},{"leaf":0.5}]},{"output":0,"n'
    'odes":[{"feature":"f2","threshold":3.5,"yes":1,"no":2},{"feature":"f0","threshold":4.75,"yes":3,"no"'
    ':4},{"leaf":-1.125},{"feature":"f0","threshold":3.5,"yes":5,"no":6},{"leaf":-1.125},{"leaf":1.625},{'
    '"leaf":1.5}]},{"output":0,"nodes":[{"feature":"f0","threshold":5.25,"yes":1,"no":2},{"feature":"f2",'
    '"threshold":-2,"yes":3,"no":4},{"feature":"f1","threshold":4.75,"yes":5,"no":6},{"feature":"f0","thr'
    'eshold":6.25,"yes":7,"no":8},{"feature":"f2","threshold":3.5,"yes":9,"no":10},{"feature":"f1","thres'
    'hold":3.75,"yes":11,"no":12},{"feature":"f2","threshold":-2,"yes":13,"no":14},{"leaf":1.25},{"leaf":'
    '-0.125},{"leaf":-0.875},{"leaf":-1.625},{"leaf":2.0},{"leaf":0.0},{"leaf":0.25},{"leaf":0.5}]}],"agg'
    'regation":"sum","link":"identity","base_score":[-0.75],"input_precision":"float32","split":"lt","acc'
    'umulation":"float32","background":[{"f0":4.0,"f1":5.25,"f2":1}],"threshold":-1.75,"outcome_at_or_abo'
    've":"A","outcome_below":"B"}'
)
for _f in _PRESOLVE_CASE["features"]:
    _f["label"] = L
_PRESOLVE_CASE["outcomes"] = outcomes(("A", "B", "C"))


@SETTINGS
@example(case=(_PRESOLVE_CASE, {"f0": 5.75, "f1": 3.25, "f2": 2}))
@given(ensembles())
def test_ensemble_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, values = case
    exp = check_all(spec, values, dyadic=True)
    _check_additive(exp)
    assert exp.counterfactuals.exact and exp.counterfactuals.method == "milp_over_leaf_regions_highs"


# -- contributions against brute-force Shapley values --------------------------------------------------------


def _exact_margin(spec: Mapping[str, Any], model: Any, row: list[float], output: int) -> Fraction:
    """Independent of the engine: walk each tree on an already converted row, add the exact leaves."""
    total = Fraction(0)
    trees = [t for t in spec["trees"] if t.get("output", 0) == output]
    lt = spec["split"] == "lt"
    names = [f["name"] for f in spec["features"]]
    for t in trees:
        i = 0
        nodes = t["nodes"]
        while "leaf" not in nodes[i]:
            nd = nodes[i]
            x = row[names.index(nd["feature"])]
            if x != x:
                go = nd.get("missing") == "yes"
            else:
                go = x < nd["threshold"] if lt else x <= nd["threshold"]
            i = nd["yes"] if go else nd["no"]
        total += Fraction(nodes[i]["leaf"])
    scale = Fraction(1, len(trees)) if spec["aggregation"] == "mean" else Fraction(1)
    return Fraction(spec["base_score"][output]) + scale * total


def _shapley(players: list[int], game: Any) -> dict[int, Fraction]:
    n = len(players)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        phi = Fraction(0)
        for k in range(n):
            w = Fraction(math.factorial(k) * math.factorial(n - k - 1), math.factorial(n))
            for s in itertools.combinations(others, k):
                phi += w * (game(frozenset(s) | {i}) - game(frozenset(s)))
        out[i] = phi
    return out


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ensembles())
def test_interventional_contributions_equal_brute_force_shapley(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    spec, values = case
    model = compile_spec(spec)
    x = model.row(values)
    background = [model.row(r) for r in spec["background"]]
    players = list(range(len(x)))
    output = 0

    def game(s: frozenset[int]) -> Fraction:
        total = Fraction(0)
        for r in background:
            hybrid = [x[j] if j in s else r[j] for j in players]
            total += _exact_margin(spec, model, hybrid, output)
        return total / len(background)

    expected = _shapley(players, game)
    got = interventional_contributions(spec, model, values, output, spec["background"])
    names = [f["name"] for f in spec["features"]]
    for j in players:
        assert got.values.get(names[j], Fraction(0)) == expected[j], (names[j], got.values, expected)
    assert got.baseline == game(frozenset())
    assert got.score == game(frozenset(players))


def _conditional_expectation(
    spec: Mapping[str, Any], tree: Mapping[str, Any], x: list[float], s: frozenset[int]
) -> Fraction:
    """E[tree | x_S] under the covers (Lundberg et al. 2018, Algorithm 1), written out recursively."""
    names = [f["name"] for f in spec["features"]]
    lt = spec["split"] == "lt"
    nodes = tree["nodes"]

    def g(i: int) -> Fraction:
        nd = nodes[i]
        if "leaf" in nd:
            return Fraction(nd["leaf"])
        j = names.index(nd["feature"])
        if j in s:
            v = x[j]
            go = (
                (nd.get("missing") == "yes")
                if v != v
                else (v < nd["threshold"] if lt else v <= nd["threshold"])
            )
            return g(nd["yes"] if go else nd["no"])
        cy, cn = Fraction(nodes[nd["yes"]]["cover"]), Fraction(nodes[nd["no"]]["cover"])
        c = Fraction(nd["cover"])
        return (cy * g(nd["yes"]) + cn * g(nd["no"])) / c

    return g(0)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ensembles())
def test_path_dependent_contributions_equal_brute_force_shapley(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    spec, values = case
    if not all("cover" in nd for t in spec["trees"] for nd in t["nodes"]):
        with pytest.raises(ValueError, match="cover"):
            path_dependent_contributions(spec, compile_spec(spec), values)
        return
    model = compile_spec(spec)
    x = model.row(values)
    players = list(range(len(x)))
    trees = [t for t in spec["trees"] if t.get("output", 0) == 0]
    scale = Fraction(1, len(trees)) if spec["aggregation"] == "mean" else Fraction(1)

    def game(s: frozenset[int]) -> Fraction:
        return Fraction(spec["base_score"][0]) + scale * sum(
            (_conditional_expectation(spec, t, x, s) for t in trees), Fraction(0)
        )

    expected = _shapley(players, game)
    got = path_dependent_contributions(spec, model, values)
    names = [f["name"] for f in spec["features"]]
    for j in players:
        assert got.values.get(names[j], Fraction(0)) == expected[j]
    assert got.baseline == game(frozenset())
    assert got.baseline + sum(got.values.values(), Fraction(0)) == got.score


# -- against the shap package on fitted scikit-learn models --------------------------------------------------

X, Y2, Y3, YR = data()


def _imported(est: Any, n_classes: int) -> dict[str, Any]:
    report = import_tree_ensemble("sklearn-skops", sio.dumps(est), template(n_classes), rows(X[:20]))
    assert report.ok, report.errors
    assert report.spec is not None
    return report.spec


@pytest.mark.parametrize("kind", ["gb_classifier", "gb_regressor"])
def test_contributions_match_the_shap_package(kind: str) -> None:
    if kind == "gb_classifier":
        est = GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, Y2)
        spec = _imported(est, 2)
    else:
        est = GradientBoostingRegressor(n_estimators=10, max_depth=3, random_state=0).fit(X, YR)
        spec = _imported(est, 0)
    import shap  # imported here: it takes seconds (numba), and only this test needs it

    model = compile_spec(spec)
    cases = rows(X[200:210])
    background = spec["background"]
    bg = np.array([[r["a"], r["b"], r["c"], float(r["d"])] for r in background])
    tree_path = shap.TreeExplainer(est, feature_perturbation="tree_path_dependent").shap_values(X[200:210])
    interventional = shap.TreeExplainer(est, data=bg, feature_perturbation="interventional").shap_values(
        X[200:210]
    )
    names = ["a", "b", "c", "d"]
    # shap's float algorithms agree to about 1e-8 (path-dependent: its "unwinding" divides; interventional: ~5e-9
    # absolute); ours are exact, as the brute-force tests above show
    for r, values in enumerate(cases):
        pd = path_dependent_contributions(spec, model, values)
        iv = interventional_contributions(spec, model, values, 0, background)
        for j, name in enumerate(names):
            assert math.isclose(float(pd.values.get(name, 0)), tree_path[r][j], rel_tol=1e-6, abs_tol=1e-7)
            assert math.isclose(
                float(iv.values.get(name, 0)), interventional[r][j], rel_tol=1e-6, abs_tol=1e-7
            )
        # additivity is exact (rationals), not just within shap's float tolerance
        assert pd.baseline + sum(pd.values.values(), Fraction(0)) == pd.score
        assert iv.baseline + sum(iv.values.values(), Fraction(0)) == iv.score


def test_a_fitted_forest_explanation_replays_and_is_additive() -> None:
    est = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0).fit(X, Y3)
    spec = _imported(est, 3)
    model = compile_spec(spec)
    for values in rows(X[200:203]):
        res = model.score(values)
        exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)
        assert exp.replay.status == "match"
        _check_additive(exp)
        for alt in exp.counterfactuals.alternatives:
            new = {**values, **{c.feature: c.to_value for c in alt.changes}}
            assert model.score(new).outcome == alt.outcome != res.outcome


# -- no recourse, missing values, and the time budget --------------------------------------------------------


def _one_split(mutable: bool, leaves: tuple[float, float] = (-1.0, 1.0)) -> dict[str, Any]:
    f = {"name": "x", "type": "integer", "min": 0, "max": 10, "mutable": mutable, "source": "R", "label": L}
    g = {
        "name": "m",
        "type": "number",
        "min": 0,
        "max": 1,
        "mutable": True,
        "source": "R",
        "label": L,
        "nullable": True,
        "step": 0.5,
    }
    return {
        "kind": "tree_ensemble",
        "features": [f, g],
        "outcomes": outcomes(("A", "B", "C")),
        "trees": [
            {
                "nodes": [
                    {"feature": "x", "threshold": 4.5, "yes": 1, "no": 2},
                    {"leaf": leaves[0]},
                    {"leaf": leaves[1]},
                ]
            },
            {
                "nodes": [
                    {"feature": "m", "threshold": 0.5, "yes": 1, "no": 2, "missing": "yes"},
                    {"leaf": 0.0},
                    {"leaf": 0.25},
                ]
            },
        ],
        "aggregation": "sum",
        "link": "identity",
        "base_score": [0.0],
        "input_precision": "float64",
        "split": "le",
        "accumulation": "float64",
        "threshold": 0.5,
        "outcome_at_or_above": "A",
        "outcome_below": "B",
        "background": [{"x": 5, "m": None}],
    }


def test_no_recourse_is_certified_by_infeasibility() -> None:
    spec = _one_split(mutable=False)
    values = {"x": 2, "m": 1.0}
    exp = explain(spec, values, recorded_score=-0.75, recorded_outcome="B")
    assert exp.counterfactuals.status == "no_recourse" and exp.counterfactuals.no_recourse
    assert any(n.code == "no_recourse" for n in exp.notes)


def test_a_missing_value_is_never_moved_and_follows_its_direction() -> None:
    spec = _one_split(mutable=True)
    values = {"x": 2, "m": None}
    model = compile_spec(spec)
    assert model.score(values).score == -1.0  # missing goes "yes" → 0.0
    exp = explain(spec, values, recorded_score=-1.0, recorded_outcome="B")
    assert exp.counterfactuals.status == "found"
    first = exp.counterfactuals.alternatives[0]
    assert [(c.feature, c.to_value) for c in first.changes] == [("x", 5)]
    assert all(c.feature != "m" for a in exp.counterfactuals.alternatives for c in a.changes)


def test_time_budget_gives_an_honest_label(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ensemble_engine, "TIME_BUDGET", 0.0)
    spec = _one_split(mutable=True)
    exp = explain(spec, {"x": 2, "m": 1.0}, recorded_score=-0.75, recorded_outcome="B")
    cf = exp.counterfactuals
    assert cf.status == "not_found" and not cf.no_recourse and not cf.exact
    assert {n.code for n in exp.notes} >= {"counterfactual_not_found", "counterfactual_not_proven_optimal"}


def test_float32_boundaries_are_crossed_exactly() -> None:
    """A float32 model: the cheapest change stops at the last double whose float32 still takes the branch."""
    spec = _one_split(mutable=True)
    spec["features"][0] = {
        "name": "x",
        "type": "number",
        "min": 0,
        "max": 10,
        "mutable": True,
        "source": "R",
        "label": L,
    }
    spec["trees"][0]["nodes"][0]["threshold"] = 4.6
    spec["input_precision"] = "float32"
    model = compile_spec(spec)
    exp = explain(spec, {"x": 2.0, "m": 1.0}, recorded_score=-0.75, recorded_outcome="B")
    to = exp.counterfactuals.alternatives[0].changes[0].to_value
    assert isinstance(to, float)
    assert model.score({"x": to, "m": 1.0}).outcome == "A"
    assert float(np.float32(to)) > 4.6
    below = math.nextafter(to, 0)
    assert model.score({"x": below, "m": 1.0}).outcome == "B" or float(np.float32(below)) > 4.6
