"""Reads of access transparency: a person's access log, stated reasons still valid, the dashboard panels, the
flags an agency must review."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone

from appeals.models import Appeal
from portal.accounts.models import Organisation
from portal.audit.models import AuditCheckpoint
from portal.audit.services import checkpoint_dir

from .exceptions import ProactiveReviewNotFound
from .models import REASON_PAGE, AccessRecord, ChainVerification, ProactiveReview, Purpose

LOG_PAGE_SIZE = 25


def access_log_page(*, citizen: Any, page_number: Any) -> Page:
    """The signed-in person's own access records, newest first (never anyone else's)."""
    records = (
        AccessRecord.objects.filter(subject_iin_hash=citizen.iin_hash)
        .select_related("organisation")
        .order_by("-at", "-id")
    )
    return Paginator(records, LOG_PAGE_SIZE).get_page(page_number)


def reason_valid_seconds() -> int:
    """How long a stated reason opens a case for its author before they are asked again."""
    return int(getattr(settings, "ACCESS_REASON_VALID_SECONDS", 3600))


def stated_reason(*, viewer: Any, appeal: Appeal, now: dt.datetime | None = None) -> str | None:
    """The reason this person gave for opening this case, while it is still valid; else None."""
    now = now or timezone.now()
    record = (
        AccessRecord.objects.filter(
            viewer=viewer,
            appeal=appeal,
            purpose=Purpose.STATED_REASON,
            page=REASON_PAGE,
            at__gt=now - dt.timedelta(seconds=reason_valid_seconds()),
            at__lte=now,
        )
        .order_by("-at", "-id")
        .values_list("reason", flat=True)
        .first()
    )
    return record


def latest_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-requested_at", "-id").first()


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class ChainPanel:
    verification: ChainVerification | None
    checkpoint: AuditCheckpoint | None
    exported: bool


def chain_panel() -> ChainPanel:
    return ChainPanel(latest_verification(), latest_checkpoint(), checkpoint_dir() is not None)


@dataclass(frozen=True)
class PropagationRow:
    organisation: Any
    open: int
    reviewed: int


@dataclass(frozen=True)
class PropagationPanel:
    open: int
    reviewed: int
    decisions: int
    rows: list[PropagationRow]


def propagation_panel() -> PropagationPanel:
    """Flags by operating agency: open vs reviewed. One GROUP BY over the flags table (small by nature)."""

    grouped = list(
        ProactiveReview.objects.values("organisation_id")
        .annotate(
            open=Count("id", filter=Q(status=ProactiveReview.Status.OPEN)),
            reviewed=Count("id", filter=Q(status=ProactiveReview.Status.REVIEWED)),
        )
        .order_by("organisation_id")
    )
    orgs = Organisation.objects.in_bulk([g["organisation_id"] for g in grouped])
    rows = [PropagationRow(orgs[g["organisation_id"]], g["open"], g["reviewed"]) for g in grouped]
    decisions = ProactiveReview.objects.values("decision_id").distinct().count()
    return PropagationPanel(
        open=sum(r.open for r in rows), reviewed=sum(r.reviewed for r in rows), decisions=decisions, rows=rows
    )


def proactive_reviews_for_agency(
    *, organisation: Any, status: str | None, after: int, limit: int
) -> list[ProactiveReview]:
    """The agency's flags, by id (keyset pagination): only decisions of systems it operates."""
    rows = ProactiveReview.objects.filter(organisation=organisation, pk__gt=after)
    if status:
        rows = rows.filter(status=status)
    return list(
        rows.select_related(
            "decision__system", "correction__appeal", "correction__decision__system"
        ).order_by("id")[:limit]
    )


def proactive_review_for_agency(*, organisation: Any, flag_id: int) -> ProactiveReview:
    flag = (
        ProactiveReview.objects.filter(organisation=organisation, pk=flag_id)
        .select_related("decision__system", "correction__appeal", "correction__decision__system")
        .first()
    )
    if flag is None:
        raise ProactiveReviewNotFound
    return flag


def proactive_review_view(flag: ProactiveReview) -> dict[str, Any]:
    """What the operator is told: its own decision, the item, the value its decision used, that an appeal
    confirmed the registry's value wrong and when. The value found wrong and the correct one only when
    `flag.discloses_values` (the appealed decision's own operator, the same person, the very value); else null.
    Never the appellant's decision, appeal or identity (see the rule in access.services)."""
    disclosed = flag.discloses_values
    return {
        "id": flag.pk,
        "decision_reference": flag.decision.reference,
        "external_id": flag.decision.external_id,
        "system": flag.decision.system.code,
        "match": flag.match,
        "feature": flag.feature,
        "source": flag.source,
        "recorded_value": flag.recorded_value,
        "confirmed_wrong_value": flag.correction.recorded_value if disclosed else None,
        "correct_value": flag.correction.correct_value if disclosed else None,
        "confirmed_at": flag.correction.created_at,
        "status": flag.status,
        "flagged_at": flag.created_at,
        "reviewed_at": flag.reviewed_at,
        "review_note": flag.review_note or None,
    }
