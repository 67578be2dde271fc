"""The demo's model versions, built from the published examples in docs/examples and varied in code.

Digital Family Card: v2025.1 (retired) ties the income bins to the 2025 subsistence minimum; v2026.1 (current)
re-indexes them to the 2026 figure and raises the support cut-off (the boundary between levels C and D).
Tax risk: v1.0 is the example as published; v1.1 re-estimates the coefficients and raises the threshold.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from .content import DFC, REGIONS, TAX, t

EXAMPLES_DIR = Path(settings.BASE_DIR) / "docs" / "examples"

# Subsistence minimum (прожиточный минимум) set by the republican budget law, tenge per person per month.
SUBSISTENCE_MINIMUM_2025 = 46_228
SUBSISTENCE_MINIMUM_2026 = 50_851
POVERTY_LINE_SHARE = 0.7  # the poverty line is 70 % of the subsistence minimum
# Who counts as one family, in each language (a parameter a person reads: see explanations.labels).
HOUSEHOLD_RULE = {
    "kk": "бір мекенжайда тіркелген туыстар",
    "ru": "родственники, зарегистрированные по одному адресу",
    "en": "relatives registered at one address",
}


@dataclass(frozen=True)
class VersionPlan:
    system: str
    version: str
    released_at: str
    retired_at: str | None
    spec: dict[str, Any]
    payload: dict[str, Any]  # what an agency posts to the model version API


def kzt(amount: int) -> str:
    """A tenge amount grouped the Kazakh and Russian way: 50 851."""
    return f"{amount:,}".replace(",", "\u00a0")


def comma(value: float) -> str:
    """A probability written with a decimal comma, as in Kazakh and Russian: 0,35."""
    return f"{value:.2f}".replace(".", ",")


def load_example(name: str) -> dict[str, Any]:
    """A published example spec (docs/examples/<name>.json), as a fresh copy."""
    with (EXAMPLES_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def decision_threshold(spec: dict[str, Any]) -> float:
    """The cut-off that separates favourable from unfavourable outcomes, on the recorded score's scale.

    Scorecard: the lowest band boundary where favourability changes; linear/logistic: the threshold.
    """
    if spec["kind"] == "scorecard":
        favourable = {o["code"]: o["favourable"] for o in spec["outcomes"]}
        bands = spec["bands"]
        for below, above in itertools.pairwise(bands):
            if favourable[below["outcome"]] != favourable[above["outcome"]]:
                return float(above["min_score"])
        raise ValueError("no band boundary changes favourability")
    return float(spec["threshold"])


def _dataset_sha256(manifest: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON manifest that describes a training or calibration snapshot."""
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _set_income_edges(spec: dict[str, Any], poverty_line: int, minimum: int) -> None:
    """Move the two lowest income edges to the poverty line and the subsistence minimum."""
    bins = spec["bins"].get("income_per_person")
    if not bins or len(bins) < 3:
        return
    bins[0]["upper"] = bins[1]["lower"] = poverty_line
    bins[1]["upper"] = bins[2]["lower"] = minimum


def _set_cutoff(spec: dict[str, Any], cutoff: float) -> None:
    old = decision_threshold(spec)
    for band in spec["bands"]:
        if band["min_score"] == old:
            band["min_score"] = cutoff


