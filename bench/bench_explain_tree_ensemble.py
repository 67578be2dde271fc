"""BENCH explain_tree_ensemble: one explanation of a 100-tree, depth-6 gradient-boosting model on 20 features.

The model is a scikit-learn ``GradientBoostingClassifier`` (100 trees, ``max_depth=6``) fitted on 3000 synthetic
rows of 20 features (14 numbers with a step, 4 integers, 2 booleans), imported through
``explanations.spec.importers`` (checked bit-for-bit on 200 sample rows) with 10 background rows. The figure is
the median of ``explain`` over 5 cases (several per run: each case's MILPs differ), alternated with the anchor.

Anchor, measured in the same run: one replay, ``compile_spec(spec).score(values)`` on the same case (the spec
hash included, as in bench_explain.py); ``replay_only`` is the replay of the compiled model without the hash.
Also printed: the part of ``explain`` spent in contributions (exact TreeSHAP) and the MILP count.

``.venv/bin/python bench/bench_explain_tree_ensemble.py [seconds per measurement, default 2.0]``
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import skops.io as sio  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402

from explanations.engine import explain  # noqa: E402
from explanations.engine.ensemble import interventional_contributions  # noqa: E402
from explanations.spec import compile_spec  # noqa: E402
from explanations.spec.importers import import_tree_ensemble  # noqa: E402

BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
L = {"kk": "белгі", "ru": "метка", "en": "label"}


def fit() -> tuple[GradientBoostingClassifier, np.ndarray, list[dict[str, Any]]]:
    """The fitted model, its training rows and the spec's features (also used by bench_explain_vs_shap_dice)."""
    rng = np.random.default_rng(20250101)
    n = 3000
    feats: list[dict[str, Any]] = []
    cols = []
    for i in range(20):
        name = f"x{i:02d}"
        base = {"name": name, "mutable": i % 5 != 0, "source": "BENCH", "label": L}
        if i < 14:
            feats.append({**base, "type": "number", "min": 0, "max": 100, "step": 0.5})
            cols.append(np.round(rng.uniform(0, 100, n) * 2) / 2)
        elif i < 18:
            feats.append({**base, "type": "integer", "min": 0, "max": 12})
            cols.append(rng.integers(0, 13, n).astype(float))
        else:
            feats.append({**base, "type": "boolean"})
            cols.append((rng.random(n) < 0.4).astype(float))
    x = np.column_stack(cols)
    logit = (x[:, 0] - 50) / 15 + (x[:, 1] - 50) / 25 - x[:, 14] / 4 + 1.2 * x[:, 18] + np.sin(x[:, 2] / 9)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    est = GradientBoostingClassifier(n_estimators=100, max_depth=6, random_state=0).fit(x, y)
    return est, x, feats


def build() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    est, x, feats = fit()

    def row(r: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, v in zip(feats, r, strict=True):
            out[f["name"]] = (
                bool(v) if f["type"] == "boolean" else int(v) if f["type"] == "integer" else float(v)
            )
        return out

    template = {
        "features": feats,
        "outcomes": [
            {"code": "NOT_FLAGGED", "label": L, "favourable": True},
            {"code": "FLAGGED", "label": L, "favourable": False},
        ],
        "background": [row(r) for r in x[:10]],
    }
    report = import_tree_ensemble("sklearn-skops", sio.dumps(est), template, [row(r) for r in x[:200]])
    assert report.ok and report.spec is not None, report.errors
    assert report.max_difference == 0.0
    return report.spec, [row(r) for r in x[1000:1005]]


def median_us(fn: Callable[[], object], budget: float, minimum: int = 3) -> float:
    fn()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < minimum or (time.perf_counter() < deadline and len(samples) < 100_000):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(samples)


def main() -> int:
    spec, cases = build()
    model = compile_spec(spec)
    nodes = sum(len(t["nodes"]) for t in spec["trees"])
    print(
        f"# {len(spec['trees'])} trees, {nodes} nodes, 20 features; anchor = one replay (compile_spec + score)"
    )
    explain_runs, anchor_runs, replay_runs, shap_runs = [], [], [], []
    for values in cases:
        res = model.score(values)

        def one(values: dict[str, Any] = values, res: Any = res) -> object:
            return explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)

        def anchor(values: dict[str, Any] = values) -> object:
            return compile_spec(spec).score(values)

        def replay(values: dict[str, Any] = values) -> object:
            return model.score(values)

        def contributions(values: dict[str, Any] = values) -> object:
            return interventional_contributions(spec, model, values, 0, spec["background"])

        explain_runs.append(median_us(one, BUDGET / len(cases)))
        anchor_runs.append(median_us(anchor, BUDGET / len(cases) / 4))
        replay_runs.append(median_us(replay, BUDGET / len(cases) / 4))
        shap_runs.append(median_us(contributions, BUDGET / len(cases) / 4))
        exp = one()
        print(
            f"# case: outcome {res.outcome}, counterfactuals {exp.counterfactuals.status} "
            f"({len(exp.counterfactuals.alternatives)}, exact={exp.counterfactuals.exact}), "
            f"{explain_runs[-1] / 1000:.0f} ms",
            flush=True,
        )
    value, anchor_value = statistics.median(explain_runs), statistics.median(anchor_runs)
    print(
        f"BENCH name=explain_tree_ensemble value={value:.1f} unit=us anchor={anchor_value:.2f} "
        f"ratio={value / anchor_value:.1f} replay_only={statistics.median(replay_runs):.2f} "
        f"contributions={statistics.median(shap_runs):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
