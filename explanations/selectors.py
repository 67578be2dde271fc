"""Reads of the register and of decisions."""

from django.db.models import Prefetch, QuerySet

from portal.accounts.models import Organisation

from .models import AlgorithmicSystem, Decision, ModelVersion


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
