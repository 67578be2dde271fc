"""The declared state machine of an appeal: every state, every transition, and who may trigger it.

Nothing else decides whether a transition is legal: services look transitions up here, tests walk this table.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    SUBMITTED = "SUBMITTED", _("Submitted")
    ADMISSIBILITY = "ADMISSIBILITY", _("Admissibility check")
    ASSIGNED = "ASSIGNED", _("Assigned to a reviewer")
    IN_REVIEW = "IN_REVIEW", _("In review")
    ASSESSMENT_RECORDED = "ASSESSMENT_RECORDED", _("Independent assessment recorded")
    COUNTERSIGN_PENDING = "COUNTERSIGN_PENDING", _("Waiting for a second reviewer's countersignature")
    DECIDED = "DECIDED", _("Decided")
    CLOSED = "CLOSED", _("Closed")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    INADMISSIBLE = "INADMISSIBLE", _("Inadmissible")
    ON_HOLD = "ON_HOLD", _("On hold: waiting for you")
    ESCALATED = "ESCALATED", _("Escalated to the ombudsman")


class Actor(StrEnum):
    APPELLANT = "appellant"
    ASSIGNED_REVIEWER = "assigned_reviewer"  # the reviewer the appeal is assigned to
    REVIEWER = "reviewer"  # any eligible reviewer of an independent review body (take next)
    SUPERVISOR = "supervisor"  # a supervisor of the review body the appeal is with
    SYSTEM = "system"  # the portal itself (tasks, automatic steps)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State | None  # None: the service decides among `targets`
    actors: frozenset[Actor]
    targets: frozenset[State] = frozenset()
    needs_reason: bool = False

    def possible_targets(self) -> frozenset[State]:
        return frozenset({self.target}) if self.target else self.targets


def _t(name: str, sources: set[State], target: State | None, actors: set[Actor], **kw: object) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(actors), **kw)  # type: ignore[arg-type]


OPEN = {
    State.SUBMITTED,
    State.ADMISSIBILITY,
    State.ASSIGNED,
    State.IN_REVIEW,
    State.ON_HOLD,
    State.ASSESSMENT_RECORDED,
    State.COUNTERSIGN_PENDING,
}
CLOCK_RUNNING = OPEN - {State.ON_HOLD}
TERMINAL = {State.CLOSED, State.WITHDRAWN, State.INADMISSIBLE, State.ESCALATED}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("submit", {State.DRAFT}, State.SUBMITTED, {Actor.APPELLANT}),
        _t("open_admissibility", {State.SUBMITTED}, State.ADMISSIBILITY, {Actor.SYSTEM}),
        _t("assign", {State.ADMISSIBILITY}, State.ASSIGNED, {Actor.REVIEWER, Actor.SUPERVISOR}),
        _t(
            "declare_inadmissible",
            {State.ASSIGNED, State.IN_REVIEW},
            State.INADMISSIBLE,
            {Actor.ASSIGNED_REVIEWER},
            needs_reason=True,
        ),
        _t("start_review", {State.ASSIGNED}, State.IN_REVIEW, {Actor.ASSIGNED_REVIEWER}),
        _t(
            "recuse",
            {State.ASSIGNED, State.IN_REVIEW},
            State.ADMISSIBILITY,
            {Actor.ASSIGNED_REVIEWER},
            needs_reason=True,
        ),
        _t("put_on_hold", {State.IN_REVIEW}, State.ON_HOLD, {Actor.ASSIGNED_REVIEWER}, needs_reason=True),
        _t("resume", {State.ON_HOLD}, State.IN_REVIEW, {Actor.ASSIGNED_REVIEWER, Actor.APPELLANT}),
        _t("record_assessment", {State.IN_REVIEW}, State.ASSESSMENT_RECORDED, {Actor.ASSIGNED_REVIEWER}),
        _t(
            "decide",
            {State.ASSESSMENT_RECORDED},
            None,
            {Actor.ASSIGNED_REVIEWER},
            targets=frozenset({State.DECIDED, State.COUNTERSIGN_PENDING}),
        ),
        _t("countersign", {State.COUNTERSIGN_PENDING}, State.DECIDED, {Actor.SUPERVISOR}),
        _t(
            "return_for_review",
            {State.COUNTERSIGN_PENDING},
            State.ASSESSMENT_RECORDED,
            {Actor.SUPERVISOR},
            needs_reason=True,
        ),
        _t("close", {State.DECIDED}, State.CLOSED, {Actor.SYSTEM, Actor.SUPERVISOR}),
        _t(
            "withdraw",
            OPEN - {State.ASSESSMENT_RECORDED, State.COUNTERSIGN_PENDING} | {State.DRAFT},
            State.WITHDRAWN,
            {Actor.APPELLANT},
        ),
        _t(
            "escalate",
            {State.DECIDED, State.CLOSED} | OPEN,
            State.ESCALATED,
            {Actor.APPELLANT},
            needs_reason=True,
        ),
    ]
}


class Outcome(models.TextChoices):
    DECISION_UPHELD = "DECISION_UPHELD", _("The decision stands (appeal not upheld)")
    OVERTURNED = "OVERTURNED", _("The decision is overturned")
    PARTLY_OVERTURNED = "PARTLY_OVERTURNED", _("The decision is partly overturned")


ADVERSE_OUTCOMES = frozenset({Outcome.DECISION_UPHELD})


def transition(name: str) -> Transition:
    return TRANSITIONS[name]


def allowed(name: str, state: str, actor: Actor) -> bool:
    t = TRANSITIONS.get(name)
    return t is not None and state in t.sources and actor in t.actors
