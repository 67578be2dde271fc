"""Incremental refresh equals a full rebuild: after new decisions, changed appeals, ids that become visible
late (a batch still committing), and ids that never appear (a batch rolled back)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import Appeal
from appeals.states import Outcome, State
from explanations.models import Decision
from oversight import rollups, selectors
from oversight.models import (
    AppealCell,
    DecisionCell,
    DecisionGroupCell,
    GroundCell,
    OpenAppealCell,
    OutcomeCell,
    PendingGap,
    ReviewerCell,
    RollupState,
    SourceCell,
)

from .conftest import add_appeals, add_decisions, make_world

CELLS = (
    DecisionCell,
    DecisionGroupCell,
    AppealCell,
    OutcomeCell,
    OpenAppealCell,
    GroundCell,
    SourceCell,
    ReviewerCell,
)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every cell of every rollup, as comparable tuples (ids and order left out)."""
    out = {}
    for model in CELLS:
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        out[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return out


def clone(d: Decision, **changes: Any) -> Decision:
    fields = {f.attname: getattr(d, f.attname) for f in Decision._meta.concrete_fields if not f.primary_key}
    fields.update(changes)
    return Decision.objects.create(**fields)


def test_incremental_refresh_equals_full_rebuild(postgres: None) -> None:
    world = make_world(21)
    first = add_decisions(world, 600)
    add_appeals(world, first)
    report = rollups.rollup_refresh()
    assert report.decisions_folded == 600 and report.appeals_rebuilt

    more = add_decisions(world, 400, start=dt.datetime(2025, 11, 1, tzinfo=dt.UTC), days=60)
    add_appeals(world, more + first[:50])
    # an appeal decided since the last refresh (the appeal side changes, not only grows)
    open_appeal = Appeal.objects.filter(state=State.IN_REVIEW, decided_at__isnull=True).first()
    if open_appeal is not None:
        Appeal.objects.filter(pk=open_appeal.pk).update(
            state=State.DECIDED, outcome=Outcome.OVERTURNED, new_outcome="X", decided_at=timezone.now()
        )
    report = rollups.rollup_refresh()
    assert report.decisions_folded == 400
    incremental = snapshot()
    assert sum(DecisionCell.objects.values_list("n", flat=True)) == Decision.objects.count()

    rollups.rollup_rebuild()
    assert snapshot() == incremental


def test_nothing_new_folds_nothing_and_keeps_the_appeal_side(postgres: None) -> None:
    world = make_world(22)
    add_appeals(world, add_decisions(world, 100))
    rollups.rollup_refresh()
    before = snapshot()
    report = rollups.rollup_refresh()
    assert (report.decisions_folded, report.appeals_rebuilt) == (0, False)
    assert snapshot() == before


def test_late_ids_are_folded_once_and_lost_ids_given_up(postgres: None) -> None:
    world = make_world(23)
    base = add_decisions(world, 20)
    rollups.rollup_refresh()
    top = max(d.pk for d in base)
    # ids that other tests used and rolled back lie below ours: a gap of their own, given up in a day
    PendingGap.objects.all().delete()
    # A batch that got ids top+1..top+3 is still committing while top+4 is visible; top+6 is visible too.
    clone(base[0], id=top + 4, reference="LATE000000004", external_id="late-4")
    clone(base[1], id=top + 6, reference="LATE000000006", external_id="late-6")
    rollups.rollup_refresh()
    gaps = sorted(PendingGap.objects.values_list("low", "high"))
    assert gaps == [(top + 1, top + 3), (top + 5, top + 5)]
    assert RollupState.objects.get(name="decisions").watermark == top + 6

    # Now top+2 commits: it is folded from its gap, exactly once; the rest of the gap stays pending.
    clone(base[2], id=top + 2, reference="LATE000000002", external_id="late-2")
    report = rollups.rollup_refresh()
    assert (report.decisions_folded, report.gap_decisions_folded) == (0, 1)
    assert sorted(PendingGap.objects.values_list("low", "high")) == [
        (top + 1, top + 1),
        (top + 3, top + 3),
        (top + 5, top + 5),
    ]
    incremental = snapshot()
    rollups.rollup_rebuild()
    assert snapshot() == incremental
    assert sum(DecisionCell.objects.values_list("n", flat=True)) == Decision.objects.count() == 23

    # A day later the remaining ids never came (their batch rolled back): the gaps are dropped.
    rollups.rollup_refresh(now=timezone.now() + rollups.GAP_GIVE_UP + dt.timedelta(minutes=1))
    assert not PendingGap.objects.exists()


def test_ensure_fresh_refreshes_only_when_stale(postgres: None, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(24)
    add_decisions(world, 10)
    now = timezone.now()
    selectors_calls = []
    real = rollups.rollup_refresh

    def counting(**kw: Any) -> Any:
        selectors_calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(rollups, "rollup_refresh", counting)
    rollups.ensure_fresh(now=now)  # never refreshed: refresh
    rollups.ensure_fresh(now=now + dt.timedelta(seconds=rollups.STALE_SECONDS - 1))  # fresh: nothing
    assert len(selectors_calls) == 1 and selectors_calls[0]["wait"] is False
    add_decisions(world, 5)
    rollups.ensure_fresh(now=now + dt.timedelta(seconds=rollups.STALE_SECONDS + 1))  # stale: refresh
    assert len(selectors_calls) == 2
    assert sum(DecisionCell.objects.values_list("n", flat=True)) == 15


def test_the_dashboard_refreshes_stale_rollups_itself(postgres: None) -> None:
    world = make_world(25)
    add_decisions(world, 30)
    f = selectors.Filters(selectors.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 1)))
    tables = {t.id: t for t in selectors.dashboard_tables(f)}
    assert sum(r["decisions"] for r in tables["systems"].rows) == 30


def test_task_and_command(postgres: None, capsys: pytest.CaptureFixture[str]) -> None:
    from oversight.tasks import rollup_refresh

    world = make_world(26)
    add_decisions(world, 12)
    result = rollup_refresh.apply().get()
    assert result["decisions_folded"] == 12 and result["skipped"] is False
    add_decisions(world, 3)
    call_command("oversight_rollups")
    assert "decisions folded: 3" in capsys.readouterr().out
    call_command("oversight_rollups", "--rebuild")
    assert "decisions folded: 15" in capsys.readouterr().out
    assert sum(DecisionCell.objects.values_list("n", flat=True)) == 15


def test_a_concurrent_lazy_refresh_does_not_wait(postgres: None) -> None:
    """While another session holds the refresh lock, a page's lazy refresh returns at once (skipped)."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    other = psycopg.connect(
        host=params.get("host"), port=params.get("port"), user=params.get("user"), dbname=params["dbname"]
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [rollups._LOCK_KEY])
        assert rollups.rollup_refresh(wait=False).skipped is True
        other.execute("SELECT pg_advisory_unlock(%s)", [rollups._LOCK_KEY])
    finally:
        other.close()
    assert rollups.rollup_refresh(wait=False).skipped is False
