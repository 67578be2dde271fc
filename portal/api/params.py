"""Query parameters shared by the agency API's keyset-paginated lists (outcomes, proactive reviews)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from portal.exceptions import Problem, ValidationFailed

MAX_ID = 2**63 - 1  # the largest id PostgreSQL's bigint holds: a larger cursor or id is refused, never a 500


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high], `default` when absent; 422 otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(
            [Problem(name, _("must be a whole number from %(low)d to %(high)d") % {"low": low, "high": high})]
        )
    return int(raw)


def int_query_parameter(name: str, default: int, low: int, high: int, description: str) -> OpenApiParameter:
    """The OpenAPI description of a query parameter read with int_param: the same range and default."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": low, "maximum": high, "default": default},
        OpenApiParameter.QUERY,
        required=False,
        description=f"{description} A whole number from {low} to {high}; default {default}.",
    )
