"""The independence rule is written twice, as a filter (`permissions.independent_of`, what take-next and the
queues select with) and as a predicate (`permissions.is_independent_of`, what the services check under the row
lock): on every combination of who the user is and how they were involved before, the two must agree."""

import itertools

import pytest

from appeals import permissions
from appeals.models import (
    Appeal,
    Assessment,
    ConflictDeclaration,
    Countersignature,
    ReviewerAssignment,
    TimelineEvent,
)
from appeals.services import core
from portal.accounts.models import OrganisationKind, Role
from tests import factories

from .conftest import NOW, World, make_user
from .review.builders import filed

# Who the user is: reviewer or supervisor of the review body, a reviewer of the operating agency, a reviewer
# of another (non-review) organisation, the appellant, an ombudsman.
USERS = ("body_reviewer", "body_supervisor", "operator_reviewer", "agency_reviewer", "citizen", "ombudsman")
# How they were involved: nothing, on another appeal on the same decision (assigned, assessed, countersigned),
# on another decision (assigned: irrelevant), on this appeal (assigned: still independent, declared a
# conflict, declared none, stood down).
INVOLVEMENT = (
    "none",
    "assigned_sibling",
    "assessed_sibling",
    "countersigned_sibling",
    "assigned_elsewhere",
    "assigned_here",
    "conflict_here",
    "no_conflict_here",
    "recused_here",
    "recused_sibling",
)


def _user(world: World, kind: str):
    if kind == "body_reviewer":
        return world.reviewers[0]
    if kind == "body_supervisor":
        return world.supervisor
    if kind == "operator_reviewer":
        return world.agency_reviewer
    if kind == "agency_reviewer":
        other = factories.organisation(code="other-agency")
        return make_user("other-agency-reviewer", Role.REVIEWER, other)
    if kind == "citizen":
        return world.citizen
    return world.ombudsman


def _involve(world: World, user, how: str, appeal: Appeal, sibling: Appeal, elsewhere: Appeal) -> None:
    target = (
        {"sibling": sibling, "here": appeal, "elsewhere": elsewhere}[how.rsplit("_", 1)[1]]
        if how != "none"
        else None
    )
    if how.startswith("assigned"):
        ReviewerAssignment.objects.create(
            appeal=target, reviewer=user, decision_id=target.decision_id, assigned_at=NOW
        )
    elif how.startswith("assessed"):
        Assessment.objects.create(
            appeal=target, reviewer=user, outcome="UPHELD", reasons="x", ground_findings=[], recorded_at=NOW
        )
    elif how.startswith("countersigned"):
        Countersignature.objects.create(appeal=target, signer=user, agrees=True, signed_at=NOW)
    elif how in ("conflict_here", "no_conflict_here"):
        ConflictDeclaration.objects.create(
            appeal=target, reviewer=user, has_conflict=how == "conflict_here", note="n", declared_at=NOW
        )
    elif how.startswith("recused"):
        TimelineEvent.objects.create(appeal=target, code="appeal.recused", actor=user, actor_role="x", at=NOW)


@pytest.mark.parametrize(("who", "how"), list(itertools.product(USERS, INVOLVEMENT)))
def test_the_filter_and_the_predicate_agree(world, who, how):
    decision = world.decision()
    # One open appeal per decision: the sibling is an earlier appeal on it, withdrawn.
    sibling = filed(world, decision)
    core.appeal_withdraw(appeal_id=sibling.pk, citizen=world.citizen, now=NOW)
    appeal = filed(world, decision)
    elsewhere = filed(world)
    user = _user(world, who)
    _involve(world, user, how, appeal, sibling, elsewhere)

    for case in (appeal, sibling, elsewhere):
        case = Appeal.objects.select_related("decision__system").get(pk=case.pk)
        by_filter = Appeal.objects.filter(pk=case.pk).filter(permissions.independent_of(user)).exists()
        assert by_filter == permissions.is_independent_of(case, user), (who, how, case.pk)


def test_the_matrix_reaches_both_answers(world):
    """Guard against a matrix that agrees only because everything is refused."""
    appeal = filed(world)
    assert permissions.is_independent_of(appeal, world.reviewers[0])
    assert Appeal.objects.filter(permissions.independent_of(world.reviewers[0]), pk=appeal.pk).exists()
    assert not Appeal.objects.filter(permissions.independent_of(world.agency_reviewer), pk=appeal.pk).exists()
    assert world.body.kind == OrganisationKind.REVIEW_BODY
