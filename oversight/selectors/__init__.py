"""Reads behind the ombudsman's dashboard, the alerts and open data. Every number comes from the rollups
(oversight/rollups.py), never from a scan of the decisions table.

Public interface (others build on it; keep it stable)::

    from oversight.selectors import (
        Period, Filters, dashboard_tables, table, TABLE_IDS,
        version_overturn_rates, group_disparities, deadline_breaches, not_reproducible_counts,
        open_data_counts, drilldown_sample, filter_choices,
    )

    f = Filters(period=Period.last_months(12), system_code=None, model_version=None, region=None)
    dashboard_tables(f)            -> list[Table]         every table below, in TABLE_IDS order
    table(f, "versions")           -> Table | None        one table (exports); None for an unknown id
    version_overturn_rates(f)      -> list[VersionRate]   per model version, ordered by system, release
    group_disparities(f, "sex", metric="overturn_rate") -> list[GroupDisparity]
    deadline_breaches(f)           -> list[DeadlineBreaches]
    not_reproducible_counts(f)     -> list[NotReproducible]
    open_data_counts("dfc", period) -> list[OpenDataCell] raw counts, NOT suppressed (open data suppresses <10);
                                      reads the rollups as they are (refresh=True: refresh stale ones first)
    drilldown_sample(f, "versions", row_key, n=20, seed=0) -> list[CaseRow] | None (None: unknown table/key)
    filter_choices()               -> FilterChoices       systems, versions and regions for the filter form

Tables (ids are stable: URLs and export file names use them). Every row carries ``"key"``: the row key a
drill-down takes. Small groups carry ``"small": True`` (a "flag" column) and no comparison.

=================  ==================================================================================
id                 rows
=================  ==================================================================================
systems            per system: decisions, silent share, near-threshold share, not reproducible, appeals,
                   appeal rate and overturn rate (Wilson 95 % intervals)
versions           the same per model version
outcome_times      per model version: appeals decided in the period, median and 90th percentile days to
                   outcome, deadlines kept (share with interval), open appeals past their due date today
backlog            per model version: appeals open now, by age (0-7, 8-30, 31-90, over 90 days)
grounds            per system and ground kind: grounds raised, in decided appeals, accepted (share)
data_errors        per source registry: data items challenged ("data about me is wrong" grounds), decided,
                   confirmed wrong (correction notices sent to the registry), confirmed share
regions            breakdown by region (see "Group breakdowns")
group_settlement   breakdown by settlement (urban / rural)
group_sex          breakdown by sex
group_age_band     breakdown by age band
group_disability   breakdown by disability
reviewers          per reviewer (pseudonym "R-xxxxxxxx", stable, not reversible by the ombudsman) and
                   review body: cases decided, agreement with the AI after the reveal, changes of mind
                   after the reveal (all, and towards the AI), median minutes per case
review_bodies      the same per review body
=================  ==================================================================================

Definitions (each is also in the table's caption or notes):

* Period: whole months ``from_month``..``to_month`` inclusive, in the portal's time zone (Asia/Almaty).
* Decision-side numbers count decisions made (``Decision.decided_at``) in the period.
* Appeal-side numbers follow the decision cohort: the appeals (submitted, drafts excluded) against decisions
  made in the period, whenever they were filed: so a rate's numerator is always part of its denominator.
  Exceptions: time to outcome, deadlines kept and reviewer signals count appeals *decided* in the period
  (``Appeal.decided_at`` / ``Assessment.decided_at``); the backlog is the state as of the last refresh, aged
  to today, and ignores the period.
* Silent share: decisions with ``notified = False`` / decisions.
* Appeal rate: decisions with at least one submitted appeal / decisions.
* Overturn rate: appeals decided overturned in whole or in part / appeals decided (``Appeal.decided_at`` set;
  an adverse outcome waiting for a countersignature is not decided yet).
* Unfavourable share: decisions whose outcome the model's spec marks ``favourable: false`` / decisions with
  an outcome declared in the spec.
* Near a threshold: the explanation engine's definition (explanations/engine: distance from the recorded score
  to the nearest score where the outcome changes is at most the band: the system's ``near_threshold_band``,
  else the spec's, else 5 % of the range of scores the model can produce). Defined for scorecards and
  linear/logistic models only; the share's denominator is the decisions of those models.
* Not reproducible: ``reproducibility = MISMATCH``; not replayable (opaque models) is counted apart.
* Days to outcome: whole days from submission to the outcome (``floor((decided_at - submitted_at) / 1 day)``);
  median and 90th percentile by the nearest-rank method (the smallest value with at least p of the cases at
  or below it).
* Deadline kept: an appeal decided on or before its ``due_date`` (local date of ``decided_at`` <= due date).
  Open overdue: an open appeal whose clock runs (not on hold) and whose due date is before today.
* Data errors by source registry: the registry of a challenged item is the ``source`` recorded with the
  decision's input (the same value a RegistryCorrection records). Confirmed = correction notices sent, i.e.
  "data wrong" grounds the deciding reviewer accepted in an appeal that was decided.
* Reviewer signals (assessments decided in the period): agreement with the AI after the reveal = final
  outcome "the decision stands" / decided; change of mind = final outcome differs from the outcome recorded
  before the reveal; towards the AI = from overturn (whole or part) before to "the decision stands" after.
  Time per case: ``Assessment.seconds_spent`` (assignment to assessment), at one-minute resolution.

Group breakdowns (regions and each group attribute: settlement, sex, age_band, disability): per value
(blank = "not recorded", a group of its own): decisions, silent share, unfavourable share with interval,
appeal rate, overturn rate with interval, and disparity ratios of the unfavourable share and of the overturn
rate against the reference group. Reference group: the recorded value with the most decisions (ties: first
in value order). A ratio is group rate / reference rate with the Katz log interval (95 %); when a count is 0,
0.5 is added to every cell of the 2x2 table for the interval (the point ratio is never corrected; it is None
when the reference rate is 0). A group whose denominator is under ``MIN_GROUP_N`` (30) is flagged
``small`` and gets no ratio: too few cases to read a difference into.

Inconsistent rollups: a rate's numerator is part of its denominator by construction (both come from cells of
the same key written in one snapshot; e.g. the appealed decisions of a cohort are decisions of that cohort).
Should a numerator ever exceed its denominator all the same (a fault in the rollups, or cells edited by
hand), the rate is not clamped to 100 %, which would hide the fault behind a plausible number: a warning is
logged (logger ``oversight.selectors``, naming the table and row) and the rate, its interval and any
ratio built on it are shown as not available, with both counts as they are. ``rollup_rebuild`` repairs the
cells. Every rate shown is therefore successes/total of the counts shown, within [0, 1].

Who refreshes: the dashboard's reads (``dashboard_tables``, ``table`` and the alert selectors) refresh rollups
older than a minute first (``rollups.ensure_fresh``). The public open-data path (``open_data_counts``) never
does: anonymous visitors must not be able to make the server write, so open data reads the rollups as the
beat task (every 5 minutes) left them.
"""

