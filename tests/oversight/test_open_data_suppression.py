"""The suppression rule of open data, on its own: primary (under 10), complementary (a hidden number cannot be
worked out from a published total), and the proof that no hidden number is determined by what is published."""

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.oversight.opendata import THRESHOLD, Group, suppress


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


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    rank, columns = 0, len(matrix[0]) if matrix else 0
    for col in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[rank][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def determined(values: dict[Any, int], groups: list[Group], hidden: set[Any]) -> set[Any]:
    """The hidden keys whose value follows from the shown values and the groups' sums."""
    unknowns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for group in groups:
        row = [Fraction(0)] * len(unknowns)
        for key, sign in [(group.parent, 1), *((c, -1) for c in group.children)]:
            if key in index:
                row[index[key]] += sign
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    base = _rank(rows)
    found = set()
    for key in unknowns:
        unit = [Fraction(0)] * len(unknowns)
        unit[index[key]] = Fraction(1)
        if _rank([*rows, unit]) == base:
            found.add(key)
    return found


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
