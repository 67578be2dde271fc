"""Importers of fitted tree ensembles into ``tree_ensemble`` specs, checked against the library's predictions.

At registration an agency sends the fitted model in its library's own format together with the descriptive
part of the spec (features, outcomes, labels, background rows, and for regressors the threshold and its two
outcomes) and a few sample rows. The importer writes the trees into the spec, then replays every sample row
from the spec alone and compares the margins with the library's own ones:

* scikit-learn (``GradientBoosting*``, ``HistGradientBoosting*``, ``RandomForest*``) as a skops file (the trust
  list of :mod:`explanations.spec.artifacts`); the library's predictions are computed here, scikit-learn being a
  dependency of the portal;
* XGBoost's JSON model (``Booster.save_model("m.json")``), ``gbtree`` boosters with numerical splits;
* LightGBM's text model (``Booster.save_model("m.txt")`` / ``model_to_string()``), numerical splits.

XGBoost and LightGBM are never imported: their files are parsed as text, and the agency supplies the library's
margins for the sample rows (``Booster.predict(DMatrix(X), output_margin=True)`` /
``Booster.predict(X, raw_score=True)``), so the portal needs neither library at run time.

The import is refused when any sample row's replayed margin differs from the library's by more than
:data:`IMPORT_TOLERANCE` (absolute, or relative to the margin when it is larger than 1) or gives another
outcome; the report always states the largest difference found. On the tests' models the difference is 0:
replay is bit-for-bit (float32 inputs and thresholds compared as the libraries compare them, leaves added in
the libraries' order and precision).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from .artifacts import ArtifactError, load_ensemble_artifact
from .compiled import InvalidSpec, compile_spec
from .validate import SPLIT_TYPES, SpecError, validate_spec

__all__ = ["IMPORT_FORMATS", "IMPORT_TOLERANCE", "ImportReport", "import_tree_ensemble"]

#: Largest accepted |replayed margin − library margin| on a sample row (absolute; relative above 1).
IMPORT_TOLERANCE: Final = 1e-9
IMPORT_FORMATS: Final = ("sklearn-skops", "xgboost-json", "lightgbm-text")
#: Fields of the spec the agency writes; the importer writes the rest.
TEMPLATE_FIELDS: Final = (
    "features",
    "outcomes",
    "score_label",
    "description",
    "background",
    "threshold",
    "threshold_on",
    "outcome_at_or_above",
    "outcome_below",
    "classes",
)
MAX_SAMPLE_ROWS: Final = 10_000


@dataclass
class ImportReport:
    """The result of an import: the spec (None when refused), every problem, and the check on sample rows."""

    spec: dict[str, Any] | None
    errors: list[SpecError] = field(default_factory=list)
    source: str = ""
    rows_checked: int = 0
    max_difference: float | None = None
    tolerance: float = IMPORT_TOLERANCE

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


class _Refused(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.error = SpecError(path, message)


@dataclass
class _Trees:
    """What an importer extracts: trees in the spec's node format and the ensemble's arithmetic."""

    trees: list[dict[str, Any]]
    aggregation: str
    link: str
    base_score: list[float]
    input_precision: str
    split: str
    accumulation: str
    decision: dict[str, Any]  # threshold/outcomes or classes, from the library (classifiers)
    source: str
    columns: list[str] | None  # the library's column names, when it has them


def import_tree_ensemble(
    fmt: str,
    data: bytes | str,
    template: Mapping[str, Any],
    sample_rows: Sequence[Mapping[str, Any]],
    sample_margins: Sequence[Sequence[float] | float] | None = None,
) -> ImportReport:
    """Convert a fitted ensemble into a ``tree_ensemble`` spec and check it on ``sample_rows``.

    ``template``: the agency's part of the spec (:data:`TEMPLATE_FIELDS`). Columns are matched by the model's
    feature names when it has them, else they are the template's number, integer and boolean features in
    display order. Classes map to outcomes by code when they are outcome codes (scikit-learn), else by the
    template's ``classes`` (XGBoost, LightGBM: one outcome code per class, in class order), else by position
    in ``outcomes``. ``sample_margins``: the library's raw margins for the rows (required for XGBoost and
    LightGBM; for scikit-learn they are computed, and compared too when given).

    Never raises; problems are returned in the report.
    """
    report = ImportReport(spec=None)
    try:
        if fmt not in IMPORT_FORMATS:
            raise _Refused(
                "format", f"unknown model format {fmt!r}; expected one of: {', '.join(IMPORT_FORMATS)}"
            )
        if not isinstance(template, Mapping):
            raise _Refused("", "the spec template must be a JSON object")
        unknown = [k for k in template if k not in TEMPLATE_FIELDS]
        if unknown:
            raise _Refused(
                str(unknown[0]),
                f"field '{unknown[0]}' is written by the importer or unknown; the template may have: "
                + ", ".join(TEMPLATE_FIELDS),
            )
        rows = list(sample_rows)
        if not rows:
            raise _Refused("sample_rows", "give at least one sample row to check the import against")
        if len(rows) > MAX_SAMPLE_ROWS:
            raise _Refused("sample_rows", f"at most {MAX_SAMPLE_ROWS} sample rows")
        columns = [
            f["name"]
            for f in template.get("features", [])
            if isinstance(f, Mapping) and f.get("type") in SPLIT_TYPES
        ]
        estimator = None
        if fmt == "sklearn-skops":
            if not isinstance(data, bytes | bytearray | memoryview):
                raise _Refused("artifact", "a scikit-learn model must be the bytes of a skops file")
            try:
                estimator = load_ensemble_artifact(bytes(data))
            except ArtifactError as exc:
                raise _Refused("artifact", str(exc)) from exc
            extracted = _from_sklearn(estimator, template)
        else:
            text = _text(data)
            extracted = (
                _from_xgboost(text, template) if fmt == "xgboost-json" else _from_lightgbm(text, template)
            )
        report.source = extracted.source
        model_columns = extracted.columns
        if model_columns is not None:
            unknown_cols = [c for c in model_columns if c not in columns]
            if unknown_cols:
                raise _Refused(
                    "features",
                    f"the model was fitted on column '{unknown_cols[0]}', which is not a number, integer or "
                    "boolean feature of the template",
                )
            columns = list(model_columns)
        spec = _assemble(template, extracted, columns)
        errors = validate_spec(spec)
        if errors:
            report.errors = errors
            return report
        margins_expected = _expected_margins(estimator, rows, columns, sample_margins, extracted, spec)
        report.max_difference, report.rows_checked, problems = _check_rows(
            spec, rows, margins_expected, estimator, columns
        )
        if problems:
            report.errors = problems
            return report
        report.spec = spec
    except _Refused as exc:
        report.errors = [exc.error]
    except InvalidSpec as exc:  # pragma: no cover - validated above
        report.errors = list(exc.errors)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        report.errors = [
            SpecError("artifact", f"the model could not be imported: {type(exc).__name__}: {exc}")
        ]
    return report


def _named(names: list[str]) -> list[str] | None:
    """The model's column names, or None when they are the library's defaults (``f0``, ``Column_0``)."""
    if not names or all(re.fullmatch(r"(f|Column_)\d+", str(n)) for n in names):
        return None
    return [str(n) for n in names]


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused("artifact", "the model file is not UTF-8 text") from exc


# ------------------------------------------------------------------------------------------------------------
# Shared: from parallel arrays to the spec's node list


def _nodes(
    left: Sequence[int],
    right: Sequence[int],
    is_leaf: Sequence[bool],
    split: Callable[[int], tuple[int, float, bool]],
    leaf: Sequence[float],
    cover: Sequence[float] | None,
    columns: list[str],
) -> list[dict[str, Any]]:
    """Nodes in breadth-first order from node 0, renumbered so that every child comes after its parent."""
    order = [0]
    index = {0: 0}
    i = 0
    while i < len(order):
        n = order[i]
        i += 1
        if not is_leaf[n]:
            for c in (left[n], right[n]):
                index[c] = len(order)
                order.append(c)
    out: list[dict[str, Any]] = []
    for n in order:
        if is_leaf[n]:
            node: dict[str, Any] = {"leaf": float(leaf[n])}
        else:
            col, threshold, missing_left = split(n)
            if math.isinf(threshold):
                # scikit-learn's "every value one way, missing values the other": beyond every admissible value
                threshold = math.copysign(1e15, threshold)
            if col >= len(columns):
                raise _Refused(
                    "features",
                    f"the model splits on column {col}, but the template has {len(columns)} columns",
                )
            node = {
                "feature": columns[col],
                "threshold": float(threshold),
                "yes": index[left[n]],
                "no": index[right[n]],
                "missing": "yes" if missing_left else "no",
            }
        if cover is not None:
            node["cover"] = float(cover[n])
        out.append(node)
    return out


def _class_codes(classes: Sequence[Any], template: Mapping[str, Any]) -> list[str]:
    codes = [str(o.get("code")) for o in template.get("outcomes", []) if isinstance(o, Mapping)]
    given = template.get("classes")
    if isinstance(given, list) and len(given) == len(classes):
        return [str(c) for c in given]
    if all(isinstance(c, str | np.str_) and str(c) in codes for c in classes):
        return [str(c) for c in classes]
    if len(classes) > len(codes):
        raise _Refused(
            "outcomes",
            f"the model has {len(classes)} classes but the template declares {len(codes)} outcomes; give "
            "'classes' (one outcome code per class, in class order)",
        )
    return codes[: len(classes)]


def _decision_for_classes(codes: list[str], binary_rule: str) -> dict[str, Any]:
    """The decision fields of a classifier: one output → threshold 0 on the margin, else argmax."""
    if binary_rule == "single":
        return {}
    if binary_rule in (">=0", ">0"):
        # ">0": the smallest positive double makes "margin >= threshold" the same as "margin > 0"
        t = 0.0 if binary_rule == ">=0" else 5e-324
        return {
            "threshold": t,
            "threshold_on": "score",
            "outcome_below": codes[0],
            "outcome_at_or_above": codes[1],
        }
    return {"classes": codes}


def _assemble(template: Mapping[str, Any], x: _Trees, columns: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": "tree_ensemble"}
    for key in ("features", "outcomes", "score_label", "description"):
        if key in template:
            spec[key] = template[key]
    spec.update(
        trees=x.trees,
        aggregation=x.aggregation,
        link=x.link,
        base_score=x.base_score,
        input_precision=x.input_precision,
        split=x.split,
        accumulation=x.accumulation,
    )
    decision = dict(x.decision)
    if not decision:  # a regressor: the agency states the threshold and its outcomes
        for key in ("threshold", "threshold_on", "outcome_at_or_above", "outcome_below"):
            if key in template:
                decision[key] = template[key]
    spec.update(decision)
    if "background" in template:
        spec["background"] = template["background"]
    return spec


def _matrix(rows: Sequence[Mapping[str, Any]], columns: list[str]) -> np.ndarray:
    """Sample rows as the float64 matrix the libraries are given (booleans 1/0, missing NaN)."""
    return np.array(
        [[math.nan if r.get(c) is None else float(r[c]) for c in columns] for r in rows], dtype=np.float64
    )


# ------------------------------------------------------------------------------------------------------------
# scikit-learn


def _sk_tree_nodes(tree: Any, columns: list[str], leaf_value: Sequence[float]) -> list[dict[str, Any]]:
    missing = getattr(tree, "missing_go_to_left", None)
    left, right = tree.children_left.tolist(), tree.children_right.tolist()
    feature, threshold = tree.feature.tolist(), tree.threshold.tolist()
    weights = tree.weighted_n_node_samples.tolist()
    missing_left = missing.tolist() if missing is not None else [False] * len(left)
    return _nodes(
        left,
        right,
        [c == -1 for c in left],
        _splits(feature, threshold, missing_left),
        leaf_value,
        weights,
        columns,
    )


def _splits(
    feature: Sequence[int], threshold: Sequence[float], missing_left: Sequence[Any]
) -> Callable[[int], tuple[int, float, bool]]:
    def split(n: int) -> tuple[int, float, bool]:
        return int(feature[n]), float(threshold[n]), bool(missing_left[n])

    return split


def _from_sklearn(est: Any, template: Mapping[str, Any]) -> _Trees:
    name = type(est).__name__
    columns = [str(c) for c in getattr(est, "feature_names_in_", [])] or None
    cols = columns or [
        f["name"]
        for f in template.get("features", [])
        if isinstance(f, Mapping) and f.get("type") in SPLIT_TYPES
    ]
    n_in = int(est.n_features_in_)
    if len(cols) != n_in:
        raise _Refused(
            "features",
            f"the model expects {n_in} columns but the template has {len(cols)} number, integer and boolean "
            "features; fit the model on a data frame with the feature names, or on exactly those features in "
            "display order",
        )
    classifier = hasattr(est, "classes_")
    codes = _class_codes(list(est.classes_), template) if classifier else []
    source = f"{type(est).__module__.split('.')[0]}.{name}"
    if name.startswith("GradientBoosting"):
        lr = float(est.learning_rate)
        x0 = np.zeros((1, n_in))
        base = est._raw_predict_init(x0)[0].tolist()
        k = est.estimators_.shape[1]
        trees = []
        for stage in est.estimators_:
            for out, reg in enumerate(stage):
                tree = reg.tree_
                value = tree.value[:, 0, 0]
                leaves = (lr * value).tolist()  # the same product the library adds
                nodes = _sk_tree_nodes(tree, cols, leaves)
                for nd in nodes:  # this predictor ignores missing values (NaN <= t is false: "no")
                    if "feature" in nd:
                        nd["missing"] = "no"
                trees.append({"output": out, "nodes": nodes})
        if not classifier:
            link, rule = "identity", "single"
        elif k == 1:
            link, rule = "sigmoid", ">=0"
        else:
            link, rule = "softmax", "argmax"
        return _Trees(
            trees,
            "sum",
            link,
            base,
            "float32",
            "le",
            "float64",
            _decision_for_classes(codes, rule),
            source,
            columns,
        )
    if name.startswith("HistGradientBoosting"):
        if getattr(est, "is_categorical_", None) is not None and np.any(est.is_categorical_):
            raise _Refused(
                "artifact",
                "categorical splits of HistGradientBoosting are not supported; encode categories as booleans",
            )
        base = np.ravel(est._baseline_prediction).tolist()
        trees = []
        for iteration in est._predictors:
            for out, predictor in enumerate(iteration):
                nodes = predictor.nodes
                left, right = nodes["left"].tolist(), nodes["right"].tolist()
                leaf = nodes["is_leaf"].tolist()
                feat, thr = nodes["feature_idx"].tolist(), nodes["num_threshold"].tolist()
                miss, val, count = (
                    nodes["missing_go_to_left"].tolist(),
                    nodes["value"].tolist(),
                    nodes["count"].tolist(),
                )
                trees.append(
                    {
                        "output": out,
                        "nodes": _nodes(
                            left,
                            right,
                            [bool(f) for f in leaf],
                            _splits(feat, thr, miss),
                            val,
                            count,
                            cols,
                        ),
                    }
                )
        k = len(base)
        if not classifier:
            link, rule = "identity", "single"
        elif k == 1:
            link, rule = "sigmoid", ">0"
        else:
            link, rule = "softmax", "argmax"
        return _Trees(
            trees,
            "sum",
            link,
            base,
            "float64",
            "le",
            "float64",
            _decision_for_classes(codes, rule),
            source,
            columns,
        )
    # random forests: the average of the trees' predictions (class shares for classifiers)
    trees = []
    k = len(codes) if classifier else 1
    for estimator in est.estimators_:
        tree = estimator.tree_
        if classifier:
            proba = tree.value[:, 0, :]
            normalizer = proba.sum(axis=1)[:, np.newaxis]
            normalizer[normalizer == 0.0] = 1.0
            shares = (proba / normalizer).tolist()  # as DecisionTreeClassifier.predict_proba computes them
            for out in range(k):
                trees.append(
                    {"output": out, "nodes": _sk_tree_nodes(tree, cols, [row[out] for row in shares])}
                )
        else:
            values = tree.value[:, 0, 0].tolist()
            trees.append({"output": 0, "nodes": _sk_tree_nodes(tree, cols, values)})
    rule = "argmax" if classifier else "single"
    return _Trees(
        trees,
        "mean",
        "identity",
        [0.0] * k,
        "float32",
        "le",
        "float64",
        _decision_for_classes(codes, rule),
        source,
        columns,
    )


def _sklearn_margins(est: Any, x: np.ndarray) -> np.ndarray:
    name = type(est).__name__
    if name.startswith("RandomForest"):
        out = est.predict_proba(x) if hasattr(est, "classes_") else est.predict(x)
    elif name.startswith("HistGradientBoosting"):
        out = est._raw_predict(x)
    elif hasattr(est, "classes_"):
        out = est.decision_function(x)
    else:
        out = est.predict(x)
    out = np.asarray(out, dtype=np.float64)
    return out.reshape(len(x), -1)


# ------------------------------------------------------------------------------------------------------------
# XGBoost JSON


def _f32(x: float) -> float:
    return float(np.float32(x))


def _from_xgboost(text: str, template: Mapping[str, Any]) -> _Trees:
    try:
        model = json.loads(text)
        learner = model["learner"]
        booster = learner["gradient_booster"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _Refused(
            "artifact", "not an XGBoost JSON model (Booster.save_model with a .json name)"
        ) from exc
    if booster.get("name") != "gbtree":
        raise _Refused(
            "artifact", f"only gbtree boosters are supported; this model uses {booster.get('name')!r}"
        )
    objective = learner["objective"]["name"]
    params = learner["learner_model_param"]
    base_text = str(params["base_score"]).strip("[]")
    base_values = [float(v) for v in base_text.split(",") if v.strip()]
    num_class = int(params.get("num_class", "0") or 0)
    k = max(1, num_class)
    names = _named(learner.get("feature_names") or [])
    cols = (
        list(names)
        if names
        else [
            f["name"]
            for f in template.get("features", [])
            if isinstance(f, Mapping) and f.get("type") in SPLIT_TYPES
        ]
    )
    gbtree = booster["model"]
    trees = []
    for tree, group in zip(gbtree["trees"], gbtree["tree_info"], strict=True):
        if any(int(t) != 0 for t in tree.get("split_type", [])) or tree.get("categories_nodes"):
            raise _Refused("artifact", "categorical splits are not supported; encode categories as booleans")
        left, right = tree["left_children"], tree["right_children"]
        idx, cond, default_left, hess = (
            tree["split_indices"],
            tree["split_conditions"],
            tree["default_left"],
            tree["sum_hessian"],
        )
        trees.append(
            {
                "output": int(group),
                "nodes": _nodes(
                    left,
                    right,
                    [c == -1 for c in left],
                    _splits([int(i) for i in idx], [_f32(c) for c in cond], default_left),
                    [_f32(c) for c in cond],
                    hess,
                    cols,
                ),
            }
        )
    if objective in ("binary:logistic", "binary:logitraw"):
        # the stored base score is a probability; the margin the trees start from is its logit, in float32
        b = np.float32(base_values[0])
        base = (
            [float(-np.log(np.float32(1.0) / b - np.float32(1.0)))]
            if objective == "binary:logistic"
            else [float(b)]
        )
        base = [_f32(base[0])]
        codes = _class_codes([0, 1], template)
        decision = _decision_for_classes(codes, ">0")  # XGBoost's own rule: probability > 0.5
        link = "sigmoid"
    elif objective in ("multi:softprob", "multi:softmax"):
        base = [_f32(v) for v in (base_values * k if len(base_values) == 1 else base_values)]
        decision = _decision_for_classes(_class_codes(list(range(k)), template), "argmax")
        link = "softmax"
    elif objective.startswith("reg:") and objective in (
        "reg:squarederror",
        "reg:absoluteerror",
        "reg:pseudohubererror",
    ):
        base = [_f32(base_values[0])]
        decision, link = {}, "identity"
    else:
        raise _Refused(
            "artifact",
            f"the objective {objective!r} is not supported (binary:logistic, multi:softprob, reg:squarederror)",
        )
    return _Trees(
        trees,
        "sum",
        link,
        base,
        "float32",
        "lt",
        "float32",
        decision,
        f"xgboost.{objective}",
        list(names) if names else None,
    )


# ------------------------------------------------------------------------------------------------------------
# LightGBM text


def _from_lightgbm(text: str, template: Mapping[str, Any]) -> _Trees:
    if not text.startswith("tree\n") or "\nTree=0\n" not in text:
        raise _Refused("artifact", "not a LightGBM text model (Booster.save_model / model_to_string)")
    head, _, rest = text.partition("\nTree=0\n")
    header = dict(line.split("=", 1) for line in head.splitlines() if "=" in line)
    k = int(header.get("num_tree_per_iteration", "1"))
    objective = header.get("objective", "")
    names = _named(header.get("feature_names", "").split())
    cols = (
        names
        if names
        else [
            f["name"]
            for f in template.get("features", [])
            if isinstance(f, Mapping) and f.get("type") in SPLIT_TYPES
        ]
    )
    body = "Tree=0\n" + rest.split("\nend of trees", 1)[0]
    trees = []
    for t, block in enumerate(re.split(r"\n\s*\n(?=Tree=)", body.strip())):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if int(fields.get("num_cat", "0")) > 0:
            raise _Refused("artifact", "categorical splits are not supported; encode categories as booleans")
        if fields.get("is_linear", "0") != "0":
            raise _Refused("artifact", "linear trees are not supported")
        leaf_values = [float(v) for v in fields["leaf_value"].split()]
        leaf_counts = [float(v) for v in fields.get("leaf_count", "").split()] or None
        if "split_feature" not in fields:  # a single leaf
            nodes = [{"leaf": leaf_values[0]}]
            trees.append({"output": t % k, "nodes": nodes})
            continue
        feat = [int(v) for v in fields["split_feature"].split()]
        thr = [float(v) for v in fields["threshold"].split()]
        dtype = [int(v) for v in fields["decision_type"].split()]
        lc = [int(v) for v in fields["left_child"].split()]
        rc = [int(v) for v in fields["right_child"].split()]
        counts = [float(v) for v in fields.get("internal_count", "").split()] or None
        n_int = len(feat)
        # one index space: internal nodes 0..n_int-1, leaf j at n_int + j (LightGBM writes leaves as ~j)

        def child(c: int, n_int: int = n_int) -> int:
            return c if c >= 0 else n_int + ~c

        left = [child(c) for c in lc]
        right = [child(c) for c in rc]

        def split(n: int, feat=feat, thr=thr, dtype=dtype) -> tuple[int, float, bool]:
            d = dtype[n]
            if d & 1:
                raise _Refused(
                    "artifact", "categorical splits are not supported; encode categories as booleans"
                )
            missing_type = (d >> 2) & 3
            if missing_type == 1:
                raise _Refused(
                    "artifact",
                    "this model treats zero as missing (zero_as_missing=true), which the spec cannot express; "
                    "retrain with zero_as_missing=false",
                )
            if missing_type == 2:
                return feat[n], thr[n], bool(d & 2)
            # no missing type: LightGBM reads a missing value as 0
            return feat[n], thr[n], thr[n] >= 0.0

        cover = None
        if counts is not None and leaf_counts is not None:
            cover = counts + leaf_counts  # internal nodes first, then the leaves
        nodes = _nodes(
            left + [-1] * len(leaf_values),
            right + [-1] * len(leaf_values),
            [n >= n_int for n in range(n_int + len(leaf_values))],
            split,
            [0.0] * n_int + leaf_values,
            cover,
            cols,
        )
        trees.append({"output": t % k, "nodes": nodes})
    average = "average_output" in head.splitlines()
    obj = objective.split()
    if obj and obj[0] == "binary":
        if "sigmoid:1" not in obj:
            raise _Refused("artifact", f"only binary models with sigmoid:1 are supported; got {objective!r}")
        link, rule, k_out = "sigmoid", ">0", 1
    elif obj and obj[0] in ("multiclass", "softmax"):
        link, rule, k_out = "softmax", "argmax", k
    elif obj and obj[0] in ("regression", "regression_l1", "huber"):
        link, rule, k_out = "identity", "single", 1
    else:
        raise _Refused(
            "artifact", f"the objective {objective!r} is not supported (binary, multiclass, regression)"
        )
    decision = (
        _decision_for_classes(_class_codes(list(range(max(2, k_out))), template), rule)
        if rule != "single"
        else {}
    )
    return _Trees(
        trees,
        "mean" if average else "sum",
        link,
        [0.0] * k_out,
        "float64",
        "le",
        "float64",
        decision,
        f"lightgbm.{obj[0] if obj else '?'}",
        names,
    )


# ------------------------------------------------------------------------------------------------------------
# The check on sample rows


def _expected_margins(
    estimator: Any,
    rows: list[Mapping[str, Any]],
    columns: list[str],
    given: Sequence[Sequence[float] | float] | None,
    extracted: _Trees,
    spec: Mapping[str, Any],
) -> list[np.ndarray]:
    out = []
    k = len(spec["base_score"])
    if given is not None:
        arr = np.asarray(given, dtype=np.float64).reshape(len(rows), -1) if len(given) == len(rows) else None
        if arr is None or arr.shape[1] != k:
            raise _Refused(
                "sample_margins",
                f"give one margin per sample row and output ({len(rows)} rows x {k} outputs)",
            )
        if extracted.source.startswith("lightgbm") and spec["aggregation"] == "mean":
            # LightGBM's raw score of a random forest is the sum of its trees; its prediction divides by their number
            counts = [sum(1 for t in spec["trees"] if t.get("output", 0) == k) for k in range(k)]
            arr = arr / np.asarray(counts, dtype=np.float64)
        out.append(arr)
    if estimator is not None:
        out.append(_sklearn_margins(estimator, _matrix(rows, columns)))
    if not out:
        raise _Refused(
            "sample_margins",
            f"give the library's own margins for the sample rows ({extracted.source.split('.')[0]}: "
            + (
                "predict(DMatrix(X), output_margin=True)"
                if extracted.source.startswith("xgboost")
                else "predict(X, raw_score=True)"
            )
            + ")",
        )
    return out


def _check_rows(
    spec: dict[str, Any],
    rows: list[Mapping[str, Any]],
    expected: list[np.ndarray],
    estimator: Any,
    columns: list[str],
) -> tuple[float, int, list[SpecError]]:
    model: Any = compile_spec(spec)
    problems: list[SpecError] = []
    worst = 0.0
    predicted = None
    if estimator is not None:
        predicted = [str(c) for c in estimator.predict(_matrix(rows, columns))]
        codes = _class_codes(list(estimator.classes_), spec) if hasattr(estimator, "classes_") else None
        if codes is not None:
            predicted = [codes[list(map(str, estimator.classes_)).index(p)] for p in predicted]
    for r, row in enumerate(rows):
        bad = model.validate_inputs(row)
        if bad:
            problems.append(SpecError(f"sample_rows[{r}].{bad[0][0]}", bad[0][1]))
            continue
        margins = model.margins(model.leaf_indices(model.row(row)))
        for arr in expected:
            for k, m in enumerate(margins):
                d = abs(m - float(arr[r, k]))
                worst = max(worst, d)
                if d > IMPORT_TOLERANCE * max(1.0, abs(float(arr[r, k]))):
                    problems.append(
                        SpecError(
                            f"sample_rows[{r}]",
                            f"the spec replays margin {m!r} for output {k}; the library gives {float(arr[r, k])!r} "
                            f"(difference {d:.3g} > tolerance {IMPORT_TOLERANCE:g})",
                        )
                    )
        if predicted is not None and hasattr(estimator, "classes_"):
            outcome = model.decide(margins).outcome
            if outcome != predicted[r]:
                problems.append(
                    SpecError(
                        f"sample_rows[{r}]",
                        f"the spec gives outcome '{outcome}'; the library predicts '{predicted[r]}'",
                    )
                )
    return worst, len(rows), problems[:20]
