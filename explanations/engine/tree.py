"""Decision trees: the path with each test, and counterfactuals by projection onto leaf boxes.

The points that reach a leaf form a box: per feature an interval (from ``<=`` tests) or a set of values (from
``in`` tests). Cost is a sum over features, so the cheapest point of a box is the per-feature nearest allowed
value, and the cheapest counterfactual is the cheapest projection over all leaves with a target outcome —
exact, by enumeration of the leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ._common import Candidate, Case, EngineInconsistency, KindParts, diverse_alternatives
from ._domain import Bound, FeatureDomain, exact
from .result import PathStep, Reason, TreePath


@dataclass
class _Box:
    """Constraints on one feature collected along a root-to-leaf path."""

    lower: Bound = (None, True)
    upper: Bound = (None, True)
    lower_s: str | None = None  # dates: exclusive lower bound (ISO strings compare as dates)
    upper_s: str | None = None  # dates: inclusive upper bound
    allowed: set[Any] | None = None  # categories/booleans; None = unconstrained
    excluded: set[Any] = field(default_factory=set)


def _is_le(node: Mapping[str, Any]) -> bool:
    return node["op"] == "<="


def _holds(node: Mapping[str, Any], value: Any) -> bool:
    """The test of an internal node, with the replay's semantics (``<=`` on numbers/ISO dates, ``in`` list)."""
    if _is_le(node):
        return bool(value <= node["value"])
    return any(type(value) is type(v) and value == v for v in node["value"])


def explain_tree(case: Case, near_band: float | None, max_alternatives: int) -> KindParts:
    """Path, decisive tests and exact counterfactuals of a decision-tree case (no score threshold, so
    ``near_band`` does not apply; each path test carries the case's value beside the split value)."""
    spec = case.spec
    nodes = {n["id"]: n for n in spec["nodes"]}
    position = {n["id"]: i for i, n in enumerate(spec["nodes"])}
    received = case.result.outcome
    leaf_outcomes = _subtree_outcomes(nodes, spec["root"])

    steps: list[PathStep] = []
    node = nodes[spec["root"]]
    while "outcome" not in node:
        value = case.values[node["feature"]]
        held = _holds(node, value)
        other = nodes[node["false" if held else "true"]]["id"]
        steps.append(
            PathStep(
                node=node["id"],
                feature=node["feature"],
                op=node["op"],
                test_value=list(node["value"]) if isinstance(node["value"], list) else node["value"],
                value=value,
                held=held,
                decisive=any(o != received for o in leaf_outcomes[other]),
            )
        )
        node = nodes[node["true" if held else "false"]]
    leaf = node
    model_leaf = getattr(case.model, "leaf_position", None)
    if leaf["outcome"] != received or (
        model_leaf is not None and model_leaf(dict(case.values)) != position[leaf["id"]]
    ):
        raise EngineInconsistency("the engine's tree path disagrees with the replay")
    path = TreePath(
        steps=tuple(steps),
        leaf=leaf["id"],
        outcome=leaf["outcome"],
        score=None if leaf.get("score") is None else float(leaf["score"]),
    )
    # the reasons: tests whose other branch could have led to another outcome, root first
    reasons = tuple(
        Reason(
            rank=r,
            feature=s.feature,
            value=s.value,
            basis="path_test",
            node=s.node,
            op=s.op,
            test_value=s.test_value,
        )
        for r, s in enumerate((s for s in steps if s.decisive), start=1)
    )

    leaves = [(lf, box) for lf, box in _leaf_boxes(nodes, spec["root"]) if lf["outcome"] in case.targets]

    def solver(frozen: frozenset[str]) -> Candidate | None:
        return _solve(case, leaves, frozen)

    alternatives = diverse_alternatives(case, solver, max_alternatives)
    return KindParts(
        path=path,
        principal_reasons=reasons,
        alternatives=tuple(alternatives),
        method="leaf_box_projection",
        exact=True,
    )


def _subtree_outcomes(nodes: dict[int, Mapping[str, Any]], root: int) -> dict[int, frozenset[str]]:
    """For every node, the outcomes of the leaves below it (iterative: trees can be deep)."""
    out: dict[int, frozenset[str]] = {}
    stack: list[tuple[int, bool]] = [(root, False)]
    while stack:
        nid, done = stack.pop()
        node = nodes[nid]
        if "outcome" in node:
            out[nid] = frozenset({node["outcome"]})
        elif done:
            out[nid] = out[node["true"]] | out[node["false"]]
        else:
            stack.extend([(nid, True), (node["true"], False), (node["false"], False)])
    return out