from ._base import (
    BACKLOG_BUCKETS,
    GROUP_ATTRIBUTES,
    METRICS,
    MIN_GROUP_N,
    TABLE_IDS,
    CaseRow,
    DeadlineBreaches,
    FilterChoices,
    Filters,
    GroupDisparity,
    Metric,
    NotReproducible,
    OpenDataCell,
    Period,
    VersionRate,
    _period_caption,
    add_months,
    logger,
    month_start,
)
from .alerts import deadline_breaches, group_disparities, not_reproducible_counts, version_overturn_rates
from .dashboard import _COHORT_CAPTION, dashboard_tables, table, value_label
from .drilldown import case_pseudonym, drilldown_sample
from .open_data import filter_choices, open_data_counts

__all__ = [
    "BACKLOG_BUCKETS",
    "GROUP_ATTRIBUTES",
    "METRICS",
    "MIN_GROUP_N",
    "TABLE_IDS",
    "_COHORT_CAPTION",
    "CaseRow",
    "DeadlineBreaches",
    "FilterChoices",
    "Filters",
    "GroupDisparity",
    "Metric",
    "NotReproducible",
    "OpenDataCell",
    "Period",
    "VersionRate",
    "_period_caption",
    "add_months",
    "case_pseudonym",
    "dashboard_tables",
    "deadline_breaches",
    "drilldown_sample",
    "filter_choices",
    "group_disparities",
    "logger",
    "month_start",
    "not_reproducible_counts",
    "open_data_counts",
    "table",
    "value_label",
    "version_overturn_rates",
]
