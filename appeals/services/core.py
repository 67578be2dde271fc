"""The appeal's state changes. Each is one atomic function: lock the row, check the declared transition and the
actor's right, change, write the timeline and the audit chain, enqueue notifications in the same transaction.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F, Lookup, QuerySet, Value
from django.utils import timezone

from explanations.models import Decision, ImpactLevel
from portal.accounts.models import Role
from portal.audit.services import audit_record
from portal.identifiers import new_reference

from .. import permissions
from ..deadlines import appeal_window_end, calendar_for_update, calendar_share_lock
from ..exceptions import IllegalTransition, InvalidInput, NotAllowed, NothingToTake, NotIndependent
from ..models import (
    Appeal,
    Assessment,
    ConflictDeclaration,
    Countersignature,
    Ground,
    GroundKind,
    InterimProtection,
    ReviewerAssignment,
    TimelineEvent,
)
from ..signals import confirm_corrections
from ..states import ADVERSE_OUTCOMES, TRANSITIONS, Actor, Outcome, State
from .agency_outcomes import outcome_record
from .letters import letter_schedule
from .notify import DECIDING_EVENTS, enqueue_for_appeal
from .outcomes import outcome_effects


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def actor_roles(appeal: Appeal, user: Any) -> set[Actor]:
    """Every role this user can play for this appeal right now."""
    if user is None:
        return {Actor.SYSTEM}
    roles: set[Actor] = set()
    if user.pk == appeal.appellant_id:
        roles.add(Actor.APPELLANT)
    if user.role == Role.REVIEWER and permissions.is_review_staff(user):
        if appeal.reviewer_id == user.pk:
            roles.add(Actor.ASSIGNED_REVIEWER)
        elif appeal.reviewer_id is None:
            roles.add(Actor.REVIEWER)
    if user.role == Role.SUPERVISOR and permissions.is_review_staff(user):
        roles.add(Actor.SUPERVISOR)
    return roles


def _lock(appeal_id: int) -> Appeal:
    # The calendar's shared lock first (a decree being recorded waits for this transaction, and then
    # recomputes any due date it stored), then the row: the order is always calendar, appeal, audit chain.
    calendar_share_lock()
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise NotAllowed("no such appeal")
    return appeal


def _apply(
    *,
    appeal: Appeal,
    name: str,
    user: Any,
    now: dt.datetime,
    reason: str = "",
    target: State | None = None,
    data: dict[str, Any] | None = None,
    change: Callable[[Appeal], None] | None = None,
    needs_independence: bool = False,
) -> Appeal:
    """The one path of every transition; the caller holds the row lock."""
    t = TRANSITIONS[name]
    roles = actor_roles(appeal, user) & t.actors
    if not roles:
        raise NotAllowed(f"{name} is not allowed for this user on this appeal")
    if appeal.state not in t.sources:
        raise IllegalTransition(f"cannot {name} an appeal that is {appeal.state}")
    if t.needs_reason and not reason.strip():
        raise InvalidInput({"reason": "give a reason"})
    if needs_independence and not permissions.is_independent_of(appeal, user):
        raise NotIndependent("this reviewer is not independent of this appeal")
    new_state = target or t.target
    if new_state not in t.possible_targets():
        raise IllegalTransition(f"{name} cannot lead to {new_state}")
    before = appeal.state
    if change is not None:
        change(appeal)
    if before in (State.ON_HOLD,) and new_state != State.ON_HOLD and appeal.hold_started_at:
        appeal.held_working_days += calendar_for_update().working_days_between(
            _local_date(appeal.hold_started_at), _local_date(now)
        )
        appeal.hold_started_at = None
        _recompute_due(appeal)
    appeal.state = new_state
    appeal.save()
    code = _EVENT_CODES[name]
    actor_role = sorted(r.value for r in roles)[0]
    TimelineEvent.objects.create(
        appeal=appeal,
        code=code,
        actor=user,
        actor_role=actor_role,
        from_state=before,
        to_state=new_state,
        reason=reason,
        data=data or {},
        at=now,
    )
    enqueue_for_appeal(appeal=appeal, event=code, now=now)
    if code in DECIDING_EVENTS and appeal.state == State.DECIDED:
        # The decision letter and the agency's outcome row, in the deciding transaction.
        letter_schedule(appeal=appeal, now=now)
        outcome_record(appeal=appeal, now=now)
    # Last before the commit: the audit chain is appended under one database-wide lock, held until the commit,
    # so nothing else of the transaction should run while it is held.
    audit_record(
        action=code,
        actor=user,
        object_type="appeal",
        object_id=appeal.pk,
        data={"from": before, "to": new_state, "reference": appeal.reference, **(data or {})},
        now=now,
    )
    return appeal


_EVENT_CODES = {
    "submit": "appeal.submitted",
    "open_admissibility": "appeal.admissibility.opened",
    "assign": "appeal.assigned",
    "declare_inadmissible": "appeal.inadmissible",
    "start_review": "appeal.review.started",
    "recuse": "appeal.recused",
    "put_on_hold": "appeal.on_hold",
    "resume": "appeal.resumed",
    "record_assessment": "appeal.review.assessed",
    "decide": "appeal.review.decided",
    "countersign": "appeal.countersigned",
    "return_for_review": "appeal.countersign.returned",
    "close": "appeal.closed",
    "withdraw": "appeal.withdrawn",
    "escalate": "appeal.escalated",
}


def _recompute_due(appeal: Appeal) -> None:
    if appeal.submitted_at is None:
        return
    deadline = calendar_for_update().add_working_days(
        _local_date(appeal.submitted_at),
        appeal.decision.system.review_deadline_working_days,
        held_days=appeal.held_working_days,
    )
    appeal.due_date = deadline.due


# --- filing -------------------------------------------------------------------------------------------------


def _frozen(decision: Decision) -> dict[str, Any]:
    return {
        "reference": decision.reference,
        "system": decision.system.code,
        "model_version": decision.model_version.version,
        "spec_hash": decision.model_version.spec_hash,
        "decided_at": decision.decided_at.isoformat(),
        "notified": decision.notified,
        "outcome": decision.outcome,
        "score": decision.score,
        "inputs": decision.inputs,
        "reproducibility": decision.reproducibility,
        "content_hash": decision.content_hash,
    }


@transaction.atomic
def appeal_start(*, decision: Decision, citizen: Any, now: dt.datetime | None = None) -> Appeal:
    """A draft appeal on the citizen's own decision (one open draft per decision is reused)."""
    now = _now(now)
    if citizen.iin_hash is None or decision.subject_iin_hash != citizen.iin_hash:
        raise NotAllowed("not this person's decision")
    existing = Appeal.objects.filter(decision=decision, appellant=citizen, state=State.DRAFT).first()
    if existing:
        return existing
    return Appeal.objects.create(
        reference=new_reference(),
        decision=decision,
        appellant=citizen,
        created_at=now,
        contact_language=citizen.preferred_language or "kk",
    )


