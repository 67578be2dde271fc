"""Reads for the appellant's pages: their decisions to appeal, drafts, the task list, the appeal page.

Every function that takes a citizen only ever returns that citizen's own rows; callers answer 404 on None.
Reviewer queues live in appeals/queues.py.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext

from explanations.models import DataFlag, Decision
from explanations.permissions import can_list_own_decisions
from explanations.presenters import format_value
from portal.identifiers import format_reference, normalise_reference
from portal.web.templatetags.portal import i18n_text

from . import permissions
from .deadline_texts import MOVED_CODE, decree_day_texts, holiday_label, moved_text, moved_texts
from .deadlines import add_working_days
from .models import Appeal, Circumstance, Evidence, Ground, GroundKind, InterimProtection, TimelineEvent
from .services.core import window_end
from .states import OPEN, Actor, Outcome, State, allowed

# --- decisions -----------------------------------------------------------------------------------------------


def _outcome_label(decision: Decision, code: str) -> str:
    for outcome in (decision.model_version.spec or {}).get("outcomes", []):
        if outcome.get("code") == code:
            return i18n_text(outcome.get("label")) or code
    return code


@dataclass(frozen=True)
class DecisionSummary:
    """What the appellant needs to recognise a decision and know whether an appeal on it is late."""

    reference: str
    reference_display: str
    system_name: str
    operator_name: str
    outcome_label: str
    decided_date: dt.date
    silent: bool
    window_end: dt.date | None
    late: bool
    review_working_days: int
    appeal_reference: str | None = None
    appeal_is_draft: bool = False


def decision_summary(
    decision: Decision, *, now: dt.datetime, appeal: Appeal | None = None
) -> DecisionSummary:
    end = window_end(decision)
    return DecisionSummary(
        reference=decision.reference,
        reference_display=format_reference(decision.reference),
        system_name=i18n_text(decision.system.name),
        operator_name=i18n_text(decision.system.operator.name),
        outcome_label=_outcome_label(decision, decision.outcome),
        decided_date=timezone.localdate(decision.decided_at),
        silent=not decision.notified,
        window_end=end,
        late=end is not None and timezone.localdate(now) > end,
        review_working_days=decision.system.review_deadline_working_days,
        appeal_reference=appeal.reference if appeal else None,
        appeal_is_draft=bool(appeal and appeal.state == State.DRAFT),
    )


def _blocking_appeals(citizen: Any) -> dict[int, Appeal]:
    """The citizen's appeal per decision that stops a new one: a draft, an open appeal, or a decided one."""
    rows = (
        Appeal.objects.filter(appellant=citizen)
        .exclude(state__in=[State.WITHDRAWN, State.INADMISSIBLE])
        .only("id", "reference", "state", "decision_id")
        .order_by("id")
    )
    return {a.decision_id: a for a in rows}


def decisions_to_appeal(citizen: Any, *, now: dt.datetime) -> list[DecisionSummary]:
    """Every decision about this citizen, newest first, silent assessments included, with any appeal on it."""
    if not can_list_own_decisions(citizen):
        return []
    blocking = _blocking_appeals(citizen)
    decisions = (
        Decision.objects.filter(subject_iin_hash=citizen.iin_hash)
        .select_related("system__operator", "model_version")
        .defer("subject_iin_encrypted", "attributions", "inputs", "model_version__performance")
        .order_by("-decided_at", "-id")
    )
    return [decision_summary(d, now=now, appeal=blocking.get(d.pk)) for d in decisions]


def decision_of_citizen(*, reference: str, citizen: Any) -> Decision | None:
    """The citizen's own decision by its reference (as typed), or None."""
    canonical = normalise_reference(reference)
    if canonical is None or not can_list_own_decisions(citizen):
        return None
    return (
        Decision.objects.select_related("system__operator", "model_version")
        .filter(reference=canonical, subject_iin_hash=citizen.iin_hash)
        .first()
    )


def appeal_blocking_new(*, decision: Decision, citizen: Any) -> Appeal | None:
    """The citizen's draft, open or decided appeal on this decision (a new appeal would duplicate it)."""
    return _blocking_appeals(citizen).get(decision.pk)


@dataclass(frozen=True)
class DataItem:
    feature: str
    label: str
    value: str


def data_items(decision: Decision) -> list[DataItem]:
    """The decision's data, in the model's order, each with its label and the value as the agency recorded it."""
    spec = decision.model_version.spec or {}
    features = {f["name"]: f for f in spec.get("features", [])}
    inputs = decision.inputs or {}
    names = [n for n in features if n in inputs] + [n for n in inputs if n not in features]
    items = []
    for name in names:
        item = inputs.get(name)
        value = item.get("value") if isinstance(item, dict) else item
        feature = features.get(name, {})
        label = i18n_text(feature.get("label")) if feature.get("label") else name
        items.append(DataItem(name, label, format_value(value, feature)))
    return items


