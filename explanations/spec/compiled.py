"""Compiled, replayable model versions: input checks, scoring and the replay check.

``compile_spec(spec)`` turns a *valid* spec into a :class:`CompiledModel` whose lookups are precomputed
(bisect over bin edges, dicts for categories, flat arrays for trees, closures for rule conditions). Compiled
models are cached by :func:`spec_hash`, so compiling the same spec again is a hash and a dict lookup.

Replay semantics (docs/model-spec.md, "Replay"):

* scorecard: ``score = base_points + sum(points of the value's bin)``; outcome = band with the greatest
  ``min_score <= score``.
* linear: ``score = intercept + sum(w_i * x_i)`` (booleans count 1/0); logistic: ``logit`` the same and
  ``probability = 1 / (1 + exp(-logit))``; the recorded score is the logit (``threshold_on = "score"``) or the
  probability (``"probability"``); ``score >= threshold`` gives ``outcome_at_or_above``.
* decision_tree: walk from the root (``<=`` numbers and ISO dates, ``in`` value lists) to a leaf; score = the
  leaf's score or ``None``.
* rules: the first rule whose conditions all hold; otherwise ``default_outcome``; score ``None``.
* opaque: inputs can be checked, but there is nothing to replay (:class:`NotReplayable`).

Arithmetic is IEEE double precision: each product ``w_i * x_i`` is rounded, and sums are computed with
``math.fsum`` (exactly rounded, hence independent of the order of the terms). Other implementations agree
within the replay tolerance (relative or absolute 1e-6), which is what :meth:`CompiledModel.matches` uses.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import operator
import struct
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import exp, fsum, isfinite
from typing import Any, Final

from .validate import SpecError, is_iso_date, validate_spec

__all__ = [
    "REPLAY_TOLERANCE",
    "CompiledModel",
    "InvalidInputs",
    "InvalidSpec",
    "NotReplayable",
    "ScoreResult",
    "clear_cache",
    "compile_spec",
    "scores_match",
    "spec_hash",
]

#: Relative and absolute tolerance of the replay check on scores.
REPLAY_TOLERANCE: Final = 1e-6
_CACHE_SIZE: Final = 256
_MISSING: Final = object()


class NotReplayable(Exception):
    """Raised by ``score``/``matches`` of an opaque model: the portal cannot recompute its decisions."""


class InvalidSpec(ValueError):
    """``compile_spec`` was given a spec that does not validate; ``errors`` lists why."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        preview = "; ".join(str(e) for e in errors[:3])
        super().__init__(f"invalid model spec ({len(errors)} problem(s)): {preview}")


class InvalidInputs(ValueError):
    """``score``/``matches`` was given inputs that ``validate_inputs`` rejects; ``problems`` lists them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        preview = "; ".join(f"{name}: {message}" for name, message in problems[:3])
        super().__init__(f"invalid inputs ({len(problems)} problem(s)): {preview}")


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The replayed result: ``score`` (None for rules and for tree leaves without a score) and ``outcome``."""

    score: float | None
    outcome: str


