"""The engine on the realistic example models of docs/examples/, one readable case each."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from explanations.engine import ENGINE_VERSION, Explanation, explain
from explanations.spec import InvalidInputs, compile_spec

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def load(kind: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))


def explain_as_recorded(spec: dict[str, Any], values: dict[str, Any], **kwargs: Any) -> Explanation:
    """Explain a decision whose recorded result is what the model computes (the normal case)."""
    result = compile_spec(spec).score(values)
    return explain(spec, values, recorded_score=result.score, recorded_outcome=result.outcome, **kwargs)


def changes_of(exp: Explanation, rank: int) -> dict[str, tuple[Any, Any]]:
    alt = exp.counterfactuals.alternatives[rank - 1]
    return {ch.feature: (ch.from_value, ch.to_value) for ch in alt.changes}


def assert_additive(exp: Explanation) -> None:
    c = exp.contributions
    assert c is not None
    assert Fraction(c.baseline_exact) + sum(Fraction(i.contribution_exact) for i in c.items) == Fraction(
        c.score_exact
    )


# -- scorecard: family well-being ---------------------------------------------------------------------------

WELL_OFF_FAMILY: dict[str, Any] = {
    "income_per_person": 131000,
    "household_size": 4,
    "children_under_18": 2,
    "working_age_unemployed": 0,
    "persons_with_disability": 0,
    "housing_status": "owned",
    "living_space_per_person": 22.0,
    "owns_vehicle": True,
    "livestock_units": 0,
    "children_out_of_school": 0,
    "overdue_loan_days": 0,
    "insured_all_members": True,
}


def test_scorecard_family_at_level_e_sees_points_against_the_reference_bins() -> None:
    exp = explain_as_recorded(load("scorecard"), WELL_OFF_FAMILY)

    assert exp.replay.status == "match" and exp.replay.replayed_outcome == "LEVEL_E"
    c = exp.contributions
    assert c is not None and c.scale == "points"
    assert (c.baseline, c.score) == (65.0, 80.0)  # 50 base points + reference bins; 80 for this family
    assert_additive(exp)
    by_feature = {i.feature: i for i in c.items}
    assert (
        by_feature["income_per_person"].contribution == 10.0
    )  # [120 000, 250 000) vs reference [70 000, 120 000)
    assert by_feature["owns_vehicle"].contribution == 5.0
    assert [r.feature for r in exp.principal_reasons] == ["income_per_person", "owns_vehicle"]


def test_scorecard_edges_margin_and_near_threshold_band() -> None:
    spec = load("scorecard")
    exp = explain_as_recorded(spec, WELL_OFF_FAMILY)
    assert exp.thresholds is not None
    (view,) = exp.thresholds.views
    assert [(e.direction, e.value, e.distance, e.outcome_beyond) for e in view.edges] == [
        ("down", 65.0, 15.0, "LEVEL_D")
    ]
    # default band: 5 % of the 208-point range the scorecard can produce
    assert exp.thresholds.near_band_source == "default_5pct_of_range"
    assert exp.thresholds.near_band == pytest.approx(10.4)
    assert exp.thresholds.near_threshold is False

    wider = explain_as_recorded(spec, WELL_OFF_FAMILY, near_band=15)
    assert wider.thresholds is not None
    assert wider.thresholds.near_threshold is True and wider.thresholds.near_band_source == "argument"


def test_scorecard_counterfactual_is_the_cheapest_route_to_another_level() -> None:
    exp = explain_as_recorded(load("scorecard"), WELL_OFF_FAMILY)

    first = exp.counterfactuals.alternatives[0]
    assert first.outcome == "LEVEL_D" and first.score == 62.0
    # income into [70 000, 120 000) on the 1 000-tenge grid (−10 points), overdue loan into [90, ∞) (−8 points)
    assert changes_of(exp, 1) == {"income_per_person": (131000, 119000.0), "overdue_loan_days": (0, 90)}
    expected = Fraction(12000, 5000000) * Fraction(1.0) + Fraction(90, 3650) * Fraction(0.05)
    assert Fraction(first.cost_exact) == expected
    # later routes keep at least one feature of every earlier route unchanged
    seen: list[set[str]] = []
    for alt in exp.counterfactuals.alternatives:
        features = {ch.feature for ch in alt.changes}
        assert not any(features >= s for s in seen)
        seen.append(features)


def test_scorecard_counterfactual_towards_support_levels_only() -> None:
    exp = explain_as_recorded(
        load("scorecard"), WELL_OFF_FAMILY, target_outcomes=["LEVEL_A", "LEVEL_B", "LEVEL_C"]
    )
    assert exp.counterfactuals.target_outcomes == ("LEVEL_A", "LEVEL_B", "LEVEL_C")
    assert all(a.outcome == "LEVEL_C" for a in exp.counterfactuals.alternatives)
    assert changes_of(exp, 2) == {"income_per_person": (131000, 29000.0)}  # the single-feature route


# -- linear: eligibility by imputed income ------------------------------------------------------------------

RURAL_HOUSEHOLD: dict[str, Any] = {
    "household_size": 5,
    "children_under_6": 2,
    "adults_employed": 1,
    "pensioners": 0,
    "rural": True,
    "living_space_per_person": 12.5,
    "owns_vehicle": True,
    "livestock_units": 3,
    "head_higher_education": False,
}


def test_linear_contributions_against_the_documented_baseline() -> None:
    exp = explain_as_recorded(load("linear"), RURAL_HOUSEHOLD)
    assert exp.replay.replayed_outcome == "NOT_ELIGIBLE"
    c = exp.contributions
    assert (
        c is not None and c.scale == "score" and c.baseline_definition == "intercept_plus_weighted_baseline"
    )
    assert_additive(exp)
    by_feature = {i.feature: i for i in c.items}
    assert by_feature["owns_vehicle"].contribution == 15000.0  # 15 000 · (1 − 0)
    assert by_feature["livestock_units"].contribution == 3600.0  # 1 200 · (3 − 0)
    assert by_feature["rural"].contribution == -7000.0
    # imputed income above the threshold: the factors that raised it are the reasons, largest first
    assert [r.feature for r in exp.principal_reasons] == ["owns_vehicle", "livestock_units"]
    assert exp.thresholds is not None
    assert exp.thresholds.views[0].margin == 62725.0 - 46228.0


def test_linear_counterfactual_and_no_change_to_immutable_rural_flag() -> None:
    exp = explain_as_recorded(load("linear"), RURAL_HOUSEHOLD)
    first = exp.counterfactuals.alternatives[0]
    assert first.outcome == "ELIGIBLE"
    assert changes_of(exp, 1) == {"adults_employed": (1, 0)}  # −18 000 crosses the 16 497 margin
    assert Fraction(first.cost_exact) == Fraction(2, 10)
    assert all(ch.feature != "rural" for a in exp.counterfactuals.alternatives for ch in a.changes)


# -- logistic: tax-risk scoring ------------------------------------------------------------------------------

RISKY_COMPANY: dict[str, Any] = {
    "declared_income_change_pct": -40,
    "vat_refund_share": 0.55,
    "cash_share": 0.6,
    "flagged_counterparties": 3,
    "late_filings_24m": 2,
    "years_registered": 3,
    "prior_violation": True,
    "sector": "trade",
}


def test_logistic_probability_view_and_logit_contributions() -> None:
    exp = explain_as_recorded(load("logistic"), RISKY_COMPANY)
    assert exp.replay.replayed_outcome == "FLAG_FOR_INSPECTION"
    assert exp.contributions is not None and exp.contributions.scale == "logit"
    assert_additive(exp)
    p = exp.probability
    assert p is not None and p.contributions_scale == "logit"
    assert (
        p.probability_at_baseline < 0.35 < p.probability_at_case == pytest.approx(exp.replay.replayed_score)
    )
    assert exp.thresholds is not None
    assert [v.scale for v in exp.thresholds.views] == ["probability", "logit"]  # recorded scale first
    assert exp.thresholds.views[0].margin == pytest.approx(p.probability_at_case - 0.35)
    assert exp.principal_reasons[0].feature == "flagged_counterparties"


def test_logistic_counterfactual_leaves_registration_and_sector_alone() -> None:
    spec = load("logistic")
    exp = explain_as_recorded(spec, RISKY_COMPANY)
    model = compile_spec(spec)
    assert exp.counterfactuals.alternatives
    for alt in exp.counterfactuals.alternatives:
        changed = {ch.feature: ch.to_value for ch in alt.changes}
        assert not {"years_registered", "sector"} & changed.keys()
        replay = model.score({**RISKY_COMPANY, **changed})
        assert (
            replay.outcome == alt.outcome == "NO_ACTION" and replay.score is not None and replay.score < 0.35
        )


# -- decision tree: housing assistance ------------------------------------------------------------------------

OWNER_FAMILY: dict[str, Any] = {
    "income_per_person": 60000,
    "housing_status": "owned",
    "utility_cost_share": 0.08,
    "persons_with_disability": 0,
    "lease_registered_on": "2024-05-10",
}


def test_tree_path_lists_each_test_with_the_case_value() -> None:
    exp = explain_as_recorded(load("decision_tree"), OWNER_FAMILY)
    assert exp.path is not None
    assert [(s.feature, s.value, s.held) for s in exp.path.steps] == [
        ("income_per_person", 60000, True),
        ("housing_status", "owned", False),
        ("utility_cost_share", 0.08, True),
    ]
    assert (exp.path.outcome, exp.path.score) == ("NOT_ELIGIBLE", 0.12)
    # the income test could not have led elsewhere from here; the other two could
    assert [s.decisive for s in exp.path.steps] == [False, True, True]
    assert [r.feature for r in exp.principal_reasons] == ["housing_status", "utility_cost_share"]


def test_tree_counterfactuals_project_onto_other_leaves() -> None:
    exp = explain_as_recorded(load("decision_tree"), OWNER_FAMILY)
    assert changes_of(exp, 1) == {"utility_cost_share": (0.08, 0.11)}  # > 0.1 on the 0.01 grid
    assert exp.counterfactuals.alternatives[0].outcome == "MANUAL_REVIEW"
    assert changes_of(exp, 2) == {"housing_status": ("owned", "rented")}
    assert exp.counterfactuals.alternatives[1].outcome == "ELIGIBLE"


# -- rules: support programme ---------------------------------------------------------------------------------


def test_rules_trace_and_the_cheapest_way_to_make_a_support_rule_apply() -> None:
    values = {
        "children_under_18": 2,
        "persons_with_disability": 1,
        "income_per_person": 74000,
        "housing_status": "rented",
        "owns_vehicle": True,
        "registered_since": "2019-03-01",
    }
    exp = explain_as_recorded(load("rules"), values)
    assert exp.rules is not None and exp.rules.decided_by is None and exp.rules.outcome == "NO_SUPPORT"
    r3 = next(r for r in exp.rules.rules if r.rule == "R3")
    assert [(c.feature, c.held) for c in r3.conditions] == [
        ("persons_with_disability", True),
        ("income_per_person", False),
    ]
    assert ("income_per_person", "R3", "rule_condition_failed") in [
        (r.feature, r.rule, r.basis) for r in exp.principal_reasons
    ]
    assert changes_of(exp, 1) == {"income_per_person": (74000, 69000.0)}  # < 70 000 on the 1 000 grid
    assert exp.counterfactuals.alternatives[0].outcome == "SUPPORT"


def test_rules_no_recourse_is_certified_when_an_unchangeable_date_decides() -> None:
    values = {
        "children_under_18": 1,
        "persons_with_disability": 0,
        "income_per_person": 52000,
        "housing_status": "owned",
        "owns_vehicle": False,
        "registered_since": "2025-09-01",
    }
    exp = explain_as_recorded(load("rules"), values)
    assert exp.rules is not None and exp.rules.decided_by == "R1"
    assert exp.counterfactuals.no_recourse and exp.counterfactuals.status == "no_recourse"
    assert "no_recourse" in [n.code for n in exp.notes]


# -- opaque ---------------------------------------------------------------------------------------------------


def test_opaque_model_shows_agency_attributions_marked_not_reproducible() -> None:
    spec = load("opaque")
    values = {
        "claims_last_36m": 4,
        "employer_age_months": 9,
        "contract_duration_days": 120,
        "dismissal_reason": "employer_liquidation",
        "claim_date": "2025-10-02",
    }
    exp = explain(
        spec,
        values,
        recorded_score=0.81,
        recorded_outcome="REFER_TO_OFFICER",
        attributions={"employer_age_months": 0.31, "claims_last_36m": 0.22},
    )
    assert exp.reproducible is False and exp.replay.status == "not_replayable"
    assert exp.attributions is not None and not exp.attributions.reproducible
    assert [(a.feature, a.value) for a in exp.attributions.items] == [
        ("claims_last_36m", 0.22),
        ("employer_age_months", 0.31),
    ]
    assert exp.counterfactuals.status == "not_applicable" and not exp.counterfactuals.no_recourse


# -- cross-cutting ---------------------------------------------------------------------------------------------


def test_a_recorded_result_the_model_does_not_reproduce_is_flagged() -> None:
    exp = explain(load("linear"), RURAL_HOUSEHOLD, recorded_score=40000.0, recorded_outcome="ELIGIBLE")
    assert exp.replay.status == "mismatch"
    assert exp.replay.replayed_outcome == "NOT_ELIGIBLE"
    assert "replay_mismatch" in [n.code for n in exp.notes]


def test_inputs_the_model_rejects_raise() -> None:
    too_small = {**RURAL_HOUSEHOLD, "household_size": 0}  # min is 1
    with pytest.raises(InvalidInputs):
        explain(load("linear"), too_small, recorded_score=1.0, recorded_outcome="ELIGIBLE")


@pytest.mark.parametrize("kind", ["scorecard", "linear", "logistic", "decision_tree", "rules"])
def test_explanations_are_byte_identical_and_keep_their_key_order(kind: str) -> None:
    spec = load(kind)
    cases: dict[str, dict[str, Any]] = {
        "scorecard": WELL_OFF_FAMILY,
        "linear": RURAL_HOUSEHOLD,
        "logistic": RISKY_COMPANY,
        "decision_tree": OWNER_FAMILY,
        "rules": {
            "children_under_18": 2,
            "persons_with_disability": 1,
            "income_per_person": 74000,
            "housing_status": "rented",
            "owns_vehicle": True,
            "registered_since": "2019-03-01",
        },
    }
    values = cases[kind]
    a = explain_as_recorded(spec, values)
    b = explain_as_recorded(json.loads(json.dumps(spec)), dict(reversed(list(values.items()))))
    assert a.to_json() == b.to_json()
    assert a.to_json().encode() == a.to_json().encode("utf-8")
    assert list(a.to_dict())[:5] == ["engine_version", "kind", "spec_hash", "reproducible", "replay"]
    assert json.loads(a.to_json()) == json.loads(json.dumps(a.to_dict()))


def test_engine_version_is_semantic() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", ENGINE_VERSION)
