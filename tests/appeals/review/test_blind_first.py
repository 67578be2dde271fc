"""Blind-first review: before the reveal, no page of the review desk runs the model, reads the stored explanation,
or shows anything of how the AI scored the case; no route lets anyone query the model with other data."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from appeals.models import Appeal
from explanations.presenters import explanation_page
from explanations.services.explain import explanation_get_or_compute

from .builders import at, client_for

PRE_REVEAL = ("assigned", "declared", "in_review", "on_hold", "assessed")
# Every name under which the engine or the spec compiler can be reached.
MODEL_ENTRY_POINTS = [
    ("explanations.engine", "explain"),
    ("explanations.engine.core", "explain"),
    ("explanations.engine.core", "compile_spec"),
    ("explanations.spec", "compile_spec"),
    ("explanations.spec.compiled", "compile_spec"),
    ("explanations.services.explain", "explain"),
    ("explanations.services.explain", "explanation_compute"),
    ("explanations.services.explain", "explanation_get_or_compute"),
    ("explanations.presenters", "explanation_page"),
]


def review_routes() -> Iterator[tuple[str, list[str]]]:
    """(url name, argument names) of every route in the "review" namespace, found in the resolver."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "review" and p.name:
                yield f"review:{p.name}", list(getattr(p.pattern, "converters", {}))

    yield from walk(get_resolver().url_patterns, "")


@pytest.fixture
def model_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the AI's model or explanation was reached before the reveal")

    for module, name in MODEL_ENTRY_POINTS:
        monkeypatch.setattr(f"{module}.{name}", refuse)


def test_the_review_namespace_is_found():
    names = {name for name, _args in review_routes()}
    assert {"review:workspace", "review:assess", "review:reveal", "review:decide"} <= names


@pytest.mark.parametrize("step", PRE_REVEAL)
def test_no_review_page_reaches_the_model_before_the_reveal(world, step, model_forbidden):
    appeal = at(world, step)
    for user in (world.reviewers[0], world.supervisor):
        client = client_for(user)
        for name, args in review_routes():
            path = reverse(name, args=[appeal.reference] if args == ["reference"] else [])
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code in (200, 302, 404, 405), (name, response.status_code)
            body = response.content.decode()
            assert 'id="ai-score"' not in body, name
            touched = [
                q["sql"] for q in queries.captured_queries if "explanations_storedexplanation" in q["sql"]
            ]
            assert not touched, (name, touched)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_blind_pages_show_no_score_threshold_contribution_or_counterfactual(world, lang):
    appeal = at(world, "in_review", evidence=False)
    client = client_for(world.reviewers[0])
    with translation.override(lang):
        bodies = [
            client.get(reverse(f"review:{name}", args=[appeal.reference])).content.decode()
            for name in ("workspace", "assess", "hold", "recuse", "inadmissible")
        ]
        ai = explanation_page(
            decision=appeal.decision, stored=explanation_get_or_compute(decision=appeal.decision)
        )
    secrets = [
        ai.score,
        *ai.thresholds,
        ai.margin,
        ai.baseline_sentence,
        ai.score_sentence,
        *(a.sentence for a in ai.alternatives),
        *(r.amount for r in ai.contributions if r.amount != "0"),
    ]
    secrets = [s for s in secrets if s and s != "—"]
    assert len(secrets) >= 4
    for body in bodies:
        leaked = [s for s in secrets if s in body]
        assert not leaked, leaked


def test_the_blind_pages_take_only_labels_from_the_specification(world):
    appeal = at(world, "in_review")
    body = (
        client_for(world.reviewers[0])
        .get(reverse("review:workspace", args=[appeal.reference]))
        .content.decode()
    )
    spec = appeal.decision.model_version.spec
    assert "Owns a vehicle" in body and "Eligible for support" in body  # labels of features and outcomes
    for word in ("base_points", "reference_bins", "bands", "min_score", "points"):
        assert word not in body
    frozen = Appeal.objects.get(pk=appeal.pk).frozen_decision
    assert frozen["score"] is not None and f'"score": {frozen["score"]}' not in body
    assert spec["base_points"] == 50  # the point of the check above: the spec has scoring rules to hide


def test_after_the_reveal_the_decision_page_shows_the_explanation(world):
    appeal = at(world, "revealed")
    body = (
        client_for(world.reviewers[0]).get(reverse("review:decide", args=[appeal.reference])).content.decode()
    )
    assert 'id="ai-score"' in body
    with translation.override(translation.get_language()):
        ai = explanation_page(
            decision=appeal.decision, stored=explanation_get_or_compute(decision=appeal.decision)
        )
    assert ai.score in body


def test_no_review_route_accepts_data_for_the_model():
    """The only inputs of the review desk are the reference and form fields of the review itself."""
    for name, args in review_routes():
        assert set(args) <= {"reference"}, name
