"""The workspace's "Next step" is the list `review_actions.next_step` builds from the state machine and the
permissions, per state × viewer; the page draws exactly that list."""

import pytest
from django.urls import reverse

from appeals import permissions, review_actions
from appeals.models import Appeal

from .builders import STEPS, at, client_for

# The actions the assigned reviewer and a supervisor of the body are offered at each point of a review.
EXPECTED = {
    "waiting": ([], ["assign"]),
    "assigned": (["declare_conflict", "declare_inadmissible", "recuse"], []),
    "declared": (["start_review", "declare_inadmissible", "recuse"], []),
    "in_review": (["record_assessment", "put_on_hold", "declare_inadmissible", "recuse"], []),
    "on_hold": (["resume"], []),
    "assessed": (["reveal"], []),
    "revealed": (["decide"], []),
    "countersign": (["see_decision"], ["countersign"]),
    "decided": (["see_decision"], []),
}


def _step(appeal: Appeal, viewer, *, assigned: bool, supervisor: bool) -> review_actions.NextStep:
    assessment = appeal.assessments.filter(reviewer_id=appeal.reviewer_id).first()
    declaration = appeal.conflict_declarations.filter(reviewer_id=viewer.pk).first() if assigned else None
    return review_actions.next_step(
        appeal=appeal,
        assigned=assigned,
        supervisor=supervisor,
        same_body=appeal.review_body_id == viewer.organisation_id,
        declared_no_conflict=bool(declaration and not declaration.has_conflict),
        revealed=bool(assessment and assessment.revealed_at),
        can_see_ai=permissions.can_see_ai_explanation(viewer, appeal),
    )


@pytest.mark.parametrize("step", STEPS)
def test_each_viewer_is_offered_the_actions_of_the_state(world, step):
    appeal = at(world, step)
    reviewer_actions, supervisor_actions = EXPECTED[step]
    if appeal.reviewer_id:
        assert _step(appeal, world.reviewers[0], assigned=True, supervisor=False).names == reviewer_actions
    assert _step(appeal, world.supervisor, assigned=False, supervisor=True).names == supervisor_actions
    # Someone who is neither is offered nothing.
    assert _step(appeal, world.reviewers[1], assigned=False, supervisor=False).names == []


@pytest.mark.parametrize("step", ["declared", "in_review", "assessed", "countersign"])
def test_the_workspace_draws_the_list(world, step):
    appeal = at(world, step)
    html = (
        client_for(world.reviewers[0])
        .get(reverse("review:workspace", kwargs={"reference": appeal.reference}))
        .content.decode()
    )
    expected = _step(appeal, world.reviewers[0], assigned=True, supervisor=False)
    for action in expected.actions:
        assert action.url in html and str(action.label).replace("'", "&#x27;") in html, action
