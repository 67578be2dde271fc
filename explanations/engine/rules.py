"""Ordered rule lists: every rule with each condition's result, and exact counterfactuals.

Counterfactual search. Each condition tests one feature, so a feature's domain splits into classes on which
every condition about it has the same truth value: for numbers the single points and open intervals between
the constants used in conditions; for booleans and categories the values. Inside a class the cheapest allowed
value is the nearest one, and classes with identical truth values are interchangeable, so keeping the cheapest
value of each distinct truth pattern loses no solution. A depth-first search over these options in display
order (unchanged first) enumerates every pattern that could decide differently. It skips only what cannot be
optimal: branches whose cost plus a lower bound (the cheapest way to satisfy a still-possible target rule)
exceeds a known solution, and changes to a feature that appears only in rules already certainly false or
unreachable (every change costs something and would alter nothing). Hence exact.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import Candidate, Case, EngineInconsistency, KindParts, diverse_alternatives, favourable_map
from ._domain import UNCHANGED, FeatureDomain, KeyElem, exact
from .result import ConditionResult, Reason, RuleResult, RuleTrace

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda v, c: v in c,
    "not_in": lambda v, c: v not in c,
}


def _holds(cond: Mapping[str, Any], value: Any) -> bool:
    """A condition with the replay's semantics (Python comparison; ``in`` against the listed values)."""
    const = cond["value"]
    if cond["op"] in ("in", "not_in"):
        const = frozenset(const)
    return bool(_OPS[cond["op"]](value, const))


def explain_rules(case: Case, near_band: float | None, max_alternatives: int) -> KindParts:
    """Rule trace, principal reasons and exact counterfactuals of a rule-list case (no score, so
    ``near_band`` does not apply)."""
    spec = case.spec
    rules = spec["rules"]
    results: list[RuleResult] = []
    decided: int | None = None
    for i, rule in enumerate(rules):
        conds = tuple(
            ConditionResult(
                feature=c["feature"],
                op=c["op"],
                test_value=list(c["value"]) if isinstance(c["value"], list) else c["value"],
                value=case.values[c["feature"]],
                held=_holds(c, case.values[c["feature"]]),
            )
            for c in rule["conditions"]
        )
        fired = all(c.held for c in conds)
        consulted = decided is None
        if fired and decided is None:
            decided = i
        results.append(
            RuleResult(
                rule=rule["id"],
                outcome=rule["outcome"],
                fired=fired,
                consulted=consulted,
                decided=decided == i,
                conditions=conds,
            )
        )
    outcome = spec["default_outcome"] if decided is None else rules[decided]["outcome"]
    fired_rule = getattr(case.model, "fired_rule", None)
    if outcome != case.result.outcome or (
        fired_rule is not None and fired_rule(dict(case.values)) != decided
    ):
        raise EngineInconsistency("the engine's rule evaluation disagrees with the replay")
    trace = RuleTrace(
        rules=tuple(results),
        decided_by=None if decided is None else rules[decided]["id"],
        default_outcome=spec["default_outcome"],
        outcome=outcome,
    )
    reasons = _reasons(spec, results, decided, outcome)

    space = _RuleSpace(case)

    def solver(frozen: frozenset[str]) -> Candidate | None:
        return _Search(space, frozen).run()

    alternatives = diverse_alternatives(case, solver, max_alternatives)
    return KindParts(
        rules=trace,
        principal_reasons=reasons,
        alternatives=tuple(alternatives),
        method="condition_class_enumeration",
        exact=True,
    )


def _reasons(
    spec: Mapping[str, Any], results: list[RuleResult], decided: int | None, received: str
) -> tuple[Reason, ...]:
    """The deciding rule's conditions, then why consulted rules with another outcome did not apply
    (favourable outcomes first, then rule order)."""
    picked: list[tuple[str, ConditionResult, str]] = []
    if decided is not None:
        picked += [("rule_condition_held", c, results[decided].rule) for c in results[decided].conditions]
    favourable = favourable_map(spec)
    others = [r for r in results if r.consulted and not r.fired and r.outcome != received]
    others.sort(key=lambda r: not favourable.get(r.outcome, False))  # stable: keeps rule order within
    for r in others:
        picked += [("rule_condition_failed", c, r.rule) for c in r.conditions if not c.held]
    return tuple(
        Reason(
            rank=i,
            feature=c.feature,
            value=c.value,
            basis=basis,
            rule=rule,
            op=c.op,
            test_value=c.test_value,
        )
        for i, (basis, c, rule) in enumerate(picked, start=1)
    )


