"""The appeal's life through the services: independence, blind-first review, countersign, deadlines."""

import datetime as dt

import pytest

from appeals import permissions
from appeals.exceptions import IllegalTransition, InvalidInput, NotAllowed, NothingToTake, NotIndependent
from appeals.models import Appeal, Notification, RegistryCorrection, TimelineEvent
from appeals.services import core
from appeals.states import Outcome, State
from portal.audit.services import audit_verify

from .conftest import NOW


def filed(world, decision=None, **draft):
    decision = decision or world.decision()
    appeal = core.appeal_start(decision=decision, citizen=world.citizen, now=NOW)
    core.ground_set(
        appeal_id=appeal.pk,
        citizen=world.citizen,
        grounds=[
            {
                "kind": "DATA_WRONG",
                "why": "I sold the car in 2024",
                "feature": "has_vehicle",
                "correct_value": "no",
            },
            {"kind": "CIRCUMSTANCES_MISSED", "why": "I care for my mother", "circumstance": "CARING"},
        ],
    )
    if draft:
        core.appeal_update_draft(appeal_id=appeal.pk, citizen=world.citizen, **draft)
    return core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)


def assessed(world, appeal, reviewer, outcome=Outcome.OVERTURNED):
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.assessment_record(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        outcome=outcome,
        reasons="Registry record is outdated",
        new_outcome="SUPPORT" if outcome != Outcome.DECISION_UPHELD else "",
        ground_findings=[
            {"ground": 1, "finding": "ACCEPTED", "reasons": "Sale contract provided"},
            {"ground": 2, "finding": "REJECTED", "reasons": "Not relevant to the rules"},
        ],
        now=NOW,
    )


def test_submission_freezes_the_decision_and_computes_a_working_day_due_date(world):
    appeal = filed(world)
    assert appeal.state == State.ADMISSIBILITY
    assert appeal.frozen_decision["content_hash"] == appeal.decision.content_hash
    assert len(appeal.frozen_decision_hash) == 64
    # 20 working days from Wed 1 April 2026 skip weekends and KZ holidays (1 May, 7 May, 9 May→11 May)
    assert appeal.due_date == dt.date(2026, 4, 29)
    codes = list(TimelineEvent.objects.filter(appeal=appeal).order_by("id").values_list("code", flat=True))
    assert codes == ["appeal.submitted", "appeal.admissibility.opened"]
    assert Notification.objects.filter(appeal=appeal, event="appeal.submitted").count() == 1
    assert audit_verify().ok


def test_a_draft_without_grounds_cannot_be_submitted(world):
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen, now=NOW)
    with pytest.raises(InvalidInput) as err:
        core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
    assert "grounds" in err.value.errors
    assert Appeal.objects.get(pk=appeal.pk).state == State.DRAFT


def test_another_citizen_cannot_appeal_my_decision(world):
    with pytest.raises(NotAllowed):
        core.appeal_start(decision=world.decision(), citizen=world.other_citizen, now=NOW)


def test_a_late_appeal_needs_a_reason(world):
    decision = world.decision(
        decided_at="2026-01-04T10:00:00+00:00", notified=True, notified_at="2026-01-05T10:00:00+00:00"
    )
    appeal = core.appeal_start(decision=decision, citizen=world.citizen, now=NOW)
    core.ground_set(appeal_id=appeal.pk, citizen=world.citizen, grounds=[{"kind": "OTHER", "why": "Wrong"}])
    with pytest.raises(InvalidInput) as err:
        core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
    assert "late_reason" in err.value.errors
    core.appeal_update_draft(appeal_id=appeal.pk, citizen=world.citizen, late_reason="I was in hospital")
    assert (
        core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW).state == State.ADMISSIBILITY
    )


def test_a_silent_assessment_can_always_be_appealed(world):
    decision = world.decision(decided_at="2025-01-05T10:00:00+00:00")
    assert not decision.notified
    assert filed(world, decision).state == State.ADMISSIBILITY


def test_reviewers_of_the_operating_agency_can_never_take_or_be_assigned(world):
    appeal = filed(world)
    with pytest.raises(NotAllowed):
        core.appeal_take_next(reviewer=world.agency_reviewer, now=NOW)
    with pytest.raises(NotIndependent):
        core.appeal_assign(
            appeal_id=appeal.pk, reviewer=world.agency_reviewer, supervisor=world.supervisor, now=NOW
        )


