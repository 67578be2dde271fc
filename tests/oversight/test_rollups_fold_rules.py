"""A system's near-threshold band edited after its decisions were folded: the next refresh equals a full
rebuild (the rollups record the rule each version was folded with and rebuild when it changed), while a new
model version alone costs no rebuild."""

from __future__ import annotations

from django.db.models import Sum

from explanations.models import Decision
from oversight import rollups
from oversight.models import DecisionCell, RollupState
from tests import factories

from .conftest import add_decisions, make_world, register
from .test_rollups_incremental import snapshot


def near_by_hand(version_pk: int, band: float) -> int:
    """Decisions of the version near its only edge (30: factories.SCORECARD_SPEC), counted in Python."""
    return sum(
        1
        for score in Decision.objects.filter(model_version_id=version_pk).values_list("score", flat=True)
        if score is not None and abs(score - 30.0) <= band
    )


def near_in_cells(version_pk: int) -> int:
    return DecisionCell.objects.filter(model_version_id=version_pk).aggregate(n=Sum("near"))["n"] or 0


def test_editing_a_systems_band_makes_the_next_refresh_equal_a_full_rebuild(postgres: None) -> None:
    world = make_world(31)
    a1 = world.versions["A1"]
    add_decisions(world, 400)
    rollups.rollup_refresh()
    assert near_in_cells(a1.pk) == near_by_hand(a1.pk, 5.0)

    system = world.systems["A"]
    system.near_threshold_band = 12.0
    system.save(update_fields=["near_threshold_band"])
    add_decisions(world, 50)  # something new to fold as well
    report = rollups.rollup_refresh()
    incremental = snapshot()

    assert report.decisions_rebuilt
    assert near_in_cells(a1.pk) == near_by_hand(a1.pk, 12.0) > near_by_hand(a1.pk, 5.0)
    rollups.rollup_rebuild()
    assert incremental == snapshot()
    # and the next refresh with nothing changed is incremental again
    assert not rollups.rollup_refresh().decisions_rebuilt


def test_a_new_model_version_is_folded_without_a_rebuild(postgres: None) -> None:
    world = make_world(32)
    add_decisions(world, 100)
    rollups.rollup_refresh()
    world.versions["A3"] = register(
        world.systems["A"], "3", factories.SCORECARD_SPEC, "2025-09-01T00:00:00+05:00"
    )

    report = rollups.rollup_refresh()

    assert not report.decisions_rebuilt
    recorded = RollupState.objects.get(name=rollups.DECISIONS).fold_rules
    assert str(world.versions["A3"].pk) in recorded


def test_cells_folded_before_the_rules_were_recorded_are_rebuilt_once(postgres: None) -> None:
    world = make_world(33)
    add_decisions(world, 100)
    rollups.rollup_refresh()
    RollupState.objects.filter(name=rollups.DECISIONS).update(fold_rules=None)

    assert rollups.rollup_refresh().decisions_rebuilt
    assert not rollups.rollup_refresh().decisions_rebuilt
