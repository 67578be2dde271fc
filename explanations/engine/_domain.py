"""Exact arithmetic and feature domains: where a feature may move, at what cost (the counterfactual cost model).

Cost model (documented in ``explanations.engine`` and relied on by the tests):

* number / integer: ``cost · |new − old| / (max − min)``; a feature with ``max == min`` cannot move;
* boolean / category: ``cost`` per change;
* date features and features with ``mutable: false`` never move.

Allowed values of a moved number/integer: inside ``[min, max]``, in the allowed ``direction`` and on the grid.
The grid is the multiples of ``step`` (read as its shortest decimal, so ``0.1`` means one tenth; integer
features additionally need integer values, i.e. multiples of the numerator of ``step``, default 1); a number
feature without ``step`` is continuous. The recorded value itself is always allowed ("unchanged") even when it
is off the grid. For categories ``direction`` follows the order of ``categories`` (``increase`` = a later
category); for booleans ``increase`` means false → true.

All arithmetic is on :class:`fractions.Fraction` built from the exact binary value of each float, so costs and
comparisons never round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

NUMERIC_TYPES = frozenset({"number", "integer"})
DISCRETE_TYPES = frozenset({"boolean", "category"})

#: A per-feature element of the tie-break key: ``(0,)`` = unchanged, ``(1, rank)`` = changed (rank = size of
#: the change for numbers, index of the new value for categories). Keys compare lexicographically in the
#: display order of the features, so among equally cheap solutions the one that keeps earlier-listed features
#: unchanged wins, then the one with the smaller change.
KeyElem = tuple[int, ...] | tuple[int, Fraction]
UNCHANGED: tuple[int] = (0,)


def exact(x: Any) -> Fraction:
    """The exact rational value of a JSON number (``True``/``False`` → 1/0). Raises on NaN, ±inf or non-numbers."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite number: {x!r}")
        return Fraction(x)
    raise TypeError(f"not a number: {x!r}")


def decimal_exact(x: Any) -> Fraction:
    """A spec granularity read as its shortest decimal (``0.1`` → 1/10), so that grids are round figures."""
    if isinstance(x, float) and not isinstance(x, bool):
        return Fraction(repr(x))
    return exact(x)


def next_above(q: Fraction) -> Fraction:
    """The smallest float strictly greater than ``q`` (exact)."""
    f = float(q)
    if Fraction(f) <= q:
        f = math.nextafter(f, math.inf)
    return Fraction(f)


def next_below(q: Fraction) -> Fraction:
    """The largest float strictly smaller than ``q`` (exact)."""
    f = float(q)
    if Fraction(f) >= q:
        f = math.nextafter(f, -math.inf)
    return Fraction(f)


def to_float(q: Fraction | float | int) -> float:
    """Nearest float, with ``-0.0`` normalised to ``0.0`` so that serialisation is stable."""
    f = float(q)
    return 0.0 if f == 0 else f


def exact_str(q: Fraction) -> str:
    """Canonical text of an exact rational: ``"p"`` or ``"p/q"`` in lowest terms."""
    return str(q)


Bound = tuple[Fraction | None, bool]  # (value or None = unbounded, inclusive)


def _tighter_lower(a: Bound, b: Bound) -> Bound:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return (a[0], a[1] and b[1])


def _tighter_upper(a: Bound, b: Bound) -> Bound:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] < b[0] else b
    return (a[0], a[1] and b[1])


def inside(v: Fraction, lower: Bound, upper: Bound) -> bool:
    """Whether ``v`` lies in the interval given by two (value, inclusive) bounds."""
    lo, lo_incl = lower
    hi, hi_incl = upper
    if lo is not None and (v < lo or (v == lo and not lo_incl)):
        return False
    return not (hi is not None and (v > hi or (v == hi and not hi_incl)))


