"""The explanation as data: frozen dataclasses, JSON-serialisable with a stable key order.

Every number a person might be shown is stored at full float precision (rounding happens only at render
time). Quantities the engine guarantees exactly (contributions, baselines, costs) also carry an ``*_exact``
string holding the exact rational (``"p"`` or ``"p/q"``), so an auditor can re-check the identities from the
JSON alone with :class:`fractions.Fraction`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
Scalar = None | bool | int | float | str


def _plain(obj: Any) -> JsonValue:
    """Dataclasses → dicts in field order, tuples → lists; everything else must already be JSON."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError("explanations never contain NaN or infinity")
        return 0.0 if obj == 0 else obj
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    raise TypeError(f"not serialisable in an explanation: {type(obj).__name__}")


class _Serialisable:
    def to_dict(self) -> dict[str, JsonValue]:
        """Plain JSON data; keys in the declared field order (stable across runs)."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True)
class Replay(_Serialisable):
    """The recorded result beside the result recomputed from the logged inputs with the logged model version.

    ``status`` is ``"match"``, ``"mismatch"`` (the portal cannot reproduce what was recorded: the explanation
    then describes what the registered model computes) or ``"not_replayable"`` (opaque models).
    """

    status: str
    recorded_score: float | None
    recorded_outcome: str
    replayed_score: float | None
    replayed_outcome: str | None


@dataclass(frozen=True)
class InputValue(_Serialisable):
    """One logged input as used by the model."""

    feature: str
    value: Scalar
    type: str
    mutable: bool


@dataclass(frozen=True)
class Contribution(_Serialisable):
    """One feature's share of the score, relative to its reference (bin or baseline value).

    scorecard: ``points − reference_points``; linear/logistic: ``weight · (value − reference)``.
    ``odds_factor`` (logistic only) = e^contribution: how this feature multiplied the odds.
    """

    feature: str
    value: Scalar
    reference: Scalar
    contribution: float
    contribution_exact: str
    weight: float | None = None
    points: float | None = None
    reference_points: float | None = None
    bin: int | None = None
    reference_bin: int | None = None
    bin_lower: float | None = None
    bin_upper: float | None = None
    odds_factor: float | None = None


@dataclass(frozen=True)
class Contributions(_Serialisable):
    """Additive breakdown: ``baseline + Σ contribution == score`` holds exactly in the ``*_exact`` values.

    ``scale`` is ``"points"`` (scorecard), ``"score"`` (linear) or ``"logit"`` (logistic: log-odds, which add
    up; probabilities do not). ``baseline_definition`` names how the baseline is built.
    """

    scale: str
    baseline_definition: str
    baseline: float
    baseline_exact: str
    score: float
    score_exact: str
    items: tuple[Contribution, ...]


@dataclass(frozen=True)
class ProbabilityView(_Serialisable):
    """Logistic models: the probability at the baseline and for this case (the contributions are in logit)."""

    probability_at_baseline: float
    probability_at_case: float
    threshold_probability: float | None
    contributions_scale: str = "logit"


@dataclass(frozen=True)
class PathStep(_Serialisable):
    """One test of a decision tree on the case's path, with the case's value and whether the test held."""

    node: int
    feature: str
    op: str
    test_value: JsonValue
    value: Scalar
    held: bool
    decisive: bool


@dataclass(frozen=True)
class TreePath(_Serialisable):
    """The root-to-leaf path of the case; ``decisive`` = the other branch could lead to another outcome."""

    steps: tuple[PathStep, ...]
    leaf: int
    outcome: str
    score: float | None


@dataclass(frozen=True)
class ConditionResult(_Serialisable):
    """One condition of a rule with the case's value and whether it held."""

    feature: str
    op: str
    test_value: JsonValue
    value: Scalar
    held: bool


@dataclass(frozen=True)
class RuleResult(_Serialisable):
    """One rule: whether all its conditions held (``fired``) and whether it was consulted (rules after the
    deciding one are shown but were not needed)."""

    rule: str
    outcome: str
    fired: bool
    consulted: bool
    decided: bool
    conditions: tuple[ConditionResult, ...]


@dataclass(frozen=True)
class RuleTrace(_Serialisable):
    """The whole rule list as evaluated; ``decided_by`` is None when no rule fired (default outcome)."""

    rules: tuple[RuleResult, ...]
    decided_by: str | None
    default_outcome: str
    outcome: str


