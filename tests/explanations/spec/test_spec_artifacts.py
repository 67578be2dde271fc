"""skops artifacts: only the reviewed trust list loads; genuine estimators match the specs they back."""

from __future__ import annotations

import ast
import copy
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from explanations.spec import validate_spec
from explanations.spec.artifacts import (
    TRUSTED_TYPES,
    ArtifactError,
    artifact_sha256,
    check_artifact_matches_spec,
    load_artifact,
)
from tests.explanations.strategies import label

Spec = dict[str, Any]
RNG = np.random.default_rng(20250101)
SOURCE = Path(__file__).resolve().parents[3] / "explanations" / "spec" / "artifacts.py"


def feature(name: str, ftype: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": ftype, "mutable": True, "source": "SRC", "label": label(name), **extra}


FEATURES = [
    feature("vat_share", "number", min=0, max=1),
    feature("late_filings", "integer", min=0, max=24),
    feature("prior_violation", "boolean"),
    feature("sector", "category", categories=["trade", "services"]),  # not a model column
]
OUTCOMES = [
    {"code": "NO_ACTION", "label": label("n"), "favourable": True},
    {"code": "FLAG", "label": label("f"), "favourable": False},
]


def data(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([RNG.random(n), RNG.integers(0, 25, n), RNG.integers(0, 2, n)]).astype(float)
    logit = -2 + 3 * x[:, 0] + 0.2 * x[:, 1] + 1.0 * x[:, 2]
    y = (RNG.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y


def linear_spec(model: Any, kind: str) -> Spec:
    coef = np.ravel(model.coef_)
    intercept = float(np.ravel(model.intercept_)[0])
    names = ["vat_share", "late_filings", "prior_violation"]
    spec: Spec = {
        "kind": kind,
        "features": FEATURES,
        "outcomes": OUTCOMES,
        "intercept": intercept,
        "coefficients": {n: float(c) for n, c in zip(names, coef, strict=True)},
        "baseline": {"vat_share": 0.1, "late_filings": 0, "prior_violation": False},
        "threshold": 0.5 if kind == "logistic" else 1.0,
        "outcome_at_or_above": "FLAG",
        "outcome_below": "NO_ACTION",
    }
    if kind == "logistic":
        spec["threshold_on"] = "probability"
    assert validate_spec(spec) == []
    return spec


def tree_spec(model: DecisionTreeClassifier, outcome_of_class: list[str], boolean_test: bool = False) -> Spec:
    """The spec of a fitted tree; boolean splits ``x <= t`` become ``in [false]`` (or ``in [true]`` with the
    branches swapped when ``boolean_test`` is True)."""
    tree = model.tree_
    names = ["vat_share", "late_filings", "prior_violation"]
    nodes = []
    for i in range(tree.node_count):
        if tree.children_left[i] == -1:
            predicted = outcome_of_class[int(np.argmax(tree.value[i][0]))]
            nodes.append({"id": i, "outcome": predicted, "score": float(np.max(tree.value[i][0]))})
            continue
        name = names[tree.feature[i]]
        left, right = int(tree.children_left[i]), int(tree.children_right[i])
        if name == "prior_violation":
            if boolean_test:
                nodes.append(
                    {"id": i, "feature": name, "op": "in", "value": [True], "true": right, "false": left}
                )
            else:
                nodes.append(
                    {"id": i, "feature": name, "op": "in", "value": [False], "true": left, "false": right}
                )
        else:
            nodes.append(
                {
                    "id": i,
                    "feature": name,
                    "op": "<=",
                    "value": float(tree.threshold[i]),
                    "true": left,
                    "false": right,
                }
            )
    spec: Spec = {
        "kind": "decision_tree",
        "features": FEATURES,
        "outcomes": OUTCOMES,
        "nodes": nodes,
        "root": 0,
    }
    assert validate_spec(spec) == []
    return spec


def fitted_logistic() -> LogisticRegression:
    x, y = data()
    return LogisticRegression().fit(x, y)


def fitted_tree(labels: np.ndarray | None = None) -> DecisionTreeClassifier:
    x, y = data()
    return DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y if labels is None else labels[y])


# ------------------------------------------------------------------------------------------------------------
# Genuine artifacts


def test_logistic_regression_matching_its_spec() -> None:
    model = fitted_logistic()
    blob = sio.dumps(model)
    spec = linear_spec(model, "logistic")
    assert check_artifact_matches_spec(blob, spec) == []
    assert type(load_artifact(blob)) is LogisticRegression


def test_logistic_with_outcome_codes_as_classes() -> None:
    x, y = data()
    model = LogisticRegression().fit(x, np.array(["NO_ACTION", "FLAG"])[y])
    spec = linear_spec(model, "logistic")
    # sklearn sorts classes: classes_ == ["FLAG", "NO_ACTION"], so the positive class is NO_ACTION.
    errors = check_artifact_matches_spec(sio.dumps(model), spec)
    assert [e.path for e in errors] == ["outcome_at_or_above"]
    assert "positive class is 'NO_ACTION'" in errors[0].message


def test_a_changed_coefficient_or_intercept_is_reported() -> None:
    model = fitted_logistic()
    blob = sio.dumps(model)
    spec = linear_spec(model, "logistic")
    spec["coefficients"]["late_filings"] += 1e-6
    spec["intercept"] += 1e-3
    errors = check_artifact_matches_spec(blob, spec)
    assert [e.path for e in errors] == ["coefficients.late_filings", "intercept"]
    assert "the artifact's coefficient for 'late_filings' is" in errors[0].message
    within = linear_spec(model, "logistic")
    within["coefficients"]["vat_share"] *= 1 + 1e-12
    assert check_artifact_matches_spec(blob, within) == []


def test_linear_regression_matching_its_spec() -> None:
    x, _ = data()
    y = 2 * x[:, 0] - 0.3 * x[:, 1] + 0.5 * x[:, 2] + RNG.normal(0, 0.1, len(x))
    model = LinearRegression().fit(x, y)
    spec = linear_spec(model, "linear")
    assert check_artifact_matches_spec(sio.dumps(model), spec) == []
    wrong = copy.deepcopy(spec)
    wrong["coefficients"]["vat_share"] = 0.0
    assert [e.path for e in check_artifact_matches_spec(sio.dumps(model), wrong)] == [
        "coefficients.vat_share"
    ]


def test_columns_by_feature_names_when_present() -> None:
    model = fitted_logistic()
    model.feature_names_in_ = np.array(["late_filings", "vat_share", "prior_violation"], dtype=object)
    model.coef_ = model.coef_[:, [1, 0, 2]]
    spec = linear_spec(fitted_logistic(), "logistic")
    spec["coefficients"] = {
        "late_filings": float(model.coef_[0, 0]),
        "vat_share": float(model.coef_[0, 1]),
        "prior_violation": float(model.coef_[0, 2]),
    }
    spec["intercept"] = float(model.intercept_[0])
    assert check_artifact_matches_spec(sio.dumps(model), spec) == []
    model.feature_names_in_ = np.array(["late_filings", "vat_share", "sector"], dtype=object)
    errors = check_artifact_matches_spec(sio.dumps(model), spec)
    assert any("column 'sector'" in e.message for e in errors)


def test_decision_tree_with_class_index_mapping() -> None:
    model = fitted_tree()
    codes = ["NO_ACTION", "FLAG"]  # classes_ == [0, 1] -> outcomes[0], outcomes[1]
    spec = tree_spec(model, codes)
    blob = sio.dumps(model)
    assert check_artifact_matches_spec(blob, spec) == []
    assert type(load_artifact(blob)) is DecisionTreeClassifier


def test_decision_tree_with_outcome_codes_as_classes_and_boolean_in_tests() -> None:
    model = fitted_tree(np.array(["NO_ACTION", "FLAG"]))
    classes = [str(c) for c in model.classes_]
    spec = tree_spec(model, classes, boolean_test=True)
    assert any(n.get("op") == "in" for n in spec["nodes"]), "the tree should split on the boolean feature"
    assert check_artifact_matches_spec(sio.dumps(model), spec) == []


def test_decision_tree_differences_are_reported() -> None:
    model = fitted_tree()
    blob = sio.dumps(model)
    moved = tree_spec(model, ["NO_ACTION", "FLAG"])
    internal = next(n for n in moved["nodes"] if n.get("op") == "<=")
    internal["value"] += 0.01
    errors = check_artifact_matches_spec(blob, moved)
    assert [e.path for e in errors] == [f"nodes[{moved['nodes'].index(internal)}].value"]
    assert "the artifact splits on" in errors[0].message

    relabelled = tree_spec(model, ["NO_ACTION", "FLAG"])
    leaf = next(n for n in relabelled["nodes"] if "outcome" in n)
    leaf["outcome"] = "FLAG" if leaf["outcome"] == "NO_ACTION" else "NO_ACTION"
    errors = check_artifact_matches_spec(blob, relabelled)
    assert [e.path for e in errors] == [f"nodes[{relabelled['nodes'].index(leaf)}].outcome"]

    swapped = tree_spec(model, ["FLAG", "NO_ACTION"])  # classes mapped in the wrong order
    assert check_artifact_matches_spec(blob, swapped)

    pruned = tree_spec(model, ["NO_ACTION", "FLAG"])
    root = pruned["nodes"][0]
    pruned["nodes"] = [{"id": 0, "outcome": "FLAG"}]
    errors = check_artifact_matches_spec(blob, pruned)
    assert [e.path for e in errors] == ["nodes[0]"]
    assert f"'{root['feature']}'" in errors[0].message


def test_estimator_of_another_kind() -> None:
    model = fitted_logistic()
    spec = tree_spec(fitted_tree(), ["NO_ACTION", "FLAG"])
    errors = check_artifact_matches_spec(sio.dumps(model), spec)
    assert [e.path for e in errors] == ["kind"]
    assert "LogisticRegression" in errors[0].message


def test_kinds_without_artifacts() -> None:
    errors = check_artifact_matches_spec(sio.dumps(fitted_logistic()), {"kind": "scorecard"})
    assert (
        errors[0].path == "artifact"
        and "only accepted for linear, logistic and decision_tree" in errors[0].message
    )


def test_column_count_mismatch() -> None:
    x, y = data()
    model = LogisticRegression().fit(x[:, :2], y)
    spec = linear_spec(fitted_logistic(), "logistic")
    errors = check_artifact_matches_spec(sio.dumps(model), spec)
    assert "expects 2 columns but the spec has 3" in errors[0].message


def test_artifact_sha256_is_of_the_bytes() -> None:
    blob = sio.dumps(fitted_logistic())
    assert artifact_sha256(blob) == hashlib.sha256(blob).hexdigest()


# ------------------------------------------------------------------------------------------------------------
# Untrusted or malformed artifacts: a SpecError, never an exception, never unpickling


def test_pipeline_is_outside_the_trust_list_even_though_skops_trusts_it_by_default() -> None:
    x, y = data()
    pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    blob = sio.dumps(pipeline)
    assert sio.get_untrusted_types(data=blob) == []  # skops alone would load it
    errors = check_artifact_matches_spec(blob, linear_spec(fitted_logistic(), "logistic"))
    assert len(errors) == 1 and errors[0].path == "artifact"
    assert "types outside the reviewed trust list" in errors[0].message
    assert "sklearn.pipeline.Pipeline" in errors[0].message


def test_function_reference_is_refused() -> None:
    model = fitted_logistic()
    model.callback_ = np.sum
    errors = check_artifact_matches_spec(sio.dumps(model), linear_spec(model, "logistic"))
    assert len(errors) == 1 and "outside the reviewed" in errors[0].message


def _tampered(blob: bytes, module: str, cls: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(blob))
    schema = json.loads(source.read("schema.json"))
    schema["__module__"], schema["__class__"] = module, cls
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = json.dumps(schema).encode() if item.filename == "schema.json" else source.read(item)
            target.writestr(item, content)
    return out.getvalue()


def test_tampered_schema_is_refused_before_skops_sees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("skops must not be asked to load an untrusted file")

    monkeypatch.setattr(sio, "loads", never)
    blob = _tampered(sio.dumps(fitted_logistic()), "os", "system")
    errors = check_artifact_matches_spec(blob, linear_spec(fitted_logistic(), "logistic"))
    assert len(errors) == 1 and "os.system" in errors[0].message
    with pytest.raises(ArtifactError):
        load_artifact(blob)


@pytest.mark.parametrize(
    "blob",
    [b"", b"not a zip", b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00."],
    ids=["empty", "text", "pickle"],
)
def test_not_a_skops_file(blob: bytes) -> None:
    errors = check_artifact_matches_spec(blob, linear_spec(fitted_logistic(), "logistic"))
    assert len(errors) == 1 and "not a skops file" in errors[0].message


def test_zip_without_schema() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("data.npy", b"x")
    errors = check_artifact_matches_spec(out.getvalue(), linear_spec(fitted_logistic(), "logistic"))
    assert "not a skops file" in errors[0].message


def test_the_trust_list_is_explicit_and_the_loader_never_unpickles() -> None:
    assert all(isinstance(t, str) and "." in t and "*" not in t for t in TRUSTED_TYPES)
    assert not any(
        t.startswith(("sklearn.pipeline", "sklearn.preprocessing", "builtins.function"))
        for t in TRUSTED_TYPES
    )
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"pickle", "joblib", "cloudpickle", "dill"}
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "trusted":
            assert not (isinstance(node.value, ast.Constant) and node.value.value is True)