def _performance(seed: str, overall: dict[str, float], *, rural_gap: float, sex_gap: float) -> dict[str, Any]:
    """Overall metrics and per-group metrics (region, settlement, sex) around them, deterministic per seed."""
    rng = random.Random(seed)  # noqa: S311 - demo figures, not security

    def around(base: dict[str, float], shift: float, n: int) -> dict[str, float]:
        out = {}
        for key, value in base.items():
            if key == "n":
                continue
            jitter = rng.uniform(-0.02, 0.02)
            if key.startswith("false_negative"):
                jitter += shift
            out[key] = round(min(max(value + jitter, 0.0), 1.0), 3)
        out["n"] = n
        return out

    total = int(overall["n"])
    weights = sum(r.population_k for r in REGIONS)
    groups: list[dict[str, Any]] = []
    for region in REGIONS:
        shift = (region.poverty - 1.0) * 0.05 + (1 - region.urban_share) * rural_gap / 2
        n = round(total * region.population_k / weights)
        groups.append({"attribute": "region", "value": region.name, "metrics": around(overall, shift, n)})
    groups.append(
        {
            "attribute": "settlement",
            "value": "URBAN",
            "metrics": around(overall, -rural_gap / 2, round(total * 0.62)),
        }
    )
    groups.append(
        {
            "attribute": "settlement",
            "value": "RURAL",
            "metrics": around(overall, rural_gap / 2, round(total * 0.38)),
        }
    )
    groups.append(
        {"attribute": "sex", "value": "F", "metrics": around(overall, sex_gap / 2, round(total * 0.52))}
    )
    groups.append(
        {"attribute": "sex", "value": "M", "metrics": around(overall, -sex_gap / 2, round(total * 0.48))}
    )
    return {"overall": dict(overall), "groups": groups}