def _editable_draft(appeal_id: int, citizen: Any) -> Appeal:
    appeal = _lock(appeal_id)
    if appeal.appellant_id != citizen.pk:
        raise NotAllowed("not this person's appeal")
    if appeal.state != State.DRAFT:
        raise IllegalTransition("only a draft can be changed")
    return appeal


DRAFT_FIELDS = frozenset(
    {"statement", "late_reason", "interim_protection", "contact_channel", "contact_language"}
)


@transaction.atomic
def appeal_update_draft(*, appeal_id: int, citizen: Any, **fields: Any) -> Appeal:
    appeal = _editable_draft(appeal_id, citizen)
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(dict.fromkeys(unknown, "cannot be changed here"))
    for key, value in fields.items():
        setattr(appeal, key, value)
    appeal.full_clean(exclude=["decision", "appellant", "review_body", "reviewer"])
    appeal.save()
    return appeal


@transaction.atomic
def ground_set(*, appeal_id: int, citizen: Any, grounds: list[dict[str, str]]) -> list[Ground]:
    """Replace the draft's grounds with this list (each: kind, why, and for data errors feature/correct value)."""
    appeal = _editable_draft(appeal_id, citizen)
    errors: dict[str, str] = {}
    features = set(appeal.decision.inputs)
    for i, g in enumerate(grounds):
        if g.get("kind") not in GroundKind.values:
            errors[f"grounds.{i}.kind"] = "choose a reason"
        if not str(g.get("why", "")).strip():
            errors[f"grounds.{i}.why"] = "say why"
        if g.get("kind") == GroundKind.DATA_WRONG:
            if g.get("feature") not in features:
                errors[f"grounds.{i}.feature"] = "choose the data item that is wrong"
            if not str(g.get("correct_value", "")).strip():
                errors[f"grounds.{i}.correct_value"] = "give the correct value"
    if errors:
        raise InvalidInput(errors)
    appeal.grounds.all().delete()
    return [
        Ground.objects.create(
            appeal=appeal,
            position=i + 1,
            kind=g["kind"],
            why=g["why"].strip(),
            feature=g.get("feature", ""),
            correct_value=str(g.get("correct_value", "")).strip(),
            circumstance=g.get("circumstance", ""),
        )
        for i, g in enumerate(grounds)
    ]


