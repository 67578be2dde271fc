"""The model version specification: validation, compilation for replay, and checked sklearn artifacts.

Published format: docs/model-spec.md (JSON Schema: ``schema.json`` next to this file).

* ``validate_spec(spec) -> list[SpecError]``: ``[]`` means valid; never raises.
* ``compile_spec(spec) -> CompiledModel``: cached by ``spec_hash(spec)``; ``InvalidSpec`` for an invalid spec.
* ``CompiledModel.validate_inputs / score / matches``: input checks, replay, replay check.
* ``explanations.spec.artifacts``: skops loading under a fixed trust list, ``check_artifact_matches_spec``.
"""

from .compiled import (
    REPLAY_TOLERANCE,
    CompiledModel,
    InvalidInputs,
    InvalidSpec,
    NotReplayable,
    ScoreResult,
    compile_spec,
    scores_match,
    spec_hash,
)
from .validate import SpecError, load_schema, validate_spec

__all__ = [
    "REPLAY_TOLERANCE",
    "CompiledModel",
    "InvalidInputs",
    "InvalidSpec",
    "NotReplayable",
    "ScoreResult",
    "SpecError",
    "compile_spec",
    "load_schema",
    "scores_match",
    "spec_hash",
    "validate_spec",
]
