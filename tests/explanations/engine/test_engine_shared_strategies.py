"""The engine on the project-wide spec generators (tests/explanations/strategies.py).

* small specs of every replayable kind: every property, including brute-force optimality;
* general specs (arbitrary floats, decimal steps, continuous numbers, dates, opaque): every property that does
  not need a finite grid, plus brute force where the grid happens to be small.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings

from explanations.engine import explain
from explanations.spec import compile_spec
from tests.explanations.engine.checks import check_all
from tests.explanations.strategies import REPLAYABLE_KINDS, specs_with_inputs

EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "70"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(specs_with_inputs(REPLAYABLE_KINDS, small=True))
def test_small_shared_specs_get_optimal_counterfactuals(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_all(*case)


@SETTINGS
@given(specs_with_inputs(REPLAYABLE_KINDS))
def test_general_shared_specs_get_valid_exact_explanations(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    check_all(*case)


@settings(max_examples=max(10, EXAMPLES // 4), deadline=None)
@given(specs_with_inputs("opaque"))
def test_opaque_models_show_the_agencys_attributions_and_claim_nothing(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    spec, values = case
    attributions = {name: 0.25 * i for i, name in enumerate(values)}
    exp = explain(
        spec,
        values,
        recorded_score=0.5,
        recorded_outcome=spec["outcomes"][0]["code"],
        attributions=attributions,
    )
    assert exp.reproducible is False
    assert exp.replay.status == "not_replayable"
    assert exp.attributions is not None and exp.attributions.reproducible is False and exp.attributions.reason
    # as given, in the model's display order
    assert [(a.feature, a.value) for a in exp.attributions.items] == [
        (f["name"], attributions[f["name"]]) for f in spec["features"]
    ]
    assert exp.counterfactuals.status == "not_applicable" and exp.counterfactuals.alternatives == ()
    assert exp.contributions is None and exp.principal_reasons == ()
    assert compile_spec(spec).kind == "opaque"