def window_end(decision: Decision) -> dt.date | None:
    """Last day to appeal; None for a silent assessment (the person was never told, so no window has run)."""
    if not decision.notified or decision.notified_at is None:
        return None
    return appeal_window_end(_local_date(decision.notified_at), decision.system.appeal_window_days)


@transaction.atomic(durable=True)
def appeal_submit(*, appeal_id: int, citizen: Any, now: dt.datetime | None = None) -> Appeal:
    """Submit a complete draft: freeze the decision's record, start the clock, open the admissibility check."""
    now = _now(now)
    appeal = _lock(appeal_id)
    if appeal.appellant_id != getattr(citizen, "pk", None):
        raise NotAllowed("not this person's appeal")
    errors: dict[str, str] = {}
    if not appeal.grounds.exists():
        errors["grounds"] = "give at least one reason for your appeal"
    end = window_end(appeal.decision)
    if end is not None and _local_date(now) > end and not appeal.late_reason.strip():
        errors["late_reason"] = "the appeal window has closed: say why you are appealing late"
    if errors:
        raise InvalidInput(errors)
    frozen = _frozen(appeal.decision)

    def change(a: Appeal) -> None:
        a.frozen_decision = frozen
        a.frozen_decision_hash = hashlib.sha256(orjson.dumps(frozen, option=orjson.OPT_SORT_KEYS)).hexdigest()
        a.submitted_at = now
        _recompute_due(a)

    _apply(
        appeal=appeal,
        name="submit",
        user=citizen,
        now=now,
        change=change,
        data={
            "frozen_decision_hash": hashlib.sha256(
                orjson.dumps(frozen, option=orjson.OPT_SORT_KEYS)
            ).hexdigest(),
            "late": bool(appeal.late_reason),
        },
    )
    return _apply(appeal=appeal, name="open_admissibility", user=None, now=now)


# --- review -------------------------------------------------------------------------------------------------


class _NotEqual(Lookup):
    """`lhs <> rhs` as an expression: the take-next order must spell `interim_protection <> 'NONE'` exactly as
    the partial index appeal_take_next_idx (migration 0004) does, or PostgreSQL sorts instead of walking it."""

    lookup_name = "ne"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <> {rhs}", (*lhs_params, *rhs_params)


# Interim protection first, then vulnerability, then the nearest due date: the order of appeal_take_next_idx.
TAKE_NEXT_ORDER = (
    _NotEqual(F("interim_protection"), Value(InterimProtection.NONE)).desc(),
    F("vulnerable").desc(),
    F("due_date").asc(nulls_last=True),
    F("id").asc(),
)


def take_next_queryset(reviewer: Any) -> QuerySet[Appeal]:
    """The appeal `appeal_take_next` claims: the first waiting appeal the reviewer is independent of, in queue
    order, locked with SKIP LOCKED (another reviewer's claim in flight is passed over, never waited on). One
    query: the independence rule is `permissions.independent_of`, the same one the queues count with."""
    return (
        Appeal.objects.filter(state=State.ADMISSIBILITY)
        .filter(permissions.independent_of(reviewer))
        .order_by(*TAKE_NEXT_ORDER)
        .select_related("decision__system", "appellant")
        .select_for_update(skip_locked=True, of=("self",))
    )


