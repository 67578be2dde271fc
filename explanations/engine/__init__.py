"""The explanation engine: exact, case-specific explanations of decisions made by registered models.

Public interface::

    from explanations.engine import explain, ENGINE_VERSION, Explanation, EngineInconsistency

    exp = explain(spec, values, recorded_score=..., recorded_outcome=..., attributions=None, near_band=None,
                  max_alternatives=3, target_outcomes=None)
    exp.to_dict()   # plain JSON data, keys in declared field order
    exp.to_json()   # canonical text: sorted keys, no spaces, floats by repr; identical for identical inputs

What each kind gets (design: ../shared/design/explanations.md, parts A and C):

============== ============================================= ==============================================
kind           contributions / trace                         counterfactual
============== ============================================= ==============================================
scorecard      points of the case's bin − reference bin       multiple-choice knapsack, DP over point sums
linear         wᵢ·(xᵢ − bᵢ) against the spec's baseline       greedy LP (continuous) + branch and bound
logistic       same, on the logit scale, + probability view   same, against the replay's logit boundary
decision_tree  the path, each test with value and result      projection onto every other-outcome leaf box
rules          every rule, each condition, the deciding rule  DFS over per-feature condition truth patterns
opaque         the agency's attributions, not reproducible    none claimed
tree_ensemble  exact interventional TreeSHAP against the      MILP over leaf regions (HiGHS), replay-checked;
               spec's background rows (path-dependent too,    time budget: "best found, not proven optimal"
               ``ensemble.path_dependent_contributions``)
============== ============================================= ==============================================

Exact contributions. Every spec number is read as the exact rational value of its float
(``fractions.Fraction``), so ``baseline + Σ contributions == score`` holds exactly; it is checked before an
explanation is returned, and the JSON carries the rationals as ``*_exact`` strings (``"p"`` or ``"p/q"``) so
anyone can re-check it. Floats are stored at full precision and rounded only when rendered.

Replay is the arbiter. Scores and outcomes come from ``explanations.spec.compile_spec(spec).score`` (IEEE
doubles), never from the engine's arithmetic; the engine raises ``EngineInconsistency`` rather than explain a
case whose replay it cannot match. Every counterfactual is applied to the logged inputs and replayed before it
is returned, so its ``outcome`` is what the model really gives.

Principal reasons: the factors actually used, ranked by their effect towards the outcome received. Additive
kinds: contributions that pushed the score away from the nearest other outcome (towards a favourable one when
the result was unfavourable), largest first; trees: the path tests whose other branch could lead to another
outcome; rules: the conditions of the deciding rule, then the failed conditions of consulted rules with other
outcomes (favourable first).

Counterfactual cost: Σ ``cost``·|Δ|/(max − min) for numbers, ``cost`` per change for booleans and
categories; only ``mutable`` features, within [min, max], in the allowed ``direction``, on the grid of
multiples of ``step`` (``_domain``). The first alternative is a proven optimum of this cost over all allowed
values (tested against brute force over whole grids); each later one (up to ``max_alternatives``) is optimal
among routes that leave unchanged at least one feature of every earlier route. Ties: the route that keeps
earlier-listed features unchanged wins, then the smaller change. ``no_recourse`` is true only when no allowed
change gives another outcome (or one of ``target_outcomes``).

Limits of exactness, stated: a number feature without ``step`` moves on a resolution grid of a millionth of its
range (values a person can read); in linear/logistic models such moves are the exact LP optimum rounded
outward to that grid, so the cost exceeds the LP optimum by at most ``cost``·1e-6 per feature. Where float
rounding in the replay and exact arithmetic disagree exactly at a threshold, the replay wins.

Near-threshold band: ``near_band`` if given, else the spec's ``near_threshold_band`` if present, else 5 % of
the range of scores the model can produce, in the units of the recorded score (probability for logistic
models whose threshold is on the probability).
"""

from ._common import EngineInconsistency
from .core import COST_MODEL, DEFAULT_ALTERNATIVES, ENGINE_VERSION, explain
from .result import Explanation

__all__ = [
    "COST_MODEL",
    "DEFAULT_ALTERNATIVES",
    "ENGINE_VERSION",
    "EngineInconsistency",
    "Explanation",
    "explain",
]
