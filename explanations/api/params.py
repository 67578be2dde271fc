"""Query parameters shared by the agency API's keyset-paginated lists (outcomes, proactive reviews)."""

from django.utils.translation import gettext as _
from rest_framework.request import Request

from ..exceptions import Problem, ValidationFailed

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
