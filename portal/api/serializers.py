"""The agency API's error shape, for every app's endpoints (portal/api/errors.py writes it)."""

from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False, help_text="Position of the record in the batch.")
    field = serializers.CharField(help_text="Dotted path of the field, e.g. inputs.income_per_person.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(
        help_text="Machine-readable code, e.g. invalid, batch_too_large, not_found."
    )
    detail = serializers.CharField()
    problems = ProblemSerializer(many=True, required=False)
