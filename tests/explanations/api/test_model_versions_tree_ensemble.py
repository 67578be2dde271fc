"""Registering a tree ensemble through the agency API: imported from the library's file, checked against the
library's own margins on the agency's sample rows, refused with the largest difference beyond the tolerance."""

from __future__ import annotations

import json
from typing import Any

import xgboost as xgb

from explanations.models import ModelKind, ModelVersion
from explanations.spec import compile_spec
from explanations.spec.importers import IMPORT_TOLERANCE
from tests import factories
from tests.explanations.spec.ensemble_fixtures import data, rows, template


def register(api: Any, code: str, payload: Any) -> Any:
    return api.post(
        f"/api/v1/systems/{code}/model-versions/", data=json.dumps(payload), content_type="application/json"
    )


def _booster_and_margins() -> tuple[str, Any, list[float]]:
    x, binary, _three, _reg = data()
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(x, label=binary), 5)
    sample = x[:20]
    margins = booster.predict(xgb.DMatrix(sample), output_margin=True).astype(float)
    return booster.save_raw("json").decode(), sample, margins.tolist()


def _payload(model: str, sample: Any, margins: list[float]) -> dict[str, Any]:
    payload = factories.version_payload("3.0")
    del payload["spec"]
    payload["model_import"] = {
        "format": "xgboost-json",
        "model": model,
        "template": template(2),
        "sample_rows": rows(sample),
        "sample_margins": margins,
    }
    return payload


def test_an_xgboost_model_is_imported_checked_and_registered_as_a_tree_ensemble(api, agency):
    sys = factories.system(agency, code="tr")
    model, sample, margins = _booster_and_margins()
    response = register(api, "tr", _payload(model, sample, margins))
    assert response.status_code == 201, response.content
    version = ModelVersion.objects.get(system=sys, version="3.0")
    assert version.kind == ModelKind.TREE_ENSEMBLE
    assert version.spec["kind"] == "tree_ensemble"
    check = version.import_check
    assert check["format"] == "xgboost-json" and check["rows_checked"] == 20
    assert check["max_difference"] == 0.0 and check["tolerance"] == IMPORT_TOLERANCE
    assert response.json()["import_check"] == check  # reported to the agency
    compiled = compile_spec(version.spec)
    for row, m in zip(rows(sample), margins, strict=True):
        assert compiled.margins(compiled.leaf_indices(compiled.row(row)))[0] == m


def test_an_import_beyond_the_tolerance_is_refused_with_the_largest_difference(api, agency, unchanged):
    factories.system(agency, code="tr")
    model, sample, margins = _booster_and_margins()
    margins[3] += 1e-4  # the agency's margins come from another model version
    check = unchanged()
    response = register(api, "tr", _payload(model, sample, margins))
    assert response.status_code == 422, response.content
    problems = response.json()["problems"]
    assert problems[0]["field"] == "model_import"
    assert "refused" in problems[0]["message"] and "0.0001" in problems[0]["message"]
    assert any(p["field"] == "model_import.sample_rows[3]" for p in problems)
    assert not ModelVersion.objects.filter(version="3.0").exists()
    check()


def test_spec_and_model_import_together_or_neither_are_refused(api, agency):
    factories.system(agency, code="tr")
    model, sample, margins = _booster_and_margins()
    both = _payload(model, sample, margins)
    both["spec"] = factories.version_payload()["spec"]
    assert register(api, "tr", both).status_code == 422
    neither = _payload(model, sample, margins)
    del neither["model_import"]
    response = register(api, "tr", neither)
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["spec"]


def test_an_unknown_import_field_or_format_is_named(api, agency):
    factories.system(agency, code="tr")
    model, sample, margins = _booster_and_margins()
    payload = _payload(model, sample, margins)
    payload["model_import"]["extra"] = 1
    assert register(api, "tr", payload).json()["problems"][0]["field"] == "model_import.extra"
    payload = _payload(model, sample, margins)
    payload["model_import"]["format"] = "onnx"
    response = register(api, "tr", payload)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "model_import.format"
