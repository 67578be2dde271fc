"""BENCH explain_vs_shap_dice: our tree-ensemble explanation against shap's TreeExplainer and DiCE, same cases.

Model and cases: those of bench_explain_tree_ensemble.py (scikit-learn ``GradientBoostingClassifier``, 100 trees,
depth 6, 20 features, imported bit-for-bit; its 10 background rows; the first ``CASES`` of its cases).

* ``explain_vs_shap_dice`` (unit ratio): median µs of our exact interventional TreeSHAP contributions (the same
  10 background rows) divided by the median µs of ``shap.TreeExplainer(model, background,
  feature_perturbation="interventional").shap_values(row)``, the explainer built once (as ours is: compiled
  and cached). The anchor text gives both times and the largest |ours − shap| over the cases' contributions.
* ``explain_vs_dice_cost`` (unit ratio): on the same cases, DiCE 0.12 (``method="random"``, 3
  counterfactuals, only our mutable features varied, within our bounds, seed 0) against our cheapest
  counterfactual. Validity: DiCE's counterfactual, replayed with the compiled spec, gives another outcome and
  changes only mutable features within bounds (DiCE does not know the step grid: off-grid values are counted
  valid and reported). Cost: our cost model (``explanations.engine.COST_MODEL``) applied to DiCE's cheapest
  valid counterfactual per case; value = mean DiCE cost / mean our cost over cases both solved (≥ 1 when ours
  is the cheaper, as it is proven optimal when ``exact``).

dice-ml is not in the lock (it requires the CUDA ``xgboost`` package, which clashes with ``xgboost-cpu``): when
``dice_ml`` is not importable this bench installs the pinned, hashed wheels of bench/requirements-dice.txt
with ``pip install --no-deps --require-hashes``.

``.venv/bin/python bench/bench_explain_vs_shap_dice.py [seconds per timing, default 2.0]``
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
sys.argv = sys.argv[:1]  # bench_explain_tree_ensemble reads its own budget from argv

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
import skops.io as sio  # noqa: E402
from bench_explain_tree_ensemble import fit, median_us  # noqa: E402

from explanations.engine import explain  # noqa: E402
from explanations.engine._domain import exact, parse_domains  # noqa: E402
from explanations.engine.ensemble import interventional_contributions  # noqa: E402
from explanations.spec import compile_spec  # noqa: E402
from explanations.spec.importers import import_tree_ensemble  # noqa: E402

CASES = 3
# DiCE hands sklearn data frames with column names the estimator was fitted without (harmless, very noisy)
warnings.filterwarnings("ignore", message="X has feature names")
L = {"kk": "белгі", "ru": "метка", "en": "label"}


def dice_module() -> Any:
    try:
        return importlib.import_module("dice_ml")
    except ImportError:
        requirements = HERE / "requirements-dice.txt"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(requirements),
            ],
            check=True,
        )
        importlib.invalidate_caches()
        return importlib.import_module("dice_ml")


def main() -> int:
    est, x, feats = fit()
    names = [f["name"] for f in feats]

    def row(r: np.ndarray) -> dict[str, Any]:
        return {
            f["name"]: bool(v) if f["type"] == "boolean" else int(v) if f["type"] == "integer" else float(v)
            for f, v in zip(feats, r, strict=True)
        }

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
    spec = report.spec
    model = compile_spec(spec)
    domains = {d.name: d for d in parse_domains(spec)}
    cases = x[1000 : 1000 + CASES]
    background = pd.DataFrame(x[:10], columns=names)

    # -- contributions: ours vs shap's TreeExplainer (interventional, same background) ----------------------
    explainer = shap.TreeExplainer(est, data=background, feature_perturbation="interventional")
    ours_us, shap_us, worst = [], [], 0.0
    for r in cases:
        values = row(r)
        frame = pd.DataFrame([r], columns=names)

        def ours(values: dict[str, Any] = values) -> object:
            return interventional_contributions(spec, model, values, 0, spec["background"])

        def theirs(frame: pd.DataFrame = frame) -> object:
            return explainer.shap_values(frame, check_additivity=False)

        ours_us.append(median_us(ours, BUDGET / CASES / 2))
        shap_us.append(median_us(theirs, BUDGET / CASES / 2))
        mine = ours()
        got = np.asarray(theirs()).reshape(-1)[: len(names)]
        mine_values = mine.values  # type: ignore[attr-defined]
        worst = max(
            worst, *(abs(float(mine_values.get(n, 0)) - float(g)) for n, g in zip(names, got, strict=True))
        )
    ours_med, shap_med = statistics.median(ours_us), statistics.median(shap_us)
    ratio = ours_med / shap_med
    print(
        f"BENCH name=explain_vs_shap_dice value={ratio:.3f} unit=ratio "
        f"anchor=shap_TreeExplainer_interventional_us={shap_med:.1f}(ours_us={ours_med:.1f},"
        f"max_abs_diff={worst:.2g},cases={CASES}) ratio={ratio:.3f}",
        flush=True,
    )

    # -- counterfactuals: DiCE vs ours, validity and cost under our cost model ---------------------------
    dice_ml = dice_module()
    mutable = [f["name"] for f in feats if f.get("mutable")]
    frame = pd.DataFrame(x, columns=names)
    frame["y"] = est.predict(x)
    data = dice_ml.Data(dataframe=frame, continuous_features=names, outcome_name="y")
    dice = dice_ml.Dice(data, dice_ml.Model(model=est, backend="sklearn"), method="random")
    ranges = {f["name"]: [f.get("min", 0), f.get("max", 1)] for f in feats if f["name"] in mutable}
    ours_costs, dice_costs, dice_valid, off_grid, ours_found, dice_s, ours_s = [], [], 0, 0, 0, [], []
    for r in cases:
        values = row(r)
        res = model.score(values)
        t0 = time.perf_counter()
        exp = explain(spec, values, recorded_score=res.score, recorded_outcome=res.outcome)
        ours_s.append(time.perf_counter() - t0)
        alts = exp.counterfactuals.alternatives
        ours_cost = float(alts[0].cost) if alts else None
        ours_found += bool(alts)
        t0 = time.perf_counter()
        try:
            found = dice.generate_counterfactuals(
                pd.DataFrame([r], columns=names),
                total_CFs=3,
                desired_class="opposite",
                features_to_vary=mutable,
                permitted_range=ranges,
                random_seed=0,
                verbose=False,
            )
            cfs = found.cf_examples_list[0].final_cfs_df
        except Exception as exc:
            print(f"# DiCE found no counterfactual: {type(exc).__name__}: {exc}", flush=True)
            cfs = None
        dice_s.append(time.perf_counter() - t0)
        best: float | None = None
        if cfs is not None:
            for _, cf in cfs.iterrows():
                changed = row(np.array([cf[n] for n in names], dtype=float))
                changes = {n: v for n, v in changed.items() if not domains[n].same(values[n], v)}
                allowed = all(
                    domains[n].mutable and (domains[n].lo is None or domains[n].lo <= v <= domains[n].hi)  # type: ignore[operator]
                    for n, v in changes.items()
                )
                if not changes or not allowed or model.score({**values, **changes}).outcome == res.outcome:
                    continue
                off_grid += any(
                    ((exact(v) - domains[n].lo) / domains[n].grid).denominator != 1  # type: ignore[operator]
                    for n, v in changes.items()
                    if domains[n].type == "number" and domains[n].grid is not None
                )
                cost = float(sum(domains[n].change_cost(values[n], v) for n, v in changes.items()))
                best = cost if best is None else min(best, cost)
        if best is not None:
            dice_valid += 1
            if ours_cost is not None:
                ours_costs.append(ours_cost)
                dice_costs.append(best)
    if ours_costs:
        cost_ratio = statistics.mean(dice_costs) / statistics.mean(ours_costs)
        print(
            f"BENCH name=explain_vs_dice_cost value={cost_ratio:.3f} unit=ratio "
            f"anchor=our_mean_cost={statistics.mean(ours_costs):.4f}(dice_mean_cost={statistics.mean(dice_costs):.4f},"
            f"dice_valid={dice_valid}/{CASES},ours_found={ours_found}/{CASES},dice_off_grid_cfs={off_grid},"
            f"dice_s={statistics.median(dice_s):.2f},ours_s={statistics.median(ours_s):.2f}) "
            f"ratio={cost_ratio:.3f}",
            flush=True,
        )
    else:
        print(
            f"# no case solved by both: dice_valid={dice_valid}/{CASES}, ours_found={ours_found}/{CASES}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