# --- appeals -------------------------------------------------------------------------------------------------


def appeal_of_appellant(*, reference: str, citizen: Any) -> Appeal | None:
    """The citizen's own appeal (any state) by its reference, with its decision, or None."""
    canonical = normalise_reference(reference)
    if canonical is None or not getattr(citizen, "is_authenticated", False):
        return None
    return (
        Appeal.objects.select_related("decision__system__operator", "decision__model_version")
        .filter(reference=canonical, appellant=citizen)
        .first()
    )


def evidence_for_viewer(*, reference: str, evidence_id: int, user: Any) -> Evidence | None:
    """One evidence file, only for someone who may see its appeal (can_view_appeal), else None."""
    canonical = normalise_reference(reference)
    if canonical is None:
        return None
    evidence = (
        Evidence.objects.select_related("appeal__decision__system")
        .filter(pk=evidence_id, appeal__reference=canonical)
        .first()
    )
    if evidence is None or not permissions.can_view_appeal(user, evidence.appeal):
        return None
    return evidence


STATE_TAGS = {
    State.DRAFT: "grey",
    State.ON_HOLD: "orange",
    State.DECIDED: "green",
    State.CLOSED: "green",
    State.WITHDRAWN: "grey",
    State.INADMISSIBLE: "red",
    State.ESCALATED: "purple",
}


@dataclass(frozen=True)
class AppealListItem:
    reference: str
    reference_display: str
    state: str
    state_label: str
    tag: str
    system_name: str
    decision_reference_display: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    due_date: dt.date | None

    @property
    def is_draft(self) -> bool:
        return self.state == State.DRAFT


def appeals_of_citizen(citizen: Any) -> list[AppealListItem]:
    """The citizen's appeals, drafts first, then newest first. One query."""
    rows: QuerySet[Appeal] = (
        Appeal.objects.filter(appellant=citizen)
        .select_related("decision__system")
        .only(
            "reference",
            "state",
            "created_at",
            "submitted_at",
            "due_date",
            "decision__reference",
            "decision__system__name",
        )
        .order_by("-created_at", "-id")
    )
    items = [
        AppealListItem(
            reference=a.reference,
            reference_display=format_reference(a.reference),
            state=a.state,
            state_label=str(State(a.state).label),
            tag=STATE_TAGS.get(State(a.state), "blue"),
            system_name=i18n_text(a.decision.system.name),
            decision_reference_display=format_reference(a.decision.reference),
            created_at=a.created_at,
            submitted_at=a.submitted_at,
            due_date=a.due_date,
        )
        for a in rows
    ]
    return sorted(items, key=lambda i: not i.is_draft)


# --- grounds -------------------------------------------------------------------------------------------------

GROUND_HINTS = {
    GroundKind.DATA_WRONG: gettext_lazy(
        "For example, your income, your household or your property was wrong."
    ),
    GroundKind.CIRCUMSTANCES_MISSED: gettext_lazy(
        "For example, informal work, debts, illness, disability, unstable housing or caring for someone."
    ),
    GroundKind.RULE_MISAPPLIED: gettext_lazy("The rules say something different from what was done."),
    GroundKind.PROCEDURAL_FAULT: gettext_lazy(
        "For example, you were not told about the decision, or not given a chance to explain."
    ),
    GroundKind.DISCRIMINATION: gettext_lazy(
        "For example, because of your sex, age, disability, language, ethnicity, religion or where you live."
    ),
    GroundKind.OTHER: gettext_lazy("Any other reason you think the decision is wrong."),
}


@dataclass(frozen=True)
class GroundRow:
    position: int
    kind: str
    kind_label: str
    why: str
    feature: str
    feature_label: str
    recorded_value: str
    correct_value: str
    circumstance: str
    circumstance_label: str


def grounds_of(appeal: Appeal) -> list[GroundRow]:
    items = {i.feature: i for i in data_items(appeal.decision)}
    rows = []
    for g in Ground.objects.filter(appeal=appeal).order_by("position"):
        item = items.get(g.feature)
        rows.append(
            GroundRow(
                position=g.position,
                kind=g.kind,
                kind_label=str(GroundKind(g.kind).label),
                why=g.why,
                feature=g.feature,
                feature_label=item.label if item else g.feature,
                recorded_value=item.value if item else "",
                correct_value=g.correct_value,
                circumstance=g.circumstance,
                circumstance_label=str(Circumstance(g.circumstance).label) if g.circumstance else "",
            )
        )
    return rows


