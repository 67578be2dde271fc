"""Shapes of the outcomes API, for the OpenAPI schema and for responses (rendered from plain dicts)."""

from rest_framework import serializers


class CorrectionSerializer(serializers.Serializer):
    feature = serializers.CharField(help_text="The input the review found wrong.")
    source = serializers.CharField(help_text="The registry that holds it.")  # type: ignore[assignment]
    recorded_value = serializers.JSONField(help_text="The value the decision used.")
    correct_value = serializers.CharField(help_text="The value the review found correct.")
    status = serializers.ChoiceField(choices=["SENT", "ACKNOWLEDGED"])


class OutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="The outcome's id: the poll cursor and the webhook's Idempotency-Key."
    )
    type = serializers.CharField(help_text="Always appeal.outcome.")
    appeal_reference = serializers.CharField()
    decision_reference = serializers.CharField()
    system = serializers.CharField(help_text="The system's register code.")
    external_id = serializers.CharField(help_text="Your id of the decision, as sent at ingest.")
    original_outcome = serializers.CharField(help_text="The outcome code the decision had.")
    outcome = serializers.ChoiceField(choices=["DECISION_UPHELD", "OVERTURNED", "PARTLY_OVERTURNED"])
    new_outcome = serializers.CharField(allow_null=True, help_text="The outcome code that replaces it.")
    decided_at = serializers.DateTimeField()
    action_required = serializers.BooleanField(
        help_text="True when you must carry out the new outcome and acknowledge it."
    )
    corrections = CorrectionSerializer(many=True)
    carried_out_at = serializers.DateTimeField(allow_null=True)
    carried_out_note = serializers.CharField(allow_null=True)


class OutcomePageSerializer(serializers.Serializer):
    results = OutcomeSerializer(many=True)
    next_cursor = serializers.IntegerField(
        help_text="Pass as `after` to get the next page (unchanged when there is nothing new)."
    )
    has_more = serializers.BooleanField()


class AcknowledgeRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What was done, e.g. the payment order number.")
