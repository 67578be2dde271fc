"""scikit-learn artifacts of model versions: loaded with skops under a fixed, reviewed trust list; no pickle.

An agency may attach the fitted estimator behind a linear, logistic or decision-tree spec. The portal never
*uses* the artifact to score (replay uses the spec); it only checks at registration that the artifact and the
spec describe the same model, and keeps the artifact's SHA-256 (re-saving a model is not byte-identical, so
the hash is taken once, of the bytes received).

Loading is restricted twice: before skops sees the file, every type named in its ``schema.json`` must be in
:data:`TRUSTED_TYPES` and every node loader in :data:`ALLOWED_LOADERS`; skops then loads with that same
explicit list (``trusted=True`` is never used). Anything else is reported as a :class:`SpecError`, not raised.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from .validate import FORMULA_TYPES, SpecError

__all__ = [
    "ALLOWED_LOADERS",
    "ARTIFACT_KINDS",
    "ENSEMBLE_ESTIMATORS",
    "ENSEMBLE_LOADERS",
    "ENSEMBLE_TRUSTED_TYPES",
    "MAX_UNCOMPRESSED_BYTES",
    "PARAMETER_TOLERANCE",
    "TRUSTED_TYPES",
    "ArtifactError",
    "artifact_sha256",
    "check_artifact_matches_spec",
    "load_artifact",
    "load_ensemble_artifact",
]

#: Fully qualified names of the only types an artifact may contain (reviewed; extend only after review).
TRUSTED_TYPES: Final[tuple[str, ...]] = (
    # the estimators
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
    # plain data
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.float32",
    "numpy.int64",
    "numpy.int32",
    "numpy.bool_",
    "numpy.bool",
    "numpy.str_",
)

#: skops node loaders that may appear (no function, method, partial, reduce or random-state nodes).
ALLOWED_LOADERS: Final = frozenset(
    {
        "DictNode",
        "ListNode",
        "TupleNode",
        "JsonNode",
        "TypeNode",
        "NdArrayNode",
        "DTypeNode",
        "ObjectNode",
        "TreeNode",
    }
)

#: The tree ensembles ``explanations.spec.importers`` converts into ``tree_ensemble`` specs, and what they hold
#: besides plain data (losses, the init estimator, binning, fitted trees, the random state they were fitted
#: with). Reviewed for this purpose: each is rebuilt by skops from plain arrays and attributes; none runs code
#: of the file. Random states and generators are rebuilt from their saved state only.
ENSEMBLE_ESTIMATORS: Final[tuple[str, ...]] = (
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
)
ENSEMBLE_TRUSTED_TYPES: Final[tuple[str, ...]] = (
    *ENSEMBLE_ESTIMATORS,
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.dummy.DummyClassifier",
    "sklearn.dummy.DummyRegressor",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.link.SymmetricMultinomialLogit",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.preprocessing._label.LabelEncoder",
    "numpy.random.mtrand.RandomState",
    "numpy.random._generator.Generator",
    "numpy.random._pcg64.PCG64",
    "numpy.uint64",
    "numpy.uint8",
    "numpy.uint32",
    *(t for t in TRUSTED_TYPES if t.startswith(("builtins.", "numpy."))),
)
ENSEMBLE_LOADERS: Final = ALLOWED_LOADERS | {"LossNode", "RandomStateNode", "RandomGeneratorNode"}

#: Which spec kind each supported estimator backs.
_ESTIMATOR_KIND: Final = {
    "sklearn.linear_model._logistic.LogisticRegression": "logistic",
    "sklearn.linear_model._base.LinearRegression": "linear",
    "sklearn.tree._classes.DecisionTreeClassifier": "decision_tree",
}
ARTIFACT_KINDS: Final = frozenset(_ESTIMATOR_KIND.values())

#: Coefficients, intercepts and thresholds must agree within this (relative or absolute) tolerance.
PARAMETER_TOLERANCE: Final = 1e-9
#: Refuse archives that would expand beyond this (zip bombs).
MAX_UNCOMPRESSED_BYTES: Final = 256 * 1024 * 1024
_MAX_REPORTED: Final = 20


class ArtifactError(ValueError):
    """The bytes are not an acceptable skops artifact (message is plain English, for the agency)."""


def artifact_sha256(data: bytes) -> str:
    """SHA-256 (hex) of the artifact bytes exactly as received."""
    return hashlib.sha256(data).hexdigest()


def _scan_schema(schema: Any) -> tuple[set[str], set[str]]:
    """All ``module.Class`` names and all loaders mentioned anywhere in a skops schema (iterative walk)."""
    types: set[str] = set()
    loaders: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__loader__" in node or "__module__" in node:
                types.add(f"{node.get('__module__')}.{node.get('__class__')}")
                loaders.add(str(node.get("__loader__")))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return types, loaders


def load_artifact(data: bytes) -> Any:
    """Load a skops artifact holding one LogisticRegression, LinearRegression or DecisionTreeClassifier.

    Raises :class:`ArtifactError` for anything else: not a skops zip, a type outside :data:`TRUSTED_TYPES`,
    an unexpected loader, an oversized archive, or a file skops cannot load.
    """
    obj = _load(
        data,
        TRUSTED_TYPES,
        ALLOWED_LOADERS,
        "only LogisticRegression, LinearRegression and DecisionTreeClassifier fitted on plain arrays "
        "or data frames (no pipelines or transformers) are accepted",
    )
    name = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if name not in _ESTIMATOR_KIND:
        raise ArtifactError(
            f"the artifact holds a {type(obj).__name__}; expected LogisticRegression, "
            "LinearRegression or DecisionTreeClassifier"
        )
    return obj


def load_ensemble_artifact(data: bytes) -> Any:
    """Load a skops artifact holding one of :data:`ENSEMBLE_ESTIMATORS` (trust list
    :data:`ENSEMBLE_TRUSTED_TYPES`, loaders :data:`ENSEMBLE_LOADERS`); :class:`ArtifactError` otherwise."""
    obj = _load(
        data,
        ENSEMBLE_TRUSTED_TYPES,
        ENSEMBLE_LOADERS,
        "only GradientBoosting, HistGradientBoosting and RandomForest classifiers and regressors fitted on "
        "plain arrays or data frames (no pipelines or transformers) are accepted",
    )
    name = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if name not in ENSEMBLE_ESTIMATORS:
        raise ArtifactError(
            f"the artifact holds a {type(obj).__name__}; expected a GradientBoosting, HistGradientBoosting or "
            "RandomForest classifier or regressor"
        )
    return obj


def _load(data: Any, trusted: tuple[str, ...], allowed_loaders: frozenset[str], accepted: str) -> Any:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ArtifactError("the artifact must be the bytes of a skops file")
    raw = bytes(data)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise ArtifactError(f"the artifact expands to more than {MAX_UNCOMPRESSED_BYTES} bytes")
            schema = json.loads(archive.read("schema.json"))
    except ArtifactError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ArtifactError("the artifact is not a skops file (a zip archive with a schema.json)") from exc

    types, loaders = _scan_schema(schema)
    untrusted = sorted(types - set(trusted))
    if untrusted:
        raise ArtifactError(
            "the artifact contains types outside the reviewed trust list: "
            + ", ".join(untrusted)
            + "; "
            + accepted
        )
    odd_loaders = sorted(loaders - allowed_loaders)
    if odd_loaders:
        raise ArtifactError(
            "the artifact uses skops node kinds outside the reviewed list: " + ", ".join(odd_loaders)
        )

    import skops.io as sio  # imported lazily: it imports scikit-learn

    try:
        return sio.loads(raw, trusted=list(trusted))
    except Exception as exc:
        raise ArtifactError(f"skops could not load the artifact: {type(exc).__name__}: {exc}") from exc


def check_artifact_matches_spec(artifact_bytes: bytes, spec: Mapping[str, Any]) -> list[SpecError]:
    """Problems found comparing an artifact with a (valid) spec; ``[]`` when they describe the same model.

    * logistic ↔ binary ``LogisticRegression``, linear ↔ single-output ``LinearRegression``: every coefficient
      and the intercept equal the spec's within 1e-9 (relative or absolute). For logistic, when the classes
      are outcome codes, ``classes_[1]`` must be ``outcome_at_or_above``; otherwise ``classes_[1]`` is taken
      to be it.
    * decision_tree ↔ ``DecisionTreeClassifier``: the same tree shape from the root; each split on the same
      feature with the same threshold (``x <= t`` goes to the spec's ``true`` branch; a boolean feature may be
      tested with ``in [false]``/``in [true]`` where sklearn uses ``x <= t``, 0 <= t < 1); each leaf predicts
      the spec's outcome. Classes map to outcomes by code when they are outcome codes, else by index:
      ``classes_[k]`` is the k-th entry of ``outcomes``. Leaf scores are not compared.
    * Columns: by ``feature_names_in_`` when the estimator has them, else the spec's number, integer and
      boolean features in display order.

    Never raises; each message names what differs. Paths point into the spec where possible, else "artifact".
    """
    kind = spec.get("kind") if isinstance(spec, Mapping) else None
    if kind not in ARTIFACT_KINDS:
        return [
            SpecError(
                "artifact",
                f"artifacts are only accepted for linear, logistic and decision_tree "
                f"specs, not for kind {kind!r}",
            )
        ]
    try:
        model = load_artifact(artifact_bytes)
    except ArtifactError as exc:
        return [SpecError("artifact", str(exc))]
    name = f"{type(model).__module__}.{type(model).__qualname__}"
    if _ESTIMATOR_KIND[name] != kind:
        return [
            SpecError(
                "kind",
                f"the artifact holds a {type(model).__name__}, which backs a "
                f"{_ESTIMATOR_KIND[name]} spec, not a {kind} spec",
            )
        ]
    try:
        columns, errors = _columns(model, spec)
        if errors:
            return errors
        if kind == "decision_tree":
            errors = _compare_tree(model, spec, columns)
        else:
            errors = _compare_linear(model, spec, columns, kind)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        return [
            SpecError(
                "artifact", f"the artifact could not be compared with the spec: {type(exc).__name__}: {exc}"
            )
        ]
    return errors[:_MAX_REPORTED]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=PARAMETER_TOLERANCE, abs_tol=PARAMETER_TOLERANCE)


def _columns(model: Any, spec: Mapping[str, Any]) -> tuple[list[str], list[SpecError]]:
    features = [f for f in spec.get("features", []) if isinstance(f, Mapping)]
    types = {f.get("name"): f.get("type") for f in features}
    candidates = [str(f["name"]) for f in features if f.get("type") in FORMULA_TYPES]
    n_in = int(getattr(model, "n_features_in_", -1))
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        columns = [str(n) for n in names]
        errors = [
            SpecError(
                "features",
                f"the artifact was fitted on column '{c}', which is not a number, integer or "
                "boolean feature of the spec",
            )
            for c in columns
            if types.get(c) not in FORMULA_TYPES
        ]
        return columns, errors
    if n_in != len(candidates):
        return [], [
            SpecError(
                "features",
                f"the artifact expects {n_in} columns but the spec has {len(candidates)} "
                "number, integer and boolean features; fit the model on a data frame with the "
                "feature names, or on exactly those features in display order",
            )
        ]
    return candidates, []


def _compare_linear(model: Any, spec: Mapping[str, Any], columns: list[str], kind: str) -> list[SpecError]:
    errors: list[SpecError] = []
    coef = np.asarray(model.coef_, dtype=float)
    intercept = np.ravel(np.asarray(model.intercept_, dtype=float))
    if kind == "logistic":
        classes = list(model.classes_)
        if len(classes) != 2 or coef.shape[0] != 1:
            return [
                SpecError(
                    "artifact",
                    f"the LogisticRegression has {len(classes)} classes; a logistic spec "
                    "describes a binary model",
                )
            ]
        codes = {o.get("code") for o in spec.get("outcomes", []) if isinstance(o, Mapping)}
        named = all(isinstance(c, str | np.str_) and str(c) in codes for c in classes)
        expected = (spec.get("outcome_below"), spec.get("outcome_at_or_above"))
        if named and (str(classes[0]), str(classes[1])) != expected:
            errors.append(
                SpecError(
                    "outcome_at_or_above",
                    f"the artifact's positive class is '{classes[1]}' and "
                    f"its negative class '{classes[0]}'; the spec says outcome_at_or_above "
                    f"'{expected[1]}' and outcome_below '{expected[0]}'",
                )
            )
    elif coef.ndim == 2 and coef.shape[0] != 1:
        return [
            SpecError("artifact", f"the LinearRegression has {coef.shape[0]} outputs; a linear spec has one")
        ]
    coef = coef.ravel()
    if intercept.size != 1:
        return [SpecError("artifact", f"the artifact has {intercept.size} intercepts; expected one")]
    coefficients = spec.get("coefficients", {})
    for j, column in enumerate(columns):
        expected = coefficients.get(column)
        actual = float(coef[j])
        if expected is None:
            errors.append(
                SpecError(
                    f"coefficients.{column}",
                    f"the artifact has coefficient {actual!r} for '{column}', which the spec lacks",
                )
            )
        elif not _close(actual, float(expected)):
            errors.append(
                SpecError(
                    f"coefficients.{column}",
                    f"the artifact's coefficient for '{column}' is {actual!r}; the spec says {expected!r}",
                )
            )
    for column in coefficients:
        if column not in columns and float(coefficients[column]) != 0.0:
            errors.append(
                SpecError(
                    f"coefficients.{column}",
                    f"the spec has a non-zero coefficient for '{column}' but the artifact has no such column",
                )
            )
    actual_intercept = float(intercept[0])
    if not _close(actual_intercept, float(spec.get("intercept", math.nan))):
        errors.append(
            SpecError(
                "intercept",
                f"the artifact's intercept is {actual_intercept!r}; the spec says {spec.get('intercept')!r}",
            )
        )
    return errors


def _class_outcomes(model: Any, spec: Mapping[str, Any]) -> tuple[list[str], list[SpecError]]:
    classes = list(model.classes_)
    codes = [str(o.get("code")) for o in spec.get("outcomes", []) if isinstance(o, Mapping)]
    if all(isinstance(c, str | np.str_) and str(c) in codes for c in classes):
        return [str(c) for c in classes], []
    if len(classes) > len(codes):
        return [], [
            SpecError(
                "outcomes",
                f"the artifact has {len(classes)} classes but the spec declares only "
                f"{len(codes)} outcomes (classes map to outcomes by index)",
            )
        ]
    return codes[: len(classes)], []


def _compare_tree(model: Any, spec: Mapping[str, Any], columns: list[str]) -> list[SpecError]:
    outcome_of_class, errors = _class_outcomes(model, spec)
    if errors:
        return errors
    tree = model.tree_
    left, right = tree.children_left, tree.children_right
    feature, threshold, value = tree.feature, tree.threshold, tree.value
    nodes = [n for n in spec.get("nodes", []) if isinstance(n, Mapping)]
    position = {n.get("id"): i for i, n in enumerate(nodes)}
    types = {f.get("name"): f.get("type") for f in spec.get("features", []) if isinstance(f, Mapping)}
    stack: list[tuple[int, Any]] = [(0, spec.get("root"))]
    while stack and len(errors) < _MAX_REPORTED:
        sk, node_id = stack.pop()
        node = nodes[position[node_id]]
        where = f"nodes[{position[node_id]}]"
        if left[sk] == -1:
            predicted = outcome_of_class[int(np.argmax(value[sk][0]))]
            if "outcome" not in node:
                errors.append(
                    SpecError(
                        where,
                        f"the artifact has a leaf (predicting '{predicted}') where the spec "
                        f"has the split of node {node_id}",
                    )
                )
            elif node["outcome"] != predicted:
                errors.append(
                    SpecError(
                        f"{where}.outcome",
                        f"the artifact's leaf predicts '{predicted}' where the "
                        f"spec's leaf {node_id} says '{node['outcome']}'",
                    )
                )
            continue
        column = columns[int(feature[sk])]
        cut = float(threshold[sk])
        if "outcome" in node:
            errors.append(
                SpecError(
                    where, f"the artifact splits on '{column}' <= {cut!r} where the spec has leaf {node_id}"
                )
            )
            continue
        if node.get("feature") != column:
            errors.append(
                SpecError(
                    f"{where}.feature",
                    f"the artifact splits on '{column}' <= {cut!r} where the "
                    f"spec's node {node_id} tests '{node.get('feature')}'",
                )
            )
            continue
        op, test = node.get("op"), node.get("value")
        if (
            op == "<="
            and isinstance(test, int | float)
            and not isinstance(test, bool)
            and _close(cut, float(test))
        ):
            stack.extend([(int(left[sk]), node["true"]), (int(right[sk]), node["false"])])
        elif op == "in" and types.get(column) == "boolean" and 0 <= cut < 1 and test in ([False], [True]):
            low, high = (node["true"], node["false"]) if test == [False] else (node["false"], node["true"])
            stack.extend([(int(left[sk]), low), (int(right[sk]), high)])
        else:
            errors.append(
                SpecError(
                    f"{where}.value",
                    f"the artifact splits on '{column}' <= {cut!r} where the "
                    f"spec's node {node_id} tests '{column}' {op} {json.dumps(test)}",
                )
            )
    return errors
