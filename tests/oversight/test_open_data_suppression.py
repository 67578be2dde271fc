"""The suppression rule of open data, on its own: primary (under 10), complementary (a hidden number cannot be
worked out from a published total), and the proof that no hidden number is determined by what is published."""

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.opendata import SUBSETS, THRESHOLD, Difference, Group, suppress


def test_nine_is_hidden_and_ten_is_shown() -> None:
    hidden = suppress({"nine": 9, "ten": 10, "one": 1, "zero": 0, "big": 1234}, [])

    assert hidden == {"nine", "one"}  # a zero is about no one: shown


def test_a_single_small_part_of_a_shown_total_gets_a_complement() -> None:
    values = {"total": 30, "a": 5, "b": 12, "c": 13}

    hidden = suppress(values, [Group("total", ("a", "b", "c"))])

    # 30 - 12 - 13 would give a = 5 back; with b hidden too, only a + b = 17 can be worked out.
    assert hidden == {"a", "b"}


def test_complements_are_added_until_the_hidden_parts_add_up_to_the_threshold() -> None:
    values = {"total": 38, "a": 1, "b": 2, "c": 15, "d": 20}

    hidden = suppress(values, [Group("total", ("a", "b", "c", "d"))])

    # a + b = 3 would tell that both are tiny; the smallest shown part joins them.
    assert hidden == {"a", "b", "c"}


def test_a_total_under_the_threshold_hides_every_part() -> None:
    values = {"total": 9, "a": 4, "b": 5}

    assert suppress(values, [Group("total", ("a", "b"))]) == {"total", "a", "b"}


def test_a_hidden_total_whose_parts_were_all_shown_loses_its_smallest_part() -> None:
    # version = m1 + m2 + m3; m1 is small, so m2 is hidden as its complement; m2's cells were all shown and
    # would add up to m2, so its smallest cell is hidden too.
    values = {
        "v": 59,
        "m1": 5,
        "m2": 24,
        "m3": 30,
        "c11": 2,
        "c12": 3,
        "c21": 11,
        "c22": 13,
        "c31": 15,
        "c32": 15,
    }
    groups = [
        Group("m1", ("c11", "c12")),
        Group("m2", ("c21", "c22")),
        Group("m3", ("c31", "c32")),
        Group("v", ("m1", "m2", "m3")),
    ]

    hidden = suppress(values, groups)

    assert hidden == {"m1", "c11", "c12", "m2", "c21"}
    assert_nothing_hidden_is_determined(values, groups, hidden)


def test_ties_are_broken_by_order_so_the_result_is_stable() -> None:
    values = {"t": 45, "a": 5, "b": 20, "c": 20}

    assert suppress(values, [Group("t", ("a", "b", "c"))]) == {"a", "b"}
    assert suppress(values, [Group("t", ("a", "c", "b"))]) == {"a", "c"}


# ----------------------------------------------------------------------------------------------------------
# The guarantee, checked by linear algebra: published totals give linear equations over the hidden values;
# a hidden value can be worked out exactly when its unit vector lies in the row space of those equations.


