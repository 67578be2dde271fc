"""The review desk through its pages: take next, the blind workspace, each action, reveal, decide, countersign."""

import re

import pytest
from django.urls import reverse

from appeals.models import Appeal, Assessment, ConflictDeclaration, Countersignature, TimelineEvent
from appeals.states import Outcome, State
from explanations.models import StoredExplanation

from .builders import FINDINGS, at, client_for, filed

ASSESSMENT_POST = {
    "outcome": Outcome.OVERTURNED,
    "new_outcome": "NO_SUPPORT",
    "reasons": "The registry record is outdated",
    "finding_1": "ACCEPTED",
    "reasons_1": "Sale contract provided",
    "finding_2": "REJECTED",
    "reasons_2": "Not relevant to the rules",
}


def url(name: str, appeal: Appeal | None = None) -> str:
    return reverse(f"review:{name}", args=[appeal.reference] if appeal else [])


def snapshot(appeal: Appeal) -> tuple:
    a = Appeal.objects.get(pk=appeal.pk)
    return (
        a.state,
        a.reviewer_id,
        a.outcome,
        TimelineEvent.objects.filter(appeal=a).count(),
        Assessment.objects.filter(appeal=a).count(),
        Countersignature.objects.filter(appeal=a).count(),
    )


def test_take_next_assigns_the_most_urgent_appeal_and_opens_its_workspace(world):
    filed(world)
    urgent = filed(world, interim_protection="KEEP_PAYMENTS")
    client = client_for(world.reviewers[0])

    response = client.post(url("take-next"))

    assert response.status_code == 302, response.content
    assert response["Location"] == url("workspace", urgent)
    assert Appeal.objects.get(pk=urgent.pk).reviewer_id == world.reviewers[0].pk
    page = client.get(response["Location"])
    assert page.status_code == 200, page.content
    assert "Do you have a conflict of interest in this case?" in page.content.decode()


def test_take_next_with_nothing_waiting_says_so_and_changes_nothing(world):
    client = client_for(world.reviewers[0])
    response = client.post(url("take-next"), follow=True)
    assert response.status_code == 200
    assert "No appeal is waiting that you may take." in response.content.decode()
    assert response.redirect_chain[-1][0] == url("team")


def test_the_waiting_page_counts_what_this_reviewer_may_take(world):
    filed(world)
    filed(world)
    page = client_for(world.reviewers[0]).get(url("team"))
    assert page.status_code == 200
    assert re.search(r"govuk-panel__title\">\s*2\s*<", page.content.decode())


def test_declaring_no_conflict_then_starting_the_review(world):
    appeal = at(world, "assigned")
    client = client_for(world.reviewers[0])

    refused = client.post(url("start", appeal), follow=True)
    assert (
        "Declare that you have no conflict of interest before you start the review"
        in refused.content.decode()
    )
    assert Appeal.objects.get(pk=appeal.pk).state == State.ASSIGNED

    assert client.post(url("conflict", appeal), {"has_conflict": "no"}).status_code == 302
    assert ConflictDeclaration.objects.get(appeal=appeal).has_conflict is False
    assert client.post(url("start", appeal)).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.IN_REVIEW


def test_a_conflict_needs_a_note_and_then_recuses(world):
    appeal = at(world, "assigned")
    client = client_for(world.reviewers[0])

    response = client.post(url("conflict", appeal), {"has_conflict": "yes", "note": ""})
    assert response.status_code == 200
    assert "Describe the conflict of interest" in response.content.decode()
    assert snapshot(appeal)[0] == State.ASSIGNED

    response = client.post(url("conflict", appeal), {"has_conflict": "yes", "note": "My neighbour"})
    assert response.status_code == 302 and response["Location"] == url("mine")
    after = Appeal.objects.get(pk=appeal.pk)
    assert (after.state, after.reviewer_id) == (State.ADMISSIBILITY, None)
    assert client.get(url("workspace", appeal)).status_code == 404


