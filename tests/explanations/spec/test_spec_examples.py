"""The published examples (docs/examples) validate, compile, replay as computed by hand, and the public
document (docs/model-spec.md) covers every field of the schema and the whole skops trust list."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from explanations.spec import NotReplayable, ScoreResult, compile_spec, load_schema, validate_spec
from explanations.spec.artifacts import TRUSTED_TYPES

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"
DOC = ROOT / "docs" / "model-spec.md"
KINDS = ("scorecard", "linear", "logistic", "decision_tree", "rules", "opaque")
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def labels(node: Any) -> list[dict[str, str]]:
    """Every {kk, ru, en} object in a spec."""
    found: list[dict[str, str]] = []
    if isinstance(node, dict):
        if set(node) == {"kk", "ru", "en"}:
            found.append(node)
        for value in node.values():
            found += labels(value)
    elif isinstance(node, list):
        for value in node:
            found += labels(value)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_example_is_valid_and_compiles(kind: str) -> None:
    spec = example(kind)
    assert spec["kind"] == kind
    assert validate_spec(spec) == []
    jsonschema.validate(spec, load_schema(), cls=jsonschema.Draft202012Validator)
    assert compile_spec(spec).kind == kind


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert load_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("kind", KINDS)
def test_example_labels_are_written_in_three_languages(kind: str) -> None:
    found = labels(example(kind))
    assert found
    for item in found:
        assert len({item["kk"], item["ru"], item["en"]}) == 3, item
        assert re.search("[А-Яа-яЁё]", item["ru"]), item
        assert not re.search("[А-Яа-яЁё]", item["en"]), item
    # Kazakh text uses its own letters somewhere in every example (not Russian copied into "kk").
    assert any(KAZAKH_LETTERS & set(item["kk"]) for item in found)


def test_scorecard_example_has_twelve_registry_indicators_and_five_levels() -> None:
    spec = example("scorecard")
    assert len(spec["features"]) == 12
    assert len({f["source"] for f in spec["features"]}) >= 8
    assert [b["outcome"] for b in spec["bands"]] == ["LEVEL_A", "LEVEL_B", "LEVEL_C", "LEVEL_D", "LEVEL_E"]
    favourable = {o["code"]: o["favourable"] for o in spec["outcomes"]}
    assert favourable == {
        "LEVEL_A": True,
        "LEVEL_B": True,
        "LEVEL_C": True,
        "LEVEL_D": False,
        "LEVEL_E": False,
    }


FAMILY = {
    "income_per_person": 64000,
    "household_size": 5,
    "children_under_18": 3,
    "working_age_unemployed": 1,
    "persons_with_disability": 0,
    "housing_status": "rented",
    "living_space_per_person": 9.5,
    "owns_vehicle": False,
    "livestock_units": 4,
    "children_out_of_school": 0,
    "overdue_loan_days": 0,
    "insured_all_members": True,
}


def test_scorecard_example_replays_a_family_by_hand() -> None:
    model = compile_spec(example("scorecard"))
    assert model.validate_inputs(FAMILY) == []
    # 50 base; income 64000 -> -10; 5 members -> -5; 3 children -> -10; 1 unemployed -> -5; rented -> -5;
    # 9.5 m2 -> -5; 4 livestock units -> +3; everything else 0.
    result = model.score(FAMILY)
    assert (result.score, result.outcome) == (13.0, "LEVEL_B")
    assert model.matches(13, "LEVEL_B", FAMILY)
    # Income at the lower edge of the next bin (lower bounds are inclusive): -10 -> 0, total 23, still B.
    assert model.score({**FAMILY, "income_per_person": 70000}) == ScoreResult(23.0, "LEVEL_B")
    # And 10 livestock units (3 -> 8 points): 28, level C.
    assert model.score({**FAMILY, "income_per_person": 70000, "livestock_units": 10}) == ScoreResult(
        28.0, "LEVEL_C"
    )
    assert model.score({**FAMILY, "income_per_person": 69999.99}).score == 13.0


def test_linear_example_replays_by_hand() -> None:
    model = compile_spec(example("linear"))
    values = {
        "household_size": 6,
        "children_under_6": 2,
        "adults_employed": 1,
        "pensioners": 0,
        "rural": True,
        "living_space_per_person": 12.5,
        "owns_vehicle": False,
        "livestock_units": 3,
        "head_higher_education": False,
    }
    expected = 62000 - 4500 * 6 - 6000 * 2 + 18000 - 7000 + 450 * 12.5 + 1200 * 3
    result = model.score(values)
    assert result.score == pytest.approx(expected, abs=1e-9)
    assert result.outcome == ("NOT_ELIGIBLE" if expected >= 46228 else "ELIGIBLE") == "ELIGIBLE"


def test_logistic_example_replays_by_hand() -> None:
    model = compile_spec(example("logistic"))
    values = {
        "declared_income_change_pct": -40,
        "vat_refund_share": 0.3,
        "cash_share": 0.6,
        "flagged_counterparties": 2,
        "late_filings_24m": 1,
        "years_registered": 3,
        "prior_violation": True,
        "sector": "trade",
    }
    logit = -3.2 + 0.004 * 40 + 2.1 * 0.3 + 1.6 * 0.6 + 0.45 * 2 + 0.18 - 0.05 * 3 + 0.9
    probability = 1 / (1 + math.exp(-logit))
    result = model.score(values)
    assert result.score == pytest.approx(probability, rel=1e-12)
    assert result.outcome == "FLAG_FOR_INSPECTION"
    assert (
        model.score({**values, "flagged_counterparties": 0, "prior_violation": False}).outcome == "NO_ACTION"
    )


def test_decision_tree_example_replays_by_hand() -> None:
    model = compile_spec(example("decision_tree"))
    base = {
        "income_per_person": 60000,
        "housing_status": "rented",
        "utility_cost_share": 0.2,
        "persons_with_disability": 0,
        "lease_registered_on": "2024-05-01",
    }
    assert model.score(base).outcome == "ELIGIBLE"
    assert model.score({**base, "lease_registered_on": "2025-01-01"}).outcome == "ELIGIBLE"  # <= is inclusive
    assert model.score({**base, "lease_registered_on": "2025-01-02"}).outcome == "MANUAL_REVIEW"
    assert model.score({**base, "income_per_person": 92456.5}).outcome == "NOT_ELIGIBLE"
    owned = {**base, "housing_status": "owned"}
    assert model.score(owned).outcome == "MANUAL_REVIEW"
    assert model.score({**owned, "persons_with_disability": 1}).score == 0.83
    assert model.score({**owned, "utility_cost_share": 0.1}).outcome == "NOT_ELIGIBLE"


def test_rules_example_replays_by_hand() -> None:
    model = compile_spec(example("rules"))
    base = {
        "children_under_18": 1,
        "persons_with_disability": 0,
        "income_per_person": 80000,
        "housing_status": "owned",
        "owns_vehicle": True,
        "registered_since": "2020-03-01",
    }
    assert model.score(base).outcome == "NO_SUPPORT"
    assert model.score(base).score is None
    assert model.score({**base, "children_under_18": 4}).outcome == "SUPPORT"
    assert (
        model.score({**base, "registered_since": "2025-07-02", "children_under_18": 4}).outcome
        == "MANUAL_REVIEW"
    )
    assert (
        model.score({**base, "persons_with_disability": 1, "income_per_person": 69999}).outcome == "SUPPORT"
    )
    assert (
        model.score({**base, "persons_with_disability": 1, "income_per_person": 70000}).outcome
        == "NO_SUPPORT"
    )
    assert model.score({**base, "income_per_person": 40000}).outcome == "NO_SUPPORT"  # owns a vehicle
    assert model.score({**base, "income_per_person": 40000, "owns_vehicle": False}).outcome == "SUPPORT"
    assert model.fired_rule({**base, "housing_status": "none"}) == 3


def test_opaque_example_checks_inputs_but_cannot_replay() -> None:
    model = compile_spec(example("opaque"))
    values = {
        "claims_last_36m": 2,
        "employer_age_months": 5,
        "contract_duration_days": 40,
        "dismissal_reason": "redundancy",
        "claim_date": "2026-02-10",
    }
    assert model.validate_inputs(values) == []
    with pytest.raises(NotReplayable):
        model.score(values)


def test_document_covers_every_schema_field_and_the_trust_list() -> None:
    text = DOC.read_text(encoding="utf-8")
    schema = load_schema()
    names = set(schema["properties"])
    for definition in schema["$defs"].values():
        names |= set(definition.get("properties", {}))
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert missing == []
    assert [t for t in TRUSTED_TYPES if t not in text] == []
    for kind in KINDS:
        assert f"docs/examples/{kind}.json" in text
