"""The OpenAPI schema says what the server really does: the error answers every agency operation can give, and the
shape of a model specification as the spec validator requires it.

`add_error_responses` is a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS): each operation that takes
an agency token gets the answers the shared machinery gives regardless of the view (401 from authentication,
429 from the throttles with its Retry-After header, and for a request with a body 400 from the parser, 413,
415 and 422), in the one error shape; what a view documents itself is kept as it is.
"""

from functools import cache
from typing import Any

from portal.api.auth import AgencyTokenScheme

from ..spec.validate import load_schema

ERROR_REF = {"$ref": "#/components/schemas/Error"}
SECURITY_SCHEME = AgencyTokenScheme.name
BODY_METHODS = frozenset({"post", "put", "patch"})

COMMON = {
    "401": "Missing, invalid or revoked token.",
    "429": "Too many requests with this token; retry after the number of seconds in Retry-After.",
}
WITH_BODY = {
    "400": "Malformed JSON, or a key repeated within an object.",
    "413": "Body too large.",
    "415": "Content type is not application/json.",
    "422": "Rejected as a whole, with every problem listed; nothing was stored.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before the next request with this token.",
    }
}


def _takes_token(operation: dict[str, Any]) -> bool:
    return any(SECURITY_SCHEME in requirement for requirement in operation.get("security", []))


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or not _takes_token(operation):
                continue
            wanted = dict(COMMON)
            if method in BODY_METHODS and "requestBody" in operation:
                wanted |= WITH_BODY
            responses = operation.setdefault("responses", {})
            for status, description in wanted.items():
                responses.setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ERROR_REF}}},
                )
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
    return result


def _loose(schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without references into the spec schema's own $defs (described in docs/model-spec.md)."""
    out = {k: v for k, v in schema.items() if k not in {"$ref", "items"}}
    if "items" in schema:
        items = schema["items"]
        out["items"] = {"type": "object"} if "$ref" in items else _loose(items)
    return out


@cache
def spec_schema() -> dict[str, Any]:
    """The top of the model-spec JSON Schema (its required fields, the kinds), from the validator's own file."""
    full = load_schema()
    required = list(full.get("required", []))
    properties = {name: _loose(full["properties"][name]) for name in required if name in full["properties"]}
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": True,
        "description": (
            "The replayable specification. Each kind requires further fields (docs/model-spec.md; the full JSON "
            "Schema is explanations/spec/schema.json); the server checks it whole and answers 422 with the path "
            "of each problem."
        ),
    }
