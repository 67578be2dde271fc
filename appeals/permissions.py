"""Who may do what to an appeal: one predicate per rule, used at the edge and again inside the services."""

from typing import Any

from portal.accounts.models import OrganisationKind, Role

from .models import (
    Appeal,
    Assessment,
    ConflictDeclaration,
    Countersignature,
    ReviewerAssignment,
    TimelineEvent,
)


def is_review_staff(user: Any) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role in (Role.REVIEWER, Role.SUPERVISOR)
        and user.organisation is not None
        and user.organisation.kind == OrganisationKind.REVIEW_BODY
    )


def earlier_reviewer_ids(appeal: Appeal) -> set[int]:
    """Everyone who was ever assigned to, assessed or countersigned another appeal on the same decision."""
    ids = set(
        ReviewerAssignment.objects.filter(decision_id=appeal.decision_id)
        .exclude(appeal_id=appeal.pk)
        .values_list("reviewer_id", flat=True)
    )
    others = Appeal.objects.filter(decision_id=appeal.decision_id).exclude(pk=appeal.pk)
    ids |= set(Assessment.objects.filter(appeal__in=others).values_list("reviewer_id", flat=True))
    ids |= set(Countersignature.objects.filter(appeal__in=others).values_list("signer_id", flat=True))
    return ids


def excluded_by_declaration(appeal: Appeal, user: Any) -> bool:
    """A declared conflict, or a recusal, excludes the reviewer from this appeal for good."""
    if ConflictDeclaration.objects.filter(appeal=appeal, reviewer=user, has_conflict=True).exists():
        return True
    return TimelineEvent.objects.filter(appeal=appeal, actor=user, code="appeal.recused").exists()


def is_independent_of(appeal: Appeal, user: Any) -> bool:
    """The independence rule: a review body's staff, not of the operating agency, not the appellant, not an
    earlier reviewer of the same decision, and no declared conflict on this case."""
    if not is_review_staff(user):
        return False
    if user.organisation_id == appeal.decision.system.operator_id:
        return False
    if user.pk == appeal.appellant_id:
        return False
    if user.pk in earlier_reviewer_ids(appeal):
        return False
    return not excluded_by_declaration(appeal, user)


def can_view_appeal(user: Any, appeal: Appeal) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk == appeal.appellant_id:
        return True
    if user.role == Role.REVIEWER:
        return appeal.reviewer_id == user.pk
    if user.role == Role.SUPERVISOR:
        return is_review_staff(user) and appeal.state != "DRAFT"
    return user.role == Role.OMBUDSMAN and appeal.state != "DRAFT"


def can_see_ai_explanation(user: Any, appeal: Appeal) -> bool:
    """Blind-first review: the assigned reviewer sees the AI's result only after recording an assessment."""
    if user.pk == appeal.appellant_id:
        return True
    if user.role == Role.REVIEWER:
        return (
            appeal.reviewer_id == user.pk
            and Assessment.objects.filter(appeal=appeal, reviewer=user, revealed_at__isnull=False).exists()
        )
    if user.role == Role.SUPERVISOR:
        return appeal.state in ("COUNTERSIGN_PENDING", "DECIDED", "CLOSED", "ESCALATED")
    return user.role == Role.OMBUDSMAN and appeal.state in ("DECIDED", "CLOSED", "ESCALATED")


def can_change_calendar(user: Any) -> bool:
    """Record, change or delete a working day moved by decree: an active administrator only."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.ADMIN
    )
