"""Wilson intervals, rate ratios and histogram percentiles against reference formulas and published values."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.stats import Z95, percentile_of_histogram, rate_ratio, wilson

from .conftest import wilson_reference


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
        # Agresti & Coull (1998): 0 of 10 and 10 of 10
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson(k, n)
    assert got.rate == k / n
    assert got.low == pytest.approx(low, abs=5e-5)
    assert got.high == pytest.approx(high, abs=5e-5)


def test_no_denominator_no_rate() -> None:
    assert wilson(0, 0).rate is None and wilson(0, 0).low is None and wilson(0, 0).high is None
    with pytest.raises(ValueError):
        wilson(3, 2)


@given(st.integers(min_value=1, max_value=10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_the_textbook_formula(kn: tuple[int, int]) -> None:
    k, n = kn
    got = wilson(k, n)
    rate, low, high = wilson_reference(k, n)
    assert got.rate == rate
    assert got.low == pytest.approx(low, abs=1e-12)
    assert got.high == pytest.approx(high, abs=1e-12)
    assert 0.0 <= got.low <= got.rate <= got.high <= 1.0


def test_z_is_the_975_quantile() -> None:
    # Φ(z) = 0.975: erfc(z/√2)/2 = 0.025
    assert math.erfc(Z95 / math.sqrt(2)) / 2 == pytest.approx(0.025, abs=1e-15)


def test_rate_ratio_katz() -> None:
    # 20/100 against 10/100: RR 2, SE = √(1/20 − 1/100 + 1/10 − 1/100) = √0.13
    got = rate_ratio(20, 100, 10, 100)
    assert got is not None and got.rate == pytest.approx(2.0)
    se = math.sqrt(0.13)
    assert got.low == pytest.approx(2 * math.exp(-Z95 * se))
    assert got.high == pytest.approx(2 * math.exp(Z95 * se))
    # a zero count: 0.5 added to every cell for the interval; the ratio itself is 0
    zero = rate_ratio(0, 50, 10, 100)
    assert zero is not None and zero.rate == 0.0
    se0 = math.sqrt(1 / 0.5 - 1 / 51 + 1 / 10.5 - 1 / 101)
    centre = math.log(0.5 / 51) - math.log(10.5 / 101)
    assert zero.low == pytest.approx(math.exp(centre - Z95 * se0))
    assert zero.high == pytest.approx(math.exp(centre + Z95 * se0))
    assert rate_ratio(5, 10, 0, 10) is None  # reference rate 0: not defined
    assert rate_ratio(5, 0, 1, 10) is None


@given(
    st.lists(st.integers(min_value=0, max_value=400), min_size=0, max_size=300),
    st.sampled_from([0.5, 0.9, 0.1, 1.0, 0.25]),
)
def test_histogram_percentile_equals_nearest_rank_on_the_raw_values(values: list[int], p: float) -> None:
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    expected = sorted(values)[math.ceil(Fraction(str(p)) * len(values)) - 1] if values else None
    assert percentile_of_histogram(histogram, p) == expected
    assert percentile_of_histogram(list(histogram.items()), p) == expected


def test_percentile_known_values() -> None:
    assert percentile_of_histogram({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2
    assert percentile_of_histogram(dict.fromkeys(range(1, 11), 1), 0.9) == 9
    assert percentile_of_histogram(dict.fromkeys(range(1, 31), 1), 0.9) == 27  # 0.9·30 is 27, not 27.000…04
    assert percentile_of_histogram({}, 0.5) is None
    assert percentile_of_histogram({5: 0}, 0.5) is None
