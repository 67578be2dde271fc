"""Property tests of the explanation engine over generated models of every kind, against brute force.

For every generated (spec, case):
* the spec is valid and the explanation's replay matches the compiled model;
* additive kinds: baseline + Σ contributions == score exactly (from the JSON's exact rationals);
* every counterfactual, applied and replayed, gives its stated outcome, which differs from the case's; it only
  touches mutable features, stays within bounds, respects direction and step; its cost is the cost model's;
* the first counterfactual's cost equals the brute-force optimum over the whole grid of allowed values, and
  ``no_recourse`` is reported exactly when brute force finds nothing;
* each later alternative is the brute-force optimum among routes that are no superset of an earlier route;
* two computations are byte-identical.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explanations.engine import Explanation, explain
from explanations.spec import compile_spec, validate_spec
from tests.explanations.engine.strategies_small import (
    all_solutions,
    change_cost,
    grid_size,
    linears,
    rule_lists,
    scorecards,
    trees,
)

# ENGINE_EXAMPLES=5000 for a soak run; the default keeps the whole folder well under a minute.
EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "70"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GRID_LIMIT = 20_000


def _explain(spec: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[Explanation, Any]:
    assert validate_spec(spec) == [], validate_spec(spec)
    model = compile_spec(spec)
    res = model.score(values)
    exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)
    return exp, model


def _check_contributions(exp: Explanation, model: Any, values: Mapping[str, Any]) -> None:
    c = exp.contributions
    assert c is not None
    total = Fraction(c.baseline_exact) + sum((Fraction(i.contribution_exact) for i in c.items), Fraction(0))
    assert total == Fraction(c.score_exact)
    if exp.kind == "logistic" and model.spec.get("threshold_on") == "probability":
        assert exp.probability is not None
        assert math.isclose(exp.probability.probability_at_case, model.score(values).score, rel_tol=1e-12)
    else:
        # dyadic data: the compiled model's float sum is exact, so equality is exact too
        assert float(Fraction(c.score_exact)) == model.score(values).score


def _check_counterfactuals(exp: Explanation, spec: Mapping[str, Any], values: Mapping[str, Any], model: Any) -> None:
    feats = {f["name"]: f for f in spec["features"]}
    current = model.score(values).outcome
    for alt in exp.counterfactuals.alternatives:
        new = dict(values)
        cost = Fraction(0)
        for ch in alt.changes:
            f = feats[ch.feature]
            assert f["mutable"], f"changed immutable {ch.feature}"
            assert ch.from_value == values[ch.feature]
            old, to = ch.from_value, ch.to_value
            assert change_cost(f, old, to) > 0, "a listed change must change something"
            if f["type"] in ("integer", "number"):
                assert f["min"] <= to <= f["max"]
                if f.get("direction") == "increase":
                    assert to > old
                if f.get("direction") == "decrease":
                    assert to < old
                step = Fraction(repr(f["step"])) if "step" in f else Fraction(1)
                if f["type"] == "integer" or "step" in f:
                    assert (Fraction(to) / step).denominator == 1, f"{to} is off the grid of {step}"
            elif f["type"] == "boolean":
                if f.get("direction") == "increase":
                    assert to is True
                if f.get("direction") == "decrease":
                    assert to is False
            new[ch.feature] = to
            assert Fraction(ch.cost_exact) == change_cost(f, old, to)
            cost += change_cost(f, old, to)
        assert Fraction(alt.cost_exact) == cost
        replay = model.score(new)
        assert replay.outcome == alt.outcome != current
        assert alt.outcome in exp.counterfactuals.target_outcomes


def _check_against_brute_force(exp: Explanation, spec: Mapping[str, Any], values: Mapping[str, Any], model: Any) -> None:
    if grid_size(spec, values) > GRID_LIMIT:
        return
    solutions = list(all_solutions(spec, values, model))
    cfs = exp.counterfactuals
    if not solutions:
        assert cfs.no_recourse and cfs.status == "no_recourse" and cfs.alternatives == ()
        return
    assert not cfs.no_recourse and cfs.status == "found"
    earlier: list[frozenset[str]] = []
    for alt in cfs.alternatives:
        allowed = [c for c, s, _ in solutions if not any(s >= e for e in earlier)]
        assert allowed, "an alternative exists that brute force cannot find"
        assert Fraction(alt.cost_exact) == min(allowed), (alt, min(allowed))
        earlier.append(frozenset(ch.feature for ch in alt.changes))
    if len(cfs.alternatives) < 3:  # fewer than asked: brute force must find no further diverse route
        assert not [c for c, s, _ in solutions if not any(s >= e for e in earlier)]


def _check_all(spec: Mapping[str, Any], values: Mapping[str, Any]) -> Explanation:
    exp, model = _explain(spec, values)
    assert exp.replay.status == "match"
    assert exp.replay.replayed_outcome == model.score(values).outcome
    if exp.kind in ("scorecard", "linear", "logistic"):
        _check_contributions(exp, model, values)
    _check_counterfactuals(exp, spec, values, model)
    _check_against_brute_force(exp, spec, values, model)
    again, _ = _explain(spec, dict(reversed(list(values.items()))))
    assert again.to_json() == exp.to_json()
    return exp


@SETTINGS
@given(scorecards())
def test_scorecard_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _check_all(*case)


@SETTINGS
@given(linears())
def test_linear_and_logistic_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _check_all(*case)


@SETTINGS
@given(trees())
def test_tree_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    exp = _check_all(*case)
    assert exp.path is not None and exp.path.outcome == exp.replay.replayed_outcome


@SETTINGS
@given(rule_lists())
def test_rule_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    exp = _check_all(*case)
    assert exp.rules is not None and exp.rules.outcome == exp.replay.replayed_outcome


@pytest.mark.parametrize("max_alternatives", [1, 5])
@settings(max_examples=15, deadline=None)
@given(case=st.one_of(scorecards(), linears(), trees(), rule_lists()))
def test_the_number_of_alternatives_is_capped(case: tuple[dict[str, Any], dict[str, Any]], max_alternatives: int) -> None:
    spec, values = case
    model = compile_spec(spec)
    res = model.score(values)
    exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome, max_alternatives=max_alternatives)
    assert len(exp.counterfactuals.alternatives) <= max_alternatives
