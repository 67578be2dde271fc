"""What every kind shares: the case being explained, replay of candidate changes, the search for diverse
alternatives, and the conversion of exact candidates into result objects."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from explanations.spec import CompiledModel, ScoreResult

from ._domain import UNCHANGED, FeatureDomain, KeyElem, exact_str, to_float
from .result import (
    Change,
    Contributions,
    Counterfactual,
    ProbabilityView,
    Reason,
    RuleTrace,
    Thresholds,
    TreePath,
)


class EngineInconsistency(RuntimeError):
    """The engine's own reading of the spec disagrees with the replay by ``explanations.spec``.

    Raised instead of returning an explanation that could be wrong.
    """


@dataclass(frozen=True)
class Candidate:
    """A verified counterfactual: ``changes`` replayed with the compiled model gave ``outcome``."""

    cost: Fraction
    key: tuple[Any, ...]
    changes: tuple[tuple[str, Any], ...]  # (feature, new value) in display order
    outcome: str
    score: float | None

    @property
    def order(self) -> tuple[Fraction, tuple[Any, ...]]:
        return (self.cost, self.key)

    @property
    def features(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.changes)


@dataclass
class Case:
    """One decision being explained: spec, compiled model, logged inputs and the replayed result."""

    spec: Mapping[str, Any]
    model: CompiledModel
    values: Mapping[str, Any]
    domains: tuple[FeatureDomain, ...]
    result: ScoreResult
    targets: frozenset[str]
    replays: int = field(default=0)
    by_name: dict[str, FeatureDomain] = field(init=False)
    # verdicts of accept() by the changes tried: the searches of diverse_alternatives (one per frozen set)
    # often reach the same candidates, and a replay plus its exact cost is the dearest step of a leaf
    _changes: dict[tuple[str, str, Any], tuple[Fraction, KeyElem]] = field(init=False, default_factory=dict)
    _accepted: dict[tuple[tuple[str, str, Any], ...], Candidate | None] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.by_name = {d.name: d for d in self.domains}

    def replay(self, changes: Mapping[str, Any]) -> ScoreResult:
        """Score the logged inputs with ``changes`` applied, using the compiled model (never our arithmetic)."""
        values = dict(self.values)
        values.update(changes)
        self.replays += 1
        return self.model.score(values)

    def accept(self, changes: Mapping[str, Any]) -> Candidate | None:
        """A verified candidate when replaying ``changes`` gives a target outcome, else None."""
        if not changes:
            return None
        # the type is part of the key: True == 1 for a dict, but not for the replay
        memo_key = tuple((n, type(v).__name__, v) for n, v in sorted(changes.items()))
        if memo_key in self._accepted:
            return self._accepted[memo_key]
        res = self.replay(changes)
        found = None if res.outcome not in self.targets else self.candidate(changes, res)
        self._accepted[memo_key] = found
        return found

    def change(self, name: str, value: Any) -> tuple[Fraction, KeyElem]:
        """Exact cost and tie-break key element of setting ``name`` to ``value`` (memoised per case: the
        candidates of one explanation share most of their changes, and each costs several rational ops)."""
        memo_key = (name, type(value).__name__, value)
        found = self._changes.get(memo_key)
        if found is None:
            d = self.by_name[name]
            old = self.values[name]
            found = self._changes[memo_key] = (d.change_cost(old, value), d.key_elem(old, value))
        return found

    def candidate(self, changes: Mapping[str, Any], res: ScoreResult) -> Candidate:
        ordered = tuple((d.name, changes[d.name]) for d in self.domains if d.name in changes)
        parts = {n: self.change(n, v) for n, v in ordered}
        cost = sum((c for c, _ in parts.values()), Fraction(0))
        return Candidate(
            cost=cost,
            key=tuple(parts[d.name][1] if d.name in parts else UNCHANGED for d in self.domains),
            changes=ordered,
            outcome=res.outcome,
            score=None if res.score is None else float(res.score),
        )


Solver = Callable[[frozenset[str]], Candidate | None]


def minimal_hitting_sets(sets: Sequence[frozenset[str]], order: Mapping[str, int]) -> list[frozenset[str]]:
    """Every inclusion-minimal set that meets each of ``sets``, in a deterministic order."""
    ordered = [sorted(s, key=order.__getitem__) for s in sets]
    found = {frozenset(choice) for choice in itertools.product(*ordered)}
    minimal = [h for h in found if not any(o < h for o in found)]
    return sorted(minimal, key=lambda h: (len(h), sorted(order[n] for n in h)))


def diverse_alternatives(case: Case, solver: Solver, limit: int) -> list[Candidate]:
    """Up to ``limit`` alternatives, cheapest first, each optimal among the routes that leave unchanged at
    least one feature of every earlier alternative.

    Exact given an exact ``solver``: a route that is no superset of earlier ones keeps some feature of each
    unchanged, so it is feasible with those features frozen, and freezing only a minimal hitting set loses
    nothing.
    """
    order = {d.name: d.index for d in case.domains}
    cache: dict[frozenset[str], Candidate | None] = {}

    def solve(frozen: frozenset[str]) -> Candidate | None:
        if frozen not in cache:
            cache[frozen] = solver(frozen)
        return cache[frozen]

    first = solve(frozenset())
    if first is None:
        return []
    alternatives = [first]
    while len(alternatives) < limit:
        best: Candidate | None = None
        for frozen in minimal_hitting_sets([a.features for a in alternatives], order):
            cand = solve(frozen)
            if cand is not None and (best is None or cand.order < best.order):
                best = cand
        if best is None:
            break
        alternatives.append(best)
    return alternatives


def to_counterfactuals(case: Case, candidates: Iterable[Candidate]) -> tuple[Counterfactual, ...]:
    out = []
    for rank, cand in enumerate(candidates, start=1):
        changes = tuple(
            Change(
                feature=name,
                from_value=case.values[name],
                to_value=value,
                cost=to_float(c := case.change(name, value)[0]),  # memoised exact cost
                cost_exact=exact_str(c),
            )
            for name, value in cand.changes
        )
        out.append(
            Counterfactual(
                rank=rank,
                changes=changes,
                cost=to_float(cand.cost),
                cost_exact=exact_str(cand.cost),
                outcome=cand.outcome,
                score=cand.score,
            )
        )
    return tuple(out)


def additive_reasons(
    items: Sequence[tuple[str, Any, Fraction]], direction_to_other: int
) -> tuple[Reason, ...]:
    """Principal reasons of an additive model, ranked by adverse effect.

    ``direction_to_other`` is +1 when another outcome lies at higher scores, −1 when lower (0: none). A
    contribution of sign opposite to it pushed the score away from the other outcome, i.e. towards the outcome
    received; its size is the effect. Ties keep display order. Only factors with a positive effect are listed.
    """
    if direction_to_other == 0:
        return ()
    effects = [(name, value, -direction_to_other * c) for name, value, c in items]
    ranked = sorted(((i, e) for i, e in enumerate(effects) if e[2] > 0), key=lambda ie: (-ie[1][2], ie[0]))
    return tuple(
        Reason(
            rank=r,
            feature=name,
            value=value,
            basis="contribution",
            effect=to_float(eff),
            effect_exact=exact_str(eff),
        )
        for r, (_, (name, value, eff)) in enumerate(ranked, start=1)
    )


@dataclass
class KindParts:
    """What one kind's explainer contributes to the :class:`~.result.Explanation`."""

    contributions: Contributions | None = None
    probability: ProbabilityView | None = None
    path: TreePath | None = None
    rules: RuleTrace | None = None
    principal_reasons: tuple[Reason, ...] = ()
    thresholds: Thresholds | None = None
    alternatives: tuple[Candidate, ...] = ()
    method: str = ""
    exact: bool = True
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: False when the search ended (time budget) without finding a change and without proving there is none
    proven_no_recourse: bool = True


