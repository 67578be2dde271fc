"""Agency API: thin views, one service or selector call each."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.serializers import ErrorSerializer
from portal.api.views import AgencyView
from portal.exceptions import NotFound, Problem, ValidationFailed
from portal.identifiers import normalise_reference

from ..selectors import decision_for_agency, systems_of_agency
from ..services.explain import explanation_get_or_compute
from ..services.idempotency import request_fingerprint, run_idempotent
from ..services.ingest import decisions_ingest
from ..services.model_versions import model_version_register
from .serializers import (
    DecisionBatchRequestSerializer,
    DecisionBatchResponseSerializer,
    DecisionSerializer,
    ModelVersionRequestSerializer,
    ModelVersionSerializer,
    SystemSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Same key + same body returns the first answer; a different body 422; still running 409.",
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Malformed JSON."),
    401: OpenApiResponse(ErrorSerializer, description="Missing, invalid or revoked token."),
    404: OpenApiResponse(ErrorSerializer, description="No such system (or not operated by your agency)."),
    409: OpenApiResponse(ErrorSerializer, description="The same Idempotency-Key is still being processed."),
    413: OpenApiResponse(ErrorSerializer, description="Body too large."),
    415: OpenApiResponse(ErrorSerializer, description="Content type is not application/json."),
    422: OpenApiResponse(ErrorSerializer, description="Rejected as a whole, with every problem listed."),
}


class IdempotentAgencyView(AgencyView):
    """An agency view whose writes honour Idempotency-Key (explanations.services.idempotency)."""

    def idempotent(self, request: Request, handler: Any) -> Response:
        principal = self.agency(request)
        fingerprint = request_fingerprint(
            method=request.method or "", path=request.path, body=getattr(request, "raw_body_bytes", b"")
        )
        status, body, replayed = run_idempotent(
            organisation=principal.organisation,
            key=request.headers.get("Idempotency-Key"),
            fingerprint=fingerprint,
            handler=handler,
        )
        response = Response(body, status=status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class SystemListView(AgencyView):
    @extend_schema(responses={200: SystemSerializer(many=True), 401: ERRORS[401]}, summary="Your systems")
    def get(self, request: Request) -> Response:
        systems = systems_of_agency(self.agency(request).organisation)
        data = [
            {
                "code": s.code,
                "name": s.name,
                "decision_type": s.decision_type,
                "versions": ModelVersionSerializer(s.versions.all(), many=True).data,
            }
            for s in systems
        ]
        return Response(data)


class ModelVersionCreateView(IdempotentAgencyView):
    @extend_schema(
        request=ModelVersionRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: ModelVersionSerializer,
            200: ModelVersionSerializer,
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Other content is already registered under this version (a change is a new "
                "version), or the same Idempotency-Key is still being processed.",
            ),
        },
        summary="Register a model version (immutable; a change is a new version)",
    )
    def post(self, request: Request, system_code: str) -> Response:
        principal = self.agency(request)
        payload = request.data

        def handler() -> tuple[int, Any]:
            version, created = model_version_register(
                organisation=principal.organisation,
                system_code=system_code,
                payload=payload,
                actor=principal.pk,
            )
            return (201 if created else 200), dict(ModelVersionSerializer(version).data)

        return self.idempotent(request, handler)


class DecisionBatchView(IdempotentAgencyView):
    @extend_schema(
        request=DecisionBatchRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: DecisionBatchResponseSerializer, **ERRORS},
        summary="Ingest a batch of decisions (all or nothing; up to INGEST_MAX_BATCH records)",
    )
    def post(self, request: Request, system_code: str) -> Response:
        principal = self.agency(request)
        payload = request.data
        if not isinstance(payload, dict) or set(payload) != {"decisions"}:
            raise ValidationFailed([Problem("", _("the body must be an object with one key, decisions"))])

        def handler() -> tuple[int, Any]:
            result = decisions_ingest(
                organisation=principal.organisation,
                system_code=system_code,
                records=payload["decisions"],
                actor=principal.pk,
            )
            return 201, {
                "batch_id": str(result.batch_id),
                "system": result.system,
                "count": len(result.created),
                "not_reproducible": result.not_reproducible,
                "decisions": result.created,
            }

        return self.idempotent(request, handler)


class DecisionDetailView(AgencyView):
    @extend_schema(
        responses={200: DecisionSerializer, 401: ERRORS[401], 404: ERRORS[404]},
        summary="Read a decision with its current status",
    )
    def get(self, request: Request, reference: str) -> Response:
        decision = None
        if normalise_reference(reference) == reference:  # never a query for what cannot be one (a NUL, say)
            decision = decision_for_agency(
                organisation=self.agency(request).organisation, reference=reference
            )
        if decision is None:
            raise NotFound(_("No such decision among your systems."))
        data = dict(DecisionSerializer(decision).data)
        data["explanation"] = explanation_get_or_compute(decision=decision).content
        return Response(data)
