"""Reads of the register and of decisions (the queries; the explanation page is built in presenters.py)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal.accounts.models import Organisation
from portal.identifiers import format_reference, normalise_reference
from portal.web.templatetags.portal import i18n_text

from .models import AlgorithmicSystem, DataFlag, Decision, ModelVersion, Reproducibility
from .presenters import appeal_last_day, outcome_of


def systems_public() -> QuerySet[AlgorithmicSystem]:
    return AlgorithmicSystem.objects.select_related("operator").order_by("code")


def system_public(code: str) -> AlgorithmicSystem | None:
    return (
        AlgorithmicSystem.objects.select_related("operator")
        .prefetch_related(Prefetch("versions", queryset=ModelVersion.objects.order_by("-released_at", "-id")))
        .filter(code=code)
        .first()
    )


def systems_of_agency(organisation: Organisation) -> QuerySet[AlgorithmicSystem]:
    return (
        AlgorithmicSystem.objects.filter(operator=organisation)
        .prefetch_related(Prefetch("versions", queryset=ModelVersion.objects.order_by("released_at", "id")))
        .order_by("code")
    )


def decision_for_agency(*, organisation: Organisation, reference: str) -> Decision | None:
    """The decision if it belongs to a system this agency operates (else None: answered as 404)."""
    return (
        Decision.objects.select_related("system", "model_version", "supersedes", "superseded_by")
        .filter(reference=reference, system__operator=organisation)
        .first()
    )


# --- a citizen's decisions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionListItem:
    reference: str
    reference_display: str
    system_name: dict[str, str]
    outcome_label: str
    favourable: bool | None
    decided_date: dt.date
    notified: bool
    notified_date: dt.date | None
    superseded_by: str | None
    supersedes: str | None
    reproducibility: str
    appeal_last_day: dt.date | None
    appeal_window_over: bool

    @property
    def not_reproducible(self) -> bool:
        return self.reproducibility != Reproducibility.REPRODUCED


def decisions_of_citizen(user: Any, *, now: dt.datetime | None = None) -> list[DecisionListItem]:
    """Every decision about the signed-in person, newest first, silent assessments included. One query."""
    today = timezone.localdate(now or timezone.now())
    rows = (
        Decision.objects.filter(subject_iin_hash=user.iin_hash)
        .select_related("system", "model_version", "superseded_by", "supersedes")
        .only(
            "reference",
            "decided_at",
            "notified",
            "notified_at",
            "outcome",
            "reproducibility",
            "system__name",
            "system__appeal_window_days",
            "model_version__spec",
            "superseded_by__reference",
            "supersedes__reference",
        )
        .order_by("-decided_at", "-id")
    )
    items = []
    for d in rows:
        outcome = outcome_of(d.model_version.spec, d.outcome)
        last_day = appeal_last_day(d)
        successor = getattr(d, "superseded_by", None)
        items.append(
            DecisionListItem(
                reference=d.reference,
                reference_display=format_reference(d.reference),
                system_name=d.system.name,
                outcome_label=i18n_text(outcome["label"]),
                favourable=outcome.get("favourable"),
                decided_date=timezone.localdate(d.decided_at),
                notified=d.notified,
                notified_date=timezone.localdate(d.notified_at) if d.notified_at else None,
                superseded_by=successor.reference if successor else None,
                supersedes=d.supersedes.reference if d.supersedes else None,
                reproducibility=d.reproducibility,
                appeal_last_day=last_day,
                appeal_window_over=last_day is not None and last_day < today,
            )
        )
    return items


def decision_by_reference(reference: str) -> Decision | None:
    """The decision with everything its page shows, by a reference as typed (forgiving), or None."""
    canonical = normalise_reference(reference)
    if canonical is None:
        return None
    return (
        Decision.objects.select_related("system__operator", "model_version", "superseded_by", "supersedes")
        .defer(
            "subject_iin_encrypted",
            "superseded_by__inputs",
            "superseded_by__attributions",
            "supersedes__inputs",
            "supersedes__attributions",
        )
        .filter(reference=canonical)
        .first()
    )


def lookup_candidate(*, reference: str, iin_hash: str) -> Decision | None:
    """The decision for the letter look-up: only when both the reference and the person's IIN match."""
    return Decision.objects.filter(reference=reference, subject_iin_hash=iin_hash).only("reference").first()


def flagged_features(*, decision: Decision) -> frozenset[str]:
    """Features of this decision that its subject has already said are wrong."""
    return frozenset(DataFlag.objects.filter(decision=decision).values_list("feature", flat=True))
