"""validate_spec: a table of broken specs, each with the exact error path and the gist of its message; and
robustness: whatever it is given, it returns a list and never raises, and "valid" really means compilable."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explanations.spec import InvalidSpec, NotReplayable, SpecError, compile_spec, validate_spec
from tests.explanations.strategies import inputs_for, specs

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
Spec = dict[str, Any]


def example(kind: str) -> Spec:
    data: Spec = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def L(text: str = "x") -> dict[str, str]:
    return {"kk": f"{text} kk", "ru": f"{text} ru", "en": text}


# A compact scorecard to break in many ways (features: income number, children integer, has_vehicle boolean,
# housing category, born date).
SCORECARD: Spec = {
    "kind": "scorecard",
    "features": [
        {
            "name": "income",
            "type": "number",
            "min": 0,
            "max": 1000000,
            "mutable": True,
            "step": 1000,
            "source": "REG",
            "label": L(),
        },
        {
            "name": "children",
            "type": "integer",
            "min": 0,
            "max": 10,
            "mutable": True,
            "source": "REG",
            "label": L(),
        },
        {"name": "has_vehicle", "type": "boolean", "mutable": True, "source": "REG", "label": L()},
        {
            "name": "housing",
            "type": "category",
            "categories": ["owned", "rented", "none"],
            "mutable": False,
            "source": "REG",
            "label": L(),
        },
        {"name": "born", "type": "date", "mutable": False, "source": "REG", "label": L()},
    ],
    "outcomes": [
        {"code": "SUPPORT", "label": L(), "favourable": True},
        {"code": "NO_SUPPORT", "label": L(), "favourable": False},
    ],
    "base_points": 50,
    "bins": {
        "income": [
            {"lower": None, "upper": 50000, "points": -30},
            {"lower": 50000, "upper": 100000, "points": -10},
            {"lower": 100000, "upper": None, "points": 0},
        ],
        "children": [
            {"lower": None, "upper": 2, "points": 0},
            {"lower": 2, "upper": 4, "points": -5},
            {"lower": 4, "upper": None, "points": -15},
        ],
        "has_vehicle": [{"category": True, "points": 10}, {"category": False, "points": 0}],
        "housing": [
            {"category": "owned", "points": 5},
            {"category": "rented", "points": 0},
            {"category": "none", "points": -5},
        ],
    },
    "reference_bins": {"income": 2, "children": 0, "has_vehicle": 1, "housing": 1},
    "bands": [
        {"min_score": None, "outcome": "SUPPORT"},
        {"min_score": 30, "outcome": "NO_SUPPORT"},
        {"min_score": 60, "outcome": "NO_SUPPORT"},
    ],
}

BASES: dict[str, Callable[[], Spec]] = {
    "scorecard": lambda: copy.deepcopy(SCORECARD),
    "linear": lambda: example("linear"),
    "logistic": lambda: example("logistic"),
    "tree": lambda: example("decision_tree"),
    "rules": lambda: example("rules"),
    "opaque": lambda: example("opaque"),
}


def test_the_bases_are_valid() -> None:
    for make in BASES.values():
        assert validate_spec(make()) == []


def _set(path: list[Any], value: Any) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        target: Any = spec
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        target: Any = spec
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _do(*steps: Callable[[Spec], None]) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        for step in steps:
            step(spec)

    return mutate


def _append(path: list[Any], value: Any) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        target: Any = spec
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


def _swap_income_bins(spec: Spec) -> None:
    bins = spec["bins"]["income"]
    bins[0], bins[1] = bins[1], bins[0]


# (id, base, mutation, expected path, a phrase the message must contain)
CASES: list[tuple[str, str, Callable[[Spec], None], str, str]] = [
    # ---- shape and common fields
    ("missing kind", "scorecard", _delete(["kind"]), "kind", "missing required field 'kind'"),
    ("unknown kind", "scorecard", _set(["kind"], "neural"), "kind", "must be one of"),
    ("unknown top-level field", "scorecard", _set(["notes"], "x"), "notes", "unknown field 'notes'"),
    (
        "field of another kind",
        "scorecard",
        _set(["intercept"], 1),
        "intercept",
        "field 'intercept' is not used by kind 'scorecard'",
    ),
    (
        "kind-specific field missing",
        "scorecard",
        _delete(["bands"]),
        "bands",
        "missing required field 'bands' (required for kind 'scorecard')",
    ),
    ("empty features", "scorecard", _set(["features"], []), "features", "must not be empty"),
    (
        "label without kk",
        "scorecard",
        _delete(["features", 0, "label", "kk"]),
        "features[0].label.kk",
        "missing required field 'kk'",
    ),
    (
        "label in an undeclared language",
        "scorecard",
        _set(["features", 0, "label", "de"], "Einkommen"),
        "features[0].label.de",
        "unknown field 'de'",
    ),
    (
        "blank label",
        "scorecard",
        _set(["features", 0, "label", "ru"], "   "),
        "features[0].label.ru",
        "must not be blank",
    ),
    (
        "label not a string",
        "scorecard",
        _set(["features", 0, "label", "en"], 5),
        "features[0].label.en",
        "must be a string, got an integer",
    ),
    (
        "bad feature name",
        "scorecard",
        _set(["features", 0, "name"], "Income"),
        "features[0].name",
        "must be a feature name",
    ),
    (
        "duplicate feature name",
        "scorecard",
        _set(["features", 1, "name"], "income"),
        "features[1].name",
        "duplicate feature name 'income' (already used by features[0])",
    ),
    (
        "unknown feature type",
        "scorecard",
        _set(["features", 0, "type"], "float"),
        "features[0].type",
        "must be one of: 'number', 'integer', 'boolean', 'category', 'date'; got 'float'",
    ),
    (
        "min above max",
        "scorecard",
        _set(["features", 0, "min"], 2000000),
        "features[0].max",
        "max (1000000) is less than min (2000000)",
    ),
    (
        "number without min",
        "scorecard",
        _delete(["features", 0, "min"]),
        "features[0].min",
        "missing required field 'min' (required for features of type 'number')",
    ),
    (
        "integer with fractional min",
        "scorecard",
        _set(["features", 1, "min"], 0.5),
        "features[1].min",
        "must be a whole number, got 0.5, which has a fractional part",
    ),
    (
        "categories on a boolean",
        "scorecard",
        _set(["features", 2, "categories"], ["a"]),
        "features[2].categories",
        "'categories' is only allowed for category features; this feature has type 'boolean'",
    ),
    (
        "min on a category",
        "scorecard",
        _set(["features", 3, "min"], 0),
        "features[3].min",
        "'min' is only allowed for number and integer features",
    ),
    (
        "category without categories",
        "scorecard",
        _delete(["features", 3, "categories"]),
        "features[3].categories",
        "missing required field 'categories' (required for features of type 'category')",
    ),
    (
        "duplicate categories",
        "scorecard",
        _set(["features", 3, "categories"], ["owned", "owned", "none"]),
        "features[3].categories",
        "contains duplicates: 'owned'",
    ),
    (
        "zero step",
        "scorecard",
        _set(["features", 0, "step"], 0),
        "features[0].step",
        "must be greater than 0",
    ),
    (
        "fractional step of an integer",
        "scorecard",
        _set(["features", 1, "step"], 1.5),
        "features[1].step",
        "must be a whole number",
    ),
    (
        "mutable date",
        "scorecard",
        _set(["features", 4, "mutable"], True),
        "features[4].mutable",
        "a date feature cannot be mutable",
    ),
    (
        "ordered direction on a category",
        "scorecard",
        _set(["features", 3, "direction"], "increase"),
        "features[3].direction",
        "categories have no order",
    ),
    (
        "zero cost",
        "scorecard",
        _set(["features", 0, "cost"], 0),
        "features[0].cost",
        "must be greater than 0",
    ),
    (
        "missing source",
        "scorecard",
        _delete(["features", 0, "source"]),
        "features[0].source",
        "missing required field 'source'",
    ),
    ("NaN", "scorecard", _set(["base_points"], math.nan), "base_points", "must be a finite number"),
    (
        "infinity",
        "scorecard",
        _set(["bins", "income", 0, "points"], math.inf),
        "bins.income[0].points",
        "must be a finite number",
    ),
    ("too large", "scorecard", _set(["base_points"], 1e16), "base_points", "must lie between -1e15 and 1e15"),
    (
        "boolean as a number",
        "scorecard",
        _set(["base_points"], True),
        "base_points",
        "must be a number, got a boolean",
    ),
    (
        "duplicate outcome",
        "scorecard",
        _set(["outcomes", 1, "code"], "SUPPORT"),
        "outcomes[1].code",
        "duplicate outcome code 'SUPPORT'",
    ),
    (
        "outcome without favourable",
        "scorecard",
        _delete(["outcomes", 0, "favourable"]),
        "outcomes[0].favourable",
        "missing required field 'favourable'",
    ),
    (
        "bad outcome code",
        "scorecard",
        _set(["outcomes", 0, "code"], "support level"),
        "outcomes[0].code",
        "must be an outcome code",
    ),
    (
        "not JSON data",
        "scorecard",
        _set(["base_points"], {1, 2}),
        "base_points",
        "must be a number, got a set",
    ),
    # ---- scorecard bins
    (
        "gap between bins",
        "scorecard",
        _set(["bins", "income", 1, "lower"], 60000),
        "bins.income[1].lower",
        "gap between bins: this bin starts at 60000 but the previous bin ends at 50000",
    ),
    (
        "overlapping bins",
        "scorecard",
        _set(["bins", "income", 1, "lower"], 40000),
        "bins.income[1].lower",
        "bins overlap: this bin starts at 40000, before the previous bin ends at 50000",
    ),
    (
        "unsorted bins",
        "scorecard",
        _swap_income_bins,
        "bins.income[1].lower",
        "only the first bin may have an open lower end",
    ),
    (
        "first bin above min",
        "scorecard",
        _set(["bins", "income", 0, "lower"], 10),
        "bins.income[0].lower",
        "the first bin starts at 10, above the minimum of 'income' (0)",
    ),
    (
        "last bin ends at max",
        "scorecard",
        _set(["bins", "children", 2, "upper"], 10),
        "bins.children[2].upper",
        "the last bin ends at 10 (exclusive), so values from 10 up to the maximum of 'children' (10)",
    ),
    (
        "open end in the middle",
        "scorecard",
        _set(["bins", "income", 1, "upper"], None),
        "bins.income[1].upper",
        "only the last bin may have an open upper end",
    ),
    (
        "empty bin",
        "scorecard",
        _do(_set(["bins", "income", 1, "upper"], 50000), _set(["bins", "income", 2, "lower"], 50000)),
        "bins.income[1]",
        "empty bin: lower (50000) must be less than upper (50000)",
    ),
    (
        "bin without an integer",
        "scorecard",
        _do(
            _set(["bins", "children", 0, "upper"], 2.2),
            _set(["bins", "children", 1, "lower"], 2.2),
            _set(["bins", "children", 1, "upper"], 2.8),
            _set(["bins", "children", 2, "lower"], 2.8),
        ),
        "bins.children[1]",
        "this bin contains no admissible value of 'children'",
    ),
    (
        "bin outside the bounds",
        "scorecard",
        _do(
            _set(["bins", "income", 2, "upper"], 2000000),
            _append(["bins", "income"], {"lower": 2000000, "upper": None, "points": 5}),
        ),
        "bins.income[3]",
        "this bin contains no admissible value of 'income' (allowed: 0 to 1000000)",
    ),
    (
        "numeric bin without lower",
        "scorecard",
        _delete(["bins", "income", 1, "lower"]),
        "bins.income[1].lower",
        "missing required field 'lower'",
    ),
    (
        "category missing a bin",
        "scorecard",
        _delete(["bins", "housing", 2]),
        "bins.housing",
        "no bin for 'none': every value of 'housing' needs exactly one bin",
    ),
    (
        "category binned twice",
        "scorecard",
        _set(["bins", "housing", 2, "category"], "owned"),
        "bins.housing[2].category",
        "'owned' already has a bin (bins[0])",
    ),
    (
        "unknown category in bins",
        "scorecard",
        _set(["bins", "housing", 0, "category"], "castle"),
        "bins.housing[0].category",
        "'castle' is not a category of 'housing'",
    ),
    (
        "string in boolean bins",
        "scorecard",
        _set(["bins", "has_vehicle", 0, "category"], "yes"),
        "bins.has_vehicle[0].category",
        "'has_vehicle' is a boolean feature: category must be true or false",
    ),
    (
        "boolean bins without false",
        "scorecard",
        _delete(["bins", "has_vehicle", 1]),
        "bins.has_vehicle",
        "no bin for false",
    ),
    (
        "category in numeric bins",
        "scorecard",
        _set(["bins", "children", 0, "category"], "few"),
        "bins.children[0].category",
        "'children' is a integer feature: its bins have 'lower' and 'upper'",
    ),
    (
        "lower in category bins",
        "scorecard",
        _set(["bins", "housing", 0, "lower"], 1),
        "bins.housing[0].lower",
        "a bin with a 'category' cannot have 'lower'",
    ),
    (
        "bins of an undeclared feature",
        "scorecard",
        _set(["bins", "ghost"], [{"category": True, "points": 1}]),
        "bins.ghost",
        "'ghost' is not a declared feature",
    ),
    (
        "feature without bins",
        "scorecard",
        _do(_delete(["bins", "children"]), _delete(["reference_bins", "children"])),
        "bins.children",
        "missing bins for feature 'children'",
    ),
    (
        "binned date",
        "scorecard",
        _set(["bins", "born"], [{"lower": None, "upper": None, "points": 1}]),
        "bins.born",
        "date features cannot be scored",
    ),
    (
        "reference bin out of range",
        "scorecard",
        _set(["reference_bins", "children"], 3),
        "reference_bins.children",
        "index 3 is out of range: 'children' has 3 bins (valid indexes 0 to 2)",
    ),
    (
        "negative reference bin",
        "scorecard",
        _set(["reference_bins", "children"], -1),
        "reference_bins.children",
        "must be at least 0",
    ),
    (
        "reference bin missing",
        "scorecard",
        _delete(["reference_bins", "housing"]),
        "reference_bins.housing",
        "missing reference bin for feature 'housing'",
    ),
    (
        "first band with a minimum",
        "scorecard",
        _set(["bands", 0, "min_score"], 0),
        "bands[0].min_score",
        "the first band must have min_score null",
    ),
    (
        "bands not ascending",
        "scorecard",
        _set(["bands", 2, "min_score"], 30),
        "bands[2].min_score",
        "strictly ascending order of min_score: 30 is not greater than the previous band's 30",
    ),
    (
        "null band later",
        "scorecard",
        _set(["bands", 1, "min_score"], None),
        "bands[1].min_score",
        "only the first band may have min_score null",
    ),
    (
        "undeclared band outcome",
        "scorecard",
        _set(["bands", 1, "outcome"], "MAYBE"),
        "bands[1].outcome",
        "outcome 'MAYBE' is not declared in 'outcomes'",
    ),
    # ---- linear and logistic
    (
        "coefficient of a category",
        "logistic",
        _set(["coefficients", "sector"], 0.1),
        "coefficients.sector",
        "'sector' is a category feature and cannot enter a linear formula",
    ),
    (
        "missing coefficient",
        "logistic",
        _delete(["coefficients", "cash_share"]),
        "coefficients.cash_share",
        "missing coefficient for feature 'cash_share' (use 0 if it has no effect)",
    ),
    (
        "coefficient of an undeclared feature",
        "linear",
        _set(["coefficients", "salary"], 1),
        "coefficients.salary",
        "'salary' is not a declared feature",
    ),
    (
        "missing baseline",
        "linear",
        _delete(["baseline", "pensioners"]),
        "baseline.pensioners",
        "missing baseline for feature 'pensioners'",
    ),
    (
        "baseline out of range",
        "logistic",
        _set(["baseline", "vat_refund_share"], 2),
        "baseline.vat_refund_share",
        "the baseline 2 lies outside the range of 'vat_refund_share' (0 to 1)",
    ),
    (
        "boolean baseline out of range",
        "linear",
        _set(["baseline", "owns_vehicle"], 2),
        "baseline.owns_vehicle",
        "must be true, false or a share between 0 and 1",
    ),
    (
        "probability threshold above 1",
        "logistic",
        _set(["threshold"], 1.5),
        "threshold",
        "a probability threshold must lie strictly between 0 and 1",
    ),
    (
        "linear thresholding a probability",
        "linear",
        _set(["threshold_on"], "probability"),
        "threshold_on",
        "a linear model always compares its score with the threshold",
    ),
    (
        "logistic without threshold_on",
        "logistic",
        _delete(["threshold_on"]),
        "threshold_on",
        "missing required field 'threshold_on' (required for kind 'logistic')",
    ),
    (
        "same outcome on both sides",
        "logistic",
        _set(["outcome_below"], "FLAG_FOR_INSPECTION"),
        "outcome_below",
        "must differ from outcome_at_or_above",
    ),
    (
        "undeclared outcome",
        "linear",
        _set(["outcome_at_or_above"], "REJECTED"),
        "outcome_at_or_above",
        "outcome 'REJECTED' is not declared",
    ),
    (
        "bins on a linear model",
        "linear",
        _set(["bins"], {}),
        "bins",
        "field 'bins' is not used by kind 'linear'",
    ),
    # ---- decision tree (example: 0 -> 1, 2; 1 -> 3, 4; 3 -> 5, 6; 4 -> 7, 8; 8 -> 9, 10; nodes[i] has id i)
    (
        "root is a child (cycle)",
        "tree",
        _set(["nodes", 8, "false"], 0),
        "root",
        "the root node 0 is also a child of node 8",
    ),
    (
        "child of two nodes",
        "tree",
        _set(["nodes", 8, "false"], 5),
        "nodes[5]",
        "node 5 is the child of several nodes (3, 8); the nodes must form a tree",
    ),
    (
        "same child on both branches",
        "tree",
        _set(["nodes", 8, "false"], 9),
        "nodes[9]",
        "node 8 uses node 9 as both its true and its false child",
    ),
    (
        "unreachable node",
        "tree",
        _append(["nodes"], {"id": 11, "outcome": "ELIGIBLE"}),
        "nodes[11]",
        "node 11 cannot be reached from the root node 0",
    ),
    (
        "detached cycle",
        "tree",
        _do(
            _set(["nodes", 8, "false"], 9),
            _append(
                ["nodes"],
                {"id": 11, "feature": "income_per_person", "op": "<=", "value": 1, "true": 12, "false": 10},
            ),
            _append(
                ["nodes"],
                {"id": 12, "feature": "income_per_person", "op": "<=", "value": 1, "true": 11, "false": 2},
            ),
        ),
        "nodes[11]",
        "node 11 cannot be reached from the root node 0",
    ),
    ("child id missing", "tree", _set(["nodes", 0, "true"], 99), "nodes[0].true", "no node has id 99"),
    ("root id missing", "tree", _set(["root"], 42), "root", "no node has id 42"),
    (
        "duplicate node id",
        "tree",
        _set(["nodes", 2, "id"], 1),
        "nodes[2].id",
        "duplicate node id 1 (already used by nodes[1])",
    ),
    (
        "<= on a category",
        "tree",
        _set(["nodes", 1, "op"], "<="),
        "nodes[1].op",
        "'<=' needs a number, integer or date feature; 'housing_status' is a category feature (use 'in')",
    ),
    (
        "in on a number",
        "tree",
        _do(_set(["nodes", 0, "op"], "in"), _set(["nodes", 0, "value"], ["1"])),
        "nodes[0].op",
        "'in' needs a category or boolean feature; 'income_per_person' is a number feature",
    ),
    (
        "unknown category in a test",
        "tree",
        _set(["nodes", 1, "value"], ["rented", "hut"]),
        "nodes[1].value[1]",
        "'hut' is not a category of 'housing_status'",
    ),
    (
        "empty value list",
        "tree",
        _set(["nodes", 1, "value"], []),
        "nodes[1].value",
        "needs at least one value",
    ),
    (
        "value listed twice",
        "tree",
        _set(["nodes", 1, "value"], ["rented", "rented"]),
        "nodes[1].value[1]",
        "'rented' is listed twice",
    ),
    (
        "impossible date",
        "tree",
        _set(["nodes", 3, "value"], "2025-02-30"),
        "nodes[3].value",
        "must be a date YYYY-MM-DD to compare with date feature 'lease_registered_on'",
    ),
    (
        "number compared with a string",
        "tree",
        _set(["nodes", 0, "value"], "92456"),
        "nodes[0].value",
        "must be a number to compare with number feature 'income_per_person'",
    ),
    (
        "leaf with a test",
        "tree",
        _set(["nodes", 2, "feature"], "income_per_person"),
        "nodes[2].feature",
        "a leaf node (one with an 'outcome') cannot have 'feature'",
    ),
    (
        "score on an internal node",
        "tree",
        _set(["nodes", 0, "score"], 0.5),
        "nodes[0].score",
        "'score' is only allowed on leaf nodes",
    ),
    (
        "internal node without true",
        "tree",
        _delete(["nodes", 0, "true"]),
        "nodes[0].true",
        "missing required field 'true'",
    ),
    (
        "test of an undeclared feature",
        "tree",
        _set(["nodes", 0, "feature"], "salary"),
        "nodes[0].feature",
        "'salary' is not a declared feature",
    ),
    (
        "undeclared leaf outcome",
        "tree",
        _set(["nodes", 2, "outcome"], "DENIED"),
        "nodes[2].outcome",
        "outcome 'DENIED' is not declared",
    ),
    ("negative id", "tree", _set(["nodes", 10, "id"], -1), "nodes[10].id", "must be at least 0"),
    # ---- rules
    (
        "duplicate rule id",
        "rules",
        _set(["rules", 1, "id"], "R1"),
        "rules[1].id",
        "duplicate rule id 'R1' (already used by rules[0])",
    ),
    (
        ">= on a category",
        "rules",
        _set(["rules", 3, "conditions", 0, "op"], ">="),
        "rules[3].conditions[0].op",
        "needs a number, integer or date feature; 'housing_status' is a category feature (use 'in' or '==')",
    ),
    (
        "== with an undeclared category",
        "rules",
        _do(
            _set(["rules", 3, "conditions", 0, "op"], "=="),
            _set(["rules", 3, "conditions", 0, "value"], "tent"),
        ),
        "rules[3].conditions[0].value",
        "'tent' is not a category of 'housing_status'",
    ),
    (
        "in on an integer",
        "rules",
        _do(
            _set(["rules", 1, "conditions", 0, "op"], "in"),
            _set(["rules", 1, "conditions", 0, "value"], ["4"]),
        ),
        "rules[1].conditions[0].op",
        "'in' needs a category or boolean feature; 'children_under_18' is a integer",
    ),
    (
        "integer can never equal",
        "rules",
        _do(
            _set(["rules", 1, "conditions", 0, "op"], "=="), _set(["rules", 1, "conditions", 0, "value"], 2.5)
        ),
        "rules[1].conditions[0].value",
        "integer feature 'children_under_18' can never equal 2.5",
    ),
    (
        "boolean compared with a string",
        "rules",
        _set(["rules", 4, "conditions", 1, "value"], "false"),
        "rules[4].conditions[1].value",
        "must be true or false for boolean feature 'owns_vehicle'",
    ),
    (
        "date compared with a number",
        "rules",
        _set(["rules", 0, "conditions", 0, "value"], 20250701),
        "rules[0].conditions[0].value",
        "must be a date YYYY-MM-DD to compare with date feature 'registered_since'",
    ),
    (
        "unknown operator",
        "rules",
        _set(["rules", 0, "conditions", 0, "op"], "=~"),
        "rules[0].conditions[0].op",
        "must be one of: '<', '<=', '>', '>=', '==', '!=', 'in', 'not_in'; got '=~'",
    ),
    (
        "rule without conditions",
        "rules",
        _set(["rules", 0, "conditions"], []),
        "rules[0].conditions",
        "must not be empty",
    ),
    (
        "rule without label",
        "rules",
        _delete(["rules", 0, "label"]),
        "rules[0].label",
        "missing required field 'label'",
    ),
    (
        "undeclared rule outcome",
        "rules",
        _set(["rules", 0, "outcome"], "MAYBE"),
        "rules[0].outcome",
        "outcome 'MAYBE' is not declared",
    ),
    (
        "undeclared default outcome",
        "rules",
        _set(["default_outcome"], "MAYBE"),
        "default_outcome",
        "outcome 'MAYBE' is not declared",
    ),
    # ---- opaque
    (
        "opaque without description",
        "opaque",
        _delete(["description"]),
        "description",
        "missing required field 'description' (required for kind 'opaque')",
    ),
    (
        "opaque with replay logic",
        "opaque",
        _set(["rules"], []),
        "rules",
        "field 'rules' is not used by kind 'opaque'",
    ),
]


@pytest.mark.parametrize(
    ("base", "mutate", "path", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_spec_reports_the_specific_error(
    base: str, mutate: Callable[[Spec], None], path: str, phrase: str
) -> None:
    spec = BASES[base]()
    mutate(spec)
    errors = validate_spec(spec)
    at_path = [e.message for e in errors if e.path == path]
    assert any(phrase in message for message in at_path), (path, phrase, errors)
    with pytest.raises(InvalidSpec) as raised:
        compile_spec(spec)
    assert raised.value.errors == errors


def test_not_an_object() -> None:
    assert validate_spec([1, 2]) == [SpecError("", "the specification must be a JSON object, got a list")]
    assert validate_spec(None)[0].path == ""


def test_errors_are_sorted_by_path_with_numeric_indexes_and_unique() -> None:
    spec = copy.deepcopy(SCORECARD)
    spec["features"] = spec["features"] * 6  # 30 features, 25 of them duplicates
    errors = validate_spec(spec)
    paths = [e.path for e in errors if e.path.startswith("features[")]
    indexes = [int(p.split("[")[1].split("]")[0]) for p in paths]
    assert indexes == sorted(indexes)
    assert len(errors) == len(set(errors))


def test_error_serialises_for_the_api() -> None:
    error = SpecError("bins.income[2].upper", "message")
    assert error.as_dict() == {"path": "bins.income[2].upper", "message": "message"}
    assert str(error) == "bins.income[2].upper: message"


def test_keys_that_are_not_identifiers_are_quoted_in_paths() -> None:
    spec = copy.deepcopy(SCORECARD)
    spec["bins"]["no such.feature"] = spec["bins"]["has_vehicle"]
    paths = {e.path for e in validate_spec(spec)}
    assert 'bins["no such.feature"]' in paths


# ------------------------------------------------------------------------------------------------------------
# Robustness: mutate valid specs at random; validate_spec must return errors or [], never raise, and [] must
# mean compile_spec works and scoring valid inputs works.

JSON_JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.sampled_from(["owned", "OUT_0", "integer_0", "<=", "in", "2024-01-01", "number"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _locations(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _locations(value, (*path, index))
    return out


@st.composite
def mutated_specs(draw: st.DrawFn) -> Spec:
    spec = copy.deepcopy(draw(specs()))
    for _ in range(draw(st.integers(1, 3))):
        locations = [p for p in _locations(spec) if p]
        if not locations:
            break
        where = draw(st.sampled_from(locations))
        parent: Any = spec
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[where[-1]]))
        else:
            parent[where[-1]] = draw(JSON_JUNK)
    return spec


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_specs(), st.data())
def test_validate_never_raises_and_valid_means_compilable(spec: Spec, data: st.DataObject) -> None:
    errors = validate_spec(spec)
    assert isinstance(errors, list)
    assert all(isinstance(e, SpecError) and e.message for e in errors)
    if errors:
        return
    model = compile_spec(spec)
    values = data.draw(inputs_for(spec))
    assert model.validate_inputs(values) == []
    if spec["kind"] == "opaque":
        with pytest.raises(NotReplayable):
            model.score(values)
    else:
        assert model.score(values).outcome in {o["code"] for o in spec["outcomes"]}
