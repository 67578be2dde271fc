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


def explanation_compute(decision: Decision) -> Any:
    """Run the engine on the decision as recorded (pure; nothing stored)."""
    return explain(
        decision.model_version.spec,
        decision_values(decision),
        recorded_score=decision.score,
        recorded_outcome=decision.outcome,
        attributions=decision.attributions,
        near_band=decision.system.near_threshold_band,
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