def grounds_as_input(appeal: Appeal) -> list[dict[str, str]]:
    """The draft's grounds in the shape ground_set takes, to add, change or remove one and set them all."""
    return [
        {
            "kind": g.kind,
            "why": g.why,
            "feature": g.feature,
            "correct_value": g.correct_value,
            "circumstance": g.circumstance,
        }
        for g in Ground.objects.filter(appeal=appeal).order_by("position")
    ]


@dataclass(frozen=True)
class FlagSuggestion:
    """A "this is wrong" flag the citizen recorded on the decision, offered as a ready-made reason."""

    id: int
    feature: str
    label: str
    recorded_value: str
    correct_value: str
    note: str
    created_at: dt.datetime


def flag_suggestions(appeal: Appeal) -> list[FlagSuggestion]:
    """The appellant's own data flags on this decision that no ground covers yet (latest flag per item)."""
    used = set(
        Ground.objects.filter(appeal=appeal, kind=GroundKind.DATA_WRONG).values_list("feature", flat=True)
    )
    items = {i.feature: i for i in data_items(appeal.decision)}
    latest: dict[str, DataFlag] = {}
    for flag in DataFlag.objects.filter(
        decision_id=appeal.decision_id, citizen_id=appeal.appellant_id
    ).order_by("created_at", "id"):
        latest[flag.feature] = flag
    return [
        FlagSuggestion(
            id=f.pk,
            feature=f.feature,
            label=items[f.feature].label,
            recorded_value=items[f.feature].value,
            correct_value=f.correct_value,
            note=f.note,
            created_at=f.created_at,
        )
        for f in latest.values()
        if f.feature not in used and f.feature in items
    ]


def flag_count(*, decision: Decision, citizen: Any) -> int:
    """How many items of this decision's data the citizen has said are wrong."""
    return DataFlag.objects.filter(decision=decision, citizen=citizen).values("feature").distinct().count()


def flag_of_appellant(*, appeal: Appeal, flag_id: int) -> DataFlag | None:
    return DataFlag.objects.filter(
        pk=flag_id, decision_id=appeal.decision_id, citizen_id=appeal.appellant_id
    ).first()


# --- the task list -------------------------------------------------------------------------------------------

COMPLETED, NOT_STARTED, CANNOT_START = "completed", "not_started", "cannot_start"


@dataclass(frozen=True)
class Task:
    key: str
    name: str
    url_name: str | None
    status: str
    hint: str = ""

    @property
    def status_label(self) -> str:
        return {
            COMPLETED: gettext("Completed"),
            NOT_STARTED: gettext("Not yet started"),
            CANNOT_START: gettext("Cannot start yet"),
        }[self.status]


@dataclass(frozen=True)
class TaskList:
    tasks: list[Task]
    ready: bool
    done: int
    total: int


# Sections the task list marks "Optional"; every other one is required before the answers can be checked.
OPTIONAL_TASKS = frozenset({"statement", "evidence"})


def draft_tasks(appeal: Appeal, *, answered: frozenset[str], now: dt.datetime) -> TaskList:
    """The draft's task list. `answered` names the optional questions the person has already been through
    (kept in their session): questions with a default answer cannot tell "answered" from "not seen" on their own.
    """
    summary = decision_summary(appeal.decision, now=now)
    has_grounds = appeal.grounds.exists()
    evidence_count = appeal.evidence.count()

    def status(done: bool) -> str:
        return COMPLETED if done else NOT_STARTED

    tasks = [Task("decision", gettext("Decision you are appealing"), None, COMPLETED, summary.outcome_label)]
    if summary.late:
        tasks.append(
            Task("late", gettext("Why your appeal is late"), "appeals:late", status(bool(appeal.late_reason)))
        )
    tasks += [
        Task("grounds", gettext("Reasons for your appeal"), "appeals:grounds", status(has_grounds)),
        Task(
            "statement",
            gettext("Your statement"),
            "appeals:statement",
            status(bool(appeal.statement) or "statement" in answered),
            gettext("Optional"),
        ),
        Task(
            "evidence",
            gettext("Evidence"),
            "appeals:evidence",
            status(evidence_count > 0 or "evidence" in answered),
            gettext("Optional"),
        ),
        Task(
            "interim",
            gettext("Protection while you wait"),
            "appeals:interim",
            status(appeal.interim_protection != InterimProtection.NONE or "interim" in answered),
        ),
        Task("contact", gettext("How we contact you"), "appeals:contact", status("contact" in answered)),
    ]
    counted = [t for t in tasks if t.key != "decision"]
    # Every section not marked optional must be completed before "you can now check your answers".
    required_done = all(t.status == COMPLETED for t in counted if t.key not in OPTIONAL_TASKS)
    tasks.append(
        Task(
            "check",
            gettext("Check your answers and send your appeal"),
            "appeals:check",
            NOT_STARTED if required_done else CANNOT_START,
        )
    )
    return TaskList(tasks, required_done, sum(t.status == COMPLETED for t in counted), len(counted))


