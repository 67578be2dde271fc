"""What the viewer of a review workspace can do next: the state machine (appeals/states.py) and the
permissions decide, the template only draws the list.

`next_step` returns notes (sentences about where the appeal stands) and actions (name, label, address, and
how to draw it: a POST form, a button-like link, a plain link, a secondary link in the list under the step, or
the conflict-of-interest form). Every action that is a transition is offered only when `states.allowed` says
the viewer's role may take it from the appeal's state; the service checks the same table again on submit.
"""

from dataclasses import dataclass, field
from typing import Literal

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Appeal
from .states import Actor, State, allowed

Style = Literal["post", "button", "link", "secondary", "conflict_form"]


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    url: str
    style: Style


@dataclass
class NextStep:
    notes: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    @property
    def main(self) -> list[Action]:
        return [a for a in self.actions if a.style != "secondary"]

    @property
    def secondary(self) -> list[Action]:
        return [a for a in self.actions if a.style == "secondary"]

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.actions]


def _url(name: str, appeal: Appeal) -> str:
    return reverse(f"review:{name}", kwargs={"reference": appeal.reference})


def next_step(
    *,
    appeal: Appeal,
    assigned: bool,
    supervisor: bool,
    same_body: bool,
    declared_no_conflict: bool,
    revealed: bool,
    can_see_ai: bool,
) -> NextStep:
    """The notes and actions of the workspace's "Next step" for this viewer.

    `assigned`: the viewer is the appeal's reviewer; `supervisor`: a supervisor who may see it; `same_body`:
    the appeal is with the supervisor's review body; `revealed`: the reviewer has revealed the AI's result.
    """
    step = NextStep()
    state = appeal.state
    if assigned:
        _reviewer_step(step, appeal, state, declared_no_conflict, revealed, can_see_ai)
    elif supervisor:
        if allowed("assign", state, Actor.SUPERVISOR):
            step.actions.append(Action("assign", _("Assign to a reviewer"), _url("assign", appeal), "button"))
        elif allowed("countersign", state, Actor.SUPERVISOR) and same_body:
            step.actions.append(
                Action(
                    "countersign",
                    _("Countersign or return the decision"),
                    _url("countersign", appeal),
                    "button",
                )
            )
        elif appeal.reviewer is not None:
            name = appeal.reviewer.full_name or appeal.reviewer.username
            step.notes.append(_("The appeal is with %(name)s.") % {"name": name})
        else:
            step.notes.append(_("The appeal is not with a reviewer."))
    return step


def _reviewer_step(
    step: NextStep, appeal: Appeal, state: str, declared_no_conflict: bool, revealed: bool, can_see_ai: bool
) -> None:
    me = Actor.ASSIGNED_REVIEWER
    see_ai = Action(
        "see_decision", _("See the AI's result and your decision"), _url("decide", appeal), "link"
    )
    if allowed("start_review", state, me):
        if declared_no_conflict:
            step.notes.append(_("You declared that you have no conflict of interest."))
            step.actions.append(Action("start_review", _("Start the review"), _url("start", appeal), "post"))
        else:
            step.actions.append(
                Action("declare_conflict", _("Declare"), _url("conflict", appeal), "conflict_form")
            )
    elif allowed("record_assessment", state, me):
        step.actions.append(
            Action(
                "record_assessment", _("Record your independent assessment"), _url("assess", appeal), "button"
            )
        )
        if allowed("put_on_hold", state, me):
            step.actions.append(
                Action(
                    "put_on_hold",
                    _("Ask the appellant for something (puts the appeal on hold)"),
                    _url("hold", appeal),
                    "link",
                )
            )
    elif allowed("resume", state, me):
        step.notes.append(
            _("The appeal is on hold while the appellant answers. The review clock is stopped.")
        )
        step.actions.append(Action("resume", _("Resume the review"), _url("resume", appeal), "post"))
    elif allowed("decide", state, me):
        if revealed:
            step.actions.append(
                Action("decide", _("See the AI's result and decide"), _url("decide", appeal), "button")
            )
        else:
            step.notes.append(
                _(
                    "Your independent assessment is recorded and cannot be changed. You can now see the AI's "
                    "result, then decide."
                )
            )
            step.actions.append(Action("reveal", _("Reveal the AI's result"), _url("reveal", appeal), "post"))
    elif state == State.COUNTERSIGN_PENDING:
        step.notes.append(_("Your decision is waiting for a supervisor's countersignature."))
        step.actions.append(see_ai)
    else:
        step.notes.append(_("Nothing more to do on this appeal."))
        if can_see_ai:
            step.actions.append(see_ai)
    if allowed("declare_inadmissible", state, me):
        step.actions.append(
            Action(
                "declare_inadmissible",
                _("Declare the appeal inadmissible"),
                _url("inadmissible", appeal),
                "secondary",
            )
        )
    if allowed("recuse", state, me):
        step.actions.append(
            Action("recuse", _("Stand down from this appeal"), _url("recuse", appeal), "secondary")
        )
