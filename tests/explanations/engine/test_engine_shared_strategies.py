"""The engine on the project-wide spec generators (tests/explanations/strategies.py).

* small specs of every replayable kind: every property, including brute-force optimality;
* general specs (arbitrary floats, decimal steps, continuous numbers, dates, opaque): every property that does
  not need a finite grid, plus brute force where the grid happens to be small.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, example, given, settings

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


def _unit_label(name: str) -> dict[str, str]:
    return {"en": f"feature {name}", "kk": f"feature {name} (kk)", "ru": f"feature {name} (ru)"}


# Found by a soak run: exact arithmetic puts integer_0 = 40 exactly on the threshold (a strict "<" is not met),
# the model's float replay already flips there; the engine must offer 40, not 41.
_INTEGER_TIE = (
    {
        "kind": "linear",
        "features": [
            {"name": "integer_0", "type": "integer", "min": 0, "max": 462, "mutable": True},
            {"name": "integer_1", "type": "integer", "min": -41, "max": -41, "mutable": False},
            {"name": "number_2", "type": "number", "min": 0, "max": 0, "mutable": False},
        ],
        "intercept": -26.065601917511557,
        "coefficients": {"integer_0": -26.065601917511557, "integer_1": -26.065601917511557, "number_2": 0},
        "baseline": {"integer_0": 0.0, "integer_1": -41.0, "number_2": 0.0},
        "threshold": 0.0,
        "outcome_at_or_above": "OUT_0",
        "outcome_below": "OUT_1",
        "outcomes": [
            {"code": "OUT_0", "favourable": False, "label": {"en": "outcome 0", "kk": "o0", "ru": "o0"}},
            {"code": "OUT_1", "favourable": False, "label": {"en": "outcome 1", "kk": "o1", "ru": "o1"}},
        ],
    },
    {"integer_0": 0, "integer_1": -41, "number_2": 0.0},
)
for _f in _INTEGER_TIE[0]["features"]:
    _f.update(source="TEST_REGISTRY", label=_unit_label(_f["name"]))


@SETTINGS
@given(specs_with_inputs(REPLAYABLE_KINDS))
@example(_INTEGER_TIE)
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
