"""Drill-downs: a pseudonymised sample of the cases behind one row of a table."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db.models import CharField, Q, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone

from appeals.models import Appeal, Assessment, GroundKind
from appeals.states import OPEN
from explanations.models import (
    Decision,
)

from ..rollups import local_month, reviewer_pseudonym, whole_days
from ._base import GROUP_ATTRIBUTES, CaseRow, Filters, Period, _versions
from .dashboard import _BUILDERS


def case_pseudonym(decision_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"oversight-case:{decision_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10].upper()


def _local_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(month, dt.time.min))


_APPEAL_TABLES = frozenset(
    {"outcome_times", "backlog", "grounds", "data_errors", "reviewers", "review_bodies"}
)


# Tables whose rows are not the cohort of decisions made in the period: time to outcome and reviewer signals
# count appeals (assessments) decided in the period, the backlog counts appeals open now whatever the period.
_OWN_PERIOD = frozenset({"outcome_times", "backlog", "reviewers", "review_bodies"})


_MAX_ROW_KEY = (
    200  # longer than any key a table gives (codes, regions, pseudonyms, "code:KIND", registry codes)
)


def _period_q(field: str, period: Period) -> Q:
    """``field`` (a datetime) within the period's whole local months."""
    return Q(
        **{
            f"{field}__gte": _local_start(period.from_month),
            f"{field}__lt": _local_start(period.end_exclusive),
        }
    )


def _int_key(row_key: str) -> int | None:
    """A row key that is a database id (ASCII digits, in range), else None."""
    if row_key.isascii() and row_key.isdigit() and len(row_key) <= 18:
        return int(row_key)
    return None


def _drill_condition(filters: Filters, table_id: str, row_key: str, prefix: str) -> Q | None:
    """The condition (on Decision, or on Appeal with prefix "decision__") that selects a row's cases: the
    filters, the row, and for cohort tables the decisions made in the period (the other tables' own period is
    applied by drilldown_sample)."""
    p = prefix
    q = Q() if table_id in _OWN_PERIOD else _period_q(f"{p}decided_at", filters.period)
    if filters.system_code:
        q &= Q(**{f"{p}system__code": filters.system_code})
    if filters.model_version is not None:
        q &= Q(**{f"{p}model_version_id": filters.model_version})
    if filters.region is not None:
        q &= Q(**{f"{p}region": filters.region})
    if table_id == "systems":
        return q & Q(**{f"{p}system__code": row_key})
    if table_id in ("versions", "outcome_times", "backlog"):
        version = _int_key(row_key)
        if version is None:
            return None
        return q & Q(**{f"{p}model_version_id": version})
    if table_id == "regions":
        return q & Q(**{f"{p}region": row_key})
    if table_id.startswith("group_") and table_id[6:] in GROUP_ATTRIBUTES:
        attribute = table_id[6:]
        if attribute == "disability":
            value: Any = {"yes": True, "no": False, "": None}.get(row_key, "?")
            if value == "?":
                return None
            return q & Q(
                **{f"{p}disability": value} if value is not None else {f"{p}disability__isnull": True}
            )
        return q & Q(**{f"{p}{attribute}": row_key})
    return q if table_id in _APPEAL_TABLES else None


