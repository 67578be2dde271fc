"""A drill-down samples the cases its row counts: time to outcome and reviewer signals follow the date the
appeal (or the assessment) was decided, the backlog takes the appeals open now whatever the period, cohort
tables the decisions made in the period. Checked against the full set of cases, worked out in Python."""

from __future__ import annotations

import datetime as dt

import pytest

from appeals.states import OPEN
from oversight import rollups, selectors
from oversight.rollups import reviewer_pseudonym
from oversight.selectors import Filters, Period, case_pseudonym

from .conftest import Oracle, add_appeals, add_decisions, local_month

PERIOD = (dt.date(2025, 4, 1), dt.date(2025, 6, 1))
FILTERS = Filters(period=Period(*PERIOD))
LIMIT = 100


@pytest.fixture
def oracle(world) -> Oracle:
    decisions = add_decisions(world, 500)
    add_appeals(world, decisions, share=0.5)
    rollups.rollup_refresh()
    return Oracle(period=PERIOD)


def in_period(moment: dt.datetime | None) -> bool:
    return moment is not None and PERIOD[0] <= local_month(moment) <= PERIOD[1]


def check(table_id: str, key: str, expected_decisions: set[int], oracle: Oracle) -> None:
    """The sample is the row's whole set when it fits, a part of it otherwise; never a case from elsewhere."""
    sample = selectors.drilldown_sample(FILTERS, table_id, key, n=LIMIT)
    assert sample is not None, (table_id, key)
    got = {c.case for c in sample}
    expected = {case_pseudonym(pk) for pk in expected_decisions}
    if len(expected) <= LIMIT:
        assert got == expected, (table_id, key)
    else:
        assert got <= expected and len(got) == LIMIT, (table_id, key)


def test_time_to_outcome_samples_the_appeals_decided_in_the_period(oracle):
    table = selectors.table(FILTERS, "outcome_times")
    outside = 0
    for row in table.rows:
        decided = [
            a for a in oracle.appeals
            if oracle.is_decided(a) and in_period(a.decided_at)
            and oracle.by_id[a.decision_id].model_version_id == int(row["key"])
        ]  # fmt: skip
        assert len(decided) == row["decided"]  # the set the row counts
        outside += sum(not in_period(oracle.by_id[a.decision_id].decided_at) for a in decided)
        check("outcome_times", row["key"], {a.decision_id for a in decided}, oracle)
    assert (
        outside > 0
    )  # decisions made before the period are in the sample: the decision date is not the filter


def test_the_backlog_samples_appeals_open_now_whatever_the_period(oracle):
    table = selectors.table(FILTERS, "backlog")
    assert table.rows
    outside = 0
    for row in table.rows:
        open_now = [
            a for a in oracle.appeals
            if a.state in OPEN and not oracle.is_decided(a)
            and oracle.by_id[a.decision_id].model_version_id == int(row["key"])
        ]  # fmt: skip
        assert len(open_now) == row["open"]
        outside += sum(not in_period(oracle.by_id[a.decision_id].decided_at) for a in open_now)
        check("backlog", row["key"], {a.decision_id for a in open_now}, oracle)
    assert outside > 0


def decided_assessments(oracle: Oracle):
    for a in oracle.appeals:
        for s in oracle.assessments[a.pk]:
            if s.final_outcome and in_period(s.decided_at):
                yield a, s


def test_reviewer_rows_sample_the_appeals_they_decided_in_the_period(oracle):
    table = selectors.table(FILTERS, "reviewers")
    assert table.rows
    outside = 0
    for key in {row["key"] for row in table.rows}:
        theirs = [(a, s) for a, s in decided_assessments(oracle) if reviewer_pseudonym(s.reviewer_id) == key]
        assert len(theirs) == sum(r["decided"] for r in table.rows if r["key"] == key)
        outside += sum(not in_period(oracle.by_id[a.decision_id].decided_at) for a, _s in theirs)
        check("reviewers", key, {a.decision_id for a, _s in theirs}, oracle)
    assert outside > 0


def test_review_body_rows_sample_the_appeals_decided_there_in_the_period(oracle):
    table = selectors.table(FILTERS, "review_bodies")
    assert table.rows
    for row in table.rows:
        body = int(row["key"]) if row["key"] else None
        theirs = [(a, s) for a, s in decided_assessments(oracle) if a.review_body_id == body]
        assert len(theirs) == row["decided"]
        check("review_bodies", row["key"], {a.decision_id for a, _s in theirs}, oracle)


def test_cohort_tables_still_sample_decisions_made_in_the_period(oracle):
    for row in selectors.table(FILTERS, "versions").rows:
        made = {d.pk for d in oracle.cohort() if d.model_version_id == int(row["key"])}
        assert len(made) == row["decisions"]
        check("versions", row["key"], made, oracle)
    for row in selectors.table(FILTERS, "grounds").rows:
        code, kind = row["key"].rsplit(":", 1)
        with_ground = {
            a.decision_id for a in oracle.cohort_appeals()
            if oracle.by_id[a.decision_id].system.code == code and any(g.kind == kind for g in oracle.grounds[a.pk])
        }  # fmt: skip
        check("grounds", row["key"], with_ground, oracle)
