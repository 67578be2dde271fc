"""Reads of the review desk: the reviewers' and supervisors' queues, and what a reviewer sees of one case.

Queues are paged by keyset on (due_date, id), never by OFFSET, so page 4,000 costs what page 1 costs. The case
view (`blind_case`) is built from the appeal, the decision's recorded data and the register entry only: it never
reads a stored explanation, never compiles the model's specification, and takes from the specification nothing
but feature and outcome labels, so nothing in it can tell the reviewer how the AI scored the case.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext_lazy as _

from explanations.models import AlgorithmicSystem
from explanations.presenters import (
    ASSUMED_COLLECTIONS,
    COLLECTION_LABELS,
    explanation_page,
    format_date,
    format_value,
)
from explanations.services.explain import explanation_get_or_compute
from portal.accounts.models import Role, User
from portal.identifiers import format_reference
from portal.web.templatetags.portal import i18n_text

from . import permissions
from .deadline_texts import MOVED_CODE, moved_text, moved_texts
from .deadlines import WorkingCalendar, current_calendar
from .models import (
    Appeal,
    Assessment,
    Circumstance,
    ConflictDeclaration,
    Countersignature,
    Evidence,
    Ground,
    GroundKind,
    InterimProtection,
    TimelineEvent,
)
from .states import OPEN, Outcome, State

PAGE_SIZE = 25
# The pool every independent review body draws from: appeals waiting for a reviewer.
POOL_STATES = (State.SUBMITTED, State.ADMISSIBILITY)
# Open appeals that belong to one review body once one of its reviewers has them.
BODY_STATES = tuple(s for s in State if s in OPEN and s not in POOL_STATES)
PERSONAL_STATES = tuple(s for s in State if s in OPEN and s not in POOL_STATES)
WAITING_COUNT_CAP = 1000
SOON_WORKING_DAYS = 3


class Badge:
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    ON_TIME = "on-time"


BADGE_LABELS = {
    Badge.OVERDUE: _("Overdue"),
    Badge.DUE_SOON: _("Due soon"),
    Badge.ON_TIME: _("On time"),
}

EVENT_LABELS = {
    "appeal.submitted": _("Appeal submitted"),
    "appeal.admissibility.opened": _("Waiting for a reviewer"),
    "appeal.assigned": _("Assigned to a reviewer"),
    "appeal.inadmissible": _("Declared inadmissible"),
    "appeal.review.started": _("Review started"),
    "appeal.recused": _("A reviewer stood down"),
    "appeal.on_hold": _("Put on hold: waiting for the appellant"),
    "appeal.resumed": _("Review resumed"),
    "appeal.review.assessed": _("Independent assessment recorded"),
    "appeal.review.revealed": _("The AI's result was shown to the reviewer"),
    "appeal.review.decided": _("Reviewer's decision"),
    "appeal.countersigned": _("Countersigned"),
    "appeal.countersign.returned": _("Returned to the reviewer by the supervisor"),
    "appeal.closed": _("Closed"),
    "appeal.withdrawn": _("Withdrawn by the appellant"),
    "appeal.escalated": _("Escalated to the ombudsman"),
}
# Reasons that are meant for the reviewer to read: what the appellant was asked, why a case was returned.
# A recusal's reason is another reviewer's conflict of interest and stays out of the case view.
EVENTS_WITH_VISIBLE_REASON = frozenset(
    {
        "appeal.on_hold",
        "appeal.resumed",
        "appeal.inadmissible",
        "appeal.countersign.returned",
        "appeal.deadline.moved",  # the reason is the title of the decree that moved the due date
    }
)


def due_badge(due_date: dt.date | None, today: dt.date, *, calendar: WorkingCalendar | None = None) -> str:
    """Overdue (past the due date), due soon (within 3 working days) or on time. A list passes one
    `calendar` for all its rows."""
    if due_date is None:
        return Badge.ON_TIME
    if due_date < today:
        return Badge.OVERDUE
    # Count working days up to the due date, stopping as soon as it is clearly not soon.
    calendar = calendar or current_calendar()
    count, day = 0, today
    while day < due_date:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
            if count > SOON_WORKING_DAYS:
                return Badge.ON_TIME
    return Badge.DUE_SOON


# --- queues --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    system: str = ""
    ground_kind: str = ""
    older_than_days: int | None = None
    due_before: dt.date | None = None
    interim: bool = False
    vulnerable: bool = False
    state: str = ""


@dataclass(frozen=True)
class Cursor:
    due_date: dt.date
    id: int

    def __str__(self) -> str:
        return f"{self.due_date.isoformat()},{self.id}"


def parse_cursor(value: str | None) -> Cursor | None:
    """`?after=<due date>,<id>`; anything else is no cursor (the first page)."""
    if not value:
        return None
    due, _sep, pk = value.partition(",")
    try:
        return Cursor(dt.date.fromisoformat(due), int(pk))
    except ValueError:
        return None


@dataclass
class QueueRow:
    id: int
    reference: str
    reference_display: str
    system_name: str
    state_label: str
    submitted: str
    age_days: int
    due_date: dt.date | None
    due: str
    badge: str
    badge_label: str
    interim: bool
    vulnerable: bool
    ground_labels: list[str]
    reviewer_name: str


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    first_page: bool


def _filtered(qs: QuerySet[Appeal], filters: QueueFilters, now: dt.datetime) -> QuerySet[Appeal]:
    if filters.system:
        qs = qs.filter(decision__system__code=filters.system)
    if filters.ground_kind:
        qs = qs.filter(Exists(Ground.objects.filter(appeal=OuterRef("pk"), kind=filters.ground_kind)))
    if filters.older_than_days is not None:
        qs = qs.filter(submitted_at__lte=now - dt.timedelta(days=filters.older_than_days))
    if filters.due_before is not None:
        qs = qs.filter(due_date__lt=filters.due_before)
    if filters.interim:
        qs = qs.exclude(interim_protection=InterimProtection.NONE)
    if filters.vulnerable:
        qs = qs.filter(vulnerable=True)
    return qs


def _after(qs: QuerySet[Appeal], cursor: Cursor | None) -> QuerySet[Appeal]:
    if cursor is None:
        return qs
    # The redundant `due_date >= d` lets PostgreSQL start the index scan at the cursor instead of filtering
    # every earlier row out of it.
    return qs.filter(due_date__gte=cursor.due_date).filter(
        Q(due_date__gt=cursor.due_date) | Q(id__gt=cursor.id)
    )


@dataclass(frozen=True)
class _Part:
    """Appeals of `base` in any of `states`: one group of a queue, compiled once whatever the number of states."""

    base: QuerySet[Appeal]
    states: tuple[str, ...]


_STATE_SLOT = "\x00state"  # a parameter no real state equals: marks where each state goes in the compiled SQL


def _page_ids(parts: list[_Part], limit: int) -> list[int]:
    """Ids of the first `limit` appeals of the union of `parts`, in (due_date, id) order.

    On PostgreSQL each state is read in order from the (state, due_date, id) index and cut at `limit`, and the
    heads are merged (a Merge Append): a handful of index rows per state instead of sorting every open appeal.
    Each group is compiled by the ORM once, with a marked parameter in place of the state, and repeated per
    state, so the page costs two compilations however many states it covers.
    """
    parts = [p for p in parts if p.states]
    if not parts:
        return []
    if not connection.features.supports_slicing_ordering_in_compound:
        combined = parts[0].base.filter(state__in=parts[0].states)
        for part in parts[1:]:
            combined = combined | part.base.filter(state__in=part.states)
        return list(combined.order_by("due_date", "id").values_list("id", flat=True)[:limit])
    pieces: list[str] = []
    params: list[Any] = []
    for part in parts:
        head = (
            part.base.filter(state=_STATE_SLOT)
            .order_by("due_date", "id")
            .values_list("due_date", "id")[:limit]
        )
        sql, head_params = head.query.sql_with_params()
        for state in part.states:
            pieces.append(f"({sql})")
            params += [state if p == _STATE_SLOT else p for p in head_params]
    query = f"SELECT * FROM ({' UNION ALL '.join(pieces)}) AS heads ORDER BY 1, 2 LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, limit])
        return [pk for _due, pk in cursor.fetchall()]


def _rows(ids: list[int], today: dt.date) -> list[QueueRow]:
    """The rows of one page: two queries of plain values (no model instances: this runs on every queue view)."""
    fields = (
        "id",
        "reference",
        "state",
        "submitted_at",
        "due_date",
        "interim_protection",
        "vulnerable",
        "decision__system__name",
        "reviewer__full_name",
        "reviewer__username",
    )
    values = {v["id"]: v for v in Appeal.objects.filter(pk__in=ids).values(*fields)}
    kinds_of: dict[int, set[str]] = {}
    for appeal_id, kind in (
        Ground.objects.filter(appeal_id__in=ids).values_list("appeal_id", "kind").distinct()
    ):
        kinds_of.setdefault(appeal_id, set()).add(kind)
    kind_labels = {k: str(label) for k, label in GroundKind.choices}
    state_labels = {k: str(label) for k, label in State.choices}
    badge_labels = {k: str(label) for k, label in BADGE_LABELS.items()}
    date_format = formats.get_format("DATE_FORMAT")

    def date_text(day: dt.date | None) -> str:
        return dateformat.format(day, date_format) if day else "—"

    calendar = current_calendar()  # read once for the whole page
    rows = []
    for pk in ids:
        v = values[pk]
        submitted = timezone.localdate(v["submitted_at"]) if v["submitted_at"] else None
        badge = due_badge(v["due_date"], today, calendar=calendar)
        rows.append(
            QueueRow(
                id=pk,
                reference=v["reference"],
                reference_display=format_reference(v["reference"]),
                system_name=i18n_text(v["decision__system__name"]),
                state_label=state_labels.get(v["state"], v["state"]),
                submitted=date_text(submitted),
                age_days=(today - submitted).days if submitted else 0,
                due_date=v["due_date"],
                due=date_text(v["due_date"]),
                badge=badge,
                badge_label=badge_labels[badge],
                interim=v["interim_protection"] != InterimProtection.NONE,
                vulnerable=v["vulnerable"],
                ground_labels=sorted(kind_labels.get(k, k) for k in kinds_of.get(pk, ())),
                reviewer_name=v["reviewer__full_name"] or v["reviewer__username"] or "",
            )
        )
    return rows


def _page(parts: list[_Part], after: Cursor | None, now: dt.datetime, limit: int) -> QueuePage:
    ids = _page_ids(parts, limit + 1)
    rows = _rows(ids[:limit], timezone.localdate(now))
    next_cursor = None
    if len(ids) > limit and rows:
        last = rows[-1]
        if last.due_date is not None:
            next_cursor = str(Cursor(last.due_date, last.id))
    return QueuePage(rows=rows, next_cursor=next_cursor, first_page=after is None)


def personal_queue(
    *,
    reviewer: User,
    filters: QueueFilters,
    after: Cursor | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> QueuePage:
    """The open appeals assigned to this reviewer, most urgent due date first."""
    now = now or timezone.now()
    limit = limit or PAGE_SIZE
    states = (filters.state,) if filters.state in PERSONAL_STATES else PERSONAL_STATES
    base = _after(_filtered(Appeal.objects.filter(reviewer=reviewer), filters, now), after)
    return _page([_Part(base, tuple(states))], after, now, limit)


def team_queue(
    *,
    supervisor: User,
    filters: QueueFilters,
    after: Cursor | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> QueuePage:
    """The review body's open appeals (its reviewers' cases) and the shared pool of appeals waiting for a
    reviewer, most urgent due date first."""
    now = now or timezone.now()
    limit = limit or PAGE_SIZE

    def wanted(states: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s for s in states if not filters.state or s == filters.state)

    pool = _after(_filtered(Appeal.objects.all(), filters, now), after)
    body = _after(
        _filtered(Appeal.objects.filter(review_body_id=supervisor.organisation_id), filters, now), after
    )
    return _page([_Part(pool, wanted(POOL_STATES)), _Part(body, wanted(BODY_STATES))], after, now, limit)


def takeable_by(reviewer: User) -> QuerySet[Appeal]:
    """The waiting appeals this reviewer may take: the independence rule of `permissions.independent_of`, the
    one `appeal_take_next` claims with."""
    return Appeal.objects.filter(state=State.ADMISSIBILITY).filter(permissions.independent_of(reviewer))


def waiting_count(*, reviewer: User) -> tuple[int, bool]:
    """How many waiting appeals this reviewer may take, counted up to a cap; (count, more than the cap)."""
    count = takeable_by(reviewer).values("pk")[: WAITING_COUNT_CAP + 1].count()
    return min(count, WAITING_COUNT_CAP), count > WAITING_COUNT_CAP


def systems_for_filter() -> list[tuple[str, str]]:

    return [
        (s.code, i18n_text(s.name)) for s in AlgorithmicSystem.objects.order_by("code").only("code", "name")
    ]


def eligible_reviewers(*, appeal: Appeal, supervisor: User) -> list[User]:
    """Reviewers of the supervisor's body who are independent of this appeal."""
    if supervisor.organisation_id is None:
        return []
    candidates = (
        User.objects.filter(role=Role.REVIEWER, organisation_id=supervisor.organisation_id, is_active=True)
        .select_related("organisation")
        .order_by("full_name", "username")
    )
    return [u for u in candidates if permissions.is_independent_of(appeal, u)]


