"""BENCH explain_<kind>: one case-specific explanation of a realistic case on each docs/examples model.

Anchor, measured in the same run on the same machine: ``compile_spec(spec).score(values)`` for the same case
(a replay, including the spec hash that finds the compiled model in the cache), so ``ratio`` reads "one
explanation costs this many replays". Opaque models have nothing to replay: their anchor is
``compile_spec(spec).validate_inputs(values)``, the only per-case work the portal can do for them.

Each figure is the median of many timed calls after a warm-up. No Django needed:
``.venv/bin/python bench/bench_explain.py [seconds per measurement, default 1.0]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explanations.engine import explain  # noqa: E402
from explanations.spec import compile_spec  # noqa: E402

BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0

#: A realistic, mid-range case per example model (the cases the engine's example tests also use).
CASES: dict[str, dict[str, Any]] = {
    "scorecard": {
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
    },
    "linear": {
        "household_size": 5,
        "children_under_6": 2,
        "adults_employed": 1,
        "pensioners": 0,
        "rural": True,
        "living_space_per_person": 12.5,
        "owns_vehicle": True,
        "livestock_units": 3,
        "head_higher_education": False,
    },
    "logistic": {
        "declared_income_change_pct": -40,
        "vat_refund_share": 0.55,
        "cash_share": 0.6,
        "flagged_counterparties": 3,
        "late_filings_24m": 2,
        "years_registered": 3,
        "prior_violation": True,
        "sector": "trade",
    },
    "decision_tree": {
        "income_per_person": 60000,
        "housing_status": "owned",
        "utility_cost_share": 0.08,
        "persons_with_disability": 0,
        "lease_registered_on": "2024-05-10",
    },
    "rules": {
        "children_under_18": 2,
        "persons_with_disability": 1,
        "income_per_person": 74000,
        "housing_status": "rented",
        "owns_vehicle": True,
        "registered_since": "2019-03-01",
    },
    "opaque": {
        "claims_last_36m": 4,
        "employer_age_months": 9,
        "contract_duration_days": 120,
        "dismissal_reason": "employer_liquidation",
        "claim_date": "2025-10-02",
    },
}


def median_us(fn: Callable[[], object], budget: float) -> float:
    """Median wall time of one call in µs: warm up, then time single calls for about ``budget`` seconds."""
    for _ in range(3):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < 20 or (time.perf_counter() < deadline and len(samples) < 200_000):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(samples)


def measure(kind: str, spec: dict[str, Any], values: dict[str, Any]) -> str:
    """One BENCH line: median µs of ``explain`` and of the anchor, alternated three times."""
    model = compile_spec(spec)
    attributions: dict[str, float] | None = None
    if kind == "opaque":
        recorded: tuple[Any, str] = (0.8, spec["outcomes"][0]["code"])
        attributions = {"employer_age_months": 0.31, "claims_last_36m": 0.22}

        def anchor() -> object:
            return compile_spec(spec).validate_inputs(values)

    else:
        result = model.score(values)
        recorded = (result.score, result.outcome)

        def anchor() -> object:
            return compile_spec(spec).score(values)

    def one() -> object:
        return explain(
            spec, values, recorded_score=recorded[0], recorded_outcome=recorded[1], attributions=attributions
        )

    # alternate the two measurements so that drift on a noisy machine hits both alike
    explain_runs, anchor_runs = [], []
    for _ in range(3):
        explain_runs.append(median_us(one, BUDGET / 3))
        anchor_runs.append(median_us(anchor, BUDGET / 3))
    value, anchor_value = statistics.median(explain_runs), statistics.median(anchor_runs)
    return (
        f"BENCH name=explain_{kind} value={value:.1f} unit=us anchor={anchor_value:.2f} "
        f"ratio={value / anchor_value:.1f}"
    )


def main() -> int:
    print(
        "# anchor = median µs of compile_spec(spec).score(values) on the same case (opaque: validate_inputs)"
    )
    for kind, values in CASES.items():
        spec = json.loads((ROOT / "docs" / "examples" / f"{kind}.json").read_text(encoding="utf-8"))
        print(measure(kind, spec, values), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
