"""Writes of access transparency: logging a view of a person's data, stating a reason, verifying the audit
chain, and flagging decisions that used a data item an appeal confirmed wrong (error propagation).

Every write is atomic and audited in the same transaction (portal.audit.services.audit_record).

Error propagation: what counts as "the same data item for the same person or household"
-----------------------------------------------------------------------------------------
A decided appeal that accepts a "data wrong" ground writes a RegistryCorrection: input `feature` of the appealed
decision, read from registry `source`, had the value `recorded_value`, which the review found wrong. Another
decision (never the appealed one itself) is flagged for its operator's review when:

- Same person (PERSON): its subject is the appellant (same IIN hash), in any system of any operator; and it
  used an input of the same name, from the same registry when both decisions record one (a decision that names
  another registry for it used another item). The value it used may differ (read on another date, say).
- Same household (HOUSEHOLD): its subject is someone else, and all of these hold:
  1. its system is operated by the same agency as the appealed decision's. `household_id` is each agency's
     own identifier, free text: "hh-1" of one agency says nothing about "hh-1" of another;
  2. it has the same `household_id`;
  3. its input of the same name records the same source registry (both must record one);
  4. the value it used is the very value found wrong (same JSON type and value; see models.same_value).
     An input of the same name can be about each member (their own age, their own income): only where the
     other member's decision used exactly the value found wrong is it the same household item.

What an operator is told about a flag (selectors.proactive_review_view): its own decision, the input's name,
the registry, the value its own decision used, that an appeal confirmed the registry's value wrong, and when;
never the appellant's decision, appeal or identity. The value found wrong and the correct value are the
appellant's data (models.ProactiveReview.discloses_values): they are given only to the appealed decision's own
operator, which receives them with the appeal's outcome anyway (appeals.services.agency_outcomes), and only for
a same-person match whose decision used the very value found wrong. Everyone else gets null for both: another
agency learns that the registry's value it used for this person was confirmed wrong and reads the registry
again (the registry itself received the correction notice); a household flag is about someone else.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from appeals.models import Appeal, RegistryCorrection
from explanations.models import Decision
from portal.audit.services import audit_record

from .exceptions import AccessError, ProactiveReviewNotFound
from .models import (
    REASON_PAGE,
    AccessRecord,
    ChainVerification,
    MatchKind,
    ProactiveReview,
    Purpose,
    same_value,
)
from .permissions import can_verify_chain, may_state_reason
from .tasks import chain_verify_task

REASON_MAX = 2000
NOTE_MAX = 2000
# Why access_state_reason refused (AccessError.code): each has its own message on the reason page.
REASON_MISSING = "reason_missing"
REASON_TOO_LONG = "reason_too_long"
CASE_NOT_OPENABLE = "case_not_openable"


def dedupe_seconds() -> int:
    """A second view of the same case by the same person for the same purpose within this many seconds is not
    logged again (moving between the pages of one case is one look at it). 0 logs every view."""
    return int(getattr(settings, "ACCESS_LOG_DEDUPE_SECONDS", 600))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _record(
    *,
    viewer: Any,
    decision: Decision,
    appeal: Appeal | None,
    purpose: str,
    reason: str,
    page: str,
    now: dt.datetime,
) -> AccessRecord:
    event = audit_record(
        action="access.viewed",
        actor=viewer,
        object_type="appeal" if appeal is not None else "decision",
        object_id=appeal.pk if appeal is not None else decision.pk,
        data={
            "decision": decision.reference,
            "appeal": appeal.reference if appeal is not None else None,
            "role": viewer.role,
            "organisation": viewer.organisation.code if viewer.organisation_id else None,
            "purpose": purpose,
            "reason": reason,
            "page": page,
        },
        now=now,
    )
    return AccessRecord.objects.create(
        at=now,
        viewer=viewer,
        viewer_role=viewer.role,
        organisation_id=viewer.organisation_id,
        subject_iin_hash=decision.subject_iin_hash,
        decision=decision,
        appeal=appeal,
        purpose=purpose,
        reason=reason,
        page=page[:80],
        audit_seq=event.seq,
    )


@transaction.atomic
def access_log(
    *,
    viewer: Any,
    decision: Decision,
    appeal: Appeal | None = None,
    purpose: str,
    reason: str = "",
    page: str,
    now: dt.datetime | None = None,
) -> AccessRecord | None:
    """Record that `viewer` looked at the person's data behind `decision` (through `appeal`), and why.

    Returns None when the same view was already recorded within `dedupe_seconds()` (same viewer, same case,
    same purpose and reason)."""
    now = _now(now)
    if purpose not in Purpose.values:
        raise AccessError({"purpose": "unknown purpose"})
    if purpose == Purpose.STATED_REASON and not reason.strip():
        raise AccessError({"reason": "give a reason"})
    window = dedupe_seconds()
    if window > 0:
        recent = AccessRecord.objects.filter(
            viewer=viewer,
            decision=decision,
            appeal=appeal,
            purpose=purpose,
            reason=reason,
            at__gt=now - dt.timedelta(seconds=window),
            at__lte=now,
        )
        if recent.exists():
            return None
    return _record(
        viewer=viewer, decision=decision, appeal=appeal, purpose=purpose, reason=reason, page=page, now=now
    )


@transaction.atomic
def access_state_reason(
    *, viewer: Any, appeal: Appeal, reason: str, now: dt.datetime | None = None
) -> AccessRecord:
    """Open a case outside one's assignment: the reason is stored (and shown to the person) before any of the
    case is shown. The caller has checked `permissions.may_state_reason`."""
    reason = reason.strip()
    if not reason:
        raise AccessError({"reason": "give a reason"}, code=REASON_MISSING)
    if len(reason) > REASON_MAX:
        raise AccessError({"reason": f"use {REASON_MAX} characters or fewer"}, code=REASON_TOO_LONG)
    if not may_state_reason(viewer, appeal):
        raise AccessError({"appeal": "not a case this person may open"}, code=CASE_NOT_OPENABLE)
    return _record(
        viewer=viewer,
        decision=appeal.decision,
        appeal=appeal,
        purpose=Purpose.STATED_REASON,
        reason=reason,
        page=REASON_PAGE,
        now=_now(now),
    )


# --- audit chain verification -----------------------------------------------------------------------------------


@transaction.atomic
def chain_verification_request(*, user: Any, now: dt.datetime | None = None) -> ChainVerification:
    """Ask for a verification of the audit chain; it runs in a Celery task after the commit."""
    if not can_verify_chain(user):
        raise AccessError({"user": "only the ombudsman verifies the chain from the dashboard"})
    now = _now(now)
    verification = ChainVerification.objects.create(requested_by=user, requested_at=now)
    audit_record(
        action="audit.verification.requested",
        actor=user,
        object_type="chain_verification",
        object_id=verification.pk,
        now=now,
    )
    pk = verification.pk
    transaction.on_commit(lambda: chain_verify_task.delay(verification_id=pk))
    return verification


# --- error propagation ----------------------------------------------------------------------------------------


def _registry_item(inputs: Any, feature: str) -> tuple[bool, Any, str]:
    """(whether the inputs hold `feature`, the value used, the source registry recorded for it or "")."""
    if not isinstance(inputs, dict) or feature not in inputs:
        return False, None, ""
    item = inputs[feature]
    if not isinstance(item, dict):
        return True, item, ""
    return True, item.get("value"), str(item.get("source") or "")


def _same_item(decision: Decision, correction: RegistryCorrection, kind: str) -> tuple[bool, Any]:
    """Whether `decision` used the item `correction` found wrong, by the rule of the module docstring for a match
    of this kind. Returns (matches, the value that decision used)."""
    holds, value, source = _registry_item(decision.inputs, correction.feature)
    if not holds:
        return False, None
    if kind == MatchKind.PERSON:
        if correction.source and source and source != correction.source:
            return False, None
        return True, value
    if not correction.source or source != correction.source:
        return False, None
    return same_value(value, correction.recorded_value), value


def propagation_candidates(correction: RegistryCorrection) -> list[tuple[Decision, str, Any]]:
    """Every other decision that used the corrected item for the same person (any system, any operator) or the
    same household (systems of the appealed decision's operator only), by the rule of the module docstring:
    (decision, match kind, the value it used). Reads by the indexed person and household columns only."""
    source_decision = correction.decision
    person = Q(subject_iin_hash=source_decision.subject_iin_hash)
    household = (
        Q(household_id=source_decision.household_id, system__operator_id=source_decision.system.operator_id)
        if source_decision.household_id
        else Q(pk__in=[])
    )
    found: list[tuple[Decision, str, Any]] = []
    rows = (
        Decision.objects.filter(person | household)
        .exclude(pk=source_decision.pk)
        .select_related("system")
        .order_by("id")
    )
    for decision in rows:
        kind = (
            MatchKind.PERSON
            if decision.subject_iin_hash == source_decision.subject_iin_hash
            else MatchKind.HOUSEHOLD
        )
        matches, value = _same_item(decision, correction, kind)
        if matches:
            found.append((decision, kind, value))
    return found


def corrections_confirmed_receiver(
    *, corrections: list[RegistryCorrection], now: dt.datetime, **kwargs: Any
) -> None:
    """appeals.signals.corrections_confirmed, connected in AccessConfig.ready()."""
    propagation_flag(corrections=corrections, now=now)


def propagation_flag(
    *, corrections: list[RegistryCorrection], now: dt.datetime | None = None
) -> list[ProactiveReview]:
    """Inside the transaction that confirmed `corrections`: flag every decision that used the same item for the
    same person or household (the rule of the module docstring) for its operator's proactive review.
    Idempotent (one flag per decision and item); returns the flags created now."""
    now = _now(now)
    created: list[ProactiveReview] = []
    for correction in corrections:
        flagged: list[ProactiveReview] = []
        for decision, kind, value in propagation_candidates(correction):
            try:
                with transaction.atomic():
                    flag, new = ProactiveReview.objects.get_or_create(
                        decision=decision,
                        feature=correction.feature,
                        source=correction.source,
                        defaults={
                            "organisation_id": decision.system.operator_id,
                            "correction": correction,
                            "match": kind,
                            "recorded_value": value,
                            "created_at": now,
                        },
                    )
            except IntegrityError:  # flagged by a concurrent confirmation of the same item
                continue
            if new:
                flagged.append(flag)
        if flagged:
            audit_record(
                action="access.propagation.flagged",
                actor="system",
                object_type="registry_correction",
                object_id=correction.pk,
                data={
                    "feature": correction.feature,
                    "source": correction.source,
                    "flags": [
                        {
                            "flag": f.pk,
                            "decision": f.decision.reference,
                            "match": f.match,
                            "operator": f.organisation_id,
                        }
                        for f in flagged
                    ],
                },
                now=now,
            )
        created.extend(flagged)
    return created


@transaction.atomic
def propagation_run_for_appeal(*, appeal_id: int, now: dt.datetime | None = None) -> list[ProactiveReview]:
    """Flag again from a decided appeal's corrections (for appeals decided before propagation existed)."""
    corrections = list(
        RegistryCorrection.objects.select_related("decision").filter(appeal_id=appeal_id).order_by("id")
    )
    return propagation_flag(corrections=corrections, now=now)


@transaction.atomic
def proactive_review_mark_reviewed(
    *, organisation: Any, flag_id: int, note: str, actor: str, now: dt.datetime | None = None
) -> ProactiveReview:
    """The operating agency says it reviewed the flagged decision. Idempotent: a second call returns the first
    review unchanged. Another agency's flag is not found."""
    note = note.strip()
    if not note:
        raise AccessError({"note": "say what the review found or did"})
    if len(note) > NOTE_MAX:
        raise AccessError({"note": f"use {NOTE_MAX} characters or fewer"})
    flag = (
        ProactiveReview.objects.select_for_update()
        .filter(pk=flag_id, organisation=organisation)
        .select_related("decision")
        .first()
    )
    if flag is None:
        raise ProactiveReviewNotFound
    if flag.status == ProactiveReview.Status.REVIEWED:
        return flag
    now = _now(now)
    flag.status = ProactiveReview.Status.REVIEWED
    flag.reviewed_at = now
    flag.reviewed_by = actor[:100]
    flag.review_note = note
    flag.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        action="access.propagation.reviewed",
        actor=actor,
        object_type="proactive_review",
        object_id=flag.pk,
        data={"decision": flag.decision.reference},
        now=now,
    )
    return flag
