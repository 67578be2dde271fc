"""A boosted tree ensemble's decision: its explanation page and PDF render in kk, ru and en, with the
ensemble's own texts (kind of model, counterfactual method, notes) translated through the catalogs."""

from __future__ import annotations

from typing import Any

import pytest
import xgboost as xgb
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.models import ModelKind
from explanations.spec import compile_spec
from explanations.spec.importers import import_tree_ensemble
from portal.accounts.models import User
from tests.explanations.spec.ensemble_fixtures import data, rows, template

from . import builders

VALUES = {"a": 2.0, "b": 0.5, "c": 1, "d": True}


def _spec() -> dict[str, Any]:
    x, binary, _three, _reg = data()
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(x, label=binary), 5)
    sample = x[:20]
    margins = booster.predict(xgb.DMatrix(sample), output_margin=True).astype(float).tolist()
    t = template(2)
    for f in t["features"]:
        f["source"] = "GBD_FL"
    report = import_tree_ensemble("xgboost-json", booster.save_raw("json").decode(), t, rows(sample), margins)
    assert report.ok and report.spec is not None, report.errors
    return report.spec


@pytest.fixture
def ensemble_decision(person: tuple[User, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = _spec()
    monkeypatch.setattr(builders, "example_spec", lambda kind: spec)
    system = builders.system_for("tree_ensemble")
    assert system.versions.get().kind == ModelKind.TREE_ENSEMBLE
    result = compile_spec(spec).score(VALUES)
    return builders.decide(
        system, iin=person[1], kind="tree_ensemble", values=VALUES, recorded=(result.score, result.outcome)
    )


def url(name: str, lang: str, **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_ensemble_explanation_page_and_pdf_render_in_each_language(
    client: Client, person: tuple[User, str], ensemble_decision: Any, lang: str
) -> None:
    client.force_login(person[0])
    page = client.get(url("explanations:decision", lang, reference=ensemble_decision.reference))
    assert page.status_code == 200, page.content[:2000]
    body = page.content.decode()
    with translation.override(lang):
        assert str(ModelKind.TREE_ENSEMBLE.label) in body
    if lang == "en":
        assert "exact optimisation over the paths through the model" in body
        assert "many fixed trees of questions" in body
    pdf = client.get(url("explanations:decision-pdf", lang, reference=ensemble_decision.reference))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
