"""One error shape for the whole API: {"error": code, "detail": text, "problems": [{index, field, message}]}."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ..exceptions import Conflict, NotFound, ValidationFailed


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationFailed):
        return Response(
            {
                "error": exc.code,
                "detail": f"The request was rejected as a whole ({len(exc.problems)} problem(s)); nothing was stored.",
                "problems": [p.as_dict() for p in exc.problems],
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, NotFound):
        return Response({"error": "not_found", "detail": str(exc) or "Not found."}, status=404)
    if isinstance(exc, Conflict):
        return Response({"error": "conflict", "detail": str(exc)}, status=409)
    response = drf_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "error" not in response.data:
        detail = response.data.get("detail", response.data)
        response.data = {"error": getattr(exc, "default_code", "error"), "detail": str(detail)}
    return response