def favourable_map(spec: Mapping[str, Any]) -> dict[str, bool]:
    return {o["code"]: bool(o.get("favourable", False)) for o in spec.get("outcomes", [])}


DEFAULT_NEAR_FRACTION = Fraction(1, 20)


def resolve_near_band(
    argument: float | None, spec: Mapping[str, Any], score_range: Fraction
) -> tuple[Fraction, str]:
    """The near-threshold band in score units: the argument, else the spec's ``near_threshold_band``, else
    5 % of the range of scores the model can produce."""
    if argument is not None:
        return Fraction(argument), "argument"
    if spec.get("near_threshold_band") is not None:
        return Fraction(spec["near_threshold_band"]), "spec"
    return DEFAULT_NEAR_FRACTION * abs(score_range), "default_5pct_of_range"


def check_identity(baseline: Fraction, contributions: Iterable[Fraction], score: Fraction) -> None:
    """Guard of the additive invariant, in exact arithmetic (never a float comparison)."""
    if baseline + sum(contributions, Fraction(0)) != score:
        raise EngineInconsistency("baseline + contributions != score")


def check_replayed_score(
    case: Case, score: Fraction, outcome: str, magnitude: Fraction, edges: Iterable[Fraction] = ()
) -> None:
    """Our exact reading of the spec must agree with the compiled model's replay, or we refuse to explain.

    The replay works in floats, so scores may differ by rounding (relative to ``magnitude``, the sum of the
    absolute terms), and the outcome may differ only when the exact score lies within that rounding of one of
    the ``edges`` where the outcome changes.
    """
    tolerance = 1e-9 * max(1.0, float(magnitude))
    replayed = case.result.score
    if replayed is not None and abs(float(score) - float(replayed)) > tolerance:
        raise EngineInconsistency(f"engine score {float(score)!r} != replayed score {replayed!r}")
    if outcome != case.result.outcome and not any(abs(float(score - e)) <= tolerance for e in edges):
        raise EngineInconsistency(f"engine outcome {outcome} != replayed outcome {case.result.outcome}")