def spec_hash(spec: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``spec``: sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scores_match(replayed: float | None, recorded: object) -> bool:
    """Score part of the replay check: both ``None``, or finite numbers within 1e-6 (relative or absolute)."""
    if replayed is None or recorded is None:
        return replayed is None and recorded is None
    if isinstance(recorded, bool) or not isinstance(recorded, int | float):
        return False
    try:
        value = float(recorded)
    except OverflowError:
        return False
    return isfinite(value) and math.isclose(
        replayed, value, rel_tol=REPLAY_TOLERANCE, abs_tol=REPLAY_TOLERANCE
    )


# ------------------------------------------------------------------------------------------------------------
# Input checks: per feature a fast predicate ``ok`` and a slow ``problem`` that explains a rejection.
# ``ok(v)`` is True exactly when ``problem(v)`` is None (tested).

_Predicate = Callable[[Any], bool]
_Problem = Callable[[Any], "str | None"]


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _bound(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


@lru_cache(maxsize=65536)
def _cached_iso_date(value: str) -> bool:
    return is_iso_date(value)


def _number_check(lo: float, hi: float, integer: bool) -> tuple[_Predicate, _Problem]:
    if integer:

        def ok(v: Any) -> bool:
            t = type(v)
            if t is int:
                return bool(lo <= v <= hi)
            if t is float:
                return bool(lo <= v <= hi) and v.is_integer()
            if isinstance(v, bool) or not isinstance(v, int | float):
                return False
            return bool(lo <= v <= hi) and (isinstance(v, int) or float(v).is_integer())

    else:

        def ok(v: Any) -> bool:
            t = type(v)
            if t is float or t is int:
                return bool(lo <= v <= hi)
            if isinstance(v, bool) or not isinstance(v, int | float):
                return False
            return bool(lo <= v <= hi)

    kind = "an integer" if integer else "a number"

    def problem(v: Any) -> str | None:
        if v is _MISSING:
            return "missing"
        if isinstance(v, bool) or not isinstance(v, int | float):
            return f"must be {kind}, got {_describe(v)}"
        if isinstance(v, float) and not isfinite(v):
            return f"must be a finite number, got {_describe(v)}"
        if integer and isinstance(v, float) and not v.is_integer():
            return f"must be a whole number, got {_describe(v)}"
        if v < lo:
            return f"must be at least {_bound(lo)}, got {_describe(v)}"
        if v > hi:
            return f"must be at most {_bound(hi)}, got {_describe(v)}"
        return None

    return ok, problem


def _boolean_check() -> tuple[_Predicate, _Problem]:
    def ok(v: Any) -> bool:
        return v is True or v is False

    def problem(v: Any) -> str | None:
        if v is _MISSING:
            return "missing"
        return None if ok(v) else f"must be true or false, got {_describe(v)}"

    return ok, problem


def _category_check(categories: list[str]) -> tuple[_Predicate, _Problem]:
    allowed = frozenset(categories)
    listed = ", ".join(categories) if len(categories) <= 20 else ", ".join(categories[:20]) + ", ..."

    def ok(v: Any) -> bool:
        return type(v) is str and v in allowed

    def problem(v: Any) -> str | None:
        if v is _MISSING:
            return "missing"
        if not isinstance(v, str):
            return f"must be one of the categories ({listed}), got {_describe(v)}"
        if v not in allowed:
            return f"unknown category {_describe(v)}; expected one of: {listed}"
        return None

    return ok, problem


def _date_check() -> tuple[_Predicate, _Problem]:
    def ok(v: Any) -> bool:
        return type(v) is str and len(v) == 10 and _cached_iso_date(v)

    def problem(v: Any) -> str | None:
        if v is _MISSING:
            return "missing"
        if not isinstance(v, str):
            return f"must be a date YYYY-MM-DD, got {_describe(v)}"
        if not is_iso_date(v):
            return f"must be a valid calendar date YYYY-MM-DD, got {_describe(v)}"
        return None

    return ok, problem


def _feature_check(feature: Mapping[str, Any]) -> tuple[_Predicate, _Problem]:
    ok, problem = _type_check(feature)
    if feature.get("nullable") is not True:
        return ok, problem

    def nullable_ok(v: Any) -> bool:
        return v is None or ok(v)

    def nullable_problem(v: Any) -> str | None:
        return None if v is None else problem(v)

    return nullable_ok, nullable_problem


def _type_check(feature: Mapping[str, Any]) -> tuple[_Predicate, _Problem]:
    ftype = feature["type"]
    if ftype in ("number", "integer"):
        return _number_check(feature["min"], feature["max"], ftype == "integer")
    if ftype == "boolean":
        return _boolean_check()
    if ftype == "category":
        return _category_check(list(feature["categories"]))
    return _date_check()


# ------------------------------------------------------------------------------------------------------------
# Compiled models


class CompiledModel:
    """A validated, immutable model version ready to check inputs and replay scores.

    Public attributes (read-only by convention): ``kind``, ``spec`` (a private deep copy of the spec),
    ``spec_hash``, ``feature_names`` (display order), ``features`` (name -> feature object) and
    ``outcome_codes`` (declaration order). Instances are shared through the compile cache and are safe to use
    from several threads.
    """

    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        self.kind: str = spec["kind"]
        self.spec = spec
        self.spec_hash = digest
        self.feature_names: tuple[str, ...] = tuple(f["name"] for f in spec["features"])
        self.features: dict[str, dict[str, Any]] = {f["name"]: f for f in spec["features"]}
        self.outcome_codes: tuple[str, ...] = tuple(o["code"] for o in spec["outcomes"])
        self._names = frozenset(self.feature_names)
        self._count = len(self.feature_names)
        self._checks: tuple[tuple[str, _Predicate, _Problem], ...] = tuple(
            (f["name"], *_feature_check(f)) for f in spec["features"]
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.spec_hash[:12]}>"

    # -- inputs --------------------------------------------------------------------------------------------
    def validate_inputs(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Every problem of ``values`` as ``(feature, message)``; ``[]`` when they can be scored.

        Checks: every declared feature present ("missing"), no other key ("unknown feature"), and each value
        of its feature's type: integer = int, or float without fractional part (never bool); number = int or
        float (never bool, NaN or infinity); both within ``[min, max]`` inclusive; boolean = true/false only;
        category = one of the declared strings; date = a real calendar date written ``YYYY-MM-DD``. Problems
        come in feature display order, then unknown keys in input order.
        """
        if not isinstance(values, Mapping):
            return [("", "inputs must be an object keyed by feature name")]
        problems: list[tuple[str, str]] = []
        get = values.get
        for name, ok, problem in self._checks:
            value = get(name, _MISSING)
            if not ok(value):
                problems.append((name, problem(value) or "invalid value"))
        if len(values) != self._count or problems:
            names = self._names
            problems.extend((str(key), "unknown feature") for key in values if key not in names)
        return problems

    def _inputs_ok(self, values: Mapping[str, Any]) -> bool:
        try:
            if len(values) != self._count:
                return False
            for name, ok, _ in self._checks:
                if not ok(values[name]):
                    return False
        except (KeyError, TypeError):
            return False
        return True

    def _require_valid(self, values: Mapping[str, Any]) -> None:
        if not self._inputs_ok(values):
            raise InvalidInputs(self.validate_inputs(values) or [("", "inputs must be an object")])

    # -- replay --------------------------------------------------------------------------------------------
    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        """Replay the model on ``values``.

        Raises :class:`InvalidInputs` when ``validate_inputs(values)`` is not empty (a result is never
        computed from invalid inputs) and :class:`NotReplayable` for opaque models.
        """
        raise NotImplementedError

    def matches(self, recorded_score: object, recorded_outcome: object, values: Mapping[str, Any]) -> bool:
        """The replay check: the same outcome, and scores both ``None`` or within 1e-6 (relative or absolute).

        Raises like :meth:`score` (:class:`InvalidInputs`, :class:`NotReplayable`).
        """
        result = self.score(values)
        return result.outcome == recorded_outcome and scores_match(result.score, recorded_score)

    # -- helpers for explanations --------------------------------------------------------------------------
    def outcome_for_score(self, score: float) -> str:
        """The outcome a recorded score leads to (scorecard, linear, logistic only; else ``TypeError``)."""
        raise TypeError(f"a {self.kind} model has no score threshold")

    def bin_index(self, feature: str, value: Any) -> int:
        """Index of the bin of a valid ``value`` of ``feature`` (scorecards only; else ``TypeError``)."""
        raise TypeError(f"a {self.kind} model has no bins")

    def leaf_position(self, values: Mapping[str, Any]) -> int:
        """Index in ``spec["nodes"]`` of the leaf valid ``values`` reach (trees only; else ``TypeError``)."""
        raise TypeError(f"a {self.kind} model has no tree")

    def fired_rule(self, values: Mapping[str, Any]) -> int | None:
        """Index in ``spec["rules"]`` of the rule deciding for valid ``values``, None when the default applies
        (rule lists only; else ``TypeError``)."""
        raise TypeError(f"a {self.kind} model has no rules")


class _Scorecard(CompiledModel):
    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        super().__init__(spec, digest)
        self._base = float(spec["base_points"])
        self._bin_of: dict[str, Callable[[Any], int]] = {}
        scorers: list[tuple[str, Callable[[Any], float]]] = []
        for feature in spec["features"]:
            name = feature["name"]
            bins = spec["bins"].get(name)
            if bins is None:
                continue  # date features are not scored
            points = [float(b["points"]) for b in bins]
            if feature["type"] in ("number", "integer"):
                edges = [b["lower"] for b in bins[1:]]
                scorers.append((name, _bin_points(edges, points)))
                self._bin_of[name] = _bin_finder(edges)
            else:
                by_value = {b["category"]: float(b["points"]) for b in bins}
                index = {b["category"]: i for i, b in enumerate(bins)}
                scorers.append((name, by_value.__getitem__))
                self._bin_of[name] = index.__getitem__
        self._scorers = tuple(scorers)
        bands = spec["bands"]
        self._band_mins = [b["min_score"] for b in bands[1:]]
        self._band_outcomes = [b["outcome"] for b in bands]

    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        if not self._inputs_ok(values):
            self._require_valid(values)
        parts = [points(values[name]) for name, points in self._scorers]
        parts.append(self._base)
        total = fsum(parts)
        return ScoreResult(total, self._band_outcomes[bisect_right(self._band_mins, total)])

    def outcome_for_score(self, score: float) -> str:
        return self._band_outcomes[bisect_right(self._band_mins, score)]

    def bin_index(self, feature: str, value: Any) -> int:
        return self._bin_of[feature](value)


def _bin_points(edges: list[float], points: list[float]) -> Callable[[Any], float]:
    def points_of(value: Any) -> float:
        return points[bisect_right(edges, value)]

    return points_of


def _bin_finder(edges: list[float]) -> Callable[[Any], int]:
    def index_of(value: Any) -> int:
        return bisect_right(edges, value)

    return index_of


def _sigmoid(logit: float) -> float:
    """``1 / (1 + e^-logit)``, written to avoid overflow for very negative logits."""
    if logit >= 0:
        return 1.0 / (1.0 + exp(-logit))
    e = exp(logit)
    return e / (1.0 + e)


class _Linear(CompiledModel):
    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        super().__init__(spec, digest)
        self._intercept = float(spec["intercept"])
        coefficients = spec["coefficients"]
        self._terms = tuple(
            (f["name"], float(coefficients[f["name"]]))
            for f in spec["features"]
            if f["name"] in coefficients and coefficients[f["name"]] != 0
        )
        self._threshold = float(spec["threshold"])
        self._on_probability = spec["kind"] == "logistic" and spec.get("threshold_on") == "probability"
        self._above = spec["outcome_at_or_above"]
        self._below = spec["outcome_below"]

    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        if not self._inputs_ok(values):
            self._require_valid(values)
        parts = [w * values[name] for name, w in self._terms]
        parts.append(self._intercept)
        score = fsum(parts)
        if self._on_probability:
            score = _sigmoid(score)
        return ScoreResult(score, self._above if score >= self._threshold else self._below)

    def outcome_for_score(self, score: float) -> str:
        return self._above if score >= self._threshold else self._below


class _Tree(CompiledModel):
    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        super().__init__(spec, digest)
        nodes = spec["nodes"]
        position = {node["id"]: i for i, node in enumerate(nodes)}
        self._leaf: list[ScoreResult | None] = []
        self._feature: list[str] = []
        self._is_le: list[bool] = []
        self._value: list[Any] = []
        self._true: list[int] = []
        self._false: list[int] = []
        for node in nodes:
            if "outcome" in node:
                score = node.get("score")
                self._leaf.append(ScoreResult(None if score is None else float(score), node["outcome"]))
                self._feature.append("")
                self._is_le.append(False)
                self._value.append(None)
                self._true.append(-1)
                self._false.append(-1)
            else:
                self._leaf.append(None)
                self._feature.append(node["feature"])
                self._is_le.append(node["op"] == "<=")
                self._value.append(node["value"] if node["op"] == "<=" else frozenset(node["value"]))
                self._true.append(position[node["true"]])
                self._false.append(position[node["false"]])
        self._root = position[spec["root"]]

    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        if not self._inputs_ok(values):
            self._require_valid(values)
        return self._leaf_result(self.leaf_position(values))

    def _leaf_result(self, position: int) -> ScoreResult:
        result = self._leaf[position]
        assert result is not None
        return result

    def leaf_position(self, values: Mapping[str, Any]) -> int:
        """Index in ``spec["nodes"]`` of the leaf that valid ``values`` reach."""
        leaf, feature, is_le, threshold = self._leaf, self._feature, self._is_le, self._value
        true, false = self._true, self._false
        i = self._root
        while leaf[i] is None:
            value = values[feature[i]]
            if is_le[i]:
                i = true[i] if value <= threshold[i] else false[i]
            else:
                i = true[i] if value in threshold[i] else false[i]
        return i


def _not_in(value: Any, allowed: frozenset[Any]) -> bool:
    return value not in allowed


def _in(value: Any, allowed: frozenset[Any]) -> bool:
    return value in allowed


_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": _in,
    "not_in": _not_in,
}


class _Rules(CompiledModel):
    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        super().__init__(spec, digest)
        self._rules = tuple(
            (
                tuple(
                    (
                        c["feature"],
                        _OPS[c["op"]],
                        frozenset(c["value"]) if c["op"] in ("in", "not_in") else c["value"],
                    )
                    for c in rule["conditions"]
                ),
                ScoreResult(None, rule["outcome"]),
            )
            for rule in spec["rules"]
        )
        self._default = ScoreResult(None, spec["default_outcome"])

    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        if not self._inputs_ok(values):
            self._require_valid(values)
        index = self.fired_rule(values)
        return self._default if index is None else self._rules[index][1]

    def fired_rule(self, values: Mapping[str, Any]) -> int | None:
        """Index in ``spec["rules"]`` of the first rule whose conditions all hold for ``values``, or None."""
        for index, (conditions, _) in enumerate(self._rules):
            for name, test, constant in conditions:
                if not test(values[name], constant):
                    break
            else:
                return index
        return None


_pack_f32 = struct.Struct("<f")


def _f32(x: float) -> float:
    """``x`` rounded to the nearest 32-bit float (ties to even), as numpy's ``astype(float32)`` does."""
    return float(_pack_f32.unpack(_pack_f32.pack(x))[0])


class _Ensemble(CompiledModel):
    """Additive trees: per output, base score plus the leaves reached (sum or mean), then the link.

    Each tree is compiled to flat lists (feature position, threshold, yes, no, missing-goes-yes, leaf value);
    inputs are read once per case into a list of floats (booleans 1.0/0.0, missing NaN), rounded to float32
    when ``input_precision`` says so, and every split compares them with its threshold exactly as written.
    """

    def __init__(self, spec: dict[str, Any], digest: str) -> None:
        super().__init__(spec, digest)
        position = {name: i for i, name in enumerate(self.feature_names)}
        self._split_types = tuple(
            (i, f["type"] == "boolean")
            for i, f in enumerate(spec["features"])
            if f["type"] in ("number", "integer", "boolean")
        )
        self._float32_inputs = spec["input_precision"] == "float32"
        self._lt = spec["split"] == "lt"
        self._float32_sum = spec["accumulation"] == "float32"
        self._mean = spec["aggregation"] == "mean"
        self._base = tuple(float(b) for b in spec["base_score"])
        self.n_outputs = len(self._base)
        self._link = spec["link"]
        trees = []
        for tree in spec["trees"]:
            nodes = tree["nodes"]
            feature = [position[n["feature"]] if "leaf" not in n else -1 for n in nodes]
            threshold = [float(n["threshold"]) if "leaf" not in n else 0.0 for n in nodes]
            yes = [n.get("yes", -1) for n in nodes]
            no = [n.get("no", -1) for n in nodes]
            missing_yes = [n.get("missing") == "yes" for n in nodes]
            leaf = [float(n["leaf"]) if "leaf" in n else 0.0 for n in nodes]
            trees.append((tree.get("output", 0), feature, threshold, yes, no, missing_yes, leaf))
        self._trees = tuple(trees)
        self._counts = tuple(sum(1 for t in trees if t[0] == k) for k in range(self.n_outputs))
        if self.n_outputs == 1:
            self._threshold = float(spec["threshold"])
            self._on_probability = spec.get("threshold_on") == "probability"
            self._above = spec["outcome_at_or_above"]
            self._below = spec["outcome_below"]
        else:
            self._classes = tuple(spec["classes"])

    # -- the pieces, public for the explanation engine --------------------------------------------------
    def row(self, values: Mapping[str, Any]) -> list[float]:
        """The inputs as the trees compare them: floats in feature order (NaN = missing; booleans 1/0;
        category and date features 0.0, never split on), float32-rounded when ``input_precision`` says so."""
        out = [0.0] * self._count
        names = self.feature_names
        f32 = self._float32_inputs
        for i, _ in self._split_types:
            v = values[names[i]]
            if v is None:
                out[i] = math.nan
            else:
                x = float(v)
                out[i] = _f32(x) if f32 else x
        return out

    def leaf_indices(self, row: list[float]) -> list[int]:
        """For each tree, the index of the node (a leaf) that ``row`` reaches."""
        lt = self._lt
        out = []
        for _, feature, threshold, yes, no, missing_yes, _ in self._trees:
            i = 0
            while feature[i] >= 0:
                x = row[feature[i]]
                if x != x:  # NaN: missing
                    i = yes[i] if missing_yes[i] else no[i]
                elif (x < threshold[i]) if lt else (x <= threshold[i]):
                    i = yes[i]
                else:
                    i = no[i]
            out.append(i)
        return out

    def margins(self, leaves: list[int]) -> list[float]:
        """Per output: base + leaves (sum) or base + mean of leaves, accumulated in tree order."""
        f32 = self._float32_sum
        acc = [0.0 if self._mean else b for b in self._base]
        for (output, *_, leaf), i in zip(self._trees, leaves, strict=True):
            s = acc[output] + leaf[i]
            acc[output] = _f32(s) if f32 else s
        if self._mean:
            out = []
            for k, b in enumerate(self._base):
                m = acc[k] / self._counts[k]
                if f32:
                    m = _f32(m)
                s = b + m
                out.append(_f32(s) if f32 else s)
            return out
        return acc

    def decide(self, margins: list[float]) -> ScoreResult:
        """Score and outcome from the margins (the link, then the threshold or the largest output)."""
        if self.n_outputs == 1:
            m = margins[0]
            score = _sigmoid(m) if self._on_probability else m
            return ScoreResult(score, self._above if score >= self._threshold else self._below)
        best = max(range(self.n_outputs), key=margins.__getitem__)  # the first largest, as argmax
        if self._link == "softmax":
            top = margins[best]
            weights = [exp(m - top) for m in margins]
            score = weights[best] / fsum(weights)
        else:
            score = margins[best]
        return ScoreResult(score, self._classes[best])

    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        if not self._inputs_ok(values):
            self._require_valid(values)
        return self.decide(self.margins(self.leaf_indices(self.row(values))))

    def outcome_for_score(self, score: float) -> str:
        if self.n_outputs == 1:
            return self._above if score >= self._threshold else self._below
        raise TypeError("a tree ensemble with several outputs has no single score threshold")


class _Opaque(CompiledModel):
    def score(self, values: Mapping[str, Any]) -> ScoreResult:
        raise NotReplayable(
            "an opaque model cannot be replayed by the portal; its decisions carry attributions"
        )

    def matches(self, recorded_score: object, recorded_outcome: object, values: Mapping[str, Any]) -> bool:
        raise NotReplayable(
            "an opaque model cannot be replayed by the portal; its decisions carry attributions"
        )


_BUILDERS: Final[dict[str, type[CompiledModel]]] = {
    "scorecard": _Scorecard,
    "linear": _Linear,
    "logistic": _Linear,
    "decision_tree": _Tree,
    "rules": _Rules,
    "opaque": _Opaque,
    "tree_ensemble": _Ensemble,
}

_cache: OrderedDict[str, CompiledModel] = OrderedDict()
_lock = threading.Lock()


def compile_spec(spec: Mapping[str, Any]) -> CompiledModel:
    """The compiled model of ``spec``, from the cache when a spec with the same canonical JSON was compiled.

    Raises :class:`InvalidSpec` (with ``errors``) unless ``validate_spec(spec)`` is empty. The model keeps a
    deep copy of the spec, so later changes to the caller's dict do not affect it.
    """
    try:
        digest = spec_hash(spec)
    except (TypeError, ValueError) as exc:
        errors = validate_spec(spec) or [SpecError("", f"the specification is not JSON data: {exc}")]
        raise InvalidSpec(errors) from exc
    with _lock:
        model = _cache.get(digest)
        if model is not None:
            _cache.move_to_end(digest)
            return model
    errors = validate_spec(spec)
    if errors:
        raise InvalidSpec(errors)
    own = copy.deepcopy(dict(spec))
    model = _BUILDERS[own["kind"]](own, digest)
    with _lock:
        _cache[digest] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def clear_cache() -> None:
    """Forget every compiled model (tests; a deploy never needs it since specs are immutable)."""
    with _lock:
        _cache.clear()