def test_take_next_gives_the_most_urgent_appeal(world):
    plain = filed(world)
    urgent = filed(world, interim_protection="KEEP_PAYMENTS")
    taken = core.appeal_take_next(reviewer=world.reviewers[0], now=NOW)
    assert taken.pk == urgent.pk
    assert core.appeal_take_next(reviewer=world.reviewers[1], now=NOW).pk == plain.pk
    with pytest.raises(NothingToTake):
        core.appeal_take_next(reviewer=world.reviewers[2], now=NOW)


def test_the_whole_review_blind_first_then_reveal_then_decide(world):
    appeal = filed(world)
    reviewer = world.reviewers[0]
    appeal = core.appeal_take_next(reviewer=reviewer, now=NOW)
    assert not permissions.can_see_ai_explanation(reviewer, appeal)
    with pytest.raises(InvalidInput):
        core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    with pytest.raises(IllegalTransition):
        core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    assessed(world, appeal, reviewer)
    assert not permissions.can_see_ai_explanation(reviewer, Appeal.objects.get(pk=appeal.pk))
    with pytest.raises(IllegalTransition):
        core.appeal_decide(
            appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT"
        )
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    assert permissions.can_see_ai_explanation(reviewer, Appeal.objects.get(pk=appeal.pk))

    decided = core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT", now=NOW
    )

    assert decided.state == State.DECIDED and decided.outcome == Outcome.OVERTURNED
    correction = RegistryCorrection.objects.get(appeal=appeal)
    assert (correction.feature, correction.source, correction.correct_value) == (
        "has_vehicle",
        "REG_VEHICLE",
        "no",
    )
    assert audit_verify().ok


def test_changing_ones_mind_after_the_reveal_needs_a_justification(world):
    appeal = filed(world)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    assessed(world, appeal, reviewer, outcome=Outcome.OVERTURNED)
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    with pytest.raises(InvalidInput) as err:
        core.appeal_decide(appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.DECISION_UPHELD, now=NOW)
    assert "justification" in err.value.errors
    decided = core.appeal_decide(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        outcome=Outcome.DECISION_UPHELD,
        justification="The registry data proved right",
        now=NOW,
    )
    # high impact + adverse → a second independent reviewer must countersign
    assert decided.state == State.COUNTERSIGN_PENDING
    with pytest.raises(NotIndependent):
        core.appeal_countersign(appeal_id=appeal.pk, signer=reviewer, agrees=True, now=NOW)
    signed = core.appeal_countersign(appeal_id=appeal.pk, signer=world.supervisor, agrees=True, now=NOW)
    assert signed.state == State.DECIDED


def test_a_reviewer_of_an_earlier_appeal_on_the_same_decision_is_excluded(world):
    decision = world.decision()
    first = filed(world, decision)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    core.appeal_withdraw(appeal_id=first.pk, citizen=world.citizen, now=NOW)
    second = filed(world, decision)
    assert reviewer.pk in permissions.earlier_reviewer_ids(second)
    with pytest.raises(NothingToTake):
        core.appeal_take_next(reviewer=reviewer, now=NOW)
    assert core.appeal_take_next(reviewer=world.reviewers[1], now=NOW).pk == second.pk


def test_a_declared_conflict_recuses_and_excludes_for_good(world):
    appeal = filed(world)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    back = core.conflict_declare(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        has_conflict=True,
        note="The appellant is my neighbour",
        now=NOW,
    )
    assert back.state == State.ADMISSIBILITY and back.reviewer_id is None
    with pytest.raises(NothingToTake):
        core.appeal_take_next(reviewer=reviewer, now=NOW)


def test_the_clock_stops_while_on_hold(world):
    appeal = filed(world)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    due_before = Appeal.objects.get(pk=appeal.pk).due_date
    core.appeal_put_on_hold(appeal_id=appeal.pk, reviewer=reviewer, reason="Send the sale contract", now=NOW)
    resumed = core.appeal_resume(appeal_id=appeal.pk, user=world.citizen, now=NOW + dt.timedelta(days=7))
    assert resumed.held_working_days == 5
    assert resumed.due_date > due_before


def test_the_appellant_may_withdraw_but_not_decide(world):
    appeal = filed(world)
    with pytest.raises(NotAllowed):
        core.appeal_take_next(reviewer=world.citizen, now=NOW)
    assert core.appeal_withdraw(appeal_id=appeal.pk, citizen=world.citizen, now=NOW).state == State.WITHDRAWN
    with pytest.raises(IllegalTransition):
        core.appeal_withdraw(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