# --- one case, blind ------------------------------------------------------------------------------------------


@dataclass
class GroundView:
    position: int
    kind: str
    kind_label: str
    why: str
    feature_label: str
    correct_value: str
    circumstance_label: str


@dataclass
class EvidenceView:
    name: str
    content_type: str
    size: int
    uploaded: str
    url: str | None  # None while the file may not be opened (not checked for malware, or removed)
    scan_status: str = ""
    scan_label: str = ""


@dataclass
class DataItem:
    feature: str
    label: str
    description: str
    value: str
    source_code: str
    source_name: str
    as_of: str
    collection_label: str
    assumed: bool
    contested_value: str  # what the appellant says is right ("" when not contested)


@dataclass
class OutcomeLabel:
    code: str
    label: str
    description: str


@dataclass
class Criteria:
    """The system's legal criteria in plain terms: what it is for, under which law, what it can decide."""

    system_name: str
    operator_name: str
    purpose: str
    legal_basis: str
    legal_basis_url: str
    automation_label: str
    human_involvement: str
    outcomes: list[OutcomeLabel]


@dataclass
class TimelineItem:
    label: str
    at: str
    reason: str


@dataclass
class FindingView:
    ground: GroundView | None
    accepted: bool
    reasons: str


@dataclass
class AssessmentView:
    assessment: Assessment
    outcome_label: str
    new_outcome_label: str
    findings: list[FindingView]
    final_outcome_label: str
    final_new_outcome_label: str