# --- deadlines -----------------------------------------------------------------------------------------------


# The calendar's English holiday names, so that they are translated like every other text (the `holidays`
# package names them in Kazakh and English only).
@dataclass(frozen=True)
class DeadlineExplanation:
    """How the due date was calculated, step by step, for the appellant and the receipt."""

    start: dt.date
    working_days: int
    held_days: int
    weekend_days: int
    holidays: list[tuple[dt.date, str]]
    due: dt.date
    on_hold_since: dt.date | None
    # Days a government decree moved inside the period, as sentences, and each move of the stored due date.
    decree_days: tuple[str, ...] = ()
    moves: tuple[str, ...] = ()


def deadline_explanation(appeal: Appeal) -> DeadlineExplanation | None:
    """Recomputed from its inputs (so a change of the holiday calendar shows at once); None before submission."""
    if appeal.submitted_at is None:
        return None
    start = timezone.localdate(appeal.submitted_at)
    deadline = add_working_days(
        start, appeal.decision.system.review_deadline_working_days, held_days=appeal.held_working_days
    )
    return DeadlineExplanation(
        start=start,
        working_days=deadline.working_days,
        held_days=deadline.held_days,
        weekend_days=deadline.skipped_weekend_days,
        holidays=[(day, holiday_label(day)) for day, _name in deadline.skipped_holidays],
        due=deadline.due,
        on_hold_since=timezone.localdate(appeal.hold_started_at) if appeal.hold_started_at else None,
        decree_days=tuple(decree_day_texts(deadline)),
        moves=tuple(
            moved_texts(
                TimelineEvent.objects.filter(appeal=appeal, code=MOVED_CODE)
                .order_by("at", "id")
                .values_list("data", flat=True)
            )
        ),
    )


# --- the appeal page -----------------------------------------------------------------------------------------


def state_description(appeal: Appeal) -> str:
    texts = {
        State.DRAFT: gettext("You have not sent this appeal yet. Your answers are saved."),
        State.SUBMITTED: gettext("We have received your appeal."),
        State.ADMISSIBILITY: gettext(
            "We have received your appeal. The review body is checking that it can review it."
        ),
        State.ASSIGNED: gettext("An independent reviewer has been given your appeal."),
        State.IN_REVIEW: gettext("An independent reviewer is looking at your appeal."),
        State.ON_HOLD: gettext(
            "The reviewer needs something from you. The time limit is paused until the review continues."
        ),
        State.ASSESSMENT_RECORDED: gettext(
            "The reviewer has reached a view. The decision is being finalised."
        ),
        State.COUNTERSIGN_PENDING: gettext("A second reviewer is checking the decision before it is final."),
        State.DECIDED: gettext("Your appeal has been decided."),
        State.CLOSED: gettext("Your appeal has been decided and is closed."),
        State.WITHDRAWN: gettext("This appeal was withdrawn."),
        State.INADMISSIBLE: gettext("The review body found that it cannot review this appeal."),
        State.ESCALATED: gettext("You sent this appeal to the ombudsman."),
    }
    return texts.get(State(appeal.state), "")


def _event_text(event: TimelineEvent) -> str:
    if event.code == MOVED_CODE:
        return moved_text(event.data)
    texts = {
        "appeal.submitted": gettext("You sent your appeal."),
        "appeal.admissibility.opened": gettext(
            "The review body started checking that it can review your appeal."
        ),
        "appeal.assigned": gettext("An independent reviewer was given your appeal."),
        "appeal.inadmissible": gettext("The review body found that it cannot review your appeal."),
        "appeal.review.started": gettext("The reviewer started the review."),
        "appeal.recused": gettext(
            "The reviewer stepped aside (for example because of a conflict of interest). Another reviewer will "
            "be given your appeal."
        ),
        "appeal.on_hold": gettext("The reviewer asked you for more information. The time limit stopped."),
        "appeal.resumed": gettext("The review continued. The time limit started again."),
        "appeal.review.assessed": gettext(
            "The reviewer recorded their own view before looking at the computer system's result."
        ),
        "appeal.review.revealed": gettext("The reviewer then looked at the computer system's result."),
        "appeal.review.decided": gettext("The reviewer made a decision."),
        "appeal.countersigned": gettext("A second reviewer confirmed the decision."),
        "appeal.countersign.returned": gettext(
            "A second reviewer sent the decision back to be looked at again."
        ),
        "appeal.closed": gettext("The appeal was closed."),
        "appeal.withdrawn": gettext("You withdrew the appeal."),
        "appeal.escalated": gettext("You sent the appeal to the ombudsman."),
        "appeal.overdue": gettext("The decision was not made by the due date. A supervisor was told."),
        "appeal.letter.ready": gettext("The decision letter was ready."),
    }
    return texts.get(event.code, gettext("The appeal was updated."))


