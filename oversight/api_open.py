"""Public open-data API: aggregates per system, model version, month and region; no sign-in, no token.

The document a system answers is the same as the JSON download of its open-data page (oversight/
opendata.py builds both), so the page, the downloads and the API always show the same numbers. Agency tokens
are not needed and are ignored here (no authentication class runs), so a client that sends one still works.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from explanations.api.serializers import I18nTextSerializer
from portal.api.serializers import ErrorSerializer
from portal.exceptions import NotFound

from . import opendata

TAG = "open data"
DESCRIPTION = (
    "Public, no authentication. Aggregates only: no person, decision or appeal can be identified. "
    + opendata.SUPPRESSION_RULE
    + " Licence: "
    + opendata.LICENCE["name"]
    + "."
)


class OpenDataCountSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True, help_text="The count; null exactly when suppressed.")
    suppressed = serializers.BooleanField(help_text="True when the count is hidden (see `suppression`).")


class OpenDataRateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="overturned / decided (0 to 1).")
    low = serializers.FloatField(allow_null=True, help_text="Wilson score 95% interval, lower bound.")
    high = serializers.FloatField(allow_null=True, help_text="Wilson score 95% interval, upper bound.")
    suppressed = serializers.BooleanField(help_text="True when the numerator or denominator is suppressed.")


class OpenDataFiguresSerializer(serializers.Serializer):
    decisions = OpenDataCountSerializer()
    silent = OpenDataCountSerializer()
    appeals = OpenDataCountSerializer()
    decided = OpenDataCountSerializer()
    overturned = OpenDataCountSerializer()
    deadlines_kept = OpenDataCountSerializer()
    overturn_rate = OpenDataRateSerializer()


class OpenDataRegionSerializer(OpenDataFiguresSerializer):
    region = serializers.CharField(
        allow_null=True,
        help_text="null: regions with fewer than 10 decisions in the period, and not recorded.",
    )


class OpenDataMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, local time (Asia/Almaty).")
    totals = OpenDataFiguresSerializer()
    regions = OpenDataRegionSerializer(many=True)


class OpenDataVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    released_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    totals = OpenDataFiguresSerializer()
    months = OpenDataMonthSerializer(many=True)


class OpenDataLicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()


class OpenDataSystemRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = I18nTextSerializer()
    register_url = serializers.CharField(
        help_text="The system's entry in the public register (English page)."
    )
    data_url = serializers.CharField(help_text="This document.")


class OpenDataPeriodSerializer(serializers.Serializer):
    first_month = serializers.CharField(allow_null=True)
    last_month = serializers.CharField(allow_null=True, help_text="The last complete month.")
    time_zone = serializers.CharField()


class OpenDataSuppressionSerializer(serializers.Serializer):
    threshold = serializers.IntegerField()
    rule = serializers.CharField()


class OpenDataMeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    description = serializers.CharField()


class OpenDataSystemSerializer(serializers.Serializer):
    system = OpenDataSystemRefSerializer()
    generated_at = serializers.DateTimeField()
    licence = OpenDataLicenceSerializer()
    period = OpenDataPeriodSerializer()
    suppression = OpenDataSuppressionSerializer()
    measures = OpenDataMeasureSerializer(many=True)
    versions = OpenDataVersionSerializer(many=True)


class OpenDataSystemListSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    licence = OpenDataLicenceSerializer()
    systems = OpenDataSystemRefSerializer(many=True)


class PublicView(APIView):
    """No authentication class runs (a token sent anyway is ignored), anyone may read, from any web origin:
    the answers hold no personal data and depend on no cookie, so cross-origin reads are safe."""

    authentication_classes: list[Any] = []
    permission_classes = (AllowAny,)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


def _urls(request: Request, code: str) -> dict[str, str]:
    with translation.override("en"):  # the API is in English; so are the page links it gives
        register = reverse("explanations:system", args=[code])
    return {
        "register_url": request.build_absolute_uri(register),
        "data_url": request.build_absolute_uri(reverse("open-data-api:system", args=[code])),
    }


class SystemListView(PublicView):
    @extend_schema(
        operation_id="open_data_systems",
        tags=[TAG],
        auth=[],
        summary="Systems with open data",
        description=DESCRIPTION,
        responses={200: OpenDataSystemListSerializer},
    )
    def get(self, request: Request) -> Response:
        systems = [
            {"code": s.code, "name": s.name, **_urls(request, s.code)}
            for s in opendata.systems_with_open_data()
        ]
        return Response(
            {"generated_at": timezone.now().isoformat(), "licence": opendata.LICENCE, "systems": systems}
        )


class SystemDetailView(PublicView):
    @extend_schema(
        operation_id="open_data_system",
        tags=[TAG],
        auth=[],
        summary="Open data of one system: per model version, month and region",
        description=DESCRIPTION,
        responses={
            200: OpenDataSystemSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No system with this code in the register."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        system = opendata.system_by_code(code)
        if system is None:
            raise NotFound("No system with this code in the register.")
        data = opendata.system_open_data(system)
        return Response(opendata.as_json(data, **_urls(request, code)))
