"""Keyset pagination of the agency API's feeds (outcomes, proactive reviews): `?after=<id>&limit=<n>`, answered
with `results`, `next_cursor` and `has_more`.

Why not DRF's CursorPagination: these lists are *polled*. An agency stores the last id it processed and asks
again later for what came after it. CursorPagination's opaque cursor ends (`next: null`) on the last page, so a
poller would have nowhere to resume from; here the cursor is the last id seen, kept on the last page too, and a
plain integer an agency can store in its own database.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from .params import MAX_ID, int_param, int_query_parameter


@dataclass(frozen=True)
class KeysetPagination:
    """One feed's page sizes. `fetch(after, n)` returns up to n rows with id > after, in id order."""

    default_limit: int
    max_limit: int

    def parameters(self, after_description: str) -> list[OpenApiParameter]:
        return [
            int_query_parameter("after", 0, 0, MAX_ID, after_description),
            int_query_parameter("limit", self.default_limit, 1, self.max_limit, "Page size."),
        ]

    def page(
        self, request: Request, fetch: Callable[[int, int], Sequence[Any]], render: Callable[[Any], Any]
    ) -> Response:
        after = int_param(request, "after", 0, 0, MAX_ID)
        limit = int_param(request, "limit", self.default_limit, 1, self.max_limit)
        rows = fetch(after, limit + 1)  # one more than the page says whether there is more
        page = rows[:limit]
        return Response(
            {
                "results": [render(row) for row in page],
                "next_cursor": page[-1].pk if page else after,
                "has_more": len(rows) > limit,
            }
        )