@transaction.atomic(durable=True)
def appeal_take_next(*, reviewer: Any, now: dt.datetime | None = None) -> Appeal:
    """Assign the most urgent appeal this reviewer may take; never the same appeal to two reviewers."""
    now = _now(now)
    if not permissions.is_review_staff(reviewer) or reviewer.role != Role.REVIEWER:
        raise NotAllowed("only reviewers of an independent review body take appeals")
    appeal = take_next_queryset(reviewer).first()
    if appeal is None:
        raise NothingToTake("no appeal is waiting that you may take")
    # The row was selected by the independence rule under its lock, in this transaction: no second check.
    return _assign(appeal, reviewer, reviewer, now, independence_checked=True)


def _assign(
    appeal: Appeal, reviewer: Any, by: Any, now: dt.datetime, *, independence_checked: bool = False
) -> Appeal:
    if reviewer.role != Role.REVIEWER or not (
        independence_checked or permissions.is_independent_of(appeal, reviewer)
    ):
        raise NotIndependent("this reviewer is not independent of this appeal")

    def change(a: Appeal) -> None:
        a.reviewer = reviewer
        a.review_body = reviewer.organisation
        a.assigned_at = now
        ReviewerAssignment.objects.create(
            appeal=a, reviewer=reviewer, decision_id=a.decision_id, assigned_at=now
        )

    return _apply(
        appeal=appeal, name="assign", user=by, now=now, change=change, data={"reviewer": reviewer.pk}
    )


@transaction.atomic(durable=True)
def appeal_assign(
    *, appeal_id: int, reviewer: Any, supervisor: Any, now: dt.datetime | None = None
) -> Appeal:
    return _assign(_lock(appeal_id), reviewer, supervisor, _now(now))


@transaction.atomic(durable=True)
def conflict_declare(
    *, appeal_id: int, reviewer: Any, has_conflict: bool, note: str = "", now: dt.datetime | None = None
) -> Appeal:
    """Declare (no) conflict of interest; a declared conflict recuses the reviewer at once."""
    now = _now(now)
    appeal = _lock(appeal_id)
    if appeal.reviewer_id != reviewer.pk:
        raise NotAllowed("only the assigned reviewer declares on this appeal")
    if has_conflict and not note.strip():
        raise InvalidInput({"note": "describe the conflict"})
    ConflictDeclaration.objects.update_or_create(
        appeal=appeal,
        reviewer=reviewer,
        defaults={"has_conflict": has_conflict, "note": note, "declared_at": now},
    )
    audit_record(
        action="appeal.conflict.declared",
        actor=reviewer,
        object_type="appeal",
        object_id=appeal.pk,
        data={"has_conflict": has_conflict},
        now=now,
    )
    if has_conflict:
        return _recuse(appeal, reviewer, note, now)
    return appeal


def _recuse(appeal: Appeal, reviewer: Any, reason: str, now: dt.datetime) -> Appeal:
    def change(a: Appeal) -> None:
        a.reviewer = None
        a.assigned_at = None

    return _apply(appeal=appeal, name="recuse", user=reviewer, now=now, reason=reason, change=change)


@transaction.atomic(durable=True)
def appeal_recuse(*, appeal_id: int, reviewer: Any, reason: str, now: dt.datetime | None = None) -> Appeal:
    return _recuse(_lock(appeal_id), reviewer, reason, _now(now))


@transaction.atomic(durable=True)
def appeal_start_review(*, appeal_id: int, reviewer: Any, now: dt.datetime | None = None) -> Appeal:
    """Start the review; the reviewer must first have declared no conflict of interest on the case."""
    appeal = _lock(appeal_id)
    if not ConflictDeclaration.objects.filter(appeal=appeal, reviewer=reviewer, has_conflict=False).exists():
        raise InvalidInput({"conflict": "declare that you have no conflict of interest first"})
    return _apply(appeal=appeal, name="start_review", user=reviewer, now=_now(now), needs_independence=True)


