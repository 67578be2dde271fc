"""Random sequences of actions by random actors never reach an undeclared state, never let a non-independent
reviewer decide, and never show a reviewer the AI's result before their own assessment is recorded."""

import datetime as dt

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from appeals import permissions
from appeals.exceptions import AppealError
from appeals.models import Appeal, Assessment, ConflictDeclaration, TimelineEvent
from appeals.services import core
from appeals.states import TRANSITIONS, Outcome, State

from .conftest import NOW

ACTIONS = [
    "submit",
    "take_next",
    "assign",
    "declare_ok",
    "declare_conflict",
    "start_review",
    "hold",
    "resume",
    "assess",
    "reveal",
    "decide",
    "decide_changed",
    "countersign",
    "return",
    "withdraw",
    "escalate",
    "inadmissible",
    "recuse",
    "close",
]


def run_machine(world):
    actors = [
        world.citizen,
        world.other_citizen,
        *world.reviewers,
        world.supervisor,
        world.agency_reviewer,
        world.agency_staff,
        world.ombudsman,
    ]

    class AppealMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = NOW
            decision = world.decision()
            self.appeal = core.appeal_start(decision=decision, citizen=world.citizen, now=self.clock)
            core.ground_set(
                appeal_id=self.appeal.pk,
                citizen=world.citizen,
                grounds=[{"kind": "DATA_WRONG", "why": "wrong", "feature": "children", "correct_value": "3"}],
            )

        def _fresh(self) -> Appeal:
            return Appeal.objects.select_related("decision__system").get(pk=self.appeal.pk)

        @rule(
            action=st.sampled_from(ACTIONS),
            who=st.integers(0, len(actors) - 1),
            outcome=st.sampled_from(list(Outcome.values)),
        )
        def act(self, action: str, who: int, outcome: str) -> None:
            user = actors[who]
            pk = self.appeal.pk
            self.clock += dt.timedelta(hours=5)
            now = self.clock
            findings = [{"ground": 1, "finding": "ACCEPTED", "reasons": "ok"}]
            calls = {
                "submit": lambda: core.appeal_submit(appeal_id=pk, citizen=user, now=now),
                "take_next": lambda: core.appeal_take_next(reviewer=user, now=now),
                "assign": lambda: core.appeal_assign(
                    appeal_id=pk, reviewer=user, supervisor=world.supervisor, now=now
                ),
                "declare_ok": lambda: core.conflict_declare(
                    appeal_id=pk, reviewer=user, has_conflict=False, now=now
                ),
                "declare_conflict": lambda: core.conflict_declare(
                    appeal_id=pk, reviewer=user, has_conflict=True, note="friend", now=now
                ),
                "start_review": lambda: core.appeal_start_review(appeal_id=pk, reviewer=user, now=now),
                "hold": lambda: core.appeal_put_on_hold(
                    appeal_id=pk, reviewer=user, reason="need doc", now=now
                ),
                "resume": lambda: core.appeal_resume(appeal_id=pk, user=user, now=now),
                "assess": lambda: core.assessment_record(
                    appeal_id=pk,
                    reviewer=user,
                    outcome=outcome,
                    reasons="r",
                    ground_findings=findings,
                    new_outcome="SUPPORT",
                    now=now,
                ),
                "reveal": lambda: core.explanation_reveal(appeal_id=pk, reviewer=user, now=now),
                "decide": lambda: core.appeal_decide(
                    appeal_id=pk, reviewer=user, outcome=outcome, new_outcome="SUPPORT", now=now
                ),
                "decide_changed": lambda: core.appeal_decide(
                    appeal_id=pk,
                    reviewer=user,
                    outcome=outcome,
                    new_outcome="SUPPORT",
                    justification="j",
                    now=now,
                ),
                "countersign": lambda: core.appeal_countersign(
                    appeal_id=pk, signer=user, agrees=True, now=now
                ),
                "return": lambda: core.appeal_countersign(
                    appeal_id=pk, signer=user, agrees=False, note="n", now=now
                ),
                "withdraw": lambda: core.appeal_withdraw(appeal_id=pk, citizen=user, now=now),
                "escalate": lambda: core.appeal_escalate(appeal_id=pk, citizen=user, reason="late", now=now),
                "inadmissible": lambda: core.appeal_declare_inadmissible(
                    appeal_id=pk, reviewer=user, reason="out of scope", now=now
                ),
                "recuse": lambda: core.appeal_recuse(appeal_id=pk, reviewer=user, reason="busy", now=now),
                "close": lambda: core.appeal_close(appeal_id=pk, now=now),
            }
            before = self._fresh().state
            try:
                calls[action]()
            except AppealError:
                assert self._fresh().state == before, "a refused action changed the state"

        @rule(
            who=st.sampled_from(
                ["entitled", "entitled", "citizen", "reviewer0", "reviewer1", "supervisor", "agency_reviewer"]
            ),
            outcome=st.sampled_from(list(Outcome.values)),
        )
        def advance(self, who: str, outcome: str) -> None:
            """The step that moves this state forward, by a plausible (not always entitled) actor."""
            appeal = self._fresh()
            next_action = {
                State.DRAFT: "submit",
                State.ADMISSIBILITY: "take_next",
                State.ASSIGNED: "declare_ok",
                State.IN_REVIEW: "assess",
                State.ASSESSMENT_RECORDED: "reveal_then_decide",
                State.COUNTERSIGN_PENDING: "countersign",
                State.ON_HOLD: "resume",
                State.DECIDED: "close",
            }.get(appeal.state)
            if next_action is None:
                return
            entitled = {
                State.DRAFT: world.citizen,
                State.ON_HOLD: world.citizen,
                State.COUNTERSIGN_PENDING: world.supervisor,
                State.ADMISSIBILITY: world.reviewers[0],
            }.get(appeal.state, appeal.reviewer or world.reviewers[0])
            user = {
                "entitled": entitled,
                "citizen": world.citizen,
                "reviewer0": world.reviewers[0],
                "reviewer1": world.reviewers[1],
                "supervisor": world.supervisor,
                "agency_reviewer": world.agency_reviewer,
            }[who]
            declared = ConflictDeclaration.objects.filter(appeal=appeal, reviewer=user).exists()
            if appeal.state == State.ASSIGNED and appeal.reviewer_id == user.pk and declared:
                next_action = "start_review"
            if next_action == "reveal_then_decide":
                self.act("reveal", actors.index(user), outcome)
                next_action = "decide_changed"
            self.act(next_action, actors.index(user), outcome)
            REACHED.add(self._fresh().state)

        @invariant()
        def state_is_declared(self) -> None:
            assert self._fresh().state in State.values

        @invariant()
        def every_transition_followed_the_table(self) -> None:
            for event in TimelineEvent.objects.filter(appeal_id=self.appeal.pk).exclude(from_state=""):
                name = next(n for n, t in TRANSITIONS.items() if core._EVENT_CODES[n] == event.code)
                t = TRANSITIONS[name]
                assert event.from_state in t.sources and event.to_state in t.possible_targets()

        @invariant()
        def only_independent_reviewers_decide(self) -> None:
            appeal = self._fresh()
            for assessment in Assessment.objects.filter(appeal=appeal).select_related(
                "reviewer__organisation"
            ):
                reviewer = assessment.reviewer
                assert permissions.is_review_staff(reviewer)
                assert reviewer.organisation_id != appeal.decision.system.operator_id
                assert reviewer.pk != appeal.appellant_id
                assert reviewer.pk not in permissions.earlier_reviewer_ids(appeal)
                if assessment.decided_at:
                    assert (
                        assessment.revealed_at is not None
                        and assessment.revealed_at >= assessment.recorded_at
                    )

        @invariant()
        def nobody_reviewing_sees_the_ai_before_assessing(self) -> None:
            appeal = self._fresh()
            for reviewer in world.reviewers:
                if permissions.can_see_ai_explanation(reviewer, appeal):
                    assert Assessment.objects.filter(
                        appeal=appeal, reviewer=reviewer, revealed_at__isnull=False
                    ).exists()
            assert not permissions.can_see_ai_explanation(world.agency_reviewer, appeal)

    AppealMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    AppealMachine.TestCase().runTest()


REACHED: set[str] = set()


def test_random_histories_respect_the_state_machine_and_independence(world):
    run_machine(world)
    # The property is only worth something if the histories went deep: make sure they did.
    assert {State.IN_REVIEW, State.ASSESSMENT_RECORDED, State.DECIDED} <= REACHED, REACHED
