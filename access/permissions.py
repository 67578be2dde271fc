"""Who may see what of access transparency, and why a member of staff is looking at a case.

`implicit_purpose` says whether a view is part of the viewer's assigned work (and which); None means the case
is outside their assignment and they must state a reason first (`may_state_reason` says whether they may open
it at all: giving a reason never widens who may see a case).
"""

from typing import Any

from appeals import permissions as appeal_permissions
from appeals.models import Appeal
from appeals.queues import POOL_STATES
from appeals.states import OPEN, State
from oversight.permissions import is_ombudsman  # the one rule: role OMBUDSMAN in an ombudsman's office
from portal.accounts.models import Role

from .models import Purpose

DECIDED_STATES = (State.DECIDED, State.CLOSED, State.ESCALATED)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_citizen_with_identity(user: Any) -> bool:
    return _signed_in(user) and user.role == Role.CITIZEN and bool(user.iin_hash)


def _supervises(user: Any, appeal: Appeal) -> bool:
    """The review desk's rule: a supervisor of a review body sees the waiting pool and their body's appeals."""
    return (
        user.role == Role.SUPERVISOR
        and appeal_permissions.can_view_appeal(user, appeal)
        and (appeal.state in POOL_STATES or appeal.review_body_id == user.organisation_id)
    )


def implicit_purpose(user: Any, appeal: Appeal, *, delivery: bool = False) -> Purpose | None:
    """The purpose of a view that is part of the viewer's assigned work, or None when it is not.

    - the assigned reviewer: their review;
    - a supervisor: assigning an appeal waiting in the pool, countersigning a decision of their body, supervising
      their body's open appeals, a quality check of a decided appeal their body sampled for one, and (`delivery`:
      the pages of an appeal's notifications and letters) following up what their body sent;
    - anyone else (a supervisor opening a decided case of their body not sampled for a quality check, the
      ombudsman): None.
    """
    if not _signed_in(user):
        return None
    if user.role == Role.REVIEWER and appeal.reviewer_id == user.pk:
        return Purpose.ASSIGNED_REVIEW
    if user.role != Role.SUPERVISOR or not _supervises(user, appeal):
        return None
    if appeal.state in POOL_STATES:
        return Purpose.ASSIGNMENT
    own_body = appeal.review_body_id == user.organisation_id
    if own_body and appeal.state == State.COUNTERSIGN_PENDING:
        return Purpose.COUNTERSIGNATURE
    if own_body and appeal.state in OPEN:
        return Purpose.SUPERVISION
    if own_body and appeal.quality_review and appeal.state in DECIDED_STATES:
        return Purpose.QUALITY_CHECK
    if own_body and delivery:
        return Purpose.SUPERVISION
    return None


def may_state_reason(user: Any, appeal: Appeal) -> bool:
    """Someone who may see the case but not as part of their assigned work: a supervisor of the review desk
    (within what the desk lets them see) or the ombudsman. Never a reviewer for another's appeal, never the
    operating agency's staff."""
    if not _signed_in(user) or appeal.state == State.DRAFT:
        return False
    if user.role == Role.SUPERVISOR:
        return appeal_permissions.is_review_staff(user) and _supervises(user, appeal)
    return is_ombudsman(user) and appeal_permissions.can_view_appeal(user, appeal)


def is_staff_viewer(user: Any, appeal: Appeal) -> bool:
    """A view of the case that is logged: anyone signed in but the appellant."""
    return _signed_in(user) and user.pk != appeal.appellant_id and user.role != Role.CITIZEN


def can_verify_chain(user: Any) -> bool:
    return is_ombudsman(user)


def can_open_case_as_ombudsman(user: Any, appeal: Appeal) -> bool:
    return is_ombudsman(user) and appeal_permissions.can_view_appeal(user, appeal)