def test_hold_and_resume(world):
    appeal = at(world, "in_review")
    client = client_for(world.reviewers[0])
    empty = client.post(url("hold", appeal), {"reason": "  "})
    assert empty.status_code == 200 and "Give a reason" in empty.content.decode()
    assert client.post(url("hold", appeal), {"reason": "Send the sale contract"}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.ON_HOLD
    workspace = client.get(url("workspace", appeal)).content.decode()
    assert "Send the sale contract" in workspace
    assert client.post(url("resume", appeal)).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.IN_REVIEW


def test_declaring_inadmissible(world):
    appeal = at(world, "declared")
    response = client_for(world.reviewers[0]).post(url("inadmissible", appeal), {"reason": "Not a decision"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.INADMISSIBLE


def test_standing_down_returns_the_appeal_to_the_pool(world):
    appeal = at(world, "in_review")
    response = client_for(world.reviewers[0]).post(url("recuse", appeal), {"reason": "Workload"})
    assert response.status_code == 302 and response["Location"] == url("mine")
    assert Appeal.objects.get(pk=appeal.pk).state == State.ADMISSIBILITY


def test_an_action_the_state_does_not_allow_is_refused_with_a_message_and_changes_nothing(world):
    appeal = at(world, "declared")  # assigned, not started: holding is not possible yet
    before = snapshot(appeal)
    response = client_for(world.reviewers[0]).post(url("hold", appeal), {"reason": "Send it"})
    assert response.status_code == 200
    assert "This cannot be done while the appeal is in its current state." in response.content.decode()
    assert snapshot(appeal) == before


def test_the_assessment_form_needs_a_finding_and_reasons_for_every_ground(world):
    appeal = at(world, "in_review")
    client = client_for(world.reviewers[0])
    response = client.post(url("assess", appeal), {**ASSESSMENT_POST, "finding_2": "", "reasons_2": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Accept or reject this ground" in body and "Give your reasons for this ground" in body
    assert 'href="#id_finding_2_0"' in body  # the error summary links to the first radio of the group
    overturn_without_new = client.post(url("assess", appeal), {**ASSESSMENT_POST, "new_outcome": ""})
    assert "Say what the new outcome is" in overturn_without_new.content.decode()
    assert not Assessment.objects.filter(appeal=appeal).exists()


def test_blind_then_reveal_then_decide(world):
    appeal = at(world, "in_review")
    client = client_for(world.reviewers[0])
    assert client.get(url("decide", appeal))["Location"] == url("workspace", appeal)  # not before the reveal

    assert client.post(url("assess", appeal), ASSESSMENT_POST).status_code == 302
    assessment = Assessment.objects.get(appeal=appeal)
    assert assessment.ground_findings == FINDINGS and assessment.revealed_at is None
    assert client.get(url("decide", appeal))["Location"] == url("workspace", appeal)
    assert not StoredExplanation.objects.filter(decision=appeal.decision).exists()

    assert client.post(url("reveal", appeal))["Location"] == url("decide", appeal)
    page = client.get(url("decide", appeal))
    assert page.status_code == 200
    assert 'id="ai-score"' in page.content.decode()

    response = client.post(
        url("decide", appeal), {"outcome": Outcome.OVERTURNED, "new_outcome": "NO_SUPPORT"}
    )
    assert response.status_code == 302
    decided = Appeal.objects.get(pk=appeal.pk)
    assert (decided.state, decided.outcome) == (State.DECIDED, Outcome.OVERTURNED)


def test_changing_the_outcome_after_the_reveal_shows_the_services_demand_for_a_justification(world):
    appeal = at(world, "revealed")
    client = client_for(world.reviewers[0])
    before = snapshot(appeal)

    response = client.post(url("decide", appeal), {"outcome": Outcome.DECISION_UPHELD})

    assert response.status_code == 200
    assert (
        "You changed your assessment after seeing the AI&#x27;s result: say why" in response.content.decode()
    )
    assert snapshot(appeal) == before
    response = client.post(
        url("decide", appeal),
        {"outcome": Outcome.DECISION_UPHELD, "justification": "The registry proved right"},
    )
    assert response.status_code == 302
    # High-impact system, adverse outcome: a supervisor must countersign.
    assert Appeal.objects.get(pk=appeal.pk).state == State.COUNTERSIGN_PENDING


def test_the_supervisor_countersigns_or_returns_with_a_note(world):
    appeal = at(world, "countersign")
    supervisor = client_for(world.supervisor)
    listing = supervisor.get(url("countersign-list")).content.decode()
    assert url("workspace", appeal) in listing

    page = supervisor.get(url("countersign", appeal))
    assert page.status_code == 200 and 'id="ai-score"' in page.content.decode()
    no_note = supervisor.post(url("countersign", appeal), {"agrees": "no", "note": ""})
    assert no_note.status_code == 200 and "Say why you are returning the decision" in no_note.content.decode()

    assert (
        supervisor.post(url("countersign", appeal), {"agrees": "no", "note": "Look at ground 2"}).status_code
        == 302
    )
    assert Appeal.objects.get(pk=appeal.pk).state == State.ASSESSMENT_RECORDED
    returned = client_for(world.reviewers[0]).get(url("workspace", appeal)).content.decode()
    assert "Look at ground 2" in returned

    client_for(world.reviewers[0]).post(
        url("decide", appeal), {"outcome": Outcome.DECISION_UPHELD, "justification": "Checked ground 2 again"}
    )
    assert supervisor.post(url("countersign", appeal), {"agrees": "yes"}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.DECIDED


def test_the_deciding_reviewer_cannot_reach_the_countersign_page(world):
    appeal = at(world, "countersign")
    assert client_for(world.reviewers[0]).get(url("countersign", appeal)).status_code == 404


def test_a_supervisor_assigns_a_waiting_appeal_to_an_independent_reviewer_of_the_body(world):
    appeal = at(world, "waiting")
    supervisor = client_for(world.supervisor)
    page = supervisor.get(url("assign", appeal)).content.decode()
    assert world.reviewers[1].username in page
    assert world.agency_reviewer.username not in page

    response = supervisor.post(url("assign", appeal), {"reviewer": world.reviewers[1].pk})

    assert response.status_code == 302
    assigned = Appeal.objects.get(pk=appeal.pk)
    assert (assigned.state, assigned.reviewer_id) == (State.ASSIGNED, world.reviewers[1].pk)
    assert supervisor.get(url("assign", appeal)).status_code == 404  # no longer waiting


def test_assigning_someone_who_is_not_listed_is_refused(world):
    appeal = at(world, "waiting")
    response = client_for(world.supervisor).post(
        url("assign", appeal), {"reviewer": world.agency_reviewer.pk}
    )
    assert response.status_code == 200 and "Choose a reviewer" in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == State.ADMISSIBILITY


@pytest.mark.parametrize("step", ["assigned", "in_review", "assessed", "revealed", "decided"])
def test_the_workspace_offers_the_next_step_of_each_state(world, step):
    appeal = at(world, step)
    body = client_for(world.reviewers[0]).get(url("workspace", appeal)).content.decode()
    expected = {
        "assigned": url("conflict", appeal),
        "in_review": url("assess", appeal),
        "assessed": url("reveal", appeal),
        "revealed": url("decide", appeal),
        "decided": "Nothing more to do on this appeal.",
    }[step]
    assert expected in body


def test_evidence_is_linked_to_the_appellants_download_page(world):
    from appeals.models import Evidence
    from tests.appeals.conftest import NOW

    appeal = at(world, "assigned")
    evidence = Evidence.objects.create(
        appeal=appeal,
        stored_name="x" * 40,
        original_name="contract.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
        uploaded_at=NOW,
        scan_status="CLEAN",
    )
    body = client_for(world.reviewers[0]).get(url("workspace", appeal)).content.decode()
    assert "contract.pdf" in body
    assert reverse("appeals:evidence-file", args=[appeal.reference, evidence.pk]) in body