@transaction.atomic(durable=True)
def appeal_put_on_hold(
    *, appeal_id: int, reviewer: Any, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """Ask the citizen for something; the review clock stops until the appeal resumes."""
    now = _now(now)

    def change(a: Appeal) -> None:
        a.hold_started_at = now

    return _apply(
        appeal=_lock(appeal_id), name="put_on_hold", user=reviewer, now=now, reason=reason, change=change
    )


@transaction.atomic(durable=True)
def appeal_resume(*, appeal_id: int, user: Any, note: str = "", now: dt.datetime | None = None) -> Appeal:
    return _apply(appeal=_lock(appeal_id), name="resume", user=user, now=_now(now), reason=note)


@transaction.atomic(durable=True)
def appeal_declare_inadmissible(
    *, appeal_id: int, reviewer: Any, reason: str, now: dt.datetime | None = None
) -> Appeal:
    return _apply(
        appeal=_lock(appeal_id),
        name="declare_inadmissible",
        user=reviewer,
        now=_now(now),
        reason=reason,
        needs_independence=True,
    )


def _check_findings(appeal: Appeal, findings: list[dict[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    positions = set(appeal.grounds.values_list("position", flat=True))
    given = {f.get("ground") for f in findings}
    if given != positions:
        errors["ground_findings"] = "give a finding and reasons for every ground"
    for f in findings:
        if f.get("finding") not in ("ACCEPTED", "REJECTED"):
            errors[f"ground_findings.{f.get('ground')}"] = "accept or reject the ground"
        if not str(f.get("reasons", "")).strip():
            errors[f"ground_findings.{f.get('ground')}.reasons"] = "give reasons"
    return errors


@transaction.atomic(durable=True)
def assessment_record(
    *,
    appeal_id: int,
    reviewer: Any,
    outcome: str,
    reasons: str,
    ground_findings: list[dict[str, Any]],
    new_outcome: str = "",
    now: dt.datetime | None = None,
) -> Assessment:
    """Record the reviewer's independent assessment, before the AI's explanation is revealed to them."""
    now = _now(now)
    appeal = _lock(appeal_id)
    errors = _check_findings(appeal, ground_findings)
    if outcome not in Outcome.values:
        errors["outcome"] = "choose an outcome"
    if not reasons.strip():
        errors["reasons"] = "give reasons"
    if outcome in (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED) and not new_outcome:
        errors["new_outcome"] = "say what the new outcome is"
    if errors:
        raise InvalidInput(errors)
    assessment = Assessment(
        appeal=appeal,
        reviewer=reviewer,
        outcome=outcome,
        new_outcome=new_outcome,
        reasons=reasons,
        ground_findings=ground_findings,
        recorded_at=now,
        seconds_spent=int((now - appeal.assigned_at).total_seconds()) if appeal.assigned_at else None,
    )
    _apply(
        appeal=appeal,
        name="record_assessment",
        user=reviewer,
        now=now,
        needs_independence=True,
        change=lambda a: assessment.save(),
        data={"outcome": outcome},
    )
    return assessment


@transaction.atomic(durable=True)
def explanation_reveal(*, appeal_id: int, reviewer: Any, now: dt.datetime | None = None) -> Assessment:
    """Reveal the AI's score and explanation to the reviewer who has recorded an assessment."""
    now = _now(now)
    appeal = _lock(appeal_id)
    if appeal.reviewer_id != reviewer.pk:
        raise NotAllowed("only the assigned reviewer")
    assessment = Assessment.objects.filter(appeal=appeal, reviewer=reviewer).first()
    if assessment is None:
        raise IllegalTransition("record your own assessment before seeing the AI's result")
    if assessment.revealed_at is None:
        assessment.revealed_at = now
        assessment.save(update_fields=["revealed_at"])
        TimelineEvent.objects.create(
            appeal=appeal,
            code="appeal.review.revealed",
            actor=reviewer,
            actor_role=Actor.ASSIGNED_REVIEWER,
            at=now,
        )
        audit_record(
            action="appeal.review.revealed",
            actor=reviewer,
            object_type="appeal",
            object_id=appeal.pk,
            now=now,
        )
    return assessment


def _quality_sample() -> bool:
    share = float(getattr(settings, "APPEAL_QUALITY_REVIEW_SHARE", 0.05))
    return secrets.randbelow(1_000_000) < share * 1_000_000


@transaction.atomic(durable=True)
def appeal_decide(
    *,
    appeal_id: int,
    reviewer: Any,
    outcome: str,
    new_outcome: str = "",
    justification: str = "",
    now: dt.datetime | None = None,
) -> Appeal:
    """Decide after the reveal. A change from the recorded assessment needs its own justification; an adverse
    outcome on a high-impact system waits for a second independent reviewer's countersignature."""
    now = _now(now)
    appeal = _lock(appeal_id)
    assessment = Assessment.objects.filter(appeal=appeal, reviewer=reviewer).first()
    if assessment is None or assessment.revealed_at is None:
        raise IllegalTransition("record an assessment and look at the AI's explanation before deciding")
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "choose an outcome"
    changed = outcome != assessment.outcome or (new_outcome or "") != assessment.new_outcome
    if changed and not justification.strip():
        errors["justification"] = "you changed your assessment after seeing the AI's result: say why"
    if outcome in (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED) and not new_outcome:
        errors["new_outcome"] = "say what the new outcome is"
    if errors:
        raise InvalidInput(errors)
    high = appeal.decision.system.impact_level in (ImpactLevel.HIGH, ImpactLevel.VERY_HIGH)
    target = State.COUNTERSIGN_PENDING if (high and outcome in ADVERSE_OUTCOMES) else State.DECIDED

    def change(a: Appeal) -> None:
        assessment.final_outcome = outcome
        assessment.final_new_outcome = new_outcome
        assessment.change_justification = justification if changed else ""
        assessment.decided_at = now
        assessment.save()
        a.outcome = outcome
        a.new_outcome = new_outcome
        a.quality_review = _quality_sample()
        if target == State.DECIDED:
            a.decided_at = now

    _apply(
        appeal=appeal,
        name="decide",
        user=reviewer,
        now=now,
        target=target,
        change=change,
        needs_independence=True,
        data={"outcome": outcome, "changed_after_reveal": changed},
    )
    if target == State.DECIDED:
        _outcome_effects(appeal, now)
    return appeal


def _outcome_effects(appeal: Appeal, now: dt.datetime) -> None:
    """Inside the deciding transaction: correction notices for the data found wrong, then error propagation:
    every other decision that used a corrected item for the same person or household is flagged for its
    operator's review (appeals.signals.corrections_confirmed, received by access.services.propagation_flag)."""
    confirm_corrections(outcome_effects(appeal=appeal, now=now), now)


@transaction.atomic(durable=True)
def appeal_countersign(
    *, appeal_id: int, signer: Any, agrees: bool, note: str = "", now: dt.datetime | None = None
) -> Appeal:
    """A second independent reviewer (a supervisor, not the decider) confirms or returns an adverse outcome."""
    now = _now(now)
    appeal = _lock(appeal_id)
    if signer.pk == appeal.reviewer_id:
        raise NotIndependent("the deciding reviewer cannot countersign")
    if not permissions.is_independent_of(appeal, signer):
        raise NotIndependent("the countersigning reviewer must be independent too")
    Countersignature.objects.create(appeal=appeal, signer=signer, agrees=agrees, note=note, signed_at=now)
    if not agrees:
        return _apply(appeal=appeal, name="return_for_review", user=signer, now=now, reason=note)

    def change(a: Appeal) -> None:
        a.decided_at = now

    _apply(appeal=appeal, name="countersign", user=signer, now=now, change=change)
    _outcome_effects(appeal, now)
    return appeal


@transaction.atomic(durable=True)
def appeal_withdraw(
    *, appeal_id: int, citizen: Any, reason: str = "", now: dt.datetime | None = None
) -> Appeal:
    return _apply(appeal=_lock(appeal_id), name="withdraw", user=citizen, now=_now(now), reason=reason)


@transaction.atomic(durable=True)
def appeal_escalate(*, appeal_id: int, citizen: Any, reason: str, now: dt.datetime | None = None) -> Appeal:
    return _apply(appeal=_lock(appeal_id), name="escalate", user=citizen, now=_now(now), reason=reason)


@transaction.atomic(durable=True)
def appeal_close(*, appeal_id: int, now: dt.datetime | None = None) -> Appeal:
    return _apply(appeal=_lock(appeal_id), name="close", user=None, now=_now(now))