@dataclass(frozen=True)
class FeatureDomain:
    """One feature of a spec, with everything the engine needs to move it exactly."""

    name: str
    index: int
    type: str
    lo: Fraction | None
    hi: Fraction | None
    categories: tuple[Any, ...]
    mutable: bool
    direction: str
    grid: Fraction | None
    weight: Fraction

    @classmethod
    def from_spec(cls, index: int, f: Mapping[str, Any]) -> FeatureDomain:
        ftype = f["type"]
        lo = exact(f["min"]) if ftype in NUMERIC_TYPES else None
        hi = exact(f["max"]) if ftype in NUMERIC_TYPES else None
        grid: Fraction | None = None
        if ftype in NUMERIC_TYPES and f.get("step") is not None:
            grid = decimal_exact(f["step"])
        if ftype == "integer":
            # Integer values that are multiples of p/q are exactly the multiples of p.
            grid = Fraction(grid.numerator) if grid is not None else Fraction(1)
        if ftype == "boolean":
            categories: tuple[Any, ...] = (False, True)
        elif ftype == "category":
            categories = tuple(f["categories"])
        else:
            categories = ()
        return cls(
            name=f["name"],
            index=index,
            type=ftype,
            lo=lo,
            hi=hi,
            categories=categories,
            mutable=bool(f.get("mutable", False)) and ftype != "date",
            direction=f.get("direction", "any") or "any",
            grid=grid,
            weight=exact(f.get("cost", 1)),
        )

    # -- basic properties -------------------------------------------------------------------------------
    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @cached_property
    def span(self) -> Fraction:
        """``max − min`` of a number/integer feature (the unit of its cost); cached, the searches ask often."""
        assert self.lo is not None and self.hi is not None
        return self.hi - self.lo

    @cached_property
    def unit_cost(self) -> Fraction:
        """Cost of a change of 1 in a number/integer feature: ``cost / (max − min)``."""
        return self.weight / self.span

    def movable(self, frozen: frozenset[str] = frozenset()) -> bool:
        """Whether a counterfactual may change this feature at all."""
        if not self.mutable or self.name in frozen:
            return False
        if self.numeric:
            return self.span > 0
        return len(self.categories) > 1

    def typed(self, v: Fraction) -> int | float:
        """The JSON value of an exact number of this feature (int for integer features)."""
        if self.type == "integer":
            assert v.denominator == 1
            return int(v)
        return to_float(v)

    # -- cost model -------------------------------------------------------------------------------------
    def same(self, old: Any, new: Any) -> bool:
        if self.numeric:
            return exact(old) == exact(new)
        return type(old) is type(new) and old == new

    def change_cost(self, old: Any, new: Any) -> Fraction:
        """Exact cost of moving this feature from ``old`` to ``new`` (see the module docstring)."""
        if self.same(old, new):
            return Fraction(0)
        if self.numeric:
            return self.unit_cost * abs(exact(new) - exact(old))
        return self.weight

    def key_elem(self, old: Any, new: Any) -> KeyElem:
        """This feature's element of the deterministic tie-break key (see :data:`KeyElem`)."""
        if self.same(old, new):
            return UNCHANGED
        if self.numeric:
            return (1, abs(exact(new) - exact(old)))
        return (1, self.categories.index(new))

    def flip_allowed(self, old: Any, new: Any) -> bool:
        """Whether a boolean/category change respects ``direction`` (order of ``categories``)."""
        if self.direction == "any":
            return True
        delta = self.categories.index(new) - self.categories.index(old)
        return delta > 0 if self.direction == "increase" else delta < 0

    def flips(self, old: Any, frozen: frozenset[str] = frozenset()) -> list[Any]:
        """The values a boolean/category feature may take instead of ``old``, in ``categories`` order."""
        if not self.movable(frozen):
            return []
        return [c for c in self.categories if not self.same(old, c) and self.flip_allowed(old, c)]

    # -- numeric moves ----------------------------------------------------------------------------------
    def nearest(
        self,
        x: Fraction,
        lower: Bound = (None, True),
        upper: Bound = (None, True),
        frozen: frozenset[str] = frozenset(),
    ) -> Fraction | None:
        """The allowed value closest to ``x`` inside the interval, or None when there is none.

        Allowed = ``x`` itself, or a value within ``[min, max]``, in the allowed direction, on the grid and
        exactly representable as the JSON value the replay will see. Exact: the result is checked against every
        bound with rational arithmetic.
        """
        assert self.lo is not None and self.hi is not None
        if inside(x, lower, upper):
            return x
        if not self.movable(frozen):
            return None
        lo_b = _tighter_lower(lower, (self.lo, True))
        hi_b = _tighter_upper(upper, (self.hi, True))
        if self.direction == "increase":
            lo_b = _tighter_lower(lo_b, (x, True))
        elif self.direction == "decrease":
            hi_b = _tighter_upper(hi_b, (x, True))
        lo, lo_incl = lo_b
        hi, hi_incl = hi_b
        if lo is not None and (x < lo or (x == lo and not lo_incl)):
            up = True
            v = self._first_from_below(lo, lo_incl)
        elif hi is not None and (x > hi or (x == hi and not hi_incl)):
            up = False
            v = self._first_from_above(hi, hi_incl)
        else:  # x inside the clipped interval but not the requested one: impossible, kept for safety
            return None
        f = self.materialize(v)
        if not inside(f, lo_b, hi_b):
            # the nearest float of a decimal grid point fell just outside an exclusive bound: one float on
            f = next_above(f) if up else next_below(f)
        if not inside(f, lo_b, hi_b):
            return None
        return f

    @property
    def resolution(self) -> Fraction | None:
        """Granularity of moves of a number feature without ``step``: 10^(⌊log10(max − min)⌋ − 6).

        A counterfactual never proposes a change finer than a millionth of the range (such changes cannot be
        read in print nor checked in a registry); exclusive bounds are crossed by one resolution step, and
        continuous moves in linear models are rounded outward to it (cost excess ≤ 1e-6 · ``cost``).
        """
        if self.type != "number" or self.grid is not None or self.lo is None or self.hi is None:
            return None
        span = self.hi - self.lo
        if span <= 0:
            return None
        e = math.floor(math.log10(float(span))) - 6
        while Fraction(10) ** (e + 7) <= span:  # make 10^(e+6) <= span < 10^(e+7) hold exactly
            e += 1
        while Fraction(10) ** (e + 6) > span:
            e -= 1
        return Fraction(10) ** e

    def _first_from_below(self, lo: Fraction, inclusive: bool) -> Fraction:
        """Smallest grid value ≥ lo (> lo when not inclusive); a continuous feature may take lo itself."""
        g = self.grid
        if g is None:
            if inclusive:
                return lo
            g = self.resolution
            assert g is not None
        k = math.ceil(lo / g)
        v = k * g
        if v == lo and not inclusive:
            v += g
        return v

    def _first_from_above(self, hi: Fraction, inclusive: bool) -> Fraction:
        """Largest grid value ≤ hi (< hi when not inclusive); a continuous feature may take hi itself."""
        g = self.grid
        if g is None:
            if inclusive:
                return hi
            g = self.resolution
            assert g is not None
        k = math.floor(hi / g)
        v = k * g
        if v == hi and not inclusive:
            v -= g
        return v

    def round_out(self, v: Fraction, *, up: bool) -> Fraction:
        """A continuous move's end rounded outward to :attr:`resolution`, clamped to [min, max]."""
        res = self.resolution
        assert res is not None and self.lo is not None and self.hi is not None
        if up:
            return min(math.ceil(v / res) * res, self.hi)
        return max(math.floor(v / res) * res, self.lo)

    def materialize(self, v: Fraction) -> Fraction:
        """``v`` as the JSON value the replay will see: integers exact, numbers as the nearest float."""
        if self.type == "integer":
            return v
        return Fraction(float(v))

    def grid_levels(self, x: Fraction, up: bool, frozen: frozenset[str] = frozenset()) -> GridLevels | None:
        """The allowed values strictly beyond ``x`` in one direction, as an arithmetic progression.

        None when the feature cannot move that way. For a continuous feature the "levels" are the whole
        interval and ``count`` is 0 (the caller treats it as continuous).
        """
        assert self.lo is not None and self.hi is not None
        if not self.movable(frozen):
            return None
        if (up and self.direction == "decrease") or (not up and self.direction == "increase"):
            return None
        if (up and x >= self.hi) or (not up and x <= self.lo):
            return None
        if self.grid is None:
            return GridLevels(first=Fraction(0), step=Fraction(0), count=0, limit=self.hi if up else self.lo)
        g = self.grid
        if up:
            first = (math.floor(x / g) + 1) * g
            last = math.floor(self.hi / g) * g
            count = int((last - first) / g) + 1 if last >= first else 0
        else:
            first = (math.ceil(x / g) - 1) * g
            last = math.ceil(self.lo / g) * g
            count = int((first - last) / g) + 1 if first >= last else 0
        if count <= 0:
            return None
        return GridLevels(first=first, step=g if up else -g, count=count, limit=last)


@dataclass(frozen=True)
class GridLevels:
    """Grid values beyond the recorded value in one direction: ``first + k·step`` for ``k < count``."""

    first: Fraction
    step: Fraction
    count: int
    limit: Fraction

    def value(self, k: int) -> Fraction:
        return self.first + k * self.step


def parse_domains(spec: Mapping[str, Any]) -> tuple[FeatureDomain, ...]:
    """Feature domains in display order."""
    return tuple(FeatureDomain.from_spec(i, f) for i, f in enumerate(spec["features"]))


def full_key(
    domains: tuple[FeatureDomain, ...], values: Mapping[str, Any], changes: Mapping[str, Any]
) -> tuple:
    """The deterministic tie-break key of a whole solution (display order; see :data:`KeyElem`)."""
    return tuple(
        d.key_elem(values[d.name], changes[d.name]) if d.name in changes else UNCHANGED for d in domains
    )
