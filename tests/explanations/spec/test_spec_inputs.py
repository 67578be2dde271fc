"""Input checks per type, the replay check (matches), the compile cache and spec_hash."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explanations.spec import (
    CompiledModel,
    InvalidInputs,
    InvalidSpec,
    NotReplayable,
    ScoreResult,
    compile_spec,
    scores_match,
    spec_hash,
)
from tests.explanations.strategies import label

FEATURES: list[dict[str, Any]] = [
    {
        "name": "count",
        "type": "integer",
        "min": 0,
        "max": 10,
        "mutable": True,
        "source": "R",
        "label": label("c"),
    },
    {
        "name": "amount",
        "type": "number",
        "min": -1.5,
        "max": 100.25,
        "mutable": True,
        "source": "R",
        "label": label("a"),
    },
    {"name": "flag", "type": "boolean", "mutable": True, "source": "R", "label": label("f")},
    {
        "name": "housing",
        "type": "category",
        "categories": ["owned", "rented"],
        "mutable": False,
        "source": "R",
        "label": label("h"),
    },
    {"name": "since", "type": "date", "mutable": False, "source": "R", "label": label("s")},
]
OUTCOMES = [
    {"code": "YES", "label": label("y"), "favourable": True},
    {"code": "NO", "label": label("n"), "favourable": False},
]
RULES_SPEC: dict[str, Any] = {
    "kind": "rules",
    "features": FEATURES,
    "outcomes": OUTCOMES,
    "rules": [
        {
            "id": "R1",
            "conditions": [{"feature": "count", "op": ">=", "value": 3}],
            "outcome": "YES",
            "label": label("r"),
        }
    ],
    "default_outcome": "NO",
}
GOOD = {"count": 3, "amount": 10.5, "flag": False, "housing": "owned", "since": "2024-02-29"}


@pytest.fixture
def model() -> CompiledModel:
    return compile_spec(RULES_SPEC)


VALUE_CASES: list[tuple[str, Any, str | None]] = [
    ("count", 0, None),
    ("count", 10, None),
    ("count", 7.0, None),
    ("count", 10**30, "must be at most 10, got 1000000000000000000000000000000"),
    ("count", 3.5, "must be a whole number, got 3.5"),
    ("count", True, "must be an integer, got true"),
    ("count", "3", 'must be an integer, got "3"'),
    ("count", None, "must be an integer, got null"),
    ("count", 11, "must be at most 10, got 11"),
    ("count", -1, "must be at least 0, got -1"),
    ("count", math.nan, "must be a finite number, got NaN"),
    ("count", math.inf, "must be a finite number, got Infinity"),
    ("count", [3], "must be an integer, got a list"),
    ("amount", -1.5, None),
    ("amount", 100.25, None),
    ("amount", 7, None),
    ("amount", math.nextafter(100.25, math.inf), "must be at most 100.25, got 100.25000000000001"),
    ("amount", math.nextafter(-1.5, -math.inf), "must be at least -1.5"),
    ("amount", False, "must be a number, got false"),
    ("amount", -math.inf, "must be a finite number, got -Infinity"),
    ("amount", math.nan, "must be a finite number, got NaN"),
    ("amount", {"value": 1}, "must be a number, got an object"),
    ("flag", True, None),
    ("flag", 1, "must be true or false, got 1"),
    ("flag", 0.0, "must be true or false, got 0.0"),
    ("flag", "true", 'must be true or false, got "true"'),
    ("housing", "rented", None),
    ("housing", "Rented", 'unknown category "Rented"; expected one of: owned, rented'),
    ("housing", 1, "must be one of the categories (owned, rented), got 1"),
    ("housing", True, "must be one of the categories (owned, rented), got true"),
    ("since", "2024-02-29", None),
    ("since", "2023-02-29", 'must be a valid calendar date YYYY-MM-DD, got "2023-02-29"'),
    ("since", "2024-2-9", "must be a valid calendar date"),
    ("since", "20240229", "must be a valid calendar date"),
    ("since", "2024-02-29T00:00:00", "must be a valid calendar date"),
    ("since", "2024-W09-4", "must be a valid calendar date"),
    ("since", "２０２４-02-29", "must be a valid calendar date"),
    ("since", "2024-02-29\n", "must be a valid calendar date"),
    ("since", "0000-01-01", "must be a valid calendar date"),
    ("since", 20240229, "must be a date YYYY-MM-DD, got 20240229"),
]


@pytest.mark.parametrize(("feature", "value", "message"), VALUE_CASES)
def test_value_check_per_type(model: CompiledModel, feature: str, value: Any, message: str | None) -> None:
    values = {**GOOD, feature: value}
    problems = model.validate_inputs(values)
    if message is None:
        assert problems == []
        model.score(values)
    else:
        assert len(problems) == 1 and problems[0][0] == feature
        assert problems[0][1].startswith(message), problems
        with pytest.raises(InvalidInputs) as raised:
            model.score(values)
        assert raised.value.problems == problems
        with pytest.raises(InvalidInputs):
            model.matches(None, "NO", values)


def test_missing_and_unknown_features_in_display_order(model: CompiledModel) -> None:
    values = {"zeta": 1, "since": "x", "alpha": 2, "flag": True, "count": 99}
    assert model.validate_inputs(values) == [
        ("count", "must be at most 10, got 99"),
        ("amount", "missing"),
        ("housing", "missing"),
        ("since", 'must be a valid calendar date YYYY-MM-DD, got "x"'),
        ("zeta", "unknown feature"),
        ("alpha", "unknown feature"),
    ]


def test_an_extra_key_alone_is_reported(model: CompiledModel) -> None:
    assert model.validate_inputs({**GOOD, "extra": 1}) == [("extra", "unknown feature")]
    with pytest.raises(InvalidInputs):
        model.score({**GOOD, "extra": 1})


def test_inputs_that_are_not_an_object(model: CompiledModel) -> None:
    assert model.validate_inputs([1, 2, 3]) == [("", "inputs must be an object keyed by feature name")]  # type: ignore[arg-type]
    with pytest.raises(InvalidInputs):
        model.score("count")  # type: ignore[arg-type]


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20, 20),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["owned", "rented", "2024-02-29", "2023-02-29"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["count", "amount", "flag", "housing", "since", "other"]), JSON_VALUES)
)
def test_score_refuses_exactly_what_validate_inputs_rejects(values: dict[str, Any]) -> None:
    model = compile_spec(RULES_SPEC)
    problems = model.validate_inputs(values)
    try:
        model.score(values)
    except InvalidInputs as exc:
        assert problems and exc.problems == problems
    else:
        assert problems == []


# ------------------------------------------------------------------------------------------------------------
# matches


SCORE_SPEC: dict[str, Any] = {
    "kind": "linear",
    "features": FEATURES[:2],
    "outcomes": OUTCOMES,
    "intercept": 0,
    "coefficients": {"count": 1, "amount": 1},
    "baseline": {"count": 0, "amount": 0},
    "threshold": 5,
    "outcome_at_or_above": "YES",
    "outcome_below": "NO",
}


def test_matches_compares_outcome_exactly_and_score_within_tolerance() -> None:
    model = compile_spec(SCORE_SPEC)
    values = {"count": 2, "amount": 98.0}  # score 100
    assert model.score(values) == ScoreResult(100.0, "YES")
    assert model.matches(100, "YES", values)
    assert model.matches(100.00009, "YES", values)  # relative 9e-7
    assert not model.matches(100.0002, "YES", values)  # relative 2e-6
    assert not model.matches(100, "NO", values)
    assert not model.matches(None, "YES", values)
    assert not model.matches(True, "YES", values)
    assert not model.matches("100", "YES", values)
    assert not model.matches(math.nan, "YES", values)
    assert not model.matches(10**400, "YES", values)
    small = {"count": 0, "amount": 0.0000005}  # near zero the tolerance is absolute
    assert model.matches(0.0000014, "NO", small)
    assert not model.matches(0.000002, "NO", small)


def test_scores_match_none_only_with_none() -> None:
    assert scores_match(None, None)
    assert not scores_match(None, 0)
    assert not scores_match(0.0, None)
    assert scores_match(1.0, 1)


def test_rules_have_no_score(model: CompiledModel) -> None:
    assert model.score(GOOD) == ScoreResult(None, "YES")
    assert model.matches(None, "YES", GOOD)
    assert not model.matches(0, "YES", GOOD)


def test_opaque_checks_inputs_and_refuses_replay() -> None:
    spec = {"kind": "opaque", "features": FEATURES, "outcomes": OUTCOMES, "description": label("d")}
    model = compile_spec(spec)
    assert model.validate_inputs(GOOD) == []
    assert model.validate_inputs({}) == [(f["name"], "missing") for f in FEATURES]
    with pytest.raises(NotReplayable):
        model.score(GOOD)
    with pytest.raises(NotReplayable):
        model.matches(None, "YES", GOOD)


def test_helpers_refuse_the_wrong_kind(model: CompiledModel) -> None:
    with pytest.raises(TypeError):
        model.outcome_for_score(1.0)
    with pytest.raises(TypeError):
        model.bin_index("count", 1)
    with pytest.raises(TypeError):
        model.leaf_position(GOOD)
    assert model.fired_rule(GOOD) == 0
    assert compile_spec(SCORE_SPEC).outcome_for_score(5) == "YES"


def test_logistic_extremes_do_not_overflow() -> None:
    spec = {
        **SCORE_SPEC,
        "kind": "logistic",
        "threshold_on": "probability",
        "threshold": 0.5,
        "coefficients": {"count": 1e6, "amount": -1e6},
    }
    model = compile_spec(spec)
    assert model.score({"count": 0, "amount": 100.25}) == ScoreResult(0.0, "NO")
    assert model.score({"count": 10, "amount": -1.5}) == ScoreResult(1.0, "YES")


# ------------------------------------------------------------------------------------------------------------
# compile cache and spec_hash


def test_spec_hash_is_sha256_of_the_canonical_json() -> None:
    spec = {"b": [1, 2.5, None], "a": {"kk": "Отбасы әл-ауқаты"}}
    canonical = '{"a":{"kk":"Отбасы әл-ауқаты"},"b":[1,2.5,null]}'
    assert spec_hash(spec) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    reordered = json.loads(json.dumps(dict(reversed(list(spec.items())))))
    assert spec_hash(reordered) == spec_hash(spec)
    assert spec_hash({"a": 1}) != spec_hash({"a": 1.0})


def test_compile_is_cached_by_hash_and_isolated_from_the_callers_dict() -> None:
    spec = copy.deepcopy(SCORE_SPEC)
    first = compile_spec(spec)
    assert compile_spec(copy.deepcopy(SCORE_SPEC)) is first
    assert first.spec_hash == spec_hash(SCORE_SPEC)
    spec["threshold"] = 1000  # the caller's dict changes; the compiled model does not
    assert first.spec["threshold"] == 5
    assert first.score({"count": 2, "amount": 98.0}).outcome == "YES"
    second = compile_spec(spec)
    assert second is not first
    assert second.score({"count": 2, "amount": 98.0}).outcome == "NO"


def test_compile_refuses_an_invalid_spec() -> None:
    with pytest.raises(InvalidSpec) as raised:
        compile_spec({**SCORE_SPEC, "threshold": "high"})
    assert [e.path for e in raised.value.errors] == ["threshold"]
    with pytest.raises(InvalidSpec):
        compile_spec({**SCORE_SPEC, "threshold": object()})
    with pytest.raises(InvalidSpec):
        compile_spec("not a spec")  # type: ignore[arg-type]


def test_model_metadata() -> None:
    model = compile_spec(RULES_SPEC)
    assert model.kind == "rules"
    assert model.feature_names == ("count", "amount", "flag", "housing", "since")
    assert model.outcome_codes == ("YES", "NO")
    assert model.features["housing"]["categories"] == ["owned", "rented"]
    assert "rules" in repr(model)
