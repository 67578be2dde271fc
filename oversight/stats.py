"""Small, exact statistics for the dashboard: Wilson intervals, disparity ratios with intervals, percentiles of
histograms. Pure functions; no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

from .tables import Interval

# Two-sided 95 %: the 0.975 quantile of the standard normal distribution.
Z95 = 1.959963984540054


def wilson(successes: int, total: int, z: float = Z95) -> Interval:
    """The proportion successes/total with its Wilson score interval (Wilson 1927).

    centre = (p + z²/2n) / (1 + z²/n),  half-width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal approximation it stays inside [0, 1] and is sensible for p = 0 or 1 and small n.
    All None when total is 0 (nothing to divide by).
    """
    if total < 0 or successes < 0 or successes > total:
        raise ValueError(f"need 0 <= successes <= total, got {successes}/{total}")
    if total == 0:
        return Interval(successes, total, None, None, None)
    n = float(total)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return Interval(successes, total, p, low, high)


def rate_ratio(
    successes: int, total: int, ref_successes: int, ref_total: int, z: float = Z95
) -> Interval | None:
    """The ratio of two proportions (a/n1) / (c/n2) with the Katz log interval.

    ln(RR) ± z·√(1/a − 1/n1 + 1/c − 1/n2). When a or c is 0 the interval adds 0.5 to every cell of the 2×2
    table (a, n1−a, c, n2−c), so n grows by 1; the point ratio is never corrected. Returns None when either
    total is 0 or the reference rate is 0 (the ratio is not defined). The Interval's successes/total are the
    group's own counts; ``rate`` is the ratio.
    """
    if total <= 0 or ref_total <= 0 or ref_successes == 0:
        return None
    ratio = (successes / total) / (ref_successes / ref_total)
    a, n1, c, n2 = float(successes), float(total), float(ref_successes), float(ref_total)
    if successes == 0 or ref_successes == 0:
        a, c, n1, n2 = a + 0.5, c + 0.5, n1 + 1.0, n2 + 1.0
    se = math.sqrt(max(0.0, 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2))
    centre = math.log(a / n1) - math.log(c / n2)
    return Interval(successes, total, ratio, math.exp(centre - z * se), math.exp(centre + z * se))


def percentile_of_histogram(histogram: Mapping[int, int] | Iterable[tuple[int, int]], p: float) -> int | None:
    """The p-th percentile (0 < p <= 1) of values given as {value: count}, by the nearest-rank method: the
    smallest value v with at least ⌈p·n⌉ of the n cases at or below v. None when there are no cases.

    The same as ``sorted(values)[ceil(p*n) - 1]`` on the expanded list, so a rollup of counts per value gives
    exactly what the raw values would.
    """
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    items = sorted((histogram.items() if isinstance(histogram, Mapping) else histogram), key=lambda kv: kv[0])
    merged: list[tuple[int, int]] = []
    for value, count in items:
        if count <= 0:
            continue
        if merged and merged[-1][0] == value:
            merged[-1] = (value, merged[-1][1] + count)
        else:
            merged.append((value, count))
    n = sum(c for _, c in merged)
    if n == 0:
        return None
    share = Fraction(str(p))  # 0.9 is read as 9/10, not as the nearest double
    rank = max(1, math.ceil(share * n))
    seen = 0
    for value, count in merged:
        seen += count
        if seen >= rank:
            return value
    return merged[-1][0]  # pragma: no cover - unreachable: seen reaches n >= rank
