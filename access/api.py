"""Agency API for error propagation: the decisions of your systems flagged for proactive review because an
appeal confirmed that a data item they used was wrong; mark one reviewed. Thin views over access.

An agency sees only flags on decisions of systems it operates; another agency's flag answers 404.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.pagination import KeysetPagination
from portal.api.params import MAX_ID
from portal.api.serializers import ErrorSerializer
from portal.api.views import AgencyView
from portal.exceptions import NotFound, Problem, ValidationFailed

from .exceptions import AccessError, ProactiveReviewNotFound
from .models import MatchKind, ProactiveReview
from .selectors import (
    proactive_review_for_agency,
    proactive_review_view,
    proactive_reviews_for_agency,
)
from .services import NOTE_MAX, proactive_review_mark_reviewed

PAGE_MAX = 500
PAGES = KeysetPagination(default_limit=100, max_limit=PAGE_MAX)
NOT_FOUND = gettext_noop("No such flag among your systems' decisions.")


class ProactiveReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The flag's id: the pagination cursor.")
    decision_reference = serializers.CharField(help_text="The portal's reference of your decision.")
    external_id = serializers.CharField(help_text="Your id of the decision, as sent at ingest.")
    system = serializers.CharField(help_text="The system's register code.")
    match = serializers.ChoiceField(
        choices=MatchKind.values,
        help_text="PERSON: the decision is about the person whose appeal found the item wrong. HOUSEHOLD: about "
        "another member of the same household.",
    )
    feature = serializers.CharField(help_text="The input found wrong.")
    source = serializers.CharField(help_text="The registry that holds it (empty if not recorded).")  # type: ignore[assignment]
    recorded_value = serializers.JSONField(help_text="The value your decision used.")
    confirmed_wrong_value = serializers.JSONField(
        allow_null=True,
        help_text="The value the appeal found wrong; only for your own decision's appellant (same person, same "
        "value), else null.",
    )
    correct_value = serializers.CharField(
        allow_null=True, help_text="The value the appeal found correct; same condition, else null."
    )
    confirmed_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=ProactiveReview.Status.values)
    flagged_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField(allow_null=True)


class ProactiveReviewPageSerializer(serializers.Serializer):
    results = ProactiveReviewSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text="Pass as `after` to get the next page.")
    has_more = serializers.BooleanField()


class ReviewRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, help_text="What the review found or did.")


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Missing, invalid or revoked token."),
    404: OpenApiResponse(ErrorSerializer, description=NOT_FOUND),
    422: OpenApiResponse(ErrorSerializer, description="Invalid parameters or body, every problem listed."),
}


class ProactiveReviewListView(AgencyView):
    @extend_schema(
        operation_id="proactive_reviews_list",
        tags=["proactive reviews"],
        summary="Your decisions flagged for proactive review (error propagation)",
        description=(
            "When an appeal confirms that an item of registry data was wrong, every other decision that used the "
            "same item (same input name, and the same source registry when both record one) for the same person "
            "(any system), or for the same household in your own systems when your decision used the very value "
            "found wrong, is flagged for its operator. Review each one and mark it reviewed. Keyset "
            "pagination by id: pass `next_cursor` as `after`."
        ),
        parameters=[
            OpenApiParameter(
                "status", str, OpenApiParameter.QUERY, required=False, enum=ProactiveReview.Status.values
            ),
            *PAGES.parameters("The `next_cursor` of the previous page."),
        ],
        responses={200: ProactiveReviewPageSerializer, 401: ERRORS[401], 422: ERRORS[422]},
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in ProactiveReview.Status.values:
            raise ValidationFailed([Problem("status", _("must be OPEN or REVIEWED"))])
        organisation = self.agency(request).organisation
        return PAGES.page(
            request,
            lambda after, n: proactive_reviews_for_agency(
                organisation=organisation, status=status, after=after, limit=n
            ),
            proactive_review_view,
        )


class ProactiveReviewMarkView(AgencyView):
    @extend_schema(
        operation_id="proactive_review_mark_reviewed",
        tags=["proactive reviews"],
        summary="Mark a flagged decision reviewed",
        description="Idempotent: repeating it returns the first review. Kept in the audit trail.",
        request=ReviewRequestSerializer,
        responses={200: ProactiveReviewSerializer, **ERRORS},
    )
    def post(self, request: Request, flag_id: int) -> Response:
        principal = self.agency(request)
        if flag_id > MAX_ID:
            raise NotFound(_(NOT_FOUND))
        body: Any = request.data
        note = body.get("note") if isinstance(body, dict) else None
        if not isinstance(note, str):
            raise ValidationFailed([Problem("note", _("say what the review found or did"))])
        try:
            proactive_review_mark_reviewed(
                organisation=principal.organisation, flag_id=flag_id, note=note, actor=principal.pk
            )
            flag = proactive_review_for_agency(organisation=principal.organisation, flag_id=flag_id)
        except ProactiveReviewNotFound as exc:
            raise NotFound(_(NOT_FOUND)) from exc
        except AccessError as exc:
            raise ValidationFailed([Problem(k, v) for k, v in exc.errors.items()]) from exc
        return Response(proactive_review_view(flag))
