"""``explain``: one decision in, one :class:`~.result.Explanation` out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from explanations.spec import InvalidInputs, compile_spec

from ._common import Case, KindParts, to_counterfactuals
from ._domain import FeatureDomain, parse_domains, to_float
from .ensemble import explain_ensemble
from .linear import explain_linear
from .result import (
    AgencyAttributions,
    Attribution,
    Counterfactuals,
    Explanation,
    InputValue,
    Note,
    Replay,
)
from .rules import explain_rules
from .scorecard import explain_scorecard
from .tree import explain_tree

#: Version of the explanation engine, stored with every explanation. Bump rule (semantic versioning):
#: MAJOR when the JSON structure changes incompatibly (a field removed, renamed or re-typed); MINOR when the
#: same inputs may produce different values (an algorithm, cost model, tie-break, default or ranking changes)
#: or fields are added; PATCH when no output for any input can change (refactoring, speed, documentation).
ENGINE_VERSION = "1.2.0"  # 1.2.0: tree_ensemble kind (TreeSHAP, MILP counterfactuals); status "not_found"

#: How many counterfactual alternatives are returned at most.
DEFAULT_ALTERNATIVES = 3

COST_MODEL = (
    "sum over changed features: cost x |change| / (max - min) for numbers and integers, "
    "cost per change for booleans and categories; only mutable features, within [min, max], in the allowed "
    "direction, on the step grid"
)

NOT_REPRODUCIBLE = (
    "This model is not registered in a form the portal can run, so the portal cannot recompute the result. "
    "The figures shown are the agency's own attributions, as the agency supplied them; the portal cannot check "
    "them, and it does not say what would have changed the result."
)

_EXPLAINERS = {
    "scorecard": explain_scorecard,
    "linear": explain_linear,
    "logistic": explain_linear,
    "decision_tree": explain_tree,
    "rules": explain_rules,
    "tree_ensemble": explain_ensemble,
}


def explain(
    spec: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    recorded_score: float | None,
    recorded_outcome: str,
    attributions: Mapping[str, float] | None = None,
    near_band: float | None = None,
    max_alternatives: int = DEFAULT_ALTERNATIVES,
    target_outcomes: Collection[str] | None = None,
) -> Explanation:
    """Explain one decision of a registered model version.

    ``attributions``: agency-supplied figures, shown as given (the only content for opaque models).
    ``near_band``: width of the near-threshold band in units of the recorded score (default: see the package
    docstring). ``max_alternatives`` (≥ 1): how many counterfactual routes to return at most.
    ``target_outcomes``: restrict counterfactuals to these outcomes (default: any outcome other than the
    replayed one), e.g. the favourable levels of a scorecard.

    Guarantees (each tested against brute force on generated models):

    * the score is recomputed with ``explanations.spec.compile_spec`` and compared with the recorded one
      (``replay``); everything else describes that replayed computation;
    * additive kinds: ``baseline + Σ contributions == score`` exactly (rational arithmetic, ``*_exact`` fields);
    * every counterfactual was applied to the logged inputs and replayed with the compiled model, which gave
      its ``outcome`` (different from the replayed one, and in ``target_outcomes`` when given); it changes only
      mutable features, within bounds, in the allowed direction, on the step grid (numbers without step: a
      grid of a millionth of their range);
    * the first counterfactual has the least cost under the cost model (exact for every kind), later ones are
      the cheapest routes that leave at least one feature of each earlier route unchanged; ``no_recourse`` is
      true only when no allowed change gives another outcome;
    * deterministic: the same arguments give a byte-identical ``to_json()`` (whatever the key order of the
      dicts passed in).

    Raises ``explanations.spec.InvalidSpec`` for an invalid spec and ``explanations.spec.InvalidInputs`` for
    inputs the model rejects.
    """
    if max_alternatives < 1:
        raise ValueError("max_alternatives must be at least 1")
    model = compile_spec(spec)
    problems = model.validate_inputs(values)
    if problems:
        raise InvalidInputs(problems)
    domains = _domains(spec, model.spec_hash)
    inputs = tuple(
        InputValue(feature=d.name, value=values[d.name], type=d.type, mutable=d.mutable) for d in domains
    )
    kind = spec["kind"]
    agency = _attributions(spec, attributions, reproducible=False) if attributions is not None else None

    if kind == "opaque":
        return Explanation(
            engine_version=ENGINE_VERSION,
            kind=kind,
            spec_hash=model.spec_hash,
            reproducible=False,
            replay=Replay(
                status="not_replayable",
                recorded_score=_float_or_none(recorded_score),
                recorded_outcome=recorded_outcome,
                replayed_score=None,
                replayed_outcome=None,
            ),
            inputs=inputs,
            contributions=None,
            probability=None,
            path=None,
            rules=None,
            attributions=_attributions(spec, attributions or {}, reproducible=False),
            principal_reasons=(),
            thresholds=None,
            counterfactuals=Counterfactuals(
                status="not_applicable",
                no_recourse=False,
                exact=False,
                method="none",
                cost_model=COST_MODEL,
                target_outcomes=(),
                alternatives=(),
            ),
            notes=(Note("not_reproducible", NOT_REPRODUCIBLE),),
        )

    result = model.score(values)
    matches = model.matches(recorded_score, recorded_outcome, values)
    possible = _possible_outcomes(spec)
    targets = frozenset(o for o in possible if o != result.outcome)
    if target_outcomes is not None:
        targets &= frozenset(target_outcomes)
    case = Case(spec=spec, model=model, values=dict(values), domains=domains, result=result, targets=targets)
    parts: KindParts = _EXPLAINERS[kind](case, near_band, max_alternatives)

    notes: list[Note] = []
    if not matches:
        notes.append(
            Note(
                "replay_mismatch",
                "Recomputing the result from the recorded data with the registered model does not give the "
                "recorded result. The explanation describes what the registered model computes; the "
                "difference itself is a ground for review.",
            )
        )
    notes.extend(Note(code, text) for code, text in parts.notes)
    if parts.contributions is not None and not parts.principal_reasons:
        notes.append(
            Note(
                "no_factor_towards_result",
                "Compared with the reference profile, no factor moved the score towards this result: the "
                "result follows from the reference profile itself.",
            )
        )
    if parts.alternatives:
        notes.append(
            Note(
                "counterfactual_assumption",
                "Each alternative changes only the listed data and assumes everything else stays as recorded; "
                "in reality some data move together.",
            )
        )
    elif not parts.proven_no_recourse:
        notes.append(
            Note(
                "counterfactual_not_found",
                "The search for a change that would give a different result ended at its time limit without "
                "finding one; that does not mean no such change exists.",
            )
        )
    else:
        notes.append(
            Note(
                "no_recourse",
                "No change to the data that could differ, within the allowed ranges, gives a different result.",
            )
        )
    return Explanation(
        engine_version=ENGINE_VERSION,
        kind=kind,
        spec_hash=model.spec_hash,
        reproducible=True,
        replay=Replay(
            status="match" if matches else "mismatch",
            recorded_score=_float_or_none(recorded_score),
            recorded_outcome=recorded_outcome,
            replayed_score=_float_or_none(result.score),
            replayed_outcome=result.outcome,
        ),
        inputs=inputs,
        contributions=parts.contributions,
        probability=parts.probability,
        path=parts.path,
        rules=parts.rules,
        attributions=agency,
        principal_reasons=parts.principal_reasons,
        thresholds=parts.thresholds,
        counterfactuals=Counterfactuals(
            status="found"
            if parts.alternatives
            else "no_recourse"
            if parts.proven_no_recourse
            else "not_found",
            no_recourse=not parts.alternatives and parts.proven_no_recourse,
            exact=parts.exact,
            method=parts.method,
            cost_model=COST_MODEL,
            target_outcomes=tuple(o for o in possible if o in targets),
            alternatives=to_counterfactuals(case, parts.alternatives),
        ),
        notes=tuple(notes),
    )


#: Parsed feature domains by spec hash (immutable; parsing them costs as much as a replay). Bounded like the
#: compiled-model cache: cleared when full, which a portal with a few hundred model versions never reaches.
_DOMAINS: dict[str, tuple[FeatureDomain, ...]] = {}
_DOMAINS_SIZE = 1024


def _domains(spec: Mapping[str, Any], digest: str) -> tuple[FeatureDomain, ...]:
    found = _DOMAINS.get(digest)
    if found is None:
        if len(_DOMAINS) >= _DOMAINS_SIZE:
            _DOMAINS.clear()
        found = _DOMAINS[digest] = parse_domains(spec)
    return found


def _float_or_none(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    return to_float(x)


def _possible_outcomes(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """Outcomes the model can produce at all, in the order of ``outcomes`` (then first use)."""
    kind = spec["kind"]
    if kind == "scorecard":
        used = [b["outcome"] for b in spec["bands"]]
    elif kind in ("linear", "logistic"):
        used = [spec["outcome_below"], spec["outcome_at_or_above"]]
    elif kind == "decision_tree":
        used = [n["outcome"] for n in spec["nodes"] if "outcome" in n]
    elif kind == "tree_ensemble":
        used = (
            list(spec["classes"])
            if "classes" in spec
            else [spec["outcome_below"], spec["outcome_at_or_above"]]
        )
    else:
        used = [r["outcome"] for r in spec["rules"]] + [spec["default_outcome"]]
    declared = [o["code"] for o in spec.get("outcomes", [])]
    ordered = [o for o in declared if o in used] + [o for o in dict.fromkeys(used) if o not in declared]
    return tuple(ordered)


def _attributions(
    spec: Mapping[str, Any], attributions: Mapping[str, float], *, reproducible: bool
) -> AgencyAttributions:
    names = [f["name"] for f in spec["features"]]
    known = [Attribution(n, to_float(attributions[n])) for n in names if n in attributions]
    extra = [
        Attribution(k, to_float(attributions[k])) for k in sorted(map(str, attributions)) if k not in names
    ]
    return AgencyAttributions(
        items=tuple(known + extra),
        reproducible=reproducible,
        reason=NOT_REPRODUCIBLE
        if spec["kind"] == "opaque"
        else "Supplied by the agency; the portal's own contributions above are computed from the model itself.",
    )
