"""The dashboard's tables (TABLE_IDS), one builder each, and the two ways to read them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from appeals.models import GroundKind
from explanations.models import (
    AgeBand,
    AlgorithmicSystem,
    Settlement,
    Sex,
)
from portal.accounts.models import Organisation, OrganisationKind
from portal.web.templatetags.portal import i18n_text

from ..models import (
    AppealCell,
    DecisionCell,
    DecisionGroupCell,
    GroundCell,
    OpenAppealCell,
    OutcomeCell,
    ReviewerCell,
    SourceCell,
)
from ..rollups import ensure_fresh
from ..stats import percentile_of_histogram, rate_ratio, wilson
from ..tables import Column, Interval, Table
from ._base import (
    _APPEAL_SUMS,
    _GROUP_SUMS,
    _ZERO_APPEALS,
    _ZERO_DECISIONS,
    BACKLOG_BUCKETS,
    GROUP_ATTRIBUTES,
    MIN_GROUP_N,
    TABLE_IDS,
    Filters,
    _appeal_sums,
    _decision_sums,
    _n,
    _period_caption,
    _scope,
    _share,
    _systems,
    _today,
    _version_order,
    _versions,
    logger,
)

_SUMMARY_COLUMNS = (
    Column("decisions", _("Decisions"), "count"),
    Column("silent_share", _("Silent assessments (share)"), "rate"),
    Column("near_threshold_share", _("Near a threshold (share)"), "rate"),
    Column("not_reproducible", _("Not reproducible"), "count"),
    Column("not_replayable", _("Cannot be recomputed (opaque model)"), "count"),
    Column("appeals", _("Appeals"), "count"),
    Column("appeal_rate", _("Appeal rate (decisions appealed)"), "interval"),
    Column("decided", _("Appeals decided"), "count"),
    Column("overturned", _("Overturned in whole or in part"), "count"),
    Column("overturn_rate", _("Overturn rate"), "interval"),
)


_COHORT_CAPTION = _(
    "Decisions made from {start} to {end}, and the appeals against them. Rates with their 95% Wilson intervals."
)


_COHORT_NOTES = (
    _("A silent assessment is a decision the person was not told about."),
    _(
        "Appeal rate: decisions appealed at least once, out of all decisions. Overturn rate: appeals decided "
        "in the person's favour in whole or in part, out of appeals decided."
    ),
    _(
        "Near a threshold: the score is within the system's band of a score where the outcome changes, as in "
        "the explanations; counted for scorecards and linear and logistic models only."
    ),
)


def _checked_rate(successes: int, total: int, where: str) -> Interval:
    """wilson(successes, total), or a rate "not available" with a logged warning when the numerator exceeds
    the denominator (inconsistent rollups: see the module docstring; never clamped)."""
    if successes > total:
        logger.warning(
            "oversight rollups are inconsistent: %s: numerator %d exceeds denominator %d; rate not shown "
            "(rollup_rebuild repairs the cells)",
            where,
            successes,
            total,
        )
        return Interval(successes, total, None, None, None)
    return wilson(successes, total)


def _summary_row(d: dict[str, int], a: dict[str, int], where: str) -> dict[str, Any]:
    return {
        "decisions": d["decisions"],
        "silent_share": _share(d["silent"], d["decisions"]),
        "near_threshold_share": _share(d["near"], d["near_defined"]),
        "not_reproducible": d["mismatch"],
        "not_replayable": d["not_replayable"],
        "appeals": a["appeals"],
        "appeal_rate": _checked_rate(a["appealed"], d["decisions"], f"{where}: appeal rate"),
        "decided": a["decided"],
        "overturned": a["overturned"],
        "overturn_rate": wilson(a["overturned"], a["decided"]),
    }


def _versions_table(filters: Filters) -> Table:
    versions = _versions()
    dec = _decision_sums(filters, "model_version_id")
    app = _appeal_sums(filters, "model_version_id")
    rows = []
    for pk in sorted(set(dec) | set(app), key=_version_order(versions).__getitem__):
        v = versions[pk]
        row = {"key": str(pk), "system": v.system_name, "version": v.version}
        row.update(
            _summary_row(dec.get(pk, _ZERO_DECISIONS), app.get(pk, _ZERO_APPEALS), f"versions row {pk}")
        )
        rows.append(row)
    return Table(
        id="versions",
        title=_("By model version"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            *_SUMMARY_COLUMNS,
        ),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=_COHORT_NOTES,
    )


def _systems_table(filters: Filters) -> Table:
    systems = _systems()
    dec = _decision_sums(filters, "system_id")
    app = _appeal_sums(filters, "system_id")
    rows = []
    for pk in sorted(set(dec) | set(app), key=lambda p: systems[p][0]):
        code, name = systems[pk]
        row = {"key": code, "system": name}
        row.update(
            _summary_row(dec.get(pk, _ZERO_DECISIONS), app.get(pk, _ZERO_APPEALS), f"systems row {code}")
        )
        rows.append(row)
    return Table(
        id="systems",
        title=_("By system"),
        columns=(Column("system", _("System"), "text"), *_SUMMARY_COLUMNS),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=_COHORT_NOTES,
    )


def _outcome_stats(filters: Filters) -> dict[int, dict[str, Any]]:
    rows = (
        OutcomeCell.objects.filter(_scope(filters, month="outcome_month"))
        .values("model_version_id", "days")
        .annotate(decided=Sum("decided"), with_due=Sum("with_due_date"), kept=Sum("kept"))
        .order_by()
    )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        s = out.setdefault(r["model_version_id"], {"decided": 0, "with_due": 0, "kept": 0, "days": {}})
        s["decided"] += _n(r["decided"])
        s["with_due"] += _n(r["with_due"])
        s["kept"] += _n(r["kept"])
        s["days"][r["days"]] = s["days"].get(r["days"], 0) + _n(r["decided"])
    return out


def _open_cells(filters: Filters) -> list[dict[str, Any]]:
    rows: Any = (
        OpenAppealCell.objects.filter(_scope(filters, month=None))
        .values("model_version_id", "submitted_on", "due_date", "on_hold")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return list(rows)


def _overdue_by_version(open_cells: list[dict[str, Any]], today: dt.date) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for c in open_cells:
        if not c["on_hold"] and c["due_date"] is not None and c["due_date"] < today:
            out[c["model_version_id"]] += _n(c["n"])
    return out


def _outcome_times_table(filters: Filters, today: dt.date) -> Table:
    versions = _versions()
    stats = _outcome_stats(filters)
    overdue = _overdue_by_version(_open_cells(filters), today)
    rows = []
    for pk in sorted(set(stats) | set(overdue), key=_version_order(versions).__getitem__):
        v = versions[pk]
        s = stats.get(pk, {"decided": 0, "with_due": 0, "kept": 0, "days": {}})
        rows.append(
            {
                "key": str(pk),
                "system": v.system_name,
                "version": v.version,
                "decided": s["decided"],
                "median_days": percentile_of_histogram(s["days"], 0.5),
                "p90_days": percentile_of_histogram(s["days"], 0.9),
                "with_due_date": s["with_due"],
                "late": s["with_due"] - s["kept"],
                "deadlines_kept": wilson(s["kept"], s["with_due"]),
                "open_overdue": overdue.get(pk, 0),
            }
        )
    return Table(
        id="outcome_times",
        title=_("Time to outcome and deadlines"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            Column("decided", _("Appeals decided"), "count"),
            Column("median_days", _("Median days to outcome"), "days"),
            Column("p90_days", _("90th percentile of days to outcome"), "days"),
            Column("with_due_date", _("Decided with a due date"), "count"),
            Column("late", _("Decided after the due date"), "count"),
            Column("deadlines_kept", _("Deadlines kept"), "interval"),
            Column("open_overdue", _("Open now and past the due date"), "count"),
        ),
        rows=tuple(rows),
        caption=_period_caption(_("Appeals decided from {start} to {end}."), filters.period),
        notes=(
            _(
                "Days to outcome: whole days from submission to the outcome; the median and the 90th percentile."
            ),
            _("A deadline is kept when the appeal was decided on or before its due date."),
            _("Open and past the due date: as of today, not counting appeals on hold, whatever the period."),
        ),
    )


def _bucket(age: int) -> int:
    for i, (low, high) in enumerate(BACKLOG_BUCKETS):
        if age >= low and (high is None or age <= high):
            return i
    return 0  # submitted "in the future" (clock skew): the youngest bucket


def _backlog_table(filters: Filters, today: dt.date) -> Table:
    versions = _versions()
    per: dict[int, list[int]] = {}
    for c in _open_cells(filters):
        counts = per.setdefault(c["model_version_id"], [0] * (len(BACKLOG_BUCKETS) + 3))
        n = _n(c["n"])
        counts[_bucket((today - c["submitted_on"]).days)] += n
        counts[-3] += n
        counts[-2] += n if c["on_hold"] else 0
        overdue = not c["on_hold"] and c["due_date"] is not None and c["due_date"] < today
        counts[-1] += n if overdue else 0
    rows = []
    for pk in sorted(per, key=_version_order(versions).__getitem__):
        v = versions[pk]
        counts = per[pk]
        row: dict[str, Any] = {
            "key": str(pk),
            "system": v.system_name,
            "version": v.version,
            "open": counts[-3],
        }
        for i, key in enumerate(_BUCKET_KEYS):
            row[key] = counts[i]
        row["on_hold"] = counts[-2]
        row["overdue"] = counts[-1]
        rows.append(row)
    return Table(
        id="backlog",
        title=_("Backlog of open appeals by age"),
        columns=(
            Column("system", _("System"), "text"),
            Column("version", _("Model version"), "text"),
            Column("open", _("Open appeals"), "count"),
            Column("age_0_7", _("0 to 7 days"), "count"),
            Column("age_8_30", _("8 to 30 days"), "count"),
            Column("age_31_90", _("31 to 90 days"), "count"),
            Column("age_over_90", _("More than 90 days"), "count"),
            Column("on_hold", _("On hold"), "count"),
            Column("overdue", _("Past the due date"), "count"),
        ),
        rows=tuple(rows),
        caption=lazy(
            lambda: str(_("Appeals open now, by days since submission (the period does not apply).")), str
        )(),
        notes=(),
    )


_BUCKET_KEYS = ("age_0_7", "age_8_30", "age_31_90", "age_over_90")


def _grounds_table(filters: Filters) -> Table:
    systems = _systems()
    kinds = list(GroundKind.values)
    rows_db = (
        GroundCell.objects.filter(_scope(filters))
        .values("system_id", "kind")
        .annotate(grounds=Sum("grounds"), in_decided=Sum("in_decided"), accepted=Sum("accepted"))
        .order_by()
    )
    rows = []
    for r in sorted(
        rows_db,
        key=lambda r: (systems[r["system_id"]][0], kinds.index(r["kind"]) if r["kind"] in kinds else 99),
    ):
        code, name = systems[r["system_id"]]
        rows.append(
            {
                "key": f"{code}:{r['kind']}",
                "system": name,
                "kind": str(GroundKind(r["kind"]).label) if r["kind"] in kinds else r["kind"],
                "grounds": _n(r["grounds"]),
                "in_decided": _n(r["in_decided"]),
                "accepted": _n(r["accepted"]),
                "accepted_share": wilson(_n(r["accepted"]), _n(r["in_decided"])),
            }
        )
    return Table(
        id="grounds",
        title=_("Grounds of appeal"),
        columns=(
            Column("system", _("System"), "text"),
            Column("kind", _("Ground"), "text"),
            Column("grounds", _("Grounds raised"), "count"),
            Column("in_decided", _("In decided appeals"), "count"),
            Column("accepted", _("Accepted by the reviewer"), "count"),
            Column("accepted_share", _("Accepted (share of decided)"), "interval"),
        ),
        rows=tuple(rows),
        caption=_period_caption(
            _("Grounds of the appeals against decisions made from {start} to {end}."), filters.period
        ),
        notes=(_("One appeal can give several grounds; each is counted."),),
    )


def _source_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for sources in AlgorithmicSystem.objects.values_list("data_sources", flat=True):
        for item in sources or []:
            if isinstance(item, dict) and item.get("code"):
                out.setdefault(str(item["code"]), i18n_text(item.get("name")))
    return out


def _data_errors_table(filters: Filters) -> Table:
    names = _source_names()
    rows_db = (
        SourceCell.objects.filter(_scope(filters))
        .values("source")
        .annotate(challenged=Sum("challenged"), decided=Sum("decided"), confirmed=Sum("confirmed"))
        .order_by("source")
    )
    rows = []
    for r in rows_db:
        rows.append(
            {
                "key": r["source"],
                "source": r["source"] or str(_("Not recorded")),
                "source_name": names.get(r["source"], ""),
                "challenged": _n(r["challenged"]),
                "decided": _n(r["decided"]),
                "confirmed": _n(r["confirmed"]),
                "error_rate": wilson(_n(r["confirmed"]), _n(r["decided"])),
            }
        )
    return Table(
        id="data_errors",
        title=_("Data errors by source registry"),
        columns=(
            Column("source", _("Registry code"), "text"),
            Column("source_name", _("Registry"), "text"),
            Column("challenged", _("Data items challenged"), "count"),
            Column("decided", _("Challenges decided"), "count"),
            Column("confirmed", _("Confirmed wrong"), "count"),
            Column("error_rate", _("Confirmed wrong (share of decided)"), "interval"),
        ),
        rows=tuple(rows),
        caption=_period_caption(
            _("Appeal grounds saying the data was wrong, against decisions made from {start} to {end}."),
            filters.period,
        ),
        notes=(
            _(
                "Confirmed wrong: the reviewer accepted the ground in a decided appeal, and the registry was "
                "sent a correction notice."
            ),
        ),
    )


@dataclass
class _Group:
    value: str
    decisions: int = 0
    silent: int = 0
    unfavourable: int = 0
    favourable_defined: int = 0
    appeals: int = 0
    appealed: int = 0
    decided: int = 0
    overturned: int = 0

    def counts(self, metric: str) -> tuple[int, int]:
        if metric == "overturn_rate":
            return self.overturned, self.decided
        if metric == "appeal_rate":
            return self.appealed, self.decisions
        if metric == "silent_share":
            return self.silent, self.decisions
        if metric == "unfavourable_share":
            return self.unfavourable, self.favourable_defined
        raise ValueError(f"unknown metric {metric!r}")


def _value_order(attribute: str) -> list[str]:
    return {
        "settlement": list(Settlement.values),
        "sex": list(Sex.values),
        "age_band": list(AgeBand.values),
        "disability": ["yes", "no"],
    }.get(attribute, [])


def value_label(attribute: str, value: str) -> str:
    """How a group reads in the current language ("" = not recorded)."""
    if value == "":
        return str(_("Not recorded"))
    choices = {"settlement": Settlement, "sex": Sex, "age_band": AgeBand}.get(attribute)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if attribute == "disability":
        return str(_("With a disability") if value == "yes" else _("Without a disability"))
    return value


def _groups(filters: Filters, attribute: str) -> list[_Group]:
    if attribute not in GROUP_ATTRIBUTES:
        raise ValueError(f"unknown group attribute {attribute!r}")
    groups: dict[str, _Group] = {}
    dec: Any
    app: Any
    if attribute == "region":
        dec = DecisionCell.objects.filter(_scope(filters)).values(v=F("region"))
        app = AppealCell.objects.filter(_scope(filters), attribute="").values(v=F("region"))
    else:
        dec = DecisionGroupCell.objects.filter(_scope(filters), attribute=attribute).values(v=F("value"))
        app = AppealCell.objects.filter(_scope(filters), attribute=attribute).values(v=F("value"))
    for r in dec.annotate(**_GROUP_SUMS).order_by():
        g = groups.setdefault(r["v"], _Group(r["v"]))
        g.decisions, g.silent = _n(r["decisions"]), _n(r["silent"])
        g.unfavourable, g.favourable_defined = _n(r["unfavourable"]), _n(r["favourable_defined"])
    for r in app.annotate(**_APPEAL_SUMS).order_by():
        g = groups.setdefault(r["v"], _Group(r["v"]))
        g.appeals, g.appealed = _n(r["appeals"]), _n(r["appealed"])
        g.decided, g.overturned = _n(r["decided"]), _n(r["overturned"])
    order = _value_order(attribute)

    def sort_key(g: _Group) -> tuple[int, int, str]:
        if g.value == "":
            return (2, 0, "")
        return (0, order.index(g.value), "") if g.value in order else (1, 0, g.value)

    return sorted(groups.values(), key=sort_key)


def _reference(groups: list[_Group]) -> _Group | None:
    """The recorded value with the most decisions (ties: the first in value order)."""
    best: _Group | None = None
    for g in groups:
        if g.value != "" and g.decisions > 0 and (best is None or g.decisions > best.decisions):
            best = g
    return best


def _disparity(
    g: _Group, ref: _Group | None, metric: str, attribute: str = ""
) -> tuple[Interval, Interval | None, bool]:
    """(the group's rate, its ratio to the reference or None, small). An inconsistent count (numerator above
    denominator, see the module docstring) gives a rate "not available" and no ratio, in the group and in
    every group compared with it."""
    k, n = g.counts(metric)
    small = n < MIN_GROUP_N
    rate = _checked_rate(k, n, f"{attribute or 'group'} {g.value!r}: {metric}")
    ratio = None
    if ref is not None and not small and rate.rate is not None:
        rk, rn = ref.counts(metric)
        if rn >= MIN_GROUP_N and rk <= rn:
            ratio = rate_ratio(k, n, rk, rn)
    return rate, ratio, small


def _group_table(filters: Filters, attribute: str) -> Table:
    groups = _groups(filters, attribute)
    ref = _reference(groups)
    rows = []
    for g in groups:
        unfav, unfav_ratio, _small_u = _disparity(g, ref, "unfavourable_share", attribute)
        over, over_ratio, _small_o = _disparity(g, ref, "overturn_rate", attribute)
        small = g.decisions < MIN_GROUP_N
        rows.append(
            {
                "key": g.value,
                "group": value_label(attribute, g.value),
                "reference": ref is not None and g.value == ref.value,
                "small": small,
                "decisions": g.decisions,
                "silent_share": _share(g.silent, g.decisions),
                "unfavourable": unfav,
                "unfavourable_ratio": None if small else unfav_ratio,
                "appeal_rate": _checked_rate(
                    g.appealed, g.decisions, f"{attribute} {g.value!r}: appeal rate"
                ),
                "decided": g.decided,
                "overturn_rate": over,
                "overturn_ratio": None if small else over_ratio,
            }
        )
    title = {
        "region": _("By region"),
        "settlement": _("By settlement"),
        "sex": _("By sex"),
        "age_band": _("By age band"),
        "disability": _("By disability"),
    }[attribute]
    return Table(
        id="regions" if attribute == "region" else f"group_{attribute}",
        title=title,
        columns=(
            Column("group", _("Group"), "text"),
            Column("decisions", _("Decisions"), "count"),
            Column("small", _("Too few to compare"), "flag"),
            Column("reference", _("Reference group"), "flag"),
            Column("silent_share", _("Silent assessments (share)"), "rate"),
            Column("unfavourable", _("Unfavourable outcomes (share)"), "interval"),
            Column("unfavourable_ratio", _("Unfavourable: ratio to the reference group"), "ratio"),
            Column("appeal_rate", _("Appeal rate"), "interval"),
            Column("decided", _("Appeals decided"), "count"),
            Column("overturn_rate", _("Overturn rate"), "interval"),
            Column("overturn_ratio", _("Overturn: ratio to the reference group"), "ratio"),
        ),
        rows=tuple(rows),
        caption=_period_caption(_COHORT_CAPTION, filters.period),
        notes=(
            _(
                # xgettext:no-python-format
                "The reference group is the group with the most decisions. A ratio above 1 means a higher rate "
                "than in the reference group; its 95% interval is shown in brackets."
            ),
            lazy(
                lambda: str(_("Groups with fewer than {n} cases are flagged and not compared.")).format(
                    n=MIN_GROUP_N
                ),
                str,
            )(),
        ),
    )


def _reviewer_rows(filters: Filters, by: str) -> list[dict[str, Any]]:
    fields = ("reviewer", "review_body_id") if by == "reviewer" else ("review_body_id",)
    rows = (
        ReviewerCell.objects.filter(_scope(filters))
        .values(*fields, "minutes")
        .annotate(
            decided=Sum("decided"),
            upheld=Sum("upheld"),
            upheld_before=Sum("upheld_before"),
            changed=Sum("changed"),
            changed_to_ai=Sum("changed_to_ai"),
        )
        .order_by()
    )
    bodies = {
        pk: i18n_text(name)
        for pk, name in Organisation.objects.filter(kind=OrganisationKind.REVIEW_BODY).values_list(
            "pk", "name"
        )
    }
    acc: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r[f] for f in fields)
        a = acc.setdefault(
            key, {"decided": 0, "upheld": 0, "upheld_before": 0, "changed": 0, "to_ai": 0, "minutes": {}}
        )
        a["decided"] += _n(r["decided"])
        a["upheld"] += _n(r["upheld"])
        a["upheld_before"] += _n(r["upheld_before"])
        a["changed"] += _n(r["changed"])
        a["to_ai"] += _n(r["changed_to_ai"])
        if r["minutes"] >= 0:
            a["minutes"][r["minutes"]] = a["minutes"].get(r["minutes"], 0) + _n(r["decided"])
    out = []
    for key, a in acc.items():
        body = key[-1]
        row: dict[str, Any] = {
            "key": str(key[0]) if by == "reviewer" else str(body or ""),
            "review_body": bodies.get(body, "") if body is not None else "",
            "small": a["decided"] < MIN_GROUP_N,
            "decided": a["decided"],
            "agreement_before": wilson(a["upheld_before"], a["decided"]),
            "agreement_after": wilson(a["upheld"], a["decided"]),
            "changed": a["changed"],
            "changed_share": _share(a["changed"], a["decided"]),
            "changed_to_ai": a["to_ai"],
            "median_minutes": percentile_of_histogram(a["minutes"], 0.5),
        }
        if by == "reviewer":
            row["reviewer"] = key[0]
        out.append(row)
    return sorted(out, key=lambda r: (r["review_body"], r.get("reviewer", "")))


_REVIEWER_COLUMNS = (
    Column("decided", _("Cases decided"), "count"),
    Column("small", _("Too few to compare"), "flag"),
    Column("agreement_before", _("Decision stands: own assessment before the reveal"), "interval"),
    Column("agreement_after", _("Agreement with the AI after the reveal"), "interval"),
    Column("changed", _("Changes of mind after the reveal"), "count"),
    Column("changed_share", _("Changes of mind (share)"), "rate"),
    Column("changed_to_ai", _("Changes towards the AI's decision"), "count"),
    Column("median_minutes", _("Median minutes per case"), "count"),
)


_REVIEWER_NOTES = (
    _(
        "Agreement with the AI: the final outcome lets the decision stand. Reviewers record their own "
        "assessment before they see the AI's score and explanation; a change of mind is a final outcome "
        "different from that assessment."
    ),
    _("Minutes per case: from assignment to the recorded assessment, in whole minutes."),
    _("Reviewers are shown by a pseudonym that stays the same from one period to the next."),
)


def _reviewers_table(filters: Filters) -> Table:
    return Table(
        id="reviewers",
        title=_("Reviewer signals"),
        columns=(
            Column("reviewer", _("Reviewer (pseudonym)"), "text"),
            Column("review_body", _("Review body"), "text"),
            *_REVIEWER_COLUMNS,
        ),
        rows=tuple(_reviewer_rows(filters, "reviewer")),
        caption=_period_caption(_("Assessments decided from {start} to {end}."), filters.period),
        notes=_REVIEWER_NOTES,
    )


def _review_bodies_table(filters: Filters) -> Table:
    return Table(
        id="review_bodies",
        title=_("Review bodies"),
        columns=(Column("review_body", _("Review body"), "text"), *_REVIEWER_COLUMNS),
        rows=tuple(_reviewer_rows(filters, "review_body")),
        caption=_period_caption(_("Assessments decided from {start} to {end}."), filters.period),
        notes=_REVIEWER_NOTES,
    )


# Each builder takes the filters and the local day the figures are "as of" (what is overdue on it).
_BUILDERS: dict[str, Callable[[Filters, dt.date], Table]] = {
    "systems": lambda f, today: _systems_table(f),
    "versions": lambda f, today: _versions_table(f),
    "outcome_times": _outcome_times_table,
    "backlog": _backlog_table,
    "grounds": lambda f, today: _grounds_table(f),
    "data_errors": lambda f, today: _data_errors_table(f),
    "regions": lambda f, today: _group_table(f, "region"),
    "group_settlement": lambda f, today: _group_table(f, "settlement"),
    "group_sex": lambda f, today: _group_table(f, "sex"),
    "group_age_band": lambda f, today: _group_table(f, "age_band"),
    "group_disability": lambda f, today: _group_table(f, "disability"),
    "reviewers": lambda f, today: _reviewers_table(f),
    "review_bodies": lambda f, today: _review_bodies_table(f),
}


def dashboard_tables(filters: Filters, *, now: dt.datetime | None = None) -> list[Table]:
    """Every dashboard table for these filters as of `now` (default: the time of the call), in TABLE_IDS order.
    Refreshes the rollups first when they are older than the staleness bound (rollups.ensure_fresh; it never
    waits for a running refresh)."""
    ensure_fresh()
    today = _today(now or timezone.now())
    return [_BUILDERS[t](filters, today) for t in TABLE_IDS]


def table(filters: Filters, table_id: str, *, now: dt.datetime | None = None) -> Table | None:
    """One table by id (for exports) as of `now` (default: the time of the call); None for an unknown id."""
    builder = _BUILDERS.get(table_id)
    if builder is None:
        return None
    ensure_fresh()
    return builder(filters, _today(now or timezone.now()))
