"""The rollups' "near a threshold" is the explanation engine's: for decisions ingested through the service and
explained by the engine, the flag agrees decision by decision, and the rollup's count is their sum."""

from __future__ import annotations

import random
from typing import Any

from explanations.models import Decision
from explanations.services.explain import explanation_compute
from explanations.services.ingest import decisions_ingest
from explanations.spec import compile_spec
from oversight import rollups
from oversight.models import DecisionCell
from tests import factories

from .conftest import LINEAR_SPEC


def _records(
    spec: dict[str, Any], version: str, rng: random.Random, count: int, start: int
) -> list[dict[str, Any]]:
    model = compile_spec(spec)
    features = {f["name"]: f for f in spec["features"]}
    out = []
    for i in range(count):
        values: dict[str, Any] = {}
        for name, f in features.items():
            if f["type"] == "boolean":
                values[name] = rng.random() < 0.5
            elif f["type"] == "category":
                values[name] = rng.choice(f["categories"])
            elif f["type"] == "integer":
                values[name] = rng.randint(f["min"], min(f["max"], 6))
            else:
                values[name] = rng.choice(
                    [rng.uniform(f["min"], f["max"]), rng.uniform(20000, 120000) % f["max"]]
                )
        result = model.score(values)
        record = factories.decision_record(start + i, version=version)
        record.update(
            outcome=result.outcome,
            score=result.score,
            inputs={
                n: {
                    "value": v,
                    "source": features[n]["source"],
                    "as_of_date": "2026-01-01",
                    "collection": "registry",
                }
                for n, v in values.items()
            },
        )
        out.append(record)
    return out


def test_near_threshold_agrees_with_the_engine(postgres: None) -> None:
    rng = random.Random(5)
    agency = factories.organisation(code="near-agency")
    banded = factories.system(agency, code="near-banded", near_threshold_band=7.5)
    default = factories.system(agency, code="near-default")  # 5 % of the score range
    linear = factories.system(agency, code="near-linear")
    factories.model_version(banded, "1.0")
    factories.model_version(default, "1.0")
    factories.model_version(linear, "1.0", spec=LINEAR_SPEC)
    n = 0
    for system, spec in (
        (banded, factories.SCORECARD_SPEC),
        (default, factories.SCORECARD_SPEC),
        (linear, LINEAR_SPEC),
    ):
        records = _records(spec, "1.0", rng, 60, 10_000 + n)
        n += 100
        decisions_ingest(organisation=agency, system_code=system.code, records=records, actor="test")
    infos = rollups.version_infos()
    near_total = defined_total = 0
    for d in Decision.objects.select_related("system", "model_version"):
        engine = explanation_compute(d).thresholds
        ours = rollups.is_near(infos[d.model_version_id].rule, d.score)
        assert ours == ("Y" if engine.near_threshold else "N"), (d.system.code, d.score, engine.near_band)
        assert infos[d.model_version_id].rule.band == engine.near_band
        near_total += engine.near_threshold
        defined_total += 1
    assert 0 < near_total < defined_total  # the data really has both
    rollups.rollup_refresh()
    assert sum(DecisionCell.objects.values_list("near", flat=True)) == near_total
    assert sum(DecisionCell.objects.values_list("near_defined", flat=True)) == defined_total