# Codes whose reason is meant for the appellant (a recusal's reason is about the reviewer, not for them).
_REASONS_SHOWN = frozenset(
    {
        "appeal.on_hold",
        "appeal.inadmissible",
        "appeal.withdrawn",
        "appeal.escalated",
        "appeal.resumed",
        MOVED_CODE,  # the title of the decree that moved the due date
    }
)


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    code: str
    text: str
    by: str
    reason: str


def _by(role: str) -> str:
    labels: dict[str, str] = {
        Actor.APPELLANT: pgettext("actor", "You"),
        Actor.ASSIGNED_REVIEWER: pgettext("actor", "Reviewer"),
        Actor.REVIEWER: pgettext("actor", "Reviewer"),
        Actor.SUPERVISOR: pgettext("actor", "Supervisor"),
        Actor.SYSTEM: pgettext("actor", "Portal"),
    }
    return labels.get(role, pgettext("actor", "Review body"))


def timeline_of(appeal: Appeal) -> list[TimelineRow]:
    """The appeal's whole timeline, oldest first, each event in plain words."""
    return [
        TimelineRow(
            at=e.at,
            code=e.code,
            text=_event_text(e),
            by=_by(e.actor_role),
            reason=e.reason if e.code in _REASONS_SHOWN else "",
        )
        for e in TimelineEvent.objects.filter(appeal=appeal).order_by("at", "id")
    ]


def letter_url(appeal: Appeal) -> str | None:
    """The decision letter's address, once the appeal is decided and the letter's page exists."""
    if appeal.state not in (State.DECIDED, State.CLOSED):
        return None
    try:
        return reverse("appeals:letter", kwargs={"reference": appeal.reference})
    except NoReverseMatch:
        return None


def can_withdraw(appeal: Appeal) -> bool:
    return allowed("withdraw", appeal.state, Actor.APPELLANT)


@dataclass(frozen=True)
class AppealPage:
    appeal: Appeal
    reference_display: str
    decision: DecisionSummary
    state_label: str
    state_description: str
    tag: str
    deadline: DeadlineExplanation | None
    overdue: bool
    timeline: list[TimelineRow]
    grounds: list[GroundRow]
    evidence: list[Evidence]
    interim_label: str
    outcome_label: str
    new_outcome_label: str
    letter_url: str | None
    can_withdraw: bool
    is_open: bool
    held_days: int = 0


def appeal_page(appeal: Appeal, *, now: dt.datetime) -> AppealPage:
    deadline = deadline_explanation(appeal)
    state = State(appeal.state)
    show_outcome = bool(appeal.outcome) and (state in (State.DECIDED, State.CLOSED) or appeal.decided_at)
    return AppealPage(
        appeal=appeal,
        reference_display=format_reference(appeal.reference),
        decision=decision_summary(appeal.decision, now=now),
        state_label=str(state.label),
        state_description=state_description(appeal),
        tag=STATE_TAGS.get(state, "blue"),
        deadline=deadline,
        overdue=bool(
            deadline and state in OPEN and state != State.ON_HOLD and timezone.localdate(now) > deadline.due
        ),
        timeline=timeline_of(appeal),
        grounds=grounds_of(appeal),
        evidence=list(appeal.evidence.order_by("uploaded_at", "id")),
        interim_label=str(InterimProtection(appeal.interim_protection).label),
        outcome_label=str(Outcome(appeal.outcome).label) if show_outcome else "",
        new_outcome_label=_outcome_label(appeal.decision, appeal.new_outcome)
        if show_outcome and appeal.new_outcome
        else "",
        letter_url=letter_url(appeal),
        can_withdraw=can_withdraw(appeal),
        is_open=state in OPEN,
        held_days=appeal.held_working_days,
    )
