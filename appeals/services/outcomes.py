"""What a decided appeal sets in motion: correction notices to registries, and the outcome for the agency."""

import datetime as dt

from portal.audit.services import audit_record

from ..models import Appeal, GroundKind, RegistryCorrection


def outcome_effects(*, appeal: Appeal, now: dt.datetime) -> list[RegistryCorrection]:
    """Inside the deciding transaction: a correction notice for every data item the review found wrong."""
    assessment = appeal.assessments.filter(reviewer_id=appeal.reviewer_id).first()
    accepted = {
        f["ground"] for f in (assessment.ground_findings if assessment else []) if f["finding"] == "ACCEPTED"
    }
    corrections = []
    for ground in appeal.grounds.filter(kind=GroundKind.DATA_WRONG, position__in=accepted):
        item = appeal.decision.inputs.get(ground.feature, {})
        corrections.append(
            RegistryCorrection.objects.create(
                appeal=appeal,
                decision=appeal.decision,
                feature=ground.feature,
                source=item.get("source", ""),
                recorded_value=item.get("value"),
                correct_value=ground.correct_value,
                created_at=now,
            )
        )
    audit_record(
        action="appeal.outcome.effects",
        actor="system",
        object_type="appeal",
        object_id=appeal.pk,
        data={"outcome": appeal.outcome, "corrections": len(corrections)},
        now=now,
    )
    return corrections