def _reduce(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    row = row[:]
    for col, pivot_row in basis:
        if row[col] != 0:
            factor = row[col] / pivot_row[col]
            row = [a - factor * b for a, b in zip(row, pivot_row, strict=True)]
    return row


def determined(
    values: dict[Any, int],
    groups: list[Group],
    hidden: set[Any],
    subsets: list[tuple[Any, Any]] | None = None,
) -> set[Any]:
    """The hidden keys, and the hidden differences (whole, part) of `subsets`, whose value follows from the
    shown values, the groups' sums, and the one bound that pins a value: a part of a whole shown as 0 is 0."""
    unknowns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    width = len(unknowns)
    rows: list[list[Fraction]] = []
    for group in groups:
        row = [Fraction(0)] * width
        for key, sign in [(group.parent, 1), *((c, -1) for c in group.children)]:
            if key in index:
                row[index[key]] += sign
        if any(row):
            rows.append(row)
    for whole, part in subsets or []:
        if part in index and whole not in index and values[whole] == 0:
            row = [Fraction(0)] * width
            row[index[part]] = Fraction(1)
            rows.append(row)
    basis: list[tuple[int, list[Fraction]]] = []  # echelon form: (pivot column, row)
    for row in rows:
        reduced = _reduce(basis, row)
        pivot = next((i for i, a in enumerate(reduced) if a != 0), None)
        if pivot is not None:
            basis.append((pivot, reduced))
    targets: list[tuple[Any, list[Fraction]]] = []
    for key in unknowns:
        unit = [Fraction(0)] * width
        unit[index[key]] = Fraction(1)
        targets.append((key, unit))
    for whole, part in subsets or []:
        if whole in index and part in index:  # one hidden: the same as that one
            vector = [Fraction(0)] * width
            vector[index[whole]], vector[index[part]] = Fraction(1), Fraction(-1)
            targets.append(((whole, part), vector))
    return {key for key, vector in targets if not any(_reduce(basis, vector))}


def assert_nothing_hidden_is_determined(
    values: dict[Any, int], groups: list[Group], hidden: set[Any]
) -> None:
    assert determined(values, groups, hidden) == set()


def test_the_checker_catches_a_recoverable_cell() -> None:
    values = {"t": 30, "a": 5, "b": 12, "c": 13}
    groups = [Group("t", ("a", "b", "c"))]

    # Only primary suppression: a is 30 - 12 - 13.
    assert determined(values, groups, {"a"}) == {"a"}


@st.composite
def cubes(draw: Any) -> tuple[dict[Any, int], list[Group]]:
    """A version total over months over regions, with counts drawn small enough to need suppression."""
    months = draw(st.integers(1, 4))
    regions = draw(st.integers(1, 4))
    values: dict[Any, int] = {}
    groups: list[Group] = []
    month_keys = []
    for m in range(months):
        cells = tuple(("c", m, r) for r in range(regions))
        for cell in cells:
            values[cell] = draw(st.integers(0, 40))
        values[("m", m)] = sum(values[c] for c in cells)
        groups.append(Group(("m", m), cells))
        month_keys.append(("m", m))
    values[("v",)] = sum(values[m] for m in month_keys)
    groups.append(Group(("v",), tuple(month_keys)))
    return values, groups


@settings(max_examples=300, deadline=None)
@given(cubes())
def test_no_hidden_number_can_be_worked_out_and_every_small_number_is_hidden(
    cube: tuple[dict[Any, int], list[Group]],
) -> None:
    values, groups = cube

    hidden = suppress(values, groups)

    assert {k for k, v in values.items() if 0 < v < THRESHOLD} <= hidden
    assert_nothing_hidden_is_determined(values, groups, hidden)
    for group in groups:
        parts = [c for c in group.children if c in hidden]
        if group.parent not in hidden and parts:
            assert len(parts) >= 2
            assert sum(values[c] for c in parts) >= THRESHOLD
        if group.parent in hidden:
            assert parts, "a hidden total must not be the sum of shown parts"


@pytest.mark.parametrize("n", [1, 9])
def test_a_lone_small_cell_under_a_total_of_the_same_value_is_hidden_with_it(n: int) -> None:
    assert suppress({"t": n, "a": n}, [Group("t", ("a",))]) == {"t", "a"}


def test_zeros_are_shown_and_are_the_last_choice_as_a_complement() -> None:
    values = {"t": 57, "a": 5, "z1": 0, "z2": 0, "b": 12, "c": 40}

    hidden = suppress(values, [Group("t", ("a", "z1", "z2", "b", "c"))])

    # Hiding a zero would add nothing to the hidden sum: the complement is the smallest non-zero part.
    assert hidden == {"a", "b"}


# ----------------------------------------------------------------------------------------------------------
# Differences: a count that is part of another on the same row publishes their difference when both are shown.


def test_decided_12_and_overturned_10_do_not_tell_that_2_were_not_overturned() -> None:
    values = {"decided": 12, "overturned": 10}

    hidden = suppress(values, [], subsets=[("decided", "overturned")])

    assert hidden == {"overturned"}  # the smaller count; 12 alone says nothing about the 2


def test_the_checker_catches_a_recoverable_difference() -> None:
    values = {"d": 30, "o": 20, "d1": 12, "o1": 10, "d2": 18, "o2": 10}
    groups = [Group("d", ("d1", "d2")), Group("o", ("o1", "o2"))]
    subsets = [("d", "o"), ("d1", "o1"), ("d2", "o2")]

    # Hiding o1 alone would leave o1 = 20 - 10 and so d1 - o1 = 2.
    assert determined(values, groups, {"o1"}, subsets) == {"o1"}
    # With o2 hidden too, o1 + o2 = 20 is known but neither o1 nor o1's difference is.
    assert determined(values, groups, {"o1", "o2"}, subsets) == set()


def test_a_small_difference_in_a_cell_gets_complements_for_the_count_and_for_the_difference() -> None:
    # Month: decided 52, overturned 35. Cell a: 12 and 10 (2 not overturned), cell b: 10 and 10 (0),
    # cell c: 30 and 15 (15).
    values = {"d": 52, "o": 35, "da": 12, "oa": 10, "db": 10, "ob": 10, "dc": 30, "oc": 15}
    groups = [Group("d", ("da", "db", "dc")), Group("o", ("oa", "ob", "oc"))]
    subsets = [("d", "o"), ("da", "oa"), ("db", "ob"), ("dc", "oc")]

    hidden = suppress(values, groups, subsets=subsets)

    # oa for the difference 2; ob as oa's complement (overturned 20 hidden in two cells); the hidden
    # differences of a and b would add up to 2 (52 - 35 - 15), so oc is hidden too: 17 in three cells.
    assert hidden == {"oa", "ob", "oc"}
    assert determined(values, groups, hidden, subsets) == set()


def test_a_zero_complement_whose_whole_is_a_shown_zero_takes_its_whole_with_it() -> None:
    # t = q + p = 12 + 0; q is hidden for its difference with wq (15 - 12 = 3), so p, a zero, is its only
    # possible complement; but p is part of w, shown as 0, so p would be known to be 0 and q to be 12.
    values = {"t": 12, "q": 12, "p": 0, "wq": 15, "w": 0}
    groups = [Group("t", ("q", "p"))]
    subsets = [("wq", "q"), ("w", "p")]

    hidden = suppress(values, groups, subsets=subsets)

    assert hidden == {"q", "p", "w"}
    assert determined(values, groups, {"q", "p"}, subsets) == {"q", "p"}  # what w's hiding prevents
    assert determined(values, groups, hidden, subsets) == set()


def test_a_part_larger_than_its_whole_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        suppress({"decided": 5, "overturned": 6}, [], subsets=[("decided", "overturned")])


@st.composite
def rows_of_measures(draw: Any) -> tuple[dict[Any, int], list[Group], list[tuple[Any, Any]]]:
    """The published shape: a version total over months over regions, each with the six measures of open data,
    drawn so that every subset relation holds (silent of decisions, overturned and kept of decided of
    appeals) and small enough to need suppression."""
    months = draw(st.integers(1, 3))
    regions = draw(st.integers(1, 3))
    values: dict[Any, int] = {}
    node_groups: list[tuple[Any, tuple[Any, ...]]] = []
    month_nodes = []
    for m in range(months):
        cells = tuple(("c", m, r) for r in range(regions))
        for cell in cells:
            decisions = draw(st.integers(0, 40))
            appeals = draw(st.integers(0, 30))
            decided = draw(st.integers(0, appeals))
            row = {
                "decisions": decisions,
                "silent": draw(st.integers(0, decisions)),
                "appeals": appeals,
                "decided": decided,
                "overturned": draw(st.integers(0, decided)),
                "deadlines_kept": draw(st.integers(0, decided)),
            }
            values.update({(cell, k): v for k, v in row.items()})
        node_groups.append((("m", m), cells))
        month_nodes.append(("m", m))
    node_groups.append((("v",), tuple(month_nodes)))
    measures = ("decisions", "silent", "appeals", "decided", "overturned", "deadlines_kept")
    for parent, children in node_groups:  # months first, then the version over them
        for k in measures:
            values[(parent, k)] = sum(values[(c, k)] for c in children)
    groups = [Group((p, k), tuple((c, k) for c in children)) for p, children in node_groups for k in measures]
    nodes = {key[0] for key in values}
    subsets = [((n, whole), (n, part)) for n in sorted(nodes, key=repr) for whole, part in SUBSETS]
    return values, groups, subsets


@settings(max_examples=200, deadline=None)
@given(rows_of_measures())
def test_no_hidden_number_or_difference_can_be_worked_out_and_no_small_difference_is_shown(
    case: tuple[dict[Any, int], list[Group], list[tuple[Any, Any]]],
) -> None:
    values, groups, subsets = case

    hidden = suppress(values, groups, subsets=subsets)

    def is_hidden(key: Any) -> bool:
        return key.whole in hidden or key.part in hidden if isinstance(key, Difference) else key in hidden

    def value(key: Any) -> int:
        return values[key.whole] - values[key.part] if isinstance(key, Difference) else values[key]

    assert {k for k, v in values.items() if 0 < v < THRESHOLD} <= hidden
    for whole, part in subsets:
        if whole not in hidden and part not in hidden:
            assert not 0 < values[whole] - values[part] < THRESHOLD, (whole, part)
        if part in hidden and whole not in hidden:
            assert values[whole] != 0, "a part of a shown zero is known to be zero"
    assert determined(values, groups, hidden, subsets) == set()
    # The complementary rules, for counts and for differences (the difference of two totals is the sum of
    # the differences of their parts).
    pairs = {(w, p) for w, p in subsets}
    by_parent = {g.parent: g for g in groups}
    derived = [
        Group(
            Difference(w, p),
            tuple(
                Difference(a, b) for a, b in zip(by_parent[w].children, by_parent[p].children, strict=True)
            ),
        )
        for w, p in subsets
        if w in by_parent and p in by_parent
    ]
    assert all((c.whole, c.part) in pairs for g in derived for c in g.children)
    for group in [*groups, *derived]:
        parts = [c for c in group.children if is_hidden(c)]
        if not is_hidden(group.parent) and parts:
            assert len(parts) >= 2, group
            assert sum(value(c) for c in parts) >= THRESHOLD, group
        if is_hidden(group.parent):
            assert parts, "a hidden total must not be the sum of shown parts"