@dataclass
class BlindCase:
    appeal: Appeal
    reference_display: str
    state_label: str
    submitted: str
    due: str
    badge: str
    badge_label: str
    interim_label: str
    interim_requested: bool
    grounds: list[GroundView]
    evidence: list[EvidenceView]
    data: list[DataItem]
    criteria: Criteria
    timeline: list[TimelineItem]
    declaration: ConflictDeclaration | None
    assessment: AssessmentView | None
    revealed: bool
    countersignatures: list[Countersignature] = field(default_factory=list)
    # "Deadline moved from … to … by Government Decree No. …", oldest first.
    due_moves: list[str] = field(default_factory=list)


def _spec_labels(appeal: Appeal) -> tuple[dict[str, dict[str, Any]], list[OutcomeLabel]]:
    """Feature and outcome labels of the model's specification, and nothing else from it."""
    spec = appeal.decision.model_version.spec or {}
    features = {
        f["name"]: {"label": f.get("label"), "description": f.get("description")}
        for f in spec.get("features", [])
        if isinstance(f, dict) and "name" in f
    }
    # The value formatter needs the type and unit (tenge, yes/no, dates): display facts, not scoring rules.
    for f in spec.get("features", []):
        if isinstance(f, dict) and f.get("name") in features:
            features[f["name"]].update({k: f[k] for k in ("type", "unit") if k in f})
    outcomes = [
        OutcomeLabel(
            code=str(o["code"]),
            label=i18n_text(o.get("label")) or str(o["code"]),
            description=i18n_text(o.get("description")) if o.get("description") else "",
        )
        for o in spec.get("outcomes", [])
        if isinstance(o, dict) and "code" in o
    ]
    return features, outcomes


