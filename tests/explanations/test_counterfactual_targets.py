"""A person refused support is told what would have given support, not what would have lowered their level."""

import json
from pathlib import Path

from explanations.engine import explain
from explanations.services.explain import counterfactual_targets
from explanations.spec import compile_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_targets_are_the_outcomes_on_the_other_side():
    spec = json.loads((EXAMPLES / "scorecard.json").read_text())
    favourable = {o["code"] for o in spec["outcomes"] if o["favourable"]}
    unfavourable = {o["code"] for o in spec["outcomes"] if not o["favourable"]}
    some_unfavourable = sorted(unfavourable)[0]
    some_favourable = sorted(favourable)[0]
    assert set(counterfactual_targets(spec, some_unfavourable)) == favourable
    assert set(counterfactual_targets(spec, some_favourable)) == unfavourable
    assert counterfactual_targets(spec, "UNKNOWN") is None


def test_every_outcome_alike_means_any_other_outcome():
    spec = {"outcomes": [{"code": "A", "favourable": True}, {"code": "B", "favourable": True}]}
    assert counterfactual_targets(spec, "A") is None


def test_counterfactuals_of_a_refused_household_all_reach_support():
    spec = json.loads((EXAMPLES / "scorecard.json").read_text())
    model = compile_spec(spec)
    favourable = {o["code"] for o in spec["outcomes"] if o["favourable"]}
    # Walk cases made from each feature's bounds until one is refused support.
    for feature in spec["features"]:
        if feature["type"] not in ("number", "integer"):
            continue
        values = {}
        for f in spec["features"]:
            if f["type"] in ("number", "integer"):
                values[f["name"]] = f["max"] if f["name"] == feature["name"] else f["min"]
            elif f["type"] == "boolean":
                values[f["name"]] = True
            elif f["type"] == "category":
                values[f["name"]] = f["categories"][0]
            else:
                values[f["name"]] = "2026-01-01"
        result = model.score(values)
        if result.outcome in favourable:
            continue
        exp = explain(
            spec,
            values,
            recorded_score=result.score,
            recorded_outcome=result.outcome,
            target_outcomes=counterfactual_targets(spec, result.outcome),
        ).to_dict()
        counterfactuals = exp["counterfactuals"]
        assert counterfactuals["alternatives"] or counterfactuals["no_recourse"]
        for cf in counterfactuals["alternatives"]:
            assert cf["outcome"] in favourable
        return
    raise AssertionError("no refused case was found to check")