def drilldown_sample(
    filters: Filters, table_id: str, row_key: str, *, n: int = 20, seed: int = 0
) -> list[CaseRow] | None:
    """Up to ``n`` anonymised cases behind one row of one table, the same for the same seed; None for an unknown
    table or a malformed row key (a NUL character, an overlong key, a version or body id that is no number).

    Each sample is drawn from the cases the row counts. Decision-side rows (systems, versions, group tables):
    decisions made in the period. Appeal-side rows sample appeals (submitted): outcome_times, appeals decided
    in the period (``Appeal.decided_at``); backlog, appeals open now (state in OPEN, not decided), whatever the
    period; grounds and data_errors, appeals against decisions made in the period with that ground or a
    confirmed error from that registry; reviewers and review_bodies, appeals with an assessment decided in the
    period (``Assessment.decided_at``, with a final outcome) by that reviewer, or in that review body. Unlike
    the dashboard this reads the decisions and appeals themselves, once, bounded by the filters and ``n``: it
    runs only when an ombudsman asks for a sample. No IIN, name or reference leaves here: the case is a keyed
    hash of the decision.
    """
    if table_id not in _BUILDERS or n <= 0:
        return None
    if "\x00" in row_key or len(row_key) > _MAX_ROW_KEY:  # PostgreSQL refuses NUL in a text parameter
        return None
    n = min(n, 100)
    appeal_side = table_id in _APPEAL_TABLES
    where = _drill_condition(filters, table_id, row_key, "decision__" if appeal_side else "")
    if where is None:
        return None
    order = MD5(Concat(Cast("id", output_field=CharField()), Value(f":{seed}")))
    if not appeal_side:
        ids = list(
            Decision.objects.filter(where).annotate(o=order).order_by("o").values_list("id", flat=True)[:n]
        )
        appeals = _latest_appeals(ids)
        return _case_rows(ids, appeals)
    period = filters.period
    qs = Appeal.objects.filter(where, submitted_at__isnull=False)
    if table_id == "outcome_times":
        qs = qs.filter(_period_q("decided_at", period)).exclude(outcome="")
    elif table_id == "backlog":  # as rollups._rebuild_appeal_cells: open, and not decided
        qs = qs.filter(Q(decided_at__isnull=True) | Q(outcome=""), state__in=OPEN)
    elif table_id == "grounds":
        code, _sep, kind = row_key.rpartition(":")
        if not code or kind not in GroundKind.values:
            return None
        qs = qs.filter(decision__system__code=code, grounds__kind=kind)
    elif table_id == "data_errors":
        qs = qs.filter(corrections__source=row_key)
    elif table_id == "reviewers":
        reviewer = _reviewer_by_pseudonym(row_key)
        if reviewer is None:
            return []
        # One filter() call: the reviewer, the date and the final outcome are of the same assessment.
        qs = qs.filter(
            _period_q("assessments__decided_at", period),
            assessments__reviewer_id=reviewer,
            assessments__final_outcome__gt="",
        )
    elif table_id == "review_bodies":
        body = _int_key(row_key) if row_key else None
        if row_key and body is None:
            return None
        qs = qs.filter(
            _period_q("assessments__decided_at", period),
            assessments__final_outcome__gt="",
            **({"review_body_id": body} if body is not None else {"review_body__isnull": True}),
        )
    appeal_ids = list(qs.distinct().annotate(o=order).order_by("o").values_list("id", flat=True)[:n])
    rows = {a.pk: a for a in Appeal.objects.filter(pk__in=appeal_ids).prefetch_related("grounds")}
    by_decision = {rows[i].decision_id: rows[i] for i in appeal_ids}
    return _case_rows(list(by_decision), by_decision)


def _reviewer_by_pseudonym(pseudonym: str) -> int | None:
    for pk in Assessment.objects.values_list("reviewer_id", flat=True).distinct():
        if reviewer_pseudonym(pk) == pseudonym:
            return int(pk)
    return None


def _latest_appeals(decision_ids: list[int]) -> dict[int, Appeal]:
    out: dict[int, Appeal] = {}
    for a in (
        Appeal.objects.filter(decision_id__in=decision_ids, submitted_at__isnull=False)
        .order_by("submitted_at", "id")
        .prefetch_related("grounds")
    ):
        out[a.decision_id] = a
    return out


def _case_rows(decision_ids: list[int], appeals: dict[int, Appeal]) -> list[CaseRow]:
    versions = _versions()
    decisions = {
        d["id"]: d
        for d in Decision.objects.filter(id__in=decision_ids).values(
            "id", "model_version_id", "decided_at", "region", "outcome", "notified", "reproducibility"
        )
    }
    out = []
    for pk in decision_ids:
        d = decisions[pk]
        v = versions[d["model_version_id"]]
        a = appeals.get(pk)
        days = None
        if a is not None and a.decided_at is not None and a.submitted_at is not None:
            days = whole_days(a.submitted_at, a.decided_at)
        out.append(
            CaseRow(
                case=case_pseudonym(pk),
                system_code=v.system_code,
                version=v.version,
                month=local_month(d["decided_at"]),
                region=d["region"],
                outcome=d["outcome"],
                notified=d["notified"],
                reproducibility=d["reproducibility"],
                appeal_state=a.state if a is not None else "",
                appeal_outcome=(a.outcome if a is not None and a.decided_at is not None else ""),
                grounds=tuple(g.kind for g in sorted(a.grounds.all(), key=lambda g: g.position)) if a else (),
                days_to_outcome=days,
            )
        )
    return out