def outcome_choices(appeal: Appeal) -> list[tuple[str, str]]:
    """The outcomes the system can give, as (code, label): the choices for a new outcome."""
    return [(o.code, o.label) for o in _spec_labels(appeal)[1]]


EVIDENCE_URL_NAMES = ("appeals:evidence-file", "appeals:evidence")


def _evidence_url(appeal: Appeal, evidence: Evidence) -> str | None:
    """The download address of the appellant's evidence pages, if they have one taking (reference, id)."""
    for name in EVIDENCE_URL_NAMES:
        try:
            return reverse(name, args=(appeal.reference, evidence.pk))
        except NoReverseMatch:
            continue
    return None


def _assessment_view(
    assessment: Assessment, grounds: dict[int, GroundView], outcomes: dict[str, str]
) -> AssessmentView:
    labels = dict(Outcome.choices)
    findings = [
        FindingView(
            ground=grounds.get(int(f.get("ground", 0))),
            accepted=f.get("finding") == "ACCEPTED",
            reasons=str(f.get("reasons", "")),
        )
        for f in assessment.ground_findings or []
    ]
    return AssessmentView(
        assessment=assessment,
        outcome_label=str(labels.get(assessment.outcome, assessment.outcome)),
        new_outcome_label=outcomes.get(assessment.new_outcome, assessment.new_outcome),
        findings=findings,
        final_outcome_label=str(labels.get(assessment.final_outcome, assessment.final_outcome)),
        final_new_outcome_label=outcomes.get(assessment.final_new_outcome, assessment.final_new_outcome),
    )


