"""Who may do what to an appeal: one predicate per rule, used at the edge and again inside the services.

The independence rule is written here twice, side by side: `independent_of(user)` as a filter over appeals
(take-next and the queues select with it, so one query finds what a reviewer may take) and
`is_independent_of(appeal, user)` as a predicate on one appeal (the services check it under the row lock).
tests/appeals/test_independence.py holds the two together on every combination of body, operator,
appellant and prior involvement; change both or neither.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q

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


def independent_of(user: Any) -> Q:
    """The appeals `user` is independent of, as a filter on Appeal (the twin of `is_independent_of`)."""
    if not is_review_staff(user):
        return Q(pk__in=[])
    # Prior involvement on another appeal on the same decision: an assignment, an assessment, a countersignature.
    earlier = (
        Exists(
            ReviewerAssignment.objects.filter(
                decision_id=OuterRef("decision_id"), reviewer_id=user.pk
            ).exclude(appeal_id=OuterRef("pk"))
        )
        | Exists(
            Assessment.objects.filter(
                appeal__decision_id=OuterRef("decision_id"), reviewer_id=user.pk
            ).exclude(appeal_id=OuterRef("pk"))
        )
        | Exists(
            Countersignature.objects.filter(
                appeal__decision_id=OuterRef("decision_id"), signer_id=user.pk
            ).exclude(appeal_id=OuterRef("pk"))
        )
    )
    declared = Exists(
        ConflictDeclaration.objects.filter(appeal_id=OuterRef("pk"), reviewer_id=user.pk, has_conflict=True)
    ) | Exists(
        TimelineEvent.objects.filter(appeal_id=OuterRef("pk"), actor_id=user.pk, code="appeal.recused")
    )
    return (
        ~Q(appellant_id=user.pk)
        & ~Q(decision__system__operator_id=user.organisation_id)
        & ~Q(earlier)
        & ~Q(declared)
    )


def is_independent_of(appeal: Appeal, user: Any) -> bool:
    """The independence rule: a review body's staff, not of the operating agency, not the appellant, not an
    earlier reviewer of the same decision, and no declared conflict on this case (the twin of `independent_of`)."""
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
