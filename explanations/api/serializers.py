"""Shapes of the agency API, for the OpenAPI schema and for responses.

Requests are validated by the services (plain Python, all problems at once, no per-row queries); these
serializers document the same shapes and render responses.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .schema import spec_schema


class I18nTextSerializer(serializers.Serializer):
    kk = serializers.CharField()
    ru = serializers.CharField()
    en = serializers.CharField()


class DatasetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    version = serializers.CharField(max_length=64)
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$")


@extend_schema_field(spec_schema())
class SpecField(serializers.DictField):
    """A model specification: documented with the required fields of the spec validator's JSON Schema."""


class ModelVersionRequestSerializer(serializers.Serializer):
    version = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        help_text="Immutable once registered; a change is a new version.",
    )
    released_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(required=False, allow_null=True)
    dataset = DatasetSerializer()
    parameters = serializers.DictField(
        required=False, help_text="Policy parameters, e.g. subsistence minimum."
    )
    change_note = I18nTextSerializer()
    performance = serializers.DictField(
        required=False, help_text="Published performance, overall and per group."
    )
    spec = SpecField(help_text="The replayable specification; see docs/model-spec.md and its schema.")
    artifact_skops_base64 = serializers.CharField(
        required=False,
        help_text="Optional scikit-learn artifact saved with skops (linear, logistic, tree only).",
    )


class ModelVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    kind = serializers.CharField()
    spec_hash = serializers.CharField()
    released_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    dataset_name = serializers.CharField()
    dataset_version = serializers.CharField()
    dataset_sha256 = serializers.CharField()
    artifact_sha256 = serializers.CharField()
    import_check = serializers.JSONField(
        help_text="For a model imported from its library's file: format, source, rows checked, the largest "
        "difference from the library's margins and the tolerance; empty otherwise."
    )
    registered_at = serializers.DateTimeField()


class SystemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = I18nTextSerializer()
    decision_type = serializers.CharField()
    versions = ModelVersionSerializer(many=True)


class InputItemSerializer(serializers.Serializer):
    value = serializers.JSONField()
    source = serializers.CharField(help_text="Code of the source registry.")  # type: ignore[assignment]
    as_of_date = serializers.DateField(help_text="The date the value refers to.")
    collection = serializers.ChoiceField(["registry", "declared", "imputed", "derived", "default"])


class GroupSerializer(serializers.Serializer):
    region = serializers.CharField(required=False)
    settlement = serializers.ChoiceField(["URBAN", "RURAL"], required=False)
    sex = serializers.ChoiceField(["F", "M"], required=False)
    age_band = serializers.ChoiceField(["0-17", "18-29", "30-44", "45-59", "60+"], required=False)
    disability = serializers.BooleanField(required=False, allow_null=True)


class HumanSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["NONE", "REVIEWED", "DECIDED"])
    role = serializers.CharField(required=False)
    note = serializers.CharField(required=False)


class DecisionRecordSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="Your id; unique per system.")
    model_version = serializers.CharField()
    subject_iin = serializers.RegexField(r"^\d{12}$", help_text="IIN with a valid check digit.")
    household_id = serializers.CharField(required=False, max_length=64)
    group = GroupSerializer(required=False, help_text="Optional attributes for statistics only.")
    decided_at = serializers.DateTimeField()
    notified = serializers.BooleanField(
        help_text="false marks a silent assessment the person was never told of."
    )
    notified_at = serializers.DateTimeField(required=False, allow_null=True)
    outcome = serializers.CharField()
    score = serializers.FloatField(required=False, allow_null=True)
    inputs = serializers.DictField(child=InputItemSerializer())
    attributions = serializers.DictField(child=serializers.FloatField(), required=False)
    human_involvement = HumanSerializer(required=False)
    supersedes = serializers.CharField(required=False, help_text="external_id of the decision this corrects.")


class DecisionBatchRequestSerializer(serializers.Serializer):
    decisions = serializers.ListField(
        child=DecisionRecordSerializer(),
        min_length=1,
        max_length=settings.INGEST_MAX_BATCH,
        help_text="All or nothing: one bad record rejects the batch, with every problem listed.",
    )


class CreatedDecisionSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    reference = serializers.CharField()
    reproducibility = serializers.ChoiceField(["REPRODUCED", "MISMATCH", "NOT_REPLAYABLE"])


class DecisionBatchResponseSerializer(serializers.Serializer):
    batch_id = serializers.UUIDField()
    system = serializers.CharField()
    count = serializers.IntegerField()
    not_reproducible = serializers.IntegerField()
    decisions = CreatedDecisionSerializer(many=True)


class DecisionSerializer(serializers.Serializer):
    reference = serializers.CharField()
    external_id = serializers.CharField()
    system = serializers.CharField(source="system.code")
    model_version = serializers.CharField(source="model_version.version")
    decided_at = serializers.DateTimeField()
    notified = serializers.BooleanField()
    notified_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    reproducibility = serializers.CharField()
    replayed_score = serializers.FloatField(allow_null=True)
    replayed_outcome = serializers.CharField()
    status = serializers.SerializerMethodField()
    supersedes = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    content_hash = serializers.CharField()
    ingested_at = serializers.DateTimeField()

    def get_status(self, obj: object) -> str:
        return "SUPERSEDED" if getattr(obj, "superseded_by", None) else "CURRENT"

    def get_supersedes(self, obj: object) -> str | None:
        earlier = getattr(obj, "supersedes", None)
        return earlier.reference if earlier else None

    def get_superseded_by(self, obj: object) -> str | None:
        later = getattr(obj, "superseded_by", None)
        return later.reference if later else None
