"""Explanations are computed once per decision and engine version, stored, and served from storage."""

import datetime as dt
import hashlib
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..engine import ENGINE_VERSION, explain
from ..models import Decision, StoredExplanation


def decision_values(decision: Decision) -> dict[str, Any]:
    return {name: item["value"] for name, item in decision.inputs.items()}


def counterfactual_targets(spec: dict[str, Any], recorded_outcome: str) -> tuple[str, ...] | None:
    """Outcomes a counterfactual should reach: those on the other side of favourable/unfavourable from the
    recorded one (a household refused support asks what would have given it support, not what would have put it
    one level lower). None (any different outcome) when every outcome is equally favourable."""
    favourable = {o["code"]: bool(o.get("favourable")) for o in spec.get("outcomes", [])}
    if recorded_outcome not in favourable:
        return None
    other_side = tuple(code for code, fav in favourable.items() if fav != favourable[recorded_outcome])
    return other_side or None


def explanation_compute(decision: Decision) -> Any:
    """Run the engine on the decision as recorded (pure; nothing stored)."""
    spec = decision.model_version.spec
    return explain(
        spec,
        decision_values(decision),
        recorded_score=decision.score,
        recorded_outcome=decision.outcome,
        attributions=decision.attributions,
        near_band=decision.system.near_threshold_band,
        target_outcomes=counterfactual_targets(spec, decision.outcome),
    )


def explanation_get_or_compute(*, decision: Decision, now: dt.datetime | None = None) -> StoredExplanation:
    """The stored explanation for the current engine version, computing and storing it on first use."""
    stored = StoredExplanation.objects.filter(decision=decision, engine_version=ENGINE_VERSION).first()
    if stored is not None:
        return stored
    result = explanation_compute(decision)
    canonical = result.to_json()
    canonical_text = canonical.decode() if isinstance(canonical, bytes) else canonical
    try:
        with transaction.atomic():
            return StoredExplanation.objects.create(
                decision=decision,
                engine_version=ENGINE_VERSION,
                content=orjson.loads(canonical_text),
                canonical_json=canonical_text,
                sha256=hashlib.sha256(canonical_text.encode()).hexdigest(),
                computed_at=now or timezone.now(),
            )
    except IntegrityError:  # computed concurrently by another request: both are identical by construction
        return StoredExplanation.objects.get(decision=decision, engine_version=ENGINE_VERSION)
