"""Linear counterfactuals against independent references where plain enumeration is too slow.

* Wide integer domains (hundreds to thousands of levels, where the search bisects over levels): a vectorised
  exhaustive search with numpy over every allowed combination.
* Continuous features: the LP optimum from scipy's HiGHS (``linprog``). The engine solves the LP exactly and
  then rounds each moved value outward to a millionth of the feature's range (documented resolution), so its
  cost lies in [LP, LP + Σ cost·1e-6]; HiGHS itself works to ~1e-9.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from scipy.optimize import linprog

from explanations.engine import explain
from explanations.spec import compile_spec, validate_spec
from tests.explanations.engine.checks import check_all
from tests.explanations.engine.strategies_small import allowed_values, continuous_linears, linears, outcomes

EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "70"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _exhaustive_min_cost(spec: dict[str, Any], values: dict[str, Any], outcome_now: str) -> float | None:
    """Cheapest allowed combination changing the outcome, by evaluating the formula on the whole grid.

    Dyadic weights and values on a grid of halves/quarters make every float operation below exact.
    """
    score = np.array([float(spec["intercept"])])
    cost = np.array([0.0])
    for f in spec["features"]:
        grid = allowed_values(f, values[f["name"]])
        v = np.array([float(g) for g in grid])
        w = float(spec["coefficients"][f["name"]])
        if f["type"] == "boolean":
            c = np.array([0.0 if g == values[f["name"]] else float(f.get("cost", 1)) for g in grid])
        else:
            span = float(f["max"]) - float(f["min"])
            c = float(f.get("cost", 1)) * np.abs(v - float(values[f["name"]])) / span
        score = (score[:, None] + w * v[None, :]).ravel()
        cost = (cost[:, None] + c[None, :]).ravel()
    above = score >= float(spec["threshold"])
    flips = ~above if outcome_now == spec["outcome_at_or_above"] else above
    return float(cost[flips].min()) if flips.any() else None


@settings(max_examples=max(8, EXAMPLES // 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linears(wide=True))
def test_wide_integer_domains_match_exhaustive_search(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, values = case
    spec = {
        **spec,
        "kind": "linear",
        "threshold": spec["threshold"] if spec.get("threshold_on") != "probability" else 0.0,
    }
    spec.pop("threshold_on", None)
    assert validate_spec(spec) == []
    exp = check_all(
        spec, values, dyadic=True
    )  # validity, contributions, determinism (grid too big to replay)
    best = _exhaustive_min_cost(spec, values, exp.replay.replayed_outcome or "")
    alternatives = exp.counterfactuals.alternatives
    if best is None:
        assert exp.counterfactuals.no_recourse
    else:
        assert alternatives, "exhaustive search found a change the engine missed"
        assert math.isclose(float(Fraction(alternatives[0].cost_exact)), best, rel_tol=1e-12, abs_tol=1e-15)


def _lp_min_cost(spec: dict[str, Any], values: dict[str, Any], below_now: bool) -> tuple[float | None, float]:
    """(LP optimum or None if infeasible, slack of the most the features can move the score)."""
    c: list[float] = []
    row: list[float] = []
    bounds: list[tuple[float, float]] = []
    reach = 0.0
    for f in spec["features"]:
        w = spec["coefficients"][f["name"]]
        x = values[f["name"]]
        up_cap = 0.0 if not f["mutable"] or f.get("direction") == "decrease" else f["max"] - x
        down_cap = 0.0 if not f["mutable"] or f.get("direction") == "increase" else x - f["min"]
        unit = f.get("cost", 1) / (f["max"] - f["min"])
        c += [unit, unit]
        row += [w, -w]  # score change = w·(up − down)
        bounds += [(0, up_cap), (0, down_cap)]
        reach += max(w * up_cap, -w * down_cap) if below_now else max(-w * up_cap, w * down_cap)
    score = compile_spec(spec).score(values).score
    gap = spec["threshold"] - score
    if below_now:  # need Σ row·d >= gap
        res = linprog(c, A_ub=[[-r for r in row]], b_ub=[-gap], bounds=bounds, method="highs")
    else:  # need Σ row·d < gap (infimum: <=)
        res = linprog(c, A_ub=[row], b_ub=[gap], bounds=bounds, method="highs")
    return (float(res.fun) if res.status == 0 else None), reach - abs(gap)


def _unit(name: str) -> dict[str, Any]:
    label = {"kk": "белгі", "ru": "метка", "en": "label"}
    return {
        "name": name,
        "type": "number",
        "mutable": True,
        "source": "TEST_REGISTRY",
        "label": label,
        "min": 0,
        "max": 1,
    }


# Found by CI: the first feature fills exactly to its limit on a strict requirement; the second must move on.
_TWO_AT_THE_LIMIT = (
    {
        "kind": "linear",
        "features": [_unit("f0"), _unit("f1")],
        "outcomes": outcomes(("A", "B")),
        "intercept": 0.0,
        "coefficients": {"f0": -1.0, "f1": -1.0},
        "baseline": {"f0": 0, "f1": 0},
        "threshold": -1.0,
        "outcome_at_or_above": "B",
        "outcome_below": "A",
    },
    {"f0": 0.0, "f1": 0.0},
)


# Found by CI: f0 rounded up to its limit leaves -1 - 2.2e-313, which a float score cannot tell from -1;
# the nudge must move on to f1 instead of giving up at f0's limit.
_SUBNORMAL_REMAINDER = (_TWO_AT_THE_LIMIT[0], {"f0": 0.0, "f1": 2.2250738585e-313})


@SETTINGS
@given(continuous_linears())
@example(_TWO_AT_THE_LIMIT)
@example(_SUBNORMAL_REMAINDER)
def test_continuous_features_reach_the_lp_optimum(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, values = case
    assert validate_spec(spec) == []
    model = compile_spec(spec)
    res = model.score(values)
    exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)
    below_now = res.outcome == spec["outcome_below"]
    lp, slack = _lp_min_cost(spec, values, below_now)
    if abs(slack) < 1e-6:  # at the edge of what can be reached, within HiGHS's feasibility tolerance (1e-7)
        return
    alternatives = exp.counterfactuals.alternatives
    if lp is None:
        assert exp.counterfactuals.no_recourse
        return
    assert alternatives, "the LP is feasible but the engine reports no recourse"
    first = alternatives[0]
    assert model.score({**values, **{ch.feature: ch.to_value for ch in first.changes}}).outcome != res.outcome
    rounding = sum(f.get("cost", 1) * 1e-6 for f in spec["features"])
    assert lp - 1e-9 <= first.cost <= lp + rounding + 1e-9, (first.cost, lp)