def _scorecard_plans() -> list[VersionPlan]:
    example = load_example("scorecard")
    for feature in example["features"]:
        if feature["name"] == "children_under_18":
            feature["source"] = "CIVIL_REGISTRY"  # children come from birth records, not registered addresses

    old = copy.deepcopy(example)
    line_2025 = round(SUBSISTENCE_MINIMUM_2025 * POVERTY_LINE_SHARE)
    _set_income_edges(old, line_2025, SUBSISTENCE_MINIMUM_2025)
    old_cutoff = decision_threshold(old)

    new = copy.deepcopy(old)
    line_2026 = round(SUBSISTENCE_MINIMUM_2026 * POVERTY_LINE_SHARE)
    _set_income_edges(new, line_2026, SUBSISTENCE_MINIMUM_2026)
    new_cutoff = old_cutoff + 2
    _set_cutoff(new, new_cutoff)

    def payload(version: str, spec: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return {"version": version, "spec": spec, **fields}

    snapshot_2025 = {
        "name": "DFC household registry snapshot",
        "as_of_date": "2024-12-01",
        "households": 4_211_806,
        "tables": [
            "ENPF_CONTRIBUTIONS",
            "ESUTD",
            "CBDI",
            "CIVIL_REGISTRY",
            "GBD_FL",
            "GBD_RN",
            "MIA_VEHICLES",
            "MOA_LIVESTOCK",
            "NOBD",
            "FCB_CREDIT",
            "FSMS_INSURED",
        ],
        "calibration": "2 000 household visits by social workers, 2024",
    }
    snapshot_2026 = snapshot_2025 | {
        "as_of_date": "2025-12-01",
        "households": 4_286_115,
        "calibration": "2 000 household visits by social workers, 2024, and 3 400 appeals and visits, 2025",
    }
    v2025 = payload(
        "v2025.1",
        old,
        released_at="2025-01-15T00:00:00+05:00",
        retired_at="2026-02-01T00:00:00+05:00",
        dataset={
            "name": "DFC household registry snapshot",
            "version": "2024-12-01",
            "sha256": _dataset_sha256(snapshot_2025),
        },
        parameters={
            "subsistence_minimum_kzt": SUBSISTENCE_MINIMUM_2025,
            "subsistence_minimum_year": 2025,
            "poverty_line_kzt": line_2025,
            "poverty_line_share": POVERTY_LINE_SHARE,
            "support_cutoff_points": old_cutoff,
            "income_window_months": 12,
            "working_age": "18-63",
            "household_rule": HOUSEHOLD_RULE,
        },
        change_note=t(
            f"Табыс аралықтарының шектері 2025 жылғы ең төмен күнкөріс деңгейіне ({kzt(SUBSISTENCE_MINIMUM_2025)} "
            "теңге) және кедейлік шегіне (оның 70 %-ы) байланыстырылды.",
            f"Границы интервалов дохода привязаны к прожиточному минимуму 2025 года "
            f"({kzt(SUBSISTENCE_MINIMUM_2025)} тенге) и черте бедности (70 % от него).",
            f"Income bands tied to the 2025 subsistence minimum ({SUBSISTENCE_MINIMUM_2025:,} tenge) and the "
            "poverty line (70 % of it).",
        ),
        performance=_performance(
            "dfc-v2025.1",
            {
                "auc": 0.81,
                "accuracy": 0.84,
                "false_negative_rate": 0.17,
                "false_positive_rate": 0.09,
                "false_negative_rate_near_threshold": 0.38,
                "n": 2000,
            },
            rural_gap=0.08,
            sex_gap=0.02,
        ),
    )
    v2026 = payload(
        "v2026.1",
        new,
        released_at="2026-02-01T00:00:00+05:00",
        dataset={
            "name": "DFC household registry snapshot",
            "version": "2025-12-01",
            "sha256": _dataset_sha256(snapshot_2026),
        },
        parameters={
            "subsistence_minimum_kzt": SUBSISTENCE_MINIMUM_2026,
            "subsistence_minimum_year": 2026,
            "poverty_line_kzt": line_2026,
            "poverty_line_share": POVERTY_LINE_SHARE,
            "support_cutoff_points": new_cutoff,
            "income_window_months": 12,
            "working_age": "18-63",
            "household_rule": HOUSEHOLD_RULE,
        },
        change_note=t(
            f"Табыс аралықтары 2026 жылғы ең төмен күнкөріс деңгейіне ({kzt(SUBSISTENCE_MINIMUM_2026)} теңге) "
            f"сәйкестендірілді. D деңгейінің шегі {old_cutoff:g} ұпайдан {new_cutoff:g} ұпайға көтерілді: 2025 "
            "жылғы тексерулер шекке жақын отбасылар арасында қате теріс нәтижелердің үлесі жоғары екенін көрсетті.",
            f"Интервалы дохода приведены к прожиточному минимуму 2026 года ({kzt(SUBSISTENCE_MINIMUM_2026)} "
            f"тенге). Порог уровня D повышен с {old_cutoff:g} до {new_cutoff:g} баллов: проверки 2025 года "
            "показали высокую долю ложноотрицательных результатов у семей вблизи порога.",
            f"Income bands re-indexed to the 2026 subsistence minimum ({SUBSISTENCE_MINIMUM_2026:,} tenge). "
            f"Level-D cut-off raised from {old_cutoff:g} to {new_cutoff:g} points: the 2025 checks found a high "
            "false-negative rate among families near the cut-off.",
        ),
        performance=_performance(
            "dfc-v2026.1",
            {
                "auc": 0.83,
                "accuracy": 0.85,
                "false_negative_rate": 0.13,
                "false_positive_rate": 0.10,
                "false_negative_rate_near_threshold": 0.27,
                "n": 3400,
            },
            rural_gap=0.06,
            sex_gap=0.015,
        ),
    )
    return [
        VersionPlan(DFC, "v2025.1", v2025["released_at"], v2025["retired_at"], old, v2025),
        VersionPlan(DFC, "v2026.1", v2026["released_at"], None, new, v2026),
    ]


def _logistic_plans() -> list[VersionPlan]:
    v10 = load_example("logistic")
    v11 = copy.deepcopy(v10)
    coefficients = v11["coefficients"]
    revised = {
        "intercept": -3.05,
        "declared_income_change_pct": -0.003,
        "cash_share": 1.4,
        "flagged_counterparties": 0.5,
        "late_filings_24m": 0.15,
    }
    for name, value in revised.items():
        if name == "intercept":
            v11["intercept"] = value
        elif name in coefficients:
            coefficients[name] = value
    old_threshold = float(v10["threshold"])
    new_threshold = round(old_threshold + 0.05, 2)
    v11["threshold"] = new_threshold
    description = v11.get("description", {})
    for lang, text in description.items():
        # The example states its threshold in words ("0,35" in kk/ru, "0.35" in en): keep the text true.
        old, new = f"{old_threshold:.2f}", f"{new_threshold:.2f}"
        description[lang] = text.replace(old, new).replace(old.replace(".", ","), new.replace(".", ","))

    snapshot = {
        "name": "Desk audit outcomes",
        "period": "2021-2023",
        "returns": 182_430,
        "audited": 14_902,
        "tables": ["SRC_DECLARATIONS", "SRC_VAT", "SRC_KKM", "SRC_RISK_REGISTER", "GBD_UL", "SRC_AUDITS"],
    }
    snapshot_11 = snapshot | {"period": "2022-2025", "returns": 241_077, "audited": 19_655}
    p10: dict[str, Any] = {
        "version": "v1.0",
        "spec": v10,
        "released_at": "2025-03-01T00:00:00+05:00",
        "retired_at": "2026-03-02T00:00:00+05:00",
        "dataset": {
            "name": "Desk audit outcomes",
            "version": "2021-2023",
            "sha256": _dataset_sha256(snapshot),
        },
        "parameters": {
            "threshold_probability": old_threshold,
            "training_period": "2021-2023",
            "inspection_capacity_share": 0.08,
            "regularisation": "L2, C=0.5",
        },
        "change_note": t(
            "Кездейсоқ іріктеудің орнына енгізілген алғашқы нұсқа.",
            "Первая версия, заменившая случайный отбор.",
            "First version, replacing random selection.",
        ),
        "performance": _performance(
            "tax-v1.0",
            {
                "auc": 0.74,
                "precision": 0.41,
                "recall": 0.58,
                "false_positive_rate": 0.12,
                "false_negative_rate": 0.42,
                "false_negative_rate_near_threshold": 0.49,
                "n": 14902,
            },
            rural_gap=0.03,
            sex_gap=0.01,
        ),
    }
    p11: dict[str, Any] = {
        "version": "v1.1",
        "spec": v11,
        "released_at": "2026-03-02T00:00:00+05:00",
        "dataset": {
            "name": "Desk audit outcomes",
            "version": "2022-2025",
            "sha256": _dataset_sha256(snapshot_11),
        },
        "parameters": {
            "threshold_probability": new_threshold,
            "training_period": "2022-2025",
            "inspection_capacity_share": 0.07,
            "regularisation": "L2, C=0.5",
        },
        "change_note": t(
            "Коэффициенттер 2022–2025 жылдардағы тексеру нәтижелері бойынша қайта бағаланды; ұсақ саудада "
            f"жалған іріктеуді азайту үшін шекті мән {comma(old_threshold)} орнына {comma(new_threshold)} болып "
            "белгіленді.",
            "Коэффициенты переоценены по результатам проверок 2022–2025 годов; порог повышен с "
            f"{comma(old_threshold)} до {comma(new_threshold)}, чтобы сократить ложный отбор в мелкой торговле.",
            "Coefficients re-estimated on the 2022–2025 audit outcomes; threshold raised from "
            f"{old_threshold:.2f} to {new_threshold:.2f} to cut false selections in small retail trade.",
        ),
        "performance": _performance(
            "tax-v1.1",
            {
                "auc": 0.77,
                "precision": 0.47,
                "recall": 0.55,
                "false_positive_rate": 0.09,
                "false_negative_rate": 0.45,
                "false_negative_rate_near_threshold": 0.44,
                "n": 19655,
            },
            rural_gap=0.03,
            sex_gap=0.01,
        ),
    }
    return [
        VersionPlan(TAX, "v1.0", p10["released_at"], p10["retired_at"], v10, p10),
        VersionPlan(TAX, "v1.1", p11["released_at"], None, v11, p11),
    ]


def version_plans() -> list[VersionPlan]:
    """The four demo versions, oldest first within each system."""
    return _scorecard_plans() + _logistic_plans()
