"""Replay of generated models against independent brute-force recomputations.

Each oracle here is written differently from explanations/spec/compiled.py: linear scans over bins and bands
with exact rational sums (fractions), a recursive tree walk over a dict of nodes, a naive rule loop with
explicit comparisons, and ``math.exp`` in the textbook logistic formula.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explanations.spec import ScoreResult, compile_spec, validate_spec
from tests.explanations.strategies import (
    KINDS,
    enumerate_inputs,
    input_space_size,
    inputs_for,
    small_specs,
    specs,
    specs_with_inputs,
    value_grid,
)

Spec = dict[str, Any]
PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------------------------
# Oracles


def oracle_scorecard(spec: Spec, values: dict[str, Any]) -> tuple[float, str, dict[str, int]]:
    exact = Fraction(spec["base_points"])
    chosen: dict[str, int] = {}
    for feature in spec["features"]:
        name = feature["name"]
        if name not in spec["bins"]:
            continue
        x = values[name]
        hits = []
        for index, item in enumerate(spec["bins"][name]):
            if "category" in item:
                if item["category"] is x or (type(item["category"]) is type(x) and item["category"] == x):
                    hits.append(index)
            else:
                above_lower = item["lower"] is None or Fraction(x) >= Fraction(item["lower"])
                below_upper = item["upper"] is None or Fraction(x) < Fraction(item["upper"])
                if above_lower and below_upper:
                    hits.append(index)
        assert len(hits) == 1, (name, x, hits)
        chosen[name] = hits[0]
        exact += Fraction(spec["bins"][name][hits[0]]["points"])
    score = float(exact)  # the correctly rounded sum, which math.fsum also returns
    outcome = None
    for band in spec["bands"]:
        if band["min_score"] is None or score >= band["min_score"]:
            outcome = band["outcome"]
    assert outcome is not None
    return score, outcome, chosen


def oracle_linear(spec: Spec, values: dict[str, Any]) -> tuple[Fraction, float]:
    """Exact rational value of intercept + sum(w * x) and the sum of magnitudes (for tolerances)."""
    exact = Fraction(spec["intercept"])
    magnitude = abs(float(spec["intercept"]))
    for name, weight in spec["coefficients"].items():
        x = values[name]
        x = (1 if x else 0) if isinstance(x, bool) else x
        exact += Fraction(weight) * Fraction(x)
        magnitude += abs(float(weight) * float(x))
    return exact, magnitude


def textbook_sigmoid(z: float) -> float:
    try:
        return 1 / (1 + math.exp(-z))
    except OverflowError:
        return 0.0


def oracle_tree(spec: Spec, values: dict[str, Any]) -> tuple[dict[str, Any], int]:
    nodes = {node["id"]: node for node in spec["nodes"]}

    def walk(node_id: int, depth: int) -> dict[str, Any]:
        assert depth <= len(nodes)
        node = nodes[node_id]
        if "outcome" in node:
            return node
        x = values[node["feature"]]
        if node["op"] == "<=":
            went_true = x <= node["value"]
        else:
            went_true = any(x == v and type(x) is type(v) for v in node["value"])
        return walk(node["true"] if went_true else node["false"], depth + 1)

    leaf = walk(spec["root"], 0)
    return leaf, spec["nodes"].index(leaf)


def condition_holds(condition: dict[str, Any], x: Any) -> bool:
    op, v = condition["op"], condition["value"]
    if op == "<":
        return bool(x < v)
    if op == "<=":
        return bool(x <= v)
    if op == ">":
        return bool(x > v)
    if op == ">=":
        return bool(x >= v)
    if op == "==":
        return bool(x == v)
    if op == "!=":
        return bool(x != v)
    member = False
    for item in v:
        if item == x:
            member = True
    return member if op == "in" else not member


def oracle_rules(spec: Spec, values: dict[str, Any]) -> tuple[str, int | None]:
    for index, rule in enumerate(spec["rules"]):
        ok = True
        for condition in rule["conditions"]:
            if not condition_holds(condition, values[condition["feature"]]):
                ok = False
        if ok:
            return rule["outcome"], index
    return spec["default_outcome"], None


def check_against_oracle(spec: Spec, values: dict[str, Any]) -> ScoreResult:
    """Assert that compile_spec(spec).score(values) agrees with the oracle of its kind; return the result."""
    model = compile_spec(spec)
    assert model.validate_inputs(values) == []
    result = model.score(values)
    kind = spec["kind"]
    if kind == "scorecard":
        score, outcome, chosen = oracle_scorecard(spec, values)
        assert result == ScoreResult(score, outcome)
        for name, index in chosen.items():
            assert model.bin_index(name, values[name]) == index
        assert model.outcome_for_score(score) == outcome
    elif kind in ("linear", "logistic"):
        exact, magnitude = oracle_linear(spec, values)
        tolerance = 1e-12 * (magnitude + 1)
        on_probability = kind == "logistic" and spec["threshold_on"] == "probability"
        assert result.score is not None
        if on_probability:
            expected = textbook_sigmoid(float(exact))
            assert math.isclose(result.score, expected, rel_tol=1e-9, abs_tol=1e-12)
        else:
            assert abs(Fraction(result.score) - exact) <= Fraction(tolerance)
        # The compiled outcome follows its own score; away from the threshold it is the oracle's outcome.
        threshold = spec["threshold"]
        expected_outcome = spec["outcome_at_or_above"] if result.score >= threshold else spec["outcome_below"]
        assert result.outcome == expected_outcome == model.outcome_for_score(result.score)
        oracle_score = textbook_sigmoid(float(exact)) if on_probability else float(exact)
        if abs(oracle_score - threshold) > 1e-9 * (magnitude + 1):
            oracle_outcome = (
                spec["outcome_at_or_above"] if oracle_score >= threshold else spec["outcome_below"]
            )
            assert result.outcome == oracle_outcome
    elif kind == "decision_tree":
        leaf, position = oracle_tree(spec, values)
        leaf_score = leaf.get("score")
        assert result == ScoreResult(None if leaf_score is None else float(leaf_score), leaf["outcome"])
        assert model.leaf_position(values) == position
    elif kind == "rules":
        rule_outcome, rule_index = oracle_rules(spec, values)
        assert result == ScoreResult(None, rule_outcome)
        assert model.fired_rule(values) == rule_index
    else:  # pragma: no cover
        raise AssertionError(kind)
    assert model.matches(result.score, result.outcome, values)
    other = next((o["code"] for o in spec["outcomes"] if o["code"] != result.outcome), None)
    if other is not None:
        assert not model.matches(result.score, other, values)
    if result.score is not None:
        assert not model.matches(result.score + 1e-3 * (abs(result.score) + 1), result.outcome, values)
        assert not model.matches(None, result.outcome, values)
    else:
        assert not model.matches(0.0, result.outcome, values)
    return result


# ------------------------------------------------------------------------------------------------------------
# Properties


@PROFILE
@given(specs())
def test_generated_specs_are_valid(spec: Spec) -> None:
    assert validate_spec(spec) == []


@settings(max_examples=100, deadline=None)
@given(small_specs())
def test_small_specs_are_valid_and_small(spec: Spec) -> None:
    assert validate_spec(spec) == []
    size = input_space_size(spec)
    assert size is not None and size <= 6**3
    assert all(f["type"] != "date" for f in spec["features"])


def _kind_test(kind: str) -> Any:
    @PROFILE
    @given(specs_with_inputs(kind))
    def test(pair: tuple[Spec, dict[str, Any]]) -> None:
        check_against_oracle(*pair)

    test.__name__ = f"test_{kind}_replay_matches_brute_force"
    return test


test_scorecard_replay_matches_brute_force = _kind_test("scorecard")
test_linear_replay_matches_brute_force = _kind_test("linear")
test_logistic_replay_matches_brute_force = _kind_test("logistic")
test_decision_tree_replay_matches_brute_force = _kind_test("decision_tree")
test_rules_replay_matches_brute_force = _kind_test("rules")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(["scorecard", "linear", "logistic", "decision_tree", "rules"]))
def test_every_input_of_a_small_model_replays_like_brute_force(spec: Spec) -> None:
    seen_outcomes = set()
    for values in enumerate_inputs(spec):
        seen_outcomes.add(check_against_oracle(spec, values).outcome)
    assert seen_outcomes <= {o["code"] for o in spec["outcomes"]}


@settings(max_examples=50, deadline=None)
@given(specs("opaque"), st.data())
def test_opaque_inputs_validate(spec: Spec, data: st.DataObject) -> None:
    values = data.draw(inputs_for(spec))
    assert compile_spec(spec).validate_inputs(values) == []


@settings(max_examples=50, deadline=None)
@given(small_specs(), st.data())
def test_grid_inputs_come_from_the_grid(spec: Spec, data: st.DataObject) -> None:
    values = data.draw(inputs_for(spec, grid_only=True))
    for feature in spec["features"]:
        grid = value_grid(feature)
        assert grid is not None and values[feature["name"]] in grid


def test_every_kind_has_a_strategy() -> None:
    assert set(KINDS) == {"scorecard", "linear", "logistic", "decision_tree", "rules", "opaque"}
