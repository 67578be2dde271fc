"""Validation of a model version's ``spec`` (the format of docs/model-spec.md).

``validate_spec(spec)`` returns every problem found, as :class:`SpecError` (path, message), and an empty list
when the spec is valid. It combines

* the JSON Schema in ``schema.json`` (draft 2020-12: shapes, types, required and allowed fields per kind), and
* the semantic rules a schema cannot express: bins sorted, contiguous and covering the feature bounds, every
  category binned exactly once, reference bins in range, coefficients for exactly the numeric features,
  the decision tree being a tree, tests that fit the type of their feature, every referenced outcome declared,
  bands ascending, unique names, ``min <= max``, finite numbers, immutable date features, and so on.

Guarantees:

* ``validate_spec`` never raises, whatever it is given (any Python value); messages are plain English and name
  the offending value, so they can be returned to the agency as they are (HTTP 422).
* Paths look like ``bins.income_per_person[2].upper``: object keys joined with dots, list indexes in
  brackets; keys that are not plain identifiers are written as ``["a key"]``; the spec root is ``""``.
* The result is deterministic: errors are sorted by path (list indexes numerically), duplicates removed.
* A spec for which it returns ``[]`` can be compiled by ``compile_spec`` and replayed by the rules of the
  published format.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeGuard

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

__all__ = [
    "FEATURE_TYPES",
    "KINDS",
    "SpecError",
    "format_path",
    "is_iso_date",
    "load_schema",
    "validate_spec",
]

KINDS: Final = ("scorecard", "linear", "logistic", "decision_tree", "rules", "opaque", "tree_ensemble")
FEATURE_TYPES: Final = ("number", "integer", "boolean", "category", "date")
# Tuples, not sets: membership tests must not fail on unhashable values of a malformed spec.
NUMERIC_TYPES: Final = ("number", "integer")
ORDERED_TYPES: Final = ("number", "integer", "date")
#: Feature types that can enter a linear formula (booleans count as 1 and 0).
FORMULA_TYPES: Final = ("number", "integer", "boolean")
#: Largest magnitude of any number in a spec (keeps every replayed sum finite).
MAX_MAGNITUDE: Final = 1e15
#: Feature types a tree ensemble may split on (booleans are compared as 1 and 0).
SPLIT_TYPES: Final = ("number", "integer", "boolean")
#: Most nodes in all the trees of one ensemble together.
MAX_ENSEMBLE_NODES: Final = 1_000_000

SCHEMA_PATH: Final = Path(__file__).with_name("schema.json")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FEATURE_NAME_PATTERN: Final = "^[a-z][a-z0-9_]{0,62}$"
_OUTCOME_CODE_PATTERN: Final = "^[A-Za-z][A-Za-z0-9_]{0,63}$"
_MISSING: Final = object()


@dataclass(frozen=True, slots=True)
class SpecError:
    """One problem in a spec: where it is (``path``) and what is wrong (``message``, plain English)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The error as a JSON-ready ``{"path": ..., "message": ...}``."""
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path or '(spec)'}: {self.message}"


PathPart = str | int


def format_path(parts: Iterable[PathPart]) -> str:
    """``["bins", "income", 2, "upper"]`` -> ``"bins.income[2].upper"``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def is_iso_date(value: object) -> bool:
    """True for a string ``YYYY-MM-DD`` naming a real calendar date (ASCII digits, nothing else)."""
    if not isinstance(value, str) or len(value) != 10 or _ISO_DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the format (a fresh parse is cached; do not mutate it)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """The schema with every ``{"$ref": "#/$defs/x"}`` replaced by its definition (the schema is not
    recursive). Validation gives the same result and runs about a third faster without reference lookups."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) == 1 and ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


@cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    inlined = _inline_refs(schema, schema["$defs"])
    assert "$ref" not in json.dumps(inlined)
    return Draft202012Validator(inlined)


@cache
def _kind_fields() -> dict[str, tuple[str, ...]]:
    """Allowed top-level fields per kind, read from the schema's if/then branches."""
    out: dict[str, tuple[str, ...]] = {}
    for branch in load_schema()["allOf"]:
        kind = branch["if"]["properties"]["kind"]["const"]
        out[kind] = tuple(branch["then"]["propertyNames"]["enum"])
    return out


def validate_spec(spec: Any) -> list[SpecError]:
    """Every problem of ``spec`` (JSON Schema and semantic rules); ``[]`` means valid. Never raises."""
    if not isinstance(spec, Mapping):
        return [SpecError("", f"the specification must be a JSON object, got {_json_type(spec)}")]
    errors: list[SpecError] = []
    try:
        for error in _validator().iter_errors(spec):
            errors.extend(_translate(error, spec))
    except RecursionError:
        errors.append(SpecError("", "the specification is nested too deeply"))
    try:
        errors.extend(_Semantics(spec).run())
    except RecursionError:  # pragma: no cover - the semantic walk is iterative; defensive only
        errors.append(SpecError("", "the specification is nested too deeply"))
    return _sorted_unique(errors)


# ------------------------------------------------------------------------------------------------------------
# Formatting helpers


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} (not JSON)"


def _fmt(value: object) -> str:
    """A short JSON-like rendering of a value for messages."""
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
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f"'{text}'"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _json_type(value)


def _fmt_list(values: Iterable[object], limit: int = 12) -> str:
    items = [_fmt(v) for v in values]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", ... ({len(items) - limit} more)"
    return ", ".join(items)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite_number(value: object) -> TypeGuard[int | float]:
    return _is_number(value) and math.isfinite(value)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _path_key(path: str) -> tuple[tuple[int, int | str], ...]:
    tokens = re.findall(r"\[(\d+)\]|\[(\"(?:[^\"\\]|\\.)*\")\]|([^.\[\]]+)", path)
    key: list[tuple[int, int | str]] = []
    for index, quoted, name in tokens:
        if index:
            key.append((0, int(index)))
        else:
            key.append((1, quoted or name))
    return tuple(key)


