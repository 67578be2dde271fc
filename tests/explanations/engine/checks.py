"""Checks shared by the property tests: what every explanation must satisfy, and brute-force optimality."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from explanations.engine import Explanation, explain
from explanations.spec import compile_spec, validate_spec
from tests.explanations.engine.strategies_small import all_solutions, change_cost, grid_size

GRID_LIMIT = 20_000


def explain_case(spec: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[Explanation, Any]:
    assert validate_spec(spec) == [], validate_spec(spec)
    model = compile_spec(spec)
    res = model.score(values)
    exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)
    return exp, model


def _check_contributions(exp: Explanation, model: Any, values: Mapping[str, Any], dyadic: bool) -> None:
    c = exp.contributions
    assert c is not None
    total = Fraction(c.baseline_exact) + sum((Fraction(i.contribution_exact) for i in c.items), Fraction(0))
    assert total == Fraction(c.score_exact)
    if exp.kind == "logistic" and model.spec.get("threshold_on") == "probability":
        assert exp.probability is not None
        assert math.isclose(exp.probability.probability_at_case, model.score(values).score, rel_tol=1e-12)
    elif dyadic:
        # dyadic data: the compiled model's float sum is exact, so equality is exact too
        assert float(Fraction(c.score_exact)) == model.score(values).score
    else:
        # the replay rounds each product: agree within the rounding of the terms
        magnitude = abs(Fraction(c.baseline_exact)) + sum(
            abs(Fraction(i.contribution_exact)) for i in c.items
        )
        magnitude += sum(
            (
                abs(Fraction(i.weight) * Fraction(float(i.reference or 0)))
                for i in c.items
                if i.weight is not None
            ),
            Fraction(0),
        )
        assert math.isclose(
            float(Fraction(c.score_exact)),
            model.score(values).score,
            rel_tol=0,
            abs_tol=1e-12 * (1 + float(magnitude)),
        )


def _check_counterfactuals(
    exp: Explanation, spec: Mapping[str, Any], values: Mapping[str, Any], model: Any
) -> None:
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
            assert old is not None and to is not None
            assert change_cost(f, old, to) > 0, "a listed change must change something"
            if f["type"] in ("integer", "number"):
                assert isinstance(old, int | float) and isinstance(to, int | float)
                assert f["min"] <= to <= f["max"]
                if f.get("direction") == "increase":
                    assert to > old
                if f.get("direction") == "decrease":
                    assert to < old
                step = Fraction(repr(f["step"])) if "step" in f else Fraction(1)
                if f["type"] == "integer" or "step" in f:
                    # the grid is the multiples of the step read as a decimal; floats by their shortest repr
                    assert (Fraction(repr(to)) / step).denominator == 1, f"{to} is off the grid of {step}"
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


def _check_against_brute_force(
    exp: Explanation, spec: Mapping[str, Any], values: Mapping[str, Any], model: Any
) -> None:
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


def check_all(spec: Mapping[str, Any], values: Mapping[str, Any], *, dyadic: bool = False) -> Explanation:
    """Every property of the module docstring of test_engine_properties; ``dyadic``: the data are exact binary
    fractions, so the replayed float score must equal the exact score exactly."""
    exp, model = explain_case(spec, values)
    assert exp.replay.status == "match"
    assert exp.replay.replayed_outcome == model.score(values).outcome
    if exp.kind in ("scorecard", "linear", "logistic"):
        _check_contributions(exp, model, values, dyadic)
    _check_counterfactuals(exp, spec, values, model)
    _check_against_brute_force(exp, spec, values, model)
    again, _ = explain_case(spec, dict(reversed(list(values.items()))))
    assert again.to_json() == exp.to_json()
    return exp
