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

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explanations.engine import explain
from explanations.spec import compile_spec
from tests.explanations.engine.checks import check_all
from tests.explanations.engine.strategies_small import linears, rule_lists, scorecards, trees

# ENGINE_EXAMPLES=5000 for a soak run; the default keeps the whole folder well under a minute.
EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "70"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scorecards())
def test_scorecard_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_all(*case, dyadic=True)


@SETTINGS
@given(linears())
def test_linear_and_logistic_explanations_are_exact_and_optimal(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    check_all(*case, dyadic=True)


@SETTINGS
@given(trees())
def test_tree_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    exp = check_all(*case, dyadic=True)
    assert exp.path is not None and exp.path.outcome == exp.replay.replayed_outcome


@SETTINGS
@given(rule_lists())
def test_rule_explanations_are_exact_and_optimal(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    exp = check_all(*case, dyadic=True)
    assert exp.rules is not None and exp.rules.outcome == exp.replay.replayed_outcome


@pytest.mark.parametrize("max_alternatives", [1, 5])
@settings(max_examples=15, deadline=None)
@given(case=st.one_of(scorecards(), linears(), trees(), rule_lists()))
def test_the_number_of_alternatives_is_capped(
    case: tuple[dict[str, Any], dict[str, Any]], max_alternatives: int
) -> None:
    spec, values = case
    model = compile_spec(spec)
    res = model.score(values)
    exp = explain(
        spec,
        values,
        recorded_score=res.score,
        recorded_outcome=res.outcome,
        max_alternatives=max_alternatives,
    )
    assert len(exp.counterfactuals.alternatives) <= max_alternatives