@dataclass(frozen=True)
class _Option:
    value: Any  # None = unchanged
    truth: tuple[bool, ...]  # of the feature's conditions
    cost: Fraction
    key: KeyElem
    icost: int = 0  # cost scaled to an integer (common denominator of all options): fast exact sums


class _RuleSpace:
    """Per-feature condition classes of one case, built once and shared by every search (any frozen set)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        spec = case.spec
        self.rules = spec["rules"]
        self.default = spec["default_outcome"]
        # conditions per feature, and for each rule the (feature, position) of its conditions
        per_feature: dict[str, list[Mapping[str, Any]]] = {}
        self.rule_refs: list[list[tuple[str, int]]] = []
        for rule in self.rules:
            refs = []
            for c in rule["conditions"]:
                lst = per_feature.setdefault(c["feature"], [])
                refs.append((c["feature"], len(lst)))
                lst.append(c)
            self.rule_refs.append(refs)
        self.rule_features = [frozenset(n for n, _ in refs) for refs in self.rule_refs]
        self.conds = per_feature
        self.current = {n: self._truth(n, case.values[n]) for n in per_feature}
        raw = {d.name: self._feature_options(d) for d in case.domains if d.name in per_feature}
        self.scale = math.lcm(*(o.cost.denominator for opts in raw.values() for o in opts))
        self.options = {
            n: [_Option(o.value, o.truth, o.cost, o.key, int(o.cost * self.scale)) for o in opts]
            for n, opts in raw.items()
            if opts
        }

    def _truth(self, name: str, value: Any) -> tuple[bool, ...]:
        return tuple(_holds(c, value) for c in self.conds[name])

    def _feature_options(self, d: FeatureDomain) -> list[_Option]:
        """Cheapest allowed value per truth pattern other than the current one, in key order."""
        value = self.case.values[d.name]
        candidates: list[Any] = []
        if d.numeric and d.movable():
            consts = sorted({exact(c["value"]) for c in self.conds[d.name]})
            x = exact(value)
            regions: list[tuple[tuple[Fraction | None, bool], tuple[Fraction | None, bool]]] = []
            prev: Fraction | None = None
            for c in consts:
                regions.append(((prev, False), (c, False)))
                regions.append(((c, True), (c, True)))
                prev = c
            regions.append(((prev, False), (None, False)))
            for lower, upper in regions:
                v = d.nearest(x, lower, upper)
                if v is not None and v != x:
                    candidates.append(d.typed(v))
        elif not d.numeric:
            candidates = d.flips(value)
        best: dict[tuple[bool, ...], _Option] = {}
        for new in candidates:
            truth = self._truth(d.name, new)
            if truth == self.current[d.name]:
                continue
            opt = _Option(new, truth, d.change_cost(value, new), d.key_elem(value, new))
            cur = best.get(truth)
            if cur is None or (opt.cost, opt.key) < (cur.cost, cur.key):
                best[truth] = opt
        return sorted(best.values(), key=lambda o: o.key)


class _Search:
    """Exact DFS over per-feature truth-pattern options (see module docstring), with ``frozen`` kept."""

    def __init__(self, space: _RuleSpace, frozen: frozenset[str]) -> None:
        self.space = space
        self.case = space.case
        self.rules = space.rules
        self.default = space.default
        self.rule_refs = space.rule_refs
        self.current = space.current
        self.options = {n: opts for n, opts in space.options.items() if n not in frozen}
        self.order = [d.name for d in self.case.domains if d.name in self.options]
        # cheapest option (unchanged included) satisfying all of a rule's conditions on one feature
        self.rule_min: list[dict[str, float | int]] = []
        for refs in self.rule_refs:
            need: dict[str, list[int]] = {}
            for name, k in refs:
                need.setdefault(name, []).append(k)
            mins: dict[str, float | int] = {}
            for name, ks in need.items():
                if all(self.current[name][k] for k in ks):
                    mins[name] = 0
                    continue
                costs = [o.icost for o in self.options.get(name, []) if all(o.truth[k] for k in ks)]
                mins[name] = min(costs) if costs else math.inf
            self.rule_min.append(mins)
        self.best: Candidate | None = None
        self.best_cost: float | int = math.inf  # scaled
        self.best_key: tuple[KeyElem, ...] | None = None

    # -- search -----------------------------------------------------------------------------------------
    def run(self) -> Candidate | None:
        self.truth = dict(self.current)
        self.assigned: dict[str, Any] = {}
        self._incumbent()
        self._dfs(0, 0, ())
        return self.best

    def _decides(self, truth: Mapping[str, tuple[bool, ...]]) -> str:
        decided = next(
            (i for i, refs in enumerate(self.rule_refs) if all(truth[n][k] for n, k in refs)), None
        )
        return self.default if decided is None else self.rules[decided]["outcome"]

    def _incumbent(self) -> None:
        """A good first solution so that the search prunes early: the cheapest verified among every single
        change and, for each target rule, the cheapest changes that satisfy its conditions."""
        candidates: list[dict[str, _Option]] = [{n: o} for n in self.order for o in self.options[n]]
        for i, refs in enumerate(self.rule_refs):
            if self.rules[i]["outcome"] not in self.case.targets:
                continue
            needs: dict[str, list[int]] = {}
            for n, k in refs:
                needs.setdefault(n, []).append(k)
            pick: dict[str, _Option] = {}
            for n, ks in needs.items():
                if all(self.current[n][k] for k in ks):
                    continue
                fitting = [o for o in self.options.get(n, []) if all(o.truth[k] for k in ks)]
                if not fitting:
                    break
                pick[n] = min(fitting, key=lambda o: (o.cost, o.key))
            else:
                if pick:
                    candidates.append(pick)
        scored = []
        for pick in candidates:
            truth = {**self.current, **{n: o.truth for n, o in pick.items()}}
            if self._decides(truth) in self.case.targets:
                key = tuple(pick[n].key if n in pick else UNCHANGED for n in self.order)
                scored.append((sum(o.icost for o in pick.values()), key, pick))
        for cost, key, pick in sorted(scored, key=lambda c: (c[0], c[1])):
            verified = self.case.accept({n: o.value for n, o in pick.items()})
            if verified is not None:
                self.best, self.best_cost, self.best_key = verified, cost, key
                return

    def _lower_bound(self, depth: int) -> tuple[float | int, set[str]]:
        """Cheapest conceivable completion (some still-possible target rule, or the default, must decide), and
        the free features that can still matter: those of rules not yet certainly false nor unreachable."""
        free = set(self.order[depth:])
        lb: float | int = math.inf
        live: set[str] = set()
        for i, refs in enumerate(self.rule_refs):
            if any(n not in free and not self.truth[n][k] for n, k in refs):
                continue  # certainly false
            live |= self.space.rule_features[i] & free
            if self.rules[i]["outcome"] in self.case.targets:
                lb = min(lb, sum(v for n, v in self.rule_min[i].items() if n in free))
            if all(n not in free for n, _ in refs):  # certainly fires: later rules are unreachable
                return lb, live
        if self.default in self.case.targets:
            lb = 0
        return lb, live

    def _pruned(self, bound: float | int, prefix: tuple[KeyElem, ...]) -> bool:
        """Leaves come in key order, but the incumbent may not: on a cost tie compare key prefixes."""
        if bound == math.inf or bound > self.best_cost:
            return True
        if bound == self.best_cost and self.best_key is not None:
            return (
                prefix >= self.best_key[: len(prefix)]
                if len(prefix) == len(self.order)
                else (prefix > self.best_key[: len(prefix)])
            )
        return False

    def _dfs(self, depth: int, cost: int, key: tuple[KeyElem, ...]) -> None:
        lb, live = self._lower_bound(depth)
        if self._pruned(cost + lb, key):
            return
        if depth == len(self.order):
            self._leaf(cost, key)
            return
        name = self.order[depth]
        self._dfs(depth + 1, cost, (*key, UNCHANGED))
        if name not in live:
            return  # it only affects rules that cannot decide any more: a change would cost and do nothing
        for opt in self.options[name]:
            self.truth[name] = opt.truth
            self.assigned[name] = opt.value
            self._dfs(depth + 1, cost + opt.icost, (*key, opt.key))
            self.truth[name] = self.current[name]
            del self.assigned[name]

    def _leaf(self, cost: int, key: tuple[KeyElem, ...]) -> None:
        if self._decides(self.truth) not in self.case.targets:
            return
        verified = self.case.accept(dict(self.assigned))
        if verified is not None and (self.best_key is None or (cost, key) < (self.best_cost, self.best_key)):
            self.best, self.best_cost, self.best_key = verified, cost, key
