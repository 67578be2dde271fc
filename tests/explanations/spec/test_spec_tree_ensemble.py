"""tree_ensemble specs: validation with specific errors, replay semantics, and the importers from scikit-learn,
XGBoost and LightGBM checked bit-for-bit against each library's own margins on rows it never saw."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
import skops.io as sio
import xgboost as xgb
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from explanations.spec import InvalidInputs, compile_spec, validate_spec
from explanations.spec.importers import IMPORT_TOLERANCE, import_tree_ensemble
from tests.explanations.spec.ensemble_fixtures import data, feature, outcomes, rows, template, with_missing

Spec = dict[str, Any]


def small_spec() -> Spec:
    """Two trees on a (number), b (nullable number) and d (boolean); sigmoid link, threshold 0 on the margin."""
    return {
        "kind": "tree_ensemble",
        "features": [feature("a"), feature("b", nullable=True), feature("d", "boolean")],
        "outcomes": outcomes(2),
        "trees": [
            {
                "nodes": [
                    {"feature": "a", "threshold": 0.1, "yes": 1, "no": 2, "missing": "no"},
                    {"leaf": 1.0},
                    {"feature": "b", "threshold": 3, "yes": 3, "no": 4, "missing": "yes"},
                    {"leaf": -1.5},
                    {"leaf": 2.0},
                ]
            },
            {
                "nodes": [
                    {"feature": "d", "threshold": 0.5, "yes": 1, "no": 2},
                    {"leaf": -0.25},
                    {"leaf": 0.25},
                ]
            },
        ],
        "aggregation": "sum",
        "link": "sigmoid",
        "base_score": [0.125],
        "input_precision": "float32",
        "split": "le",
        "accumulation": "float64",
        "threshold": 0,
        "outcome_at_or_above": "O1",
        "outcome_below": "O0",
        "background": [{"a": 0, "b": None, "d": False}],
    }


def test_small_spec_is_valid_and_replays_by_hand() -> None:
    model = compile_spec(small_spec())
    # a <= 0.1 → 1.0; d false (0 <= 0.5) → -0.25; 0.125 + 1.0 - 0.25
    assert model.score({"a": 0.0, "b": 7.0, "d": False}).score == 0.875
    # a > 0.1, b missing → yes → -1.5; d true → 0.25
    res = model.score({"a": 5, "b": None, "d": True})
    assert res.score == 0.125 - 1.5 + 0.25 and res.outcome == "O0"
    assert model.score({"a": 5, "b": 3.5, "d": True}).outcome == "O1"


def test_float32_inputs_are_rounded_before_the_comparison() -> None:
    # as scikit-learn does: the input becomes float32 (0.1 → 0.10000000149…), the threshold stays a double
    spec = small_spec()
    assert float(np.float32(0.1)) > 0.1
    assert compile_spec(spec).score({"a": 0.1, "b": 7.0, "d": False}).score == 0.125 + 2.0 - 0.25
    below = float(np.nextafter(np.float32(0.1), np.float32(0)))  # the float32 below 0.1 → the "yes" branch
    assert float(np.float32(below)) < 0.1
    assert compile_spec(spec).score({"a": below, "b": 7.0, "d": False}).score == 0.875
    spec["input_precision"] = "float64"
    assert compile_spec(spec).score({"a": 0.1, "b": 7.0, "d": False}).score == 0.875


def test_lt_split_and_float32_accumulation() -> None:
    spec = small_spec()
    spec["split"] = "lt"
    spec["accumulation"] = "float32"
    spec["trees"][0]["nodes"][0]["threshold"] = 0.5
    model = compile_spec(spec)
    assert model.score({"a": 0.5, "b": 7.0, "d": False}).score == 0.125 + 2.0 - 0.25  # 0.5 < 0.5 fails
    assert model.score({"a": 0.25, "b": 7.0, "d": False}).score == 0.875
    spec["trees"][0]["nodes"][1]["leaf"] = 1 / 3
    spec["trees"][0]["nodes"][1]["leaf"] = float(np.float32(1 / 3))
    # the sum is rounded to float32 after each tree: 0.125 + f32(1/3) = 0.4583333432674408 (a float32), - 0.25
    assert compile_spec(spec).score({"a": 0.25, "b": 7.0, "d": False}).score == float(
        np.float32(np.float32(0.125) + np.float32(1 / 3)) - np.float32(0.25)
    )
    spec["trees"][1]["nodes"][1]["leaf"] = 0.1  # not a float32
    errors = validate_spec(spec)
    assert [e.path for e in errors] == ["trees[1].nodes[1].leaf"]
    assert "not a 32-bit float" in errors[0].message


def test_missing_values_only_where_nullable() -> None:
    model = compile_spec(small_spec())
    with pytest.raises(InvalidInputs):
        model.score({"a": None, "b": 1.0, "d": False})
    assert model.validate_inputs({"a": 1.0, "b": None, "d": False}) == []


def _mutate(fn: Callable[[Spec], None]) -> Spec:
    spec = small_spec()
    fn(spec)
    return spec


BROKEN: list[tuple[str, Callable[[Spec], None], str, str]] = [
    (
        "child before parent",
        lambda s: s["trees"][0]["nodes"][2].update(yes=1),
        "trees[0].nodes[2].yes",
        "must come after its parent",
    ),
    (
        "child out of range",
        lambda s: s["trees"][0]["nodes"][2].update(no=9),
        "trees[0].nodes[2].no",
        "no node 9",
    ),
    (
        "orphan",
        lambda s: s["trees"][1]["nodes"].append({"leaf": 3.0}),
        "trees[1].nodes[3]",
        "cannot be reached",
    ),
    (
        "leaf with a test",
        lambda s: s["trees"][0]["nodes"][1].update(feature="a"),
        "trees[0].nodes[1].feature",
        "a leaf",
    ),
    (
        "split without threshold",
        lambda s: s["trees"][0]["nodes"][0].pop("threshold"),
        "trees[0].nodes[0].threshold",
        "needs feature, threshold, yes, no",
    ),
    (
        "unknown feature",
        lambda s: s["trees"][0]["nodes"][0].update(feature="zz"),
        "trees[0].nodes[0].feature",
        "not a declared feature",
    ),
    (
        "category split",
        lambda s: (
            s["features"].append(feature("k", "category", categories=["x", "y"])),
            s["trees"][0]["nodes"][0].update(feature="k"),
            [r.update(k="x") for r in s["background"]],
        ),
        "trees[0].nodes[0].feature",
        "encode categories as booleans",
    ),
    (
        "nullable split without direction",
        lambda s: s["trees"][0]["nodes"][2].pop("missing"),
        "trees[0].nodes[2].missing",
        "must say where a missing value goes",
    ),
    ("output out of range", lambda s: s["trees"][1].update(output=1), "trees[1].output", "does not exist"),
    ("sigmoid with two outputs", lambda s: s.update(base_score=[0, 0]), "base_score", "sigmoid link has one"),
    ("classes with one output", lambda s: s.update(classes=["O0", "O1"]), "classes", "uses a threshold"),
    ("no threshold", lambda s: s.pop("threshold"), "threshold", "compares it with a threshold"),
    (
        "probability threshold out of range",
        lambda s: s.update(threshold_on="probability", threshold=1.5),
        "threshold",
        "strictly between 0 and 1",
    ),
    (
        "covers on some nodes only",
        lambda s: s["trees"][0]["nodes"][0].update(cover=3),
        "trees",
        "give the cover of every node",
    ),
    ("background row invalid", lambda s: s["background"][0].update(a=11), "background[0].a", "at most 10"),
    ("background row incomplete", lambda s: s["background"][0].pop("d"), "background[0].d", "missing value"),
    ("nullable elsewhere", lambda s: s.update(kind="linear"), "features[1].nullable", None),
    (
        "softmax classes count",
        lambda s: (
            s.update(link="softmax", base_score=[0, 0, 0], classes=["O0", "O1"]),
            [s.pop(k) for k in ("threshold", "outcome_at_or_above", "outcome_below")],
        ),
        "classes",
        "2 classes for 3 outputs",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "path", "gist"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_ensemble_reports_the_specific_error(
    name: str, mutate: Callable[[Spec], None], path: str, gist: str | None
) -> None:
    errors = validate_spec(_mutate(mutate))
    assert errors, name
    paths = [e.path for e in errors]
    assert path in paths, errors
    if gist is not None:
        assert any(gist in e.message for e in errors if e.path == path), errors


def test_nullable_needs_a_tree_ensemble() -> None:
    spec = _mutate(lambda s: s.update(kind="decision_tree"))
    assert any(
        e.path == "features[1].nullable" and "only tree_ensemble" in e.message for e in validate_spec(spec)
    )


# ------------------------------------------------------------------------------------------------------------
# Importers: every supported estimator, bit-for-bit on held-out rows (margins as the library computes them)

X, Y2, Y3, YR = data()
TRAIN, HELD_OUT = slice(0, 220), slice(220, 300)


def _sklearn_cases() -> list[tuple[Any, np.ndarray, int]]:
    return [
        (GradientBoostingClassifier(n_estimators=8, max_depth=3, random_state=0), Y2, 2),
        (GradientBoostingClassifier(n_estimators=4, max_depth=2, random_state=0), Y3, 3),
        (GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=0), YR, 0),
        (HistGradientBoostingClassifier(max_iter=8, max_leaf_nodes=8, random_state=0), Y2, 2),
        (HistGradientBoostingClassifier(max_iter=4, max_leaf_nodes=6, random_state=0), Y3, 3),
        (HistGradientBoostingRegressor(max_iter=8, max_leaf_nodes=8, random_state=0), YR, 0),
        (RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0), Y2, 2),
        (RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0), Y3, 3),
        (RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0), YR, 0),
    ]


@pytest.mark.parametrize("case", range(9), ids=lambda i: type(_sklearn_cases()[i][0]).__name__ + str(i))
def test_sklearn_import_is_bit_for_bit(case: int) -> None:
    est, y, n_classes = _sklearn_cases()[case]
    missing = type(est).__name__.startswith(("Hist", "RandomForest"))
    x = with_missing(X) if missing else X
    est.fit(x[TRAIN], y[TRAIN])
    report = import_tree_ensemble(
        "sklearn-skops", sio.dumps(est), template(n_classes, nullable=missing), rows(x[TRAIN][:50])
    )
    assert report.ok, report.errors
    assert report.max_difference == 0.0
    model = compile_spec(report.spec)
    held = x[HELD_OUT]
    if n_classes == 0:
        expected = est.predict(held).reshape(len(held), -1)
    elif type(est).__name__.startswith("Random"):
        expected = est.predict_proba(held)
    elif type(est).__name__.startswith("Hist"):
        expected = est._raw_predict(held)
    else:
        expected = est.decision_function(held).reshape(len(held), -1)
    predicted = est.predict(held)
    for r, row in enumerate(rows(held)):
        margins = model.margins(model.leaf_indices(model.row(row)))
        assert margins == expected[r].tolist(), (r, margins, expected[r])  # exact, not approximate
        if n_classes:
            assert model.score(row).outcome == f"O{predicted[r]}"


def test_xgboost_import_is_bit_for_bit_with_missing_values() -> None:
    x = with_missing(X)
    for objective, y, n_classes in (
        ("binary:logistic", Y2, 2),
        ("multi:softprob", Y3, 3),
        ("reg:squarederror", YR, 0),
    ):
        params: dict[str, Any] = {"objective": objective, "max_depth": 3, "seed": 0}
        if n_classes == 3:
            params["num_class"] = 3
        booster = xgb.train(params, xgb.DMatrix(x[TRAIN], label=y[TRAIN]), num_boost_round=6)
        text = booster.save_raw("json").decode()
        sample = x[TRAIN][:40]
        margins = booster.predict(xgb.DMatrix(sample), output_margin=True)
        report = import_tree_ensemble(
            "xgboost-json", text, template(n_classes, True), rows(sample), margins.tolist()
        )
        assert report.ok, (objective, report.errors)
        assert report.max_difference == 0.0
        model = compile_spec(report.spec)
        held = booster.predict(xgb.DMatrix(x[HELD_OUT]), output_margin=True).reshape(len(x[HELD_OUT]), -1)
        for r, row in enumerate(rows(x[HELD_OUT])):
            assert model.margins(model.leaf_indices(model.row(row))) == held[r].tolist(), (objective, r)
        if n_classes == 2:
            proba = booster.predict(xgb.DMatrix(x[HELD_OUT]))
            for r, row in enumerate(rows(x[HELD_OUT])):
                assert model.score(row).outcome == ("O1" if proba[r] > 0.5 else "O0")
                assert math.isclose(compile_spec(report.spec).score(row).score, held[r][0])


def test_lightgbm_import_is_bit_for_bit_with_missing_values() -> None:
    x = with_missing(X)
    for objective, y, n_classes in (("binary", Y2, 2), ("multiclass", Y3, 3), ("regression", YR, 0)):
        params: dict[str, Any] = {
            "objective": objective,
            "num_leaves": 7,
            "verbose": -1,
            "min_data_in_leaf": 5,
        }
        if n_classes == 3:
            params["num_class"] = 3
        booster = lgb.train(params, lgb.Dataset(x[TRAIN], label=y[TRAIN]), num_boost_round=6)
        sample = x[TRAIN][:40]
        report = import_tree_ensemble(
            "lightgbm-text",
            booster.model_to_string(),
            template(n_classes, True),
            rows(sample),
            booster.predict(sample, raw_score=True).tolist(),
        )
        assert report.ok, (objective, report.errors)
        assert report.max_difference == 0.0
        model = compile_spec(report.spec)
        held = booster.predict(x[HELD_OUT], raw_score=True).reshape(len(x[HELD_OUT]), -1)
        for r, row in enumerate(rows(x[HELD_OUT])):
            assert model.margins(model.leaf_indices(model.row(row))) == held[r].tolist(), (objective, r)


def test_lightgbm_random_forest_mode_averages() -> None:
    params = {
        "objective": "regression",
        "boosting": "rf",
        "bagging_fraction": 0.7,
        "bagging_freq": 1,
        "num_leaves": 5,
        "verbose": -1,
        "min_data_in_leaf": 5,
    }
    booster = lgb.train(params, lgb.Dataset(X[TRAIN], label=YR[TRAIN]), num_boost_round=4)
    sample = X[TRAIN][:30]
    report = import_tree_ensemble(
        "lightgbm-text",
        booster.model_to_string(),
        template(0),
        rows(sample),
        booster.predict(sample, raw_score=True).tolist(),
    )
    assert report.ok, report.errors
    assert report.spec["aggregation"] == "mean"
    model = compile_spec(report.spec)
    held = booster.predict(X[HELD_OUT])  # the average of the trees (raw_score is their sum)
    for r, row in enumerate(rows(X[HELD_OUT])):
        assert model.margins(model.leaf_indices(model.row(row)))[0] == held[r]


def test_import_is_refused_beyond_the_tolerance_with_the_difference_reported() -> None:
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X[TRAIN], label=Y2[TRAIN]), 3
    )
    sample = X[TRAIN][:10]
    margins = booster.predict(xgb.DMatrix(sample), output_margin=True).astype(float)
    margins[4] += 1e-6  # what an agency would send from another model version
    report = import_tree_ensemble(
        "xgboost-json", booster.save_raw("json").decode(), template(2), rows(sample), margins.tolist()
    )
    assert not report.ok and report.spec is None
    assert report.max_difference is not None and report.max_difference > IMPORT_TOLERANCE
    assert [e.path for e in report.errors] == ["sample_rows[4]"]
    assert "tolerance" in report.errors[0].message


def test_import_needs_the_library_margins_for_xgboost_and_lightgbm() -> None:
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X[TRAIN], label=Y2[TRAIN]), 2
    )
    report = import_tree_ensemble("xgboost-json", booster.save_raw("json").decode(), template(2), rows(X[:3]))
    assert not report.ok and report.errors[0].path == "sample_margins"
    assert "output_margin=True" in report.errors[0].message


@pytest.mark.parametrize(
    ("fmt", "blob", "path", "gist"),
    [
        ("pickle", b"x", "format", "unknown model format"),
        ("xgboost-json", "{}", "artifact", "not an XGBoost JSON model"),
        ("lightgbm-text", "hello", "artifact", "not a LightGBM text model"),
        ("sklearn-skops", b"not a zip", "artifact", "not a skops file"),
    ],
)
def test_bad_model_files_are_refused_with_a_message(fmt: str, blob: Any, path: str, gist: str) -> None:
    report = import_tree_ensemble(fmt, blob, template(2), rows(X[:2]), [[0.0]] * 2)
    assert not report.ok and report.errors[0].path == path and gist in report.errors[0].message


def test_a_pipeline_or_a_linear_model_is_not_an_ensemble_artifact() -> None:
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[TRAIN], Y2[TRAIN])
    report = import_tree_ensemble("sklearn-skops", sio.dumps(pipe), template(2), rows(X[:2]))
    assert not report.ok and "outside the reviewed trust list" in report.errors[0].message
    lin = LogisticRegression().fit(X[TRAIN], Y2[TRAIN])
    report = import_tree_ensemble("sklearn-skops", sio.dumps(lin), template(2), rows(X[:2]))
    assert not report.ok and "outside the reviewed trust list" in report.errors[0].message


def test_lightgbm_zero_as_missing_is_refused() -> None:
    params = {
        "objective": "regression",
        "num_leaves": 4,
        "verbose": -1,
        "zero_as_missing": True,
        "min_data_in_leaf": 5,
    }
    x = X.copy()
    x[::3, 1] = 0.0
    booster = lgb.train(params, lgb.Dataset(x[TRAIN], label=YR[TRAIN]), num_boost_round=2)
    report = import_tree_ensemble(
        "lightgbm-text", booster.model_to_string(), template(0), rows(x[:3]), [[0.0]] * 3
    )
    assert not report.ok and "zero as missing" in report.errors[0].message


def test_template_may_not_write_the_trees() -> None:
    t = template(2)
    t["trees"] = []
    report = import_tree_ensemble("xgboost-json", "{}", t, rows(X[:1]), [[0.0]])
    assert not report.ok and report.errors[0].path == "trees"


def test_import_result_is_plain_json_and_deterministic() -> None:
    est = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X[TRAIN], Y2[TRAIN])
    blob = sio.dumps(est)
    a = import_tree_ensemble("sklearn-skops", blob, template(2), rows(X[:5]))
    b = import_tree_ensemble("sklearn-skops", blob, copy.deepcopy(template(2)), rows(X[:5]))
    assert json.dumps(a.spec, sort_keys=True) == json.dumps(b.spec, sort_keys=True)
    assert json.loads(json.dumps(a.spec)) == a.spec