def _leaf_boxes(
    nodes: dict[int, Mapping[str, Any]], root: int
) -> list[tuple[Mapping[str, Any], dict[str, _Box]]]:
    """Every leaf with the box of inputs that reach it, in depth-first (true branch first) order."""
    result: list[tuple[Mapping[str, Any], dict[str, _Box]]] = []
    stack: list[tuple[int, dict[str, _Box]]] = [(root, {})]
    while stack:
        nid, boxes = stack.pop()
        node = nodes[nid]
        if "outcome" in node:
            result.append((node, boxes))
            continue
        # push false first so that the true branch is expanded first
        for branch in (False, True):
            child = {k: _copy(v) for k, v in boxes.items()}
            box = child.setdefault(node["feature"], _Box())
            _restrict(box, node, branch)
            stack.append((node["true" if branch else "false"], child))
    return result


def _copy(b: _Box) -> _Box:
    return _Box(
        b.lower,
        b.upper,
        b.lower_s,
        b.upper_s,
        None if b.allowed is None else set(b.allowed),
        set(b.excluded),
    )


def _restrict(box: _Box, node: Mapping[str, Any], branch: bool) -> None:
    v = node["value"]
    if _is_le(node):
        if isinstance(v, str):  # date
            if branch:
                box.upper_s = v if box.upper_s is None else min(box.upper_s, v)
            else:
                box.lower_s = v if box.lower_s is None else max(box.lower_s, v)
            return
        q = exact(v)
        if branch:  # x <= v
            if box.upper[0] is None or q < box.upper[0]:
                box.upper = (q, True)
        elif box.lower[0] is None or q >= box.lower[0]:  # x > v
            box.lower = (q, False)
        return
    values = list(v)
    if branch:
        box.allowed = set(_tag(values)) if box.allowed is None else box.allowed & set(_tag(values))
    else:
        box.excluded |= set(_tag(values))


def _tag(values: list[Any]) -> list[tuple[str, Any]]:
    """Values keyed with their type, so that ``True`` and ``1`` (or ``"1"``) never collide."""
    return [(type(v).__name__, v) for v in values]


def _box_accepts(box: _Box, value: Any) -> bool:
    if box.allowed is not None or box.excluded:
        tagged = (type(value).__name__, value)
        return (box.allowed is None or tagged in box.allowed) and tagged not in box.excluded
    if isinstance(value, str):
        return (box.lower_s is None or value > box.lower_s) and (box.upper_s is None or value <= box.upper_s)
    x = exact(value)
    lo, lo_incl = box.lower
    hi, hi_incl = box.upper
    return (lo is None or x > lo or (lo_incl and x == lo)) and (hi is None or x < hi or (hi_incl and x == hi))


def _project(d: FeatureDomain, box: _Box, value: Any, frozen: frozenset[str]) -> tuple[bool, Any]:
    """(reachable, new value or None when unchanged): the cheapest allowed value of ``d`` inside ``box``."""
    if _box_accepts(box, value):
        return True, None
    if not d.movable(frozen):
        return False, None
    if d.numeric:
        v = d.nearest(exact(value), box.lower, box.upper, frozen)
        return (v is not None), (None if v is None else d.typed(v))
    # category / boolean: every change costs the same, so the first allowed value in declared order
    for c in d.flips(value, frozen):
        if _box_accepts(box, c):
            return True, c
    return False, None


def _solve(
    case: Case, leaves: list[tuple[Mapping[str, Any], dict[str, _Box]]], frozen: frozenset[str]
) -> Candidate | None:
    """Cheapest projection over all target leaves, verified by replay (exact enumeration)."""
    by_name = case.by_name
    options: list[tuple[Fraction, tuple[Any, ...], dict[str, Any]]] = []
    for _, boxes in leaves:
        changes: dict[str, Any] = {}
        ok = True
        for name, box in boxes.items():
            reachable, new = _project(by_name[name], box, case.values[name], frozen)
            if not reachable:
                ok = False
                break
            if new is not None:
                changes[name] = new
        if ok and changes:
            cand_cost = sum(
                (by_name[n].change_cost(case.values[n], v) for n, v in changes.items()), Fraction(0)
            )
            key = tuple(
                by_name[d.name].key_elem(case.values[d.name], changes[d.name]) if d.name in changes else (0,)
                for d in case.domains
            )
            options.append((cand_cost, key, changes))
    options.sort(key=lambda o: (o[0], o[1]))
    for _, _, changes in options:
        verified = case.accept(changes)
        if verified is not None:
            return verified
    return None