def blind_case(*, appeal: Appeal, viewer: User, now: dt.datetime | None = None) -> BlindCase:
    """What a reviewer may see before recording an assessment: the appeal, its evidence, the recorded data with
    sources and dates, and the system's legal criteria. Never the score, the contributions, the counterfactuals,
    the thresholds or the outcome the model gave."""
    today = timezone.localdate(now or timezone.now())
    decision = appeal.decision
    system = decision.system
    features, outcomes = _spec_labels(appeal)
    outcome_names = {o.code: o.label for o in outcomes}
    grounds_qs = list(Ground.objects.filter(appeal=appeal).order_by("position"))
    circumstances = dict(Circumstance.choices)
    kinds = dict(GroundKind.choices)

    def feature_label(name: str) -> str:
        return i18n_text(features.get(name, {}).get("label")) or name

    grounds = [
        GroundView(
            position=g.position,
            kind=g.kind,
            kind_label=str(kinds.get(g.kind, g.kind)),
            why=g.why,
            feature_label=feature_label(g.feature) if g.feature else "",
            correct_value=g.correct_value,
            circumstance_label=str(circumstances.get(g.circumstance, "")) if g.circumstance else "",
        )
        for g in grounds_qs
    ]
    contested = {
        g.feature: g.correct_value for g in grounds_qs if g.kind == GroundKind.DATA_WRONG and g.feature
    }
    sources = {s.get("code"): s for s in system.data_sources or [] if isinstance(s, dict)}
    inputs = decision.inputs or {}
    names = [n for n in features if n in inputs] + [n for n in inputs if n not in features]
    data = []
    for name in names:
        item = inputs.get(name)
        if not isinstance(item, dict):
            continue
        code = str(item.get("source", ""))
        source = sources.get(code)
        collection = str(item.get("collection", ""))
        data.append(
            DataItem(
                feature=name,
                label=feature_label(name),
                description=i18n_text(features.get(name, {}).get("description")),
                value=format_value(item.get("value"), features.get(name)),
                source_code=code,
                source_name=i18n_text(source["name"]) if source and source.get("name") else code,
                as_of=format_date(item.get("as_of_date")),
                collection_label=str(COLLECTION_LABELS.get(collection, collection)),
                assumed=collection in ASSUMED_COLLECTIONS,
                contested_value=contested.get(name, ""),
            )
        )
    evidence = [
        EvidenceView(
            name=e.original_name,
            content_type=e.content_type,
            size=e.size,
            uploaded=format_date(e.uploaded_at),
            url=_evidence_url(appeal, e) if e.is_available else None,
            scan_status=e.scan_status,
            scan_label=str(e.get_scan_status_display()),
        )
        for e in Evidence.objects.filter(appeal=appeal).order_by("uploaded_at", "id")
    ]
    events = list(TimelineEvent.objects.filter(appeal=appeal).order_by("at", "id"))
    timeline = [
        TimelineItem(
            label=moved_text(e.data) if e.code == MOVED_CODE else str(EVENT_LABELS.get(e.code, e.code)),
            at=format_date(e.at),
            reason=e.reason if e.code in EVENTS_WITH_VISIBLE_REASON else "",
        )
        for e in events
    ]
    reviewer_id = appeal.reviewer_id or viewer.pk
    declaration = ConflictDeclaration.objects.filter(appeal=appeal, reviewer_id=reviewer_id).first()
    assessment = Assessment.objects.filter(appeal=appeal, reviewer_id=reviewer_id).first()
    by_position = {g.position: g for g in grounds}
    badge = due_badge(appeal.due_date, today)
    return BlindCase(
        appeal=appeal,
        reference_display=format_reference(appeal.reference),
        state_label=str(appeal.get_state_display()),
        submitted=format_date(appeal.submitted_at),
        due=format_date(appeal.due_date),
        badge=badge,
        badge_label=str(BADGE_LABELS[badge]),
        interim_label=str(appeal.get_interim_protection_display()),
        interim_requested=appeal.interim_protection != InterimProtection.NONE,
        grounds=grounds,
        evidence=evidence,
        data=data,
        criteria=Criteria(
            system_name=i18n_text(system.name),
            operator_name=i18n_text(system.operator.name),
            purpose=i18n_text(system.purpose),
            legal_basis=i18n_text(system.legal_basis),
            legal_basis_url=system.legal_basis_url,
            automation_label=str(system.get_automation_level_display()),
            human_involvement=i18n_text(system.human_involvement),
            outcomes=outcomes,
        ),
        timeline=timeline,
        declaration=declaration,
        assessment=_assessment_view(assessment, by_position, outcome_names) if assessment else None,
        revealed=bool(assessment and assessment.revealed_at),
        countersignatures=list(
            Countersignature.objects.filter(appeal=appeal)
            .select_related("signer")
            .order_by("signed_at", "id")
        ),
        due_moves=moved_texts(e.data for e in events if e.code == MOVED_CODE),
    )


def case_for_review(reference: str) -> Appeal | None:
    """The appeal with what the case views read, or None."""
    return (
        Appeal.objects.select_related(
            "decision__system__operator", "decision__model_version", "reviewer", "review_body", "appellant"
        )
        .filter(reference=reference)
        .exclude(state=State.DRAFT)
        .first()
    )


# --- one case, after the reveal ---------------------------------------------------------------------------------


@dataclass
class RevealedCase:
    case: BlindCase
    ai: Any  # explanations.presenters.ExplanationPage


def revealed_case(*, appeal: Appeal, viewer: User, now: dt.datetime | None = None) -> RevealedCase:
    """The case with the AI's explanation. Only for someone `permissions.can_see_ai_explanation` allows: the
    caller checks. The explanation is the stored one (computed and stored on its first use)."""

    decision = appeal.decision
    stored = explanation_get_or_compute(decision=decision, now=now)
    return RevealedCase(
        case=blind_case(appeal=appeal, viewer=viewer, now=now),
        ai=explanation_page(decision=decision, stored=stored, now=now),
    )
