"""A numerator above its denominator in the rollups (a fault: a rate's numerator is part of its denominator by
construction) is not clamped to 100 %: it is logged, and the rate shows as not available, with the counts as
they are."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db.models import F

from oversight import rollups, selectors
from oversight.models import AppealCell
from oversight.selectors import Filters, Period

from .conftest import add_appeals, add_decisions

YEAR = Filters(period=Period(dt.date(2025, 1, 1), dt.date(2025, 12, 1)))


@pytest.fixture
def skewed(world):
    decisions = add_decisions(world, 300)
    add_appeals(world, decisions, share=0.5)
    rollups.rollup_refresh()
    version = world.versions["A1"].pk
    # Inflate the appealed decisions of one version (totals) and of the women of that version (group cells).
    AppealCell.objects.filter(model_version_id=version, attribute="").update(
        appealed_decisions=F("appealed_decisions") + 10_000
    )
    AppealCell.objects.filter(model_version_id=version, attribute="sex", value="F").update(
        appealed_decisions=F("appealed_decisions") + 10_000
    )
    return world


def row(table, key):
    return next(r for r in table.rows if r["key"] == key)


def test_an_appeal_rate_over_its_denominator_is_logged_and_not_shown(skewed, caplog):
    version = skewed.versions["A1"].pk
    with caplog.at_level(logging.WARNING, logger="oversight.selectors"):
        versions = selectors.table(YEAR, "versions")
        systems = selectors.table(YEAR, "systems")
    shown = row(versions, str(version))["appeal_rate"]
    assert shown.successes > shown.total > 0  # the counts as they are, not clamped
    assert (shown.rate, shown.low, shown.high) == (None, None, None)
    assert row(systems, skewed.systems["A"].code)["appeal_rate"].rate is None
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"versions row {version}" in m for m in messages), messages
    assert any(f"systems row {skewed.systems['A'].code}" in m for m in messages), messages
    # the other versions are untouched
    other = row(versions, str(skewed.versions["B1"].pk))["appeal_rate"]
    assert other.rate is not None and other.successes <= other.total


def test_an_inconsistent_group_gets_no_rate_and_no_ratio(skewed, caplog):
    with caplog.at_level(logging.WARNING, logger="oversight.selectors"):
        groups = {g.value: g for g in selectors.group_disparities(YEAR, "sex", metric="appeal_rate")}
        table = selectors.table(YEAR, "group_sex")
    assert groups["F"].rate.rate is None and groups["F"].ratio is None
    assert groups["F"].rate.successes > groups["F"].rate.total
    assert row(table, "F")["appeal_rate"].rate is None
    for g in groups.values():  # every rate shown lies in [0, 1]
        assert g.rate.rate is None or 0 <= g.rate.rate <= 1
    if groups["F"].is_reference:  # compared with an inconsistent reference: no ratio either
        assert all(g.ratio is None for g in groups.values())
    assert any("sex 'F': appeal_rate" in r.getMessage() for r in caplog.records)
