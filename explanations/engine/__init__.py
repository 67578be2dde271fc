"""The explanation engine: exact, case-specific explanations of decisions made by registered models.

Public interface::

    from explanations.engine import explain, ENGINE_VERSION, Explanation

    exp = explain(spec, values, recorded_score=..., recorded_outcome=..., attributions=None, near_band=None)
    exp.to_dict()   # plain JSON data, keys in declared order
    exp.to_json()   # canonical bytes: sorted keys, floats by repr; identical for identical inputs

What each kind gets (design: ../shared/design/explanations.md, part C):

============== ============================================= ==============================================
kind           contributions / trace                         counterfactual (exact for the cost model)
============== ============================================= ==============================================
scorecard      points of the case's bin − reference bin       multiple-choice knapsack by DP over point sums
linear         wᵢ·(xᵢ − bᵢ) against the spec's baseline       greedy LP (continuous) + branch and bound
logistic       same, on the logit scale, + probability view   same, on the logit
decision_tree  the path, each test with value and result      projection onto every other-outcome leaf box
rules          every rule, each condition, the deciding rule  DFS over condition truth patterns
opaque         the agency's attributions, not reproducible    none claimed
============== ============================================= ==============================================

Exactness: every spec number is read as the exact rational value of its float (``fractions.Fraction``), so
contributions satisfy ``baseline + Σ contributions == score`` exactly (checked before returning; the JSON
carries the exact rationals as ``*_exact`` strings, floats are full precision and rounded only for display).
Scores and outcomes always come from the compiled model of ``explanations.spec`` (replay), never from the
engine's own arithmetic; the engine refuses (``EngineInconsistency``) if its reading ever disagrees.

Cost of a counterfactual: Σ ``cost``·|Δ|/(max − min) for numbers, ``cost`` per change for booleans and
categories (see ``_domain``). Ties between equally cheap routes: the route that keeps earlier-listed features
unchanged wins, then the smaller change. Alternatives: up to three, cheapest first; each leaves unchanged at
least one feature of every earlier one.

Near-threshold band: ``near_band`` if given, else the spec's ``near_threshold_band`` if present, else 5 % of
the range of scores the model can produce, in the units of the recorded score.
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