def _sorted_unique(errors: Iterable[SpecError]) -> list[SpecError]:
    seen: set[SpecError] = set()
    unique: list[SpecError] = []
    for error in errors:
        if error not in seen:
            seen.add(error)
            unique.append(error)
    return sorted(unique, key=lambda e: _path_key(e.path))


# ------------------------------------------------------------------------------------------------------------
# JSON Schema errors -> SpecError

_PATTERN_MESSAGES: Final = {
    _FEATURE_NAME_PATTERN: (
        "must be a feature name: a lowercase Latin letter followed by up to 62 lowercase letters, digits or "
        "underscores"
    ),
    _OUTCOME_CODE_PATTERN: (
        "must be an outcome code: a Latin letter followed by up to 63 Latin letters, digits or underscores"
    ),
    "\\S": "must not be blank",
}

_TYPE_NAMES: Final = {
    "number": "a number",
    "integer": "a whole number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _translate(error: ValidationError, spec: Mapping[str, Any]) -> list[SpecError]:
    parts: list[PathPart] = list(error.absolute_path)
    path = format_path(parts)
    validator: Any = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    in_property_names = "propertyNames" in error.absolute_schema_path

    if in_property_names:
        # The instance is an object key; the error belongs to the key itself.
        key = instance if isinstance(instance, str) else str(instance)
        key_path = format_path([*parts, key])
        if validator == "enum" and not parts:
            if key not in load_schema()["properties"]:
                return []  # reported once by additionalProperties
            kind = spec.get("kind")
            allowed = ", ".join(_kind_fields().get(str(kind), ()))
            return [
                SpecError(
                    key_path, f"field '{key}' is not used by kind '{kind}'; fields of this kind: {allowed}"
                )
            ]
        if validator == "pattern":
            return [
                SpecError(
                    key_path,
                    f"'{key}' is not a valid feature name: "
                    + _PATTERN_MESSAGES[_FEATURE_NAME_PATTERN]
                    .removeprefix("must be a feature name: ")
                    .replace("a lowercase", "names start with a lowercase"),
                )
            ]
        return [SpecError(key_path, f"invalid key '{key}': {error.message}")]

    if validator == "required":
        assert isinstance(instance, Mapping)
        missing = [name for name in value if name not in instance]
        out: list[SpecError] = []
        for name in missing:
            message = f"missing required field '{name}'"
            if not parts and name not in ("kind", "features", "outcomes"):
                message += f" (required for kind '{spec.get('kind')}')"
            elif len(parts) == 2 and parts[0] == "features" and name in ("min", "max", "categories"):
                message += f" (required for features of type '{instance.get('type')}')"
            elif len(parts) == 2 and parts[0] == "nodes":
                message += " (a node without 'outcome' is internal: it needs feature, op, value, true, false)"
            elif len(parts) == 4 and parts[0] == "trees" and parts[2] == "nodes":
                message += " (a node without 'leaf' is a split: it needs feature, threshold, yes, no)"
            out.append(SpecError(format_path([*parts, name]), message))
        return out

    if validator == "additionalProperties":
        assert isinstance(instance, Mapping)
        known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extras = [key for key in instance if key not in known]
        if not parts:
            kind = spec.get("kind")
            allowed_fields: Sequence[str] = _kind_fields().get(str(kind), tuple(known))
        else:
            allowed_fields = tuple(known)
        allowed = ", ".join(allowed_fields)
        return [
            SpecError(format_path([*parts, str(k)]), f"unknown field '{k}'; allowed fields: {allowed}")
            for k in extras
        ]

    if validator == "not":
        return [SpecError(path, _forbidden_message(parts, spec))]

    if (
        _is_number(instance)
        and not math.isfinite(instance)
        and validator in ("minimum", "maximum", "exclusiveMinimum", "type")
    ):
        return [SpecError(path, "must be a finite number (NaN and infinity are not allowed)")]

    if validator == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        got = _json_type(instance)
        if "integer" in types and isinstance(instance, float):
            got = f"{_fmt(instance)}, which has a fractional part"
        return [SpecError(path, f"must be {expected}, got {got}")]
    if validator == "enum":
        return [SpecError(path, f"must be one of: {_fmt_list(value)}; got {_fmt(instance)}")]
    if validator == "const":
        if parts == ["threshold_on"]:
            return [
                SpecError(
                    path,
                    "a linear model always compares its score with the threshold: threshold_on "
                    "must be 'score' or left out",
                )
            ]
        return [SpecError(path, f"must be {_fmt(value)}; got {_fmt(instance)}")]
    if validator in ("minimum", "maximum"):
        if abs(value) == MAX_MAGNITUDE:
            return [SpecError(path, f"must lie between -1e15 and 1e15; got {_fmt(instance)}")]
        word = "at least" if validator == "minimum" else "at most"
        return [SpecError(path, f"must be {word} {_fmt(value)}; got {_fmt(instance)}")]
    if validator == "exclusiveMinimum":
        return [SpecError(path, f"must be greater than {_fmt(value)}; got {_fmt(instance)}")]
    if validator == "minLength":
        return [SpecError(path, "must not be empty")]
    if validator == "maxLength":
        return [SpecError(path, f"must be at most {value} characters long")]
    if validator == "pattern":
        return [
            SpecError(
                path,
                _PATTERN_MESSAGES.get(value, f"must match the pattern {value}") + f"; got {_fmt(instance)}",
            )
        ]
    if validator == "minItems":
        return [
            SpecError(path, "must not be empty" if value == 1 else f"must contain at least {value} items")
        ]
    if validator == "maxItems":
        return [SpecError(path, f"must contain at most {value} items")]
    if validator == "minProperties":
        return [SpecError(path, "must not be empty")]
    if validator == "uniqueItems":
        assert isinstance(instance, list)
        dupes: list[object] = []
        for i, item in enumerate(instance):
            if item in instance[:i] and item not in dupes:
                dupes.append(item)
        return [SpecError(path, f"contains duplicates: {_fmt_list(dupes)}")]
    return [SpecError(path, error.message)]


def _forbidden_message(parts: Sequence[PathPart], spec: Mapping[str, Any]) -> str:
    field = parts[-1] if parts else ""
    parent: Any = spec
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            parent = None
            break
    if len(parts) == 3 and parts[0] == "features" and isinstance(parent, Mapping):
        ftype = parent.get("type")
        if field == "categories":
            return f"'categories' is only allowed for category features; this feature has type '{ftype}'"
        return f"'{field}' is only allowed for number and integer features; this feature has type '{ftype}'"
    if len(parts) == 3 and parts[0] == "nodes":
        if field == "score":
            return "'score' is only allowed on leaf nodes (nodes with an 'outcome')"
        return f"a leaf node (one with an 'outcome') cannot have '{field}'"
    if len(parts) == 5 and parts[0] == "trees" and parts[2] == "nodes":
        return f"a leaf (a node with 'leaf') cannot have '{field}'"
    if len(parts) == 4 and parts[0] == "bins":
        return f"a bin with a 'category' cannot have '{field}'; numeric bins use lower/upper, others category"
    return f"field '{field}' is not allowed here"


# ------------------------------------------------------------------------------------------------------------
# Semantic rules


class _Semantics:
    """The rules JSON Schema cannot express. Tolerates any shape and skips what the schema reports."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.errors: list[SpecError] = []
        #: name -> (index in features, feature object) of the first feature with that name.
        self.features: dict[str, tuple[int, Mapping[str, Any]]] = {}
        self.outcomes: set[str] | None = None

    # -- helpers -------------------------------------------------------------------------------------------
    def add(self, parts: Sequence[PathPart], message: str) -> None:
        self.errors.append(SpecError(format_path(parts), message))

    def ftype(self, name: object) -> str | None:
        if not isinstance(name, str) or name not in self.features:
            return None
        ftype = self.features[name][1].get("type")
        return ftype if ftype in FEATURE_TYPES else None

    def bounds(self, name: str) -> tuple[float, float] | None:
        feature = self.features[name][1]
        lo, hi = feature.get("min"), feature.get("max")
        if _is_finite_number(lo) and _is_finite_number(hi) and lo <= hi:
            return lo, hi
        return None

    def ref_outcome(self, parts: Sequence[PathPart], code: object) -> None:
        if self.outcomes is not None and isinstance(code, str) and code not in self.outcomes:
            declared = _fmt_list(sorted(self.outcomes))
            self.add(parts, f"outcome '{code}' is not declared in 'outcomes' (declared: {declared})")

    # -- entry point ---------------------------------------------------------------------------------------
    def run(self) -> list[SpecError]:
        self.check_finite()
        self.check_features()
        self.check_outcomes()
        kind = self.spec.get("kind")
        if kind == "scorecard":
            self.check_scorecard()
        elif kind in ("linear", "logistic"):
            self.check_linear(kind)
        elif kind == "decision_tree":
            self.check_tree()
        elif kind == "rules":
            self.check_rules()
        elif kind == "tree_ensemble":
            self.check_ensemble()
        if kind != "tree_ensemble":
            self.check_no_nullable()
        return self.errors

    def check_finite(self) -> None:
        stack: list[tuple[Any, list[PathPart]]] = [(self.spec, [])]
        while stack:
            value, parts = stack.pop()
            if isinstance(value, float) and not math.isfinite(value):
                self.add(parts, "must be a finite number (NaN and infinity are not allowed)")
            elif isinstance(value, Mapping):
                stack.extend((v, [*parts, str(k)]) for k, v in value.items())
            elif isinstance(value, list):
                stack.extend((v, [*parts, i]) for i, v in enumerate(value))

    def check_features(self) -> None:
        features = self.spec.get("features")
        if not isinstance(features, list):
            return
        for i, feature in enumerate(features):
            if not isinstance(feature, Mapping):
                continue
            name = feature.get("name")
            if isinstance(name, str):
                if name in self.features:
                    self.add(
                        ["features", i, "name"],
                        f"duplicate feature name '{name}' "
                        f"(already used by features[{self.features[name][0]}])",
                    )
                else:
                    self.features[name] = (i, feature)
            ftype = feature.get("type")
            lo, hi = feature.get("min"), feature.get("max")
            if ftype in NUMERIC_TYPES and _is_finite_number(lo) and _is_finite_number(hi) and lo > hi:
                self.add(["features", i, "max"], f"max ({_fmt(hi)}) is less than min ({_fmt(lo)})")
            if ftype == "date" and feature.get("mutable") is True:
                self.add(
                    ["features", i, "mutable"],
                    "a date feature cannot be mutable: dates are never changed in counterfactuals",
                )
            if ftype == "category" and feature.get("direction") in ("increase", "decrease"):
                self.add(
                    ["features", i, "direction"],
                    "categories have no order: direction must be 'any' or left out",
                )
            step = feature.get("step")
            if ftype == "integer" and _is_finite_number(step) and not float(step).is_integer():
                self.add(
                    ["features", i, "step"],
                    f"the step of an integer feature must be a whole number; got {_fmt(step)}",
                )

    def check_outcomes(self) -> None:
        outcomes = self.spec.get("outcomes")
        if not isinstance(outcomes, list):
            return
        seen: dict[str, int] = {}
        for i, outcome in enumerate(outcomes):
            if not isinstance(outcome, Mapping):
                continue
            code = outcome.get("code")
            if isinstance(code, str):
                if code in seen:
                    self.add(
                        ["outcomes", i, "code"],
                        f"duplicate outcome code '{code}' (already used by outcomes[{seen[code]}])",
                    )
                else:
                    seen[code] = i
        self.outcomes = set(seen)

    # -- scorecard -----------------------------------------------------------------------------------------
    def check_scorecard(self) -> None:
        bins = self.spec.get("bins")
        binned: dict[str, list[Any]] = {}
        if isinstance(bins, Mapping):
            for name, feature_bins in bins.items():
                ftype = self.ftype(name)
                if not isinstance(name, str) or name not in self.features:
                    self.add(["bins", str(name)], f"'{name}' is not a declared feature")
                    continue
                if ftype == "date":
                    self.add(["bins", name], f"date features cannot be scored; remove the bins of '{name}'")
                    continue
                if ftype is None or not isinstance(feature_bins, list):
                    continue
                binned[name] = feature_bins
                if ftype in NUMERIC_TYPES:
                    self.check_numeric_bins(name, ftype, feature_bins)
                else:
                    self.check_value_bins(name, ftype, feature_bins)
            for name in self.features:
                ftype = self.ftype(name)
                if ftype is not None and ftype != "date" and name not in bins:
                    self.add(
                        ["bins", name],
                        f"missing bins for feature '{name}': every number, integer, boolean and category "
                        "feature of a scorecard needs bins (date features are not scored)",
                    )

        reference = self.spec.get("reference_bins")
        if isinstance(reference, Mapping):
            for name, index in reference.items():
                if not isinstance(bins, Mapping):
                    break
                if name not in bins:
                    what = "has no bins" if name in self.features else "is not a declared feature"
                    self.add(
                        ["reference_bins", str(name)],
                        f"'{name}' {what}; reference bins are given per binned feature",
                    )
                elif name in binned and _is_int(index) and index >= len(binned[name]):
                    count = len(binned[name])
                    self.add(
                        ["reference_bins", name],
                        f"index {index} is out of range: '{name}' has {count} "
                        f"bin{'s' if count != 1 else ''} (valid indexes 0 to {count - 1})",
                    )
            for name in binned:
                if name not in reference:
                    self.add(["reference_bins", name], f"missing reference bin for feature '{name}'")

        bands = self.spec.get("bands")
        if isinstance(bands, list):
            previous: float | None = None
            for i, band in enumerate(bands):
                if not isinstance(band, Mapping):
                    continue
                self.ref_outcome(["bands", i, "outcome"], band.get("outcome"))
                low = band.get("min_score", _MISSING)
                if i == 0:
                    if low is not None and low is not _MISSING:
                        self.add(
                            ["bands", 0, "min_score"],
                            "the first band must have min_score null: it takes "
                            "every score below the second band",
                        )
                    continue
                if low is None:
                    self.add(["bands", i, "min_score"], "only the first band may have min_score null")
                elif _is_finite_number(low):
                    if previous is not None and low <= previous:
                        self.add(
                            ["bands", i, "min_score"],
                            f"bands must be in strictly ascending order of min_score: {_fmt(low)} is not "
                            f"greater than the previous band's {_fmt(previous)}",
                        )
                    previous = low

    def check_numeric_bins(self, name: str, ftype: str, bins: list[Any]) -> None:
        base: list[PathPart] = ["bins", name]
        bounds = self.bounds(name)
        count = len(bins)
        previous_upper: object = _MISSING
        shapes_ok = True
        edges: list[tuple[float | None, float | None]] = []
        for i, item in enumerate(bins):
            if not isinstance(item, Mapping):
                shapes_ok = False
                previous_upper = _MISSING
                continue
            if "category" in item:
                self.add(
                    [*base, i, "category"],
                    f"'{name}' is a {ftype} feature: its bins have 'lower' and 'upper', not 'category'",
                )
                shapes_ok = False
                previous_upper = _MISSING
                continue
            lower, upper = item.get("lower", _MISSING), item.get("upper", _MISSING)
            for key, bound in (("lower", lower), ("upper", upper)):
                if bound is _MISSING:
                    self.add(
                        [*base, i, key],
                        f"missing required field '{key}' (bins of {ftype} features have "
                        "'lower' and 'upper'; use null for an open end)",
                    )
            if not all(b is None or _is_finite_number(b) for b in (lower, upper)):
                shapes_ok = False
                previous_upper = _MISSING
                continue
            assert lower is None or isinstance(lower, int | float)
            assert upper is None or isinstance(upper, int | float)
            if lower is None and i > 0:
                self.add([*base, i, "lower"], "only the first bin may have an open lower end (null)")
            if upper is None and i < count - 1:
                self.add([*base, i, "upper"], "only the last bin may have an open upper end (null)")
            empty = lower is not None and upper is not None and lower >= upper
            if empty:
                self.add(
                    [*base, i], f"empty bin: lower ({_fmt(lower)}) must be less than upper ({_fmt(upper)})"
                )
            if i > 0 and lower is not None and _is_number(previous_upper) and lower != previous_upper:
                if lower < previous_upper:  # type: ignore[operator]
                    self.add(
                        [*base, i, "lower"],
                        f"bins overlap: this bin starts at {_fmt(lower)}, before the "
                        f"previous bin ends at {_fmt(previous_upper)}; bins must be sorted and contiguous",
                    )
                else:
                    self.add(
                        [*base, i, "lower"],
                        f"gap between bins: this bin starts at {_fmt(lower)} but the "
                        f"previous bin ends at {_fmt(previous_upper)}; bins must be contiguous",
                    )
            previous_upper = upper
            edges.append((lower, upper))
            if (
                bounds is not None
                and not empty
                and not _bin_has_value(lower, upper, bounds, ftype == "integer")
            ):
                self.add(
                    [*base, i],
                    f"this bin contains no admissible value of '{name}' (allowed: {_fmt(bounds[0])} "
                    f"to {_fmt(bounds[1])}{', whole numbers' if ftype == 'integer' else ''}); remove it",
                )
        if bounds is None or not shapes_ok or not edges:
            return
        first_lower, last_upper = edges[0][0], edges[-1][1]
        lo, hi = bounds
        if first_lower is not None and first_lower > lo:
            self.add(
                [*base, 0, "lower"],
                f"the first bin starts at {_fmt(first_lower)}, above the minimum of "
                f"'{name}' ({_fmt(lo)}): values below {_fmt(first_lower)} would have no bin (use null or a "
                f"value <= {_fmt(lo)})",
            )
        if last_upper is not None and last_upper <= hi:
            self.add(
                [*base, count - 1, "upper"],
                f"the last bin ends at {_fmt(last_upper)} (exclusive), so values "
                f"from {_fmt(last_upper)} up to the maximum of '{name}' ({_fmt(hi)}) would have no bin (use "
                f"null or a value greater than {_fmt(hi)})",
            )

    def check_value_bins(self, name: str, ftype: str, bins: list[Any]) -> None:
        base: list[PathPart] = ["bins", name]
        expected: list[object]
        if ftype == "boolean":
            expected = [True, False]
        else:
            categories = self.features[name][1].get("categories")
            expected = [c for c in categories if isinstance(c, str)] if isinstance(categories, list) else []
        seen: dict[object, int] = {}
        complete = True
        for i, item in enumerate(bins):
            if not isinstance(item, Mapping):
                complete = False
                continue
            if "category" not in item:
                self.add(
                    [*base, i, "category"],
                    f"missing required field 'category' ('{name}' is a {ftype} "
                    "feature: each of its bins names one value)",
                )
                complete = False
                continue
            value = item["category"]
            if ftype == "boolean" and not isinstance(value, bool):
                self.add(
                    [*base, i, "category"],
                    f"'{name}' is a boolean feature: category must be true or false; got {_fmt(value)}",
                )
                complete = False
            elif ftype == "category" and (not isinstance(value, str) or value not in expected):
                self.add(
                    [*base, i, "category"],
                    f"{_fmt(value)} is not a category of '{name}' (categories: {_fmt_list(expected)})",
                )
                complete = False
            elif value in seen:
                self.add(
                    [*base, i, "category"],
                    f"{_fmt(value)} already has a bin (bins[{seen[value]}]); each "
                    "value needs exactly one bin",
                )
            else:
                seen[value] = i
        missing = [v for v in expected if v not in seen]
        if missing and (complete or len(seen) > 0):
            self.add(base, f"no bin for {_fmt_list(missing)}: every value of '{name}' needs exactly one bin")

    # -- linear / logistic ---------------------------------------------------------------------------------
    def check_linear(self, kind: str) -> None:
        for key in ("coefficients", "baseline"):
            table = self.spec.get(key)
            if not isinstance(table, Mapping):
                continue
            for name, value in table.items():
                ftype = self.ftype(name)
                if not isinstance(name, str) or name not in self.features:
                    self.add([key, str(name)], f"'{name}' is not a declared feature")
                elif ftype is not None and ftype not in FORMULA_TYPES:
                    self.add(
                        [key, name],
                        f"'{name}' is a {ftype} feature and cannot enter a linear formula; only "
                        "number, integer and boolean features can",
                    )
                elif key == "baseline" and ftype is not None:
                    self.check_baseline_value(name, ftype, value)
            for name in self.features:
                if self.ftype(name) in FORMULA_TYPES and name not in table:
                    hint = " (use 0 if it has no effect)" if key == "coefficients" else ""
                    self.add(
                        [key, name],
                        f"missing {key[:-1] if key == 'coefficients' else key} for feature '{name}'{hint}",
                    )
        if kind == "logistic" and self.spec.get("threshold_on") == "probability":
            threshold = self.spec.get("threshold")
            if _is_finite_number(threshold) and not 0 < threshold < 1:
                self.add(
                    ["threshold"],
                    f"a probability threshold must lie strictly between 0 and 1; got {_fmt(threshold)}",
                )
        above, below = self.spec.get("outcome_at_or_above"), self.spec.get("outcome_below")
        self.ref_outcome(["outcome_at_or_above"], above)
        self.ref_outcome(["outcome_below"], below)
        if isinstance(above, str) and above == below:
            self.add(["outcome_below"], "must differ from outcome_at_or_above")

    def check_baseline_value(self, name: str, ftype: str, value: object) -> None:
        if ftype == "boolean":
            if isinstance(value, bool) or (_is_finite_number(value) and 0 <= value <= 1):  # type: ignore[operator]
                return
            self.add(
                ["baseline", name],
                f"the baseline of boolean feature '{name}' must be true, false or a "
                f"share between 0 and 1; got {_fmt(value)}",
            )
            return
        if isinstance(value, bool):
            self.add(
                ["baseline", name],
                f"the baseline of {ftype} feature '{name}' must be a number; got {_fmt(value)}",
            )
            return
        bounds = self.bounds(name)
        if bounds is not None and _is_finite_number(value) and not bounds[0] <= value <= bounds[1]:  # type: ignore[operator]
            self.add(
                ["baseline", name],
                f"the baseline {_fmt(value)} lies outside the range of '{name}' "
                f"({_fmt(bounds[0])} to {_fmt(bounds[1])})",
            )

    # -- decision tree -------------------------------------------------------------------------------------
    def check_tree(self) -> None:
        nodes = self.spec.get("nodes")
        if not isinstance(nodes, list):
            return
        by_id: dict[int, int] = {}
        for i, node in enumerate(nodes):
            if not isinstance(node, Mapping) or not _is_int(node.get("id")):
                continue
            node_id = node["id"]
            if node_id in by_id:
                self.add(
                    ["nodes", i, "id"],
                    f"duplicate node id {node_id} (already used by nodes[{by_id[node_id]}])",
                )
            else:
                by_id[node_id] = i
        children: dict[int, list[int]] = {}
        parents: dict[int, list[int]] = {}
        for i, node in enumerate(nodes):
            if not isinstance(node, Mapping):
                continue
            if "outcome" in node:
                self.ref_outcome(["nodes", i, "outcome"], node.get("outcome"))
                continue
            self.check_test(["nodes", i], node, ("<=", "in"))
            node_id = node.get("id")
            for branch in ("true", "false"):
                child = node.get(branch)
                if not _is_int(child):
                    continue
                if child not in by_id:
                    self.add(["nodes", i, branch], f"no node has id {child}")
                elif _is_int(node_id) and by_id.get(node_id) == i:
                    children.setdefault(node_id, []).append(child)
                    parents.setdefault(child, []).append(node_id)
        root = self.spec.get("root")
        if not _is_int(root):
            return
        if root not in by_id:
            self.add(["root"], f"no node has id {root}")
            return
        if root in parents:
            self.add(
                ["root"],
                f"the root node {root} is also a child of node {_fmt_list(parents[root])}; the nodes "
                "must form a tree",
            )
        for child, owners in parents.items():
            if child == root or len(owners) < 2:
                continue
            if len(set(owners)) == 1:
                message = f"node {owners[0]} uses node {child} as both its true and its false child"
            else:
                message = (
                    f"node {child} is the child of several nodes ({_fmt_list(owners)}); the nodes must "
                    "form a tree"
                )
            self.add(["nodes", by_id[child]], message)
        reached: set[int] = set()
        stack = [root]
        while stack:
            node_id = stack.pop()
            if node_id in reached:
                continue
            reached.add(node_id)
            stack.extend(children.get(node_id, ()))
        for node_id, i in by_id.items():
            if node_id not in reached:
                self.add(
                    ["nodes", i],
                    f"node {node_id} cannot be reached from the root node {root}; remove it or "
                    "link it into the tree",
                )

    # -- tree ensemble -------------------------------------------------------------------------------------
    def check_no_nullable(self) -> None:
        features = self.spec.get("features")
        if not isinstance(features, list):
            return
        for i, feature in enumerate(features):
            if isinstance(feature, Mapping) and feature.get("nullable") is True:
                self.add(
                    ["features", i, "nullable"],
                    "only tree_ensemble models have a rule for missing values; remove 'nullable' "
                    "(or set it to false)",
                )

    def check_ensemble(self) -> None:
        spec = self.spec
        features = spec.get("features")
        if isinstance(features, list):
            for i, feature in enumerate(features):
                if (
                    isinstance(feature, Mapping)
                    and feature.get("nullable") is True
                    and feature.get("type") not in SPLIT_TYPES
                ):
                    self.add(
                        ["features", i, "nullable"],
                        f"only number, integer and boolean features can be missing (null); this feature has "
                        f"type '{feature.get('type')}'",
                    )
        base = spec.get("base_score")
        outputs = len(base) if isinstance(base, list) and base else None
        link = spec.get("link")
        if outputs is not None:
            if link == "sigmoid" and outputs != 1:
                self.add(["base_score"], f"a sigmoid link has one output (one base score); got {outputs}")
            if link == "softmax" and outputs < 2:
                self.add(["base_score"], "a softmax link needs at least two outputs (one base score each)")
        self.check_ensemble_decision(outputs, link)
        float32 = spec.get("accumulation") == "float32"
        if float32 and isinstance(base, list):
            for k, b in enumerate(base):
                if _is_finite_number(b) and not _is_float32(b):
                    self.add(
                        ["base_score", k],
                        f"{b!r} is not a 32-bit float, but accumulation is float32 (write the float32 value "
                        "exactly, e.g. as the library stores it)",
                    )
        trees = spec.get("trees")
        if not isinstance(trees, list):
            return
        total = sum(
            len(t["nodes"]) for t in trees if isinstance(t, Mapping) and isinstance(t.get("nodes"), list)
        )
        if total > MAX_ENSEMBLE_NODES:
            self.add(
                ["trees"], f"the trees have {total} nodes in all; at most {MAX_ENSEMBLE_NODES} are allowed"
            )
            return
        with_cover = without_cover = 0
        per_output: dict[int, int] = {}
        for t, tree in enumerate(trees):
            if not isinstance(tree, Mapping):
                continue
            output = tree.get("output", 0)
            if _is_int(output):
                per_output[output] = per_output.get(output, 0) + 1
                if outputs is not None and output >= outputs:
                    self.add(
                        ["trees", t, "output"],
                        f"output {output} does not exist: base_score gives {outputs} output"
                        f"{'s' if outputs != 1 else ''} (valid: 0 to {outputs - 1})",
                    )
            nodes = tree.get("nodes")
            if isinstance(nodes, list):
                covered = self.check_ensemble_tree(t, nodes, float32)
                with_cover += covered
                without_cover += len(nodes) - covered
        if with_cover and without_cover:
            self.add(
                ["trees"],
                f"{with_cover} nodes have a 'cover' and {without_cover} do not: give the cover of every node "
                "(it is needed for path-dependent contributions) or of none",
            )
        if outputs is not None and spec.get("aggregation") == "mean":
            for k in range(outputs):
                if per_output.get(k, 0) == 0:
                    self.add(["trees"], f"no tree for output {k}: an average of no trees is undefined")
        self.check_background()

    def check_ensemble_decision(self, outputs: int | None, link: object) -> None:
        spec = self.spec
        single = ("threshold", "threshold_on", "outcome_at_or_above", "outcome_below")
        if outputs is None:
            return
        if outputs == 1:
            for key in ("threshold", "outcome_at_or_above", "outcome_below"):
                if key not in spec:
                    self.add(
                        [key],
                        f"missing required field '{key}' (a tree ensemble with one output compares it with a "
                        "threshold)",
                    )
            if "classes" in spec:
                self.add(["classes"], "a tree ensemble with one output uses a threshold, not 'classes'")
            on = spec.get("threshold_on", "score")
            threshold = spec.get("threshold")
            if on == "probability":
                if link != "sigmoid":
                    self.add(["threshold_on"], "a threshold on the probability needs the sigmoid link")
                elif _is_finite_number(threshold) and not 0 < threshold < 1:
                    self.add(
                        ["threshold"],
                        f"a probability threshold must lie strictly between 0 and 1; got {_fmt(threshold)}",
                    )
            above, below = spec.get("outcome_at_or_above"), spec.get("outcome_below")
            self.ref_outcome(["outcome_at_or_above"], above)
            self.ref_outcome(["outcome_below"], below)
            if isinstance(above, str) and above == below:
                self.add(["outcome_below"], "must differ from outcome_at_or_above")
            return
        for key in single:
            if key in spec:
                self.add(
                    [key],
                    f"a tree ensemble with {outputs} outputs gives the outcome of its largest output "
                    f"('classes'); '{key}' is not used",
                )
        classes = spec.get("classes")
        if not isinstance(classes, list):
            if "classes" not in spec:
                self.add(
                    ["classes"],
                    f"missing required field 'classes' (the outcome of each of the {outputs} outputs)",
                )
            return
        if len(classes) != outputs:
            self.add(
                ["classes"], f"{len(classes)} classes for {outputs} outputs: give one outcome per output"
            )
        seen: dict[str, int] = {}
        for i, code in enumerate(classes):
            self.ref_outcome(["classes", i], code)
            if isinstance(code, str):
                if code in seen:
                    self.add(["classes", i], f"outcome '{code}' is already the class of output {seen[code]}")
                else:
                    seen[code] = i

    def check_ensemble_tree(self, t: int, nodes: list[Any], float32: bool) -> int:
        """Checks of one tree; returns how many of its nodes have a cover."""
        count = len(nodes)
        parent: dict[int, int] = {}
        covered = 0
        for j, node in enumerate(nodes):
            if not isinstance(node, Mapping):
                continue
            base: list[PathPart] = ["trees", t, "nodes", j]
            cover = node.get("cover")
            if cover is not None:
                covered += 1
                if "leaf" not in node and _is_finite_number(cover) and cover <= 0:
                    self.add([*base, "cover"], "the cover of a split must be greater than 0")
            if "leaf" in node:
                leaf = node.get("leaf")
                if float32 and _is_finite_number(leaf) and not _is_float32(leaf):
                    self.add(
                        [*base, "leaf"],
                        f"{leaf!r} is not a 32-bit float, but accumulation is float32",
                    )
                continue
            name = node.get("feature")
            ftype = self.ftype(name)
            if isinstance(name, str) and name not in self.features:
                self.add([*base, "feature"], f"'{name}' is not a declared feature")
            elif ftype is not None and ftype not in SPLIT_TYPES:
                self.add(
                    [*base, "feature"],
                    f"'{name}' is a {ftype} feature; trees split only on number, integer and boolean "
                    "features (encode categories as booleans)",
                )
            elif (
                isinstance(name, str)
                and ftype is not None
                and self.features[name][1].get("nullable") is True
                and "missing" not in node
            ):
                self.add(
                    [*base, "missing"],
                    f"'{name}' may be missing (nullable): this split must say where a missing value goes "
                    "('yes' or 'no')",
                )
            for branch in ("yes", "no"):
                child = node.get(branch)
                if not _is_int(child):
                    continue
                if child <= j:
                    self.add(
                        [*base, branch],
                        f"child {child} must come after its parent (node {j}): list every node after the "
                        "node that leads to it",
                    )
                elif child >= count:
                    self.add(
                        [*base, branch], f"no node {child}: the tree has {count} nodes (0 to {count - 1})"
                    )
                elif child in parent:
                    self.add(
                        [*base, branch],
                        f"node {child} is already the child of node {parent[child]}; the nodes must form a "
                        "tree",
                    )
                else:
                    parent[child] = j
        for j in range(1, count):
            if j not in parent and isinstance(nodes[j], Mapping):
                self.add(
                    ["trees", t, "nodes", j],
                    f"node {j} cannot be reached from the root (node 0); remove it or link it into the tree",
                )
        return covered

    def check_background(self) -> None:
        rows = self.spec.get("background")
        if not isinstance(rows, list) or self.errors:
            return  # rows are checked against valid features only
        from .compiled import _feature_check

        checks = [(name, _feature_check(feature)) for name, (_, feature) in self.features.items()]
        for r, row in enumerate(rows):
            if not isinstance(row, Mapping):
                continue
            for name, (ok, problem) in checks:
                value = row.get(name, _MISSING)
                nullable = self.features[name][1].get("nullable") is True
                if value is None and nullable:
                    continue
                if value is _MISSING:
                    self.add(["background", r, name], f"missing value of '{name}'")
                elif not ok(value):
                    self.add(["background", r, name], problem(value) or "invalid value")
            for key in row:
                if key not in self.features:
                    self.add(["background", r, str(key)], f"'{key}' is not a declared feature")

    # -- rules ---------------------------------------------------------------------------------------------
    def check_rules(self) -> None:
        rules = self.spec.get("rules")
        if isinstance(rules, list):
            seen: dict[str, int] = {}
            for i, rule in enumerate(rules):
                if not isinstance(rule, Mapping):
                    continue
                rule_id = rule.get("id")
                if isinstance(rule_id, str):
                    if rule_id in seen:
                        self.add(
                            ["rules", i, "id"],
                            f"duplicate rule id '{rule_id}' (already used by rules[{seen[rule_id]}])",
                        )
                    else:
                        seen[rule_id] = i
                self.ref_outcome(["rules", i, "outcome"], rule.get("outcome"))
                conditions = rule.get("conditions")
                if isinstance(conditions, list):
                    for j, condition in enumerate(conditions):
                        if isinstance(condition, Mapping):
                            self.check_test(
                                ["rules", i, "conditions", j],
                                condition,
                                ("<", "<=", ">", ">=", "==", "!=", "in", "not_in"),
                            )
        self.ref_outcome(["default_outcome"], self.spec.get("default_outcome"))

    # -- tests shared by tree nodes and rule conditions ----------------------------------------------------
    def check_test(self, base: list[PathPart], test: Mapping[str, Any], ops: Sequence[str]) -> None:
        name, op, value = test.get("feature"), test.get("op"), test.get("value", _MISSING)
        if not isinstance(name, str):
            return
        if name not in self.features:
            self.add([*base, "feature"], f"'{name}' is not a declared feature")
            return
        ftype = self.ftype(name)
        if ftype is None or op not in ops or value is _MISSING:
            return
        if op in ("<", "<=", ">", ">="):
            if ftype not in ORDERED_TYPES:
                hint = "'in' or '=='" if "==" in ops else "'in'"
                self.add(
                    [*base, "op"],
                    f"'{op}' needs a number, integer or date feature; '{name}' is a {ftype} "
                    f"feature (use {hint})",
                )
                return
            self.check_scalar(base, name, ftype, value, op)
        elif op in ("==", "!="):
            self.check_scalar(base, name, ftype, value, op)
        else:
            if ftype not in ("category", "boolean"):
                self.add(
                    [*base, "op"],
                    f"'{op}' needs a category or boolean feature; '{name}' is a {ftype} feature "
                    "(use comparisons)",
                )
                return
            if not isinstance(value, list):
                self.add([*base, "value"], f"'{op}' needs a list of values; got {_fmt(value)}")
                return
            if not value:
                self.add([*base, "value"], f"'{op}' needs at least one value")
                return
            seen: list[object] = []
            for k, item in enumerate(value):
                problem = self.value_problem(name, ftype, item)
                if problem:
                    self.add([*base, "value", k], problem)
                elif any(item is s or (type(item) is type(s) and item == s) for s in seen):
                    self.add([*base, "value", k], f"{_fmt(item)} is listed twice")
                else:
                    seen.append(item)

    def check_scalar(self, base: list[PathPart], name: str, ftype: str, value: object, op: str) -> None:
        problem = self.value_problem(name, ftype, value)
        if problem:
            self.add([*base, "value"], problem)
        elif ftype == "integer" and op in ("==", "!=") and not float(value).is_integer():  # type: ignore[arg-type]
            self.add([*base, "value"], f"integer feature '{name}' can never equal {_fmt(value)}")

    def value_problem(self, name: str, ftype: str, value: object) -> str | None:
        if ftype in NUMERIC_TYPES:
            if not _is_finite_number(value):
                return f"must be a number to compare with {ftype} feature '{name}'; got {_fmt(value)}"
        elif ftype == "date":
            if not is_iso_date(value):
                return f"must be a date YYYY-MM-DD to compare with date feature '{name}'; got {_fmt(value)}"
        elif ftype == "boolean":
            if not isinstance(value, bool):
                return f"must be true or false for boolean feature '{name}'; got {_fmt(value)}"
        else:
            categories = self.features[name][1].get("categories")
            if not isinstance(value, str) or not isinstance(categories, list) or value not in categories:
                listed = _fmt_list(categories) if isinstance(categories, list) else "none valid"
                return f"{_fmt(value)} is not a category of '{name}' (categories: {listed})"
        return None


def _is_float32(value: float) -> bool:
    """Whether a number is exactly a 32-bit float (finite)."""
    try:
        return bool(struct.unpack("<f", struct.pack("<f", value))[0] == value)
    except (OverflowError, struct.error):
        return False


def _bin_has_value(
    lower: float | None, upper: float | None, bounds: tuple[float, float], integer: bool
) -> bool:
    """Does [lower, upper) contain a value of [min, max] (a whole one for integer features)?"""
    lo, hi = bounds
    start = lo if lower is None else max(lower, lo)
    if integer:
        start = math.ceil(start)
    return start <= hi and (upper is None or start < upper)