@dataclass(frozen=True)
class Attribution(_Serialisable):
    """One agency-supplied attribution, as given."""

    feature: str
    value: float


@dataclass(frozen=True)
class AgencyAttributions(_Serialisable):
    """Attributions supplied by the agency, shown as given; the portal cannot reproduce or check them."""

    items: tuple[Attribution, ...]
    reproducible: bool
    reason: str


@dataclass(frozen=True)
class Reason(_Serialisable):
    """A principal reason: a factor actually used for this case that pushed towards the outcome received.

    ``basis``: ``"contribution"`` (``effect`` = share of the score pushing towards the received outcome,
    exact in ``effect_exact``), ``"path_test"`` (a decisive tree test), ``"rule_condition_held"`` (a condition
    of the deciding rule) or ``"rule_condition_failed"`` (why a rule with another outcome did not apply).
    """

    rank: int
    feature: str
    value: Scalar
    basis: str
    effect: float | None = None
    effect_exact: str | None = None
    rule: str | None = None
    node: int | None = None
    op: str | None = None
    test_value: JsonValue = None


@dataclass(frozen=True)
class Edge(_Serialisable):
    """A score value where the outcome changes. ``direction`` "up": the outcome becomes ``outcome_beyond``
    once the score reaches ``value`` (a rise of ``distance``); "down": once the score falls below ``value``
    (a fall of more than ``distance``)."""

    value: float
    direction: str
    distance: float
    outcome_beyond: str


@dataclass(frozen=True)
class ThresholdView(_Serialisable):
    """The case's score on one scale with the edges around it; ``margin`` = score − threshold (signed) for
    single-threshold models, None for scorecards (see ``edges``)."""

    scale: str
    score: float
    edges: tuple[Edge, ...]
    margin: float | None


@dataclass(frozen=True)
class Thresholds(_Serialisable):
    """Threshold views (the recorded scale first) and the near-threshold flag.

    ``near_threshold`` is true when the distance to the nearest edge, on the recorded scale, is at most
    ``near_band`` (``near_band_source``: "argument", "spec" or "default_5pct_of_range").
    """

    views: tuple[ThresholdView, ...]
    near_band: float
    near_band_source: str
    near_threshold: bool


@dataclass(frozen=True)
class Change(_Serialisable):
    """One feature of a counterfactual: recorded value → value that would change the result."""

    feature: str
    from_value: Scalar
    to_value: Scalar
    cost: float
    cost_exact: str


@dataclass(frozen=True)
class Counterfactual(_Serialisable):
    """A set of changes that, applied to the logged inputs and replayed, gives ``outcome``."""

    rank: int
    changes: tuple[Change, ...]
    cost: float
    cost_exact: str
    outcome: str
    score: float | None


@dataclass(frozen=True)
class Counterfactuals(_Serialisable):
    """What would have changed the result.

    ``status``: "found", "no_recourse" (certified: no allowed change gives another outcome), "not_found" (tree
    ensembles: the search reached its time budget without finding a change or proving there is none) or
    "not_applicable" (opaque). ``exact`` says whether the first alternative is a proven optimum of the cost
    model; ``method`` names the algorithm. Alternatives are cheapest first; each later one leaves unchanged at
    least one feature of every earlier one (so it is a genuinely different route).
    """

    status: str
    no_recourse: bool
    exact: bool
    method: str
    cost_model: str
    target_outcomes: tuple[str, ...]
    alternatives: tuple[Counterfactual, ...]


@dataclass(frozen=True)
class Note(_Serialisable):
    """A machine code plus a plain English sentence (the UI translates by code)."""

    code: str
    text: str


@dataclass(frozen=True)
class Explanation(_Serialisable):
    """A case-specific explanation of one decision (see ``explanations.engine`` for the guarantees)."""

    engine_version: str
    kind: str
    spec_hash: str
    reproducible: bool
    replay: Replay
    inputs: tuple[InputValue, ...]
    contributions: Contributions | None
    probability: ProbabilityView | None
    path: TreePath | None
    rules: RuleTrace | None
    attributions: AgencyAttributions | None
    principal_reasons: tuple[Reason, ...]
    thresholds: Thresholds | None
    counterfactuals: Counterfactuals
    notes: tuple[Note, ...]

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace, floats by ``repr`` (shortest round-trip), UTF-8 text.

        Byte-identical for identical inputs, engine version and spec.
        """
        return json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
