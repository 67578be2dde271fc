"""Agency API for appeal outcomes: poll them, acknowledge carrying out an overturn. Thin views.

Authentication is the agency token of the register API (`Authorization: Token …`); an agency sees only the
outcomes of appeals on systems it operates, and another agency's outcome answers 404.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.pagination import KeysetPagination
from portal.api.params import MAX_ID
from portal.api.serializers import ErrorSerializer
from portal.api.views import AgencyView
from portal.exceptions import NotFound, Problem, ValidationFailed

from ..services.agency_outcomes import POLL_MAX, outcome_acknowledge, outcome_view, outcomes_for_agency
from .serializers import AcknowledgeRequestSerializer, OutcomePageSerializer, OutcomeSerializer

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Missing, invalid or revoked token."),
    404: OpenApiResponse(ErrorSerializer, description="No such outcome among your systems."),
    409: OpenApiResponse(ErrorSerializer, description="The outcome requires nothing to be carried out."),
    422: OpenApiResponse(
        ErrorSerializer, description="Invalid parameters or body, with every problem listed."
    ),
}
WEBHOOK_NOTE = (
    "With a webhook registered for your agency (`manage.py webhook_register <agency> <https url>`, which "
    "shows the signing secret once), each outcome is also POSTed to you as "
    "JSON with the fields of one result "
    "below except `carried_out_*`. Headers: `Idempotency-Key: outcome-<id>` (the same on every retry), "
    "`X-Portal-Signature: t=<unix seconds>,v1=<hex>` where v1 is HMAC-SHA256 with your secret over "
    "`<t>.` followed by the raw body. Verify it in constant time and reject timestamps older than 5 minutes. "
    "Answer 2xx to accept; anything else is retried with exponential backoff."
)
PAGES = KeysetPagination(default_limit=100, max_limit=POLL_MAX)


class OutcomeListView(AgencyView):
    @extend_schema(
        operation_id="outcomes_list",
        tags=["outcomes"],
        summary="Outcomes of appeals on your systems (poll, oldest first)",
        description=(
            "Keyset pagination: pass the `next_cursor` of one page as `after` to get the next. Poll with the "
            "last cursor you processed to get only new outcomes. " + WEBHOOK_NOTE
        ),
        parameters=PAGES.parameters("Return outcomes with an id greater than this."),
        responses={200: OutcomePageSerializer, 401: ERRORS[401], 422: ERRORS[422]},
    )
    def get(self, request: Request) -> Response:
        organisation = self.agency(request).organisation
        return PAGES.page(
            request,
            lambda after, n: outcomes_for_agency(organisation=organisation, after=after, limit=n),
            outcome_view,
        )


class OutcomeAcknowledgeView(AgencyView):
    @extend_schema(
        operation_id="outcome_acknowledge",
        tags=["outcomes"],
        summary="Acknowledge that you carried out an overturn",
        description=(
            "Record that the new outcome of an overturned (or partly overturned) appeal has been put into "
            "effect, with a note of what was done. Idempotent: repeating it "
            "returns the first acknowledgement. "
            "The citizen is told, and the acknowledgement is kept in the audit trail."
        ),
        request=AcknowledgeRequestSerializer,
        responses={200: OutcomeSerializer, **ERRORS},
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        principal = self.agency(request)
        if delivery_id > MAX_ID:
            raise NotFound("No such outcome among your systems.")
        body: Any = request.data
        note = body.get("note") if isinstance(body, dict) else None
        if not isinstance(note, str):
            raise ValidationFailed([Problem("note", "say what was done")])
        delivery = outcome_acknowledge(
            organisation=principal.organisation, delivery_id=delivery_id, note=note, actor=principal.pk
        )
        return Response(outcome_view(delivery))
