"""The register of algorithmic systems, their model versions, and the decisions they made.

Model versions and decisions are immutable records: a change is a new version, a correction a new decision that
supersedes the earlier one.
"""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation


class DecisionType(models.TextChoices):
    BENEFIT = "BENEFIT", _("Social benefit")
    TAX = "TAX", _("Tax")
    OTHER = "OTHER", _("Other")


class AutomationLevel(models.TextChoices):
    DECIDES = "DECIDES", _("Decides without a person")
    RECOMMENDS = "RECOMMENDS", _("Recommends; a person decides")
    TRIAGES = "TRIAGES", _("Selects cases for a person to examine")


class ImpactLevel(models.TextChoices):
    LOW = "LOW", _("Low")
    MODERATE = "MODERATE", _("Moderate")
    HIGH = "HIGH", _("High")
    VERY_HIGH = "VERY_HIGH", _("Very high")


class ModelKind(models.TextChoices):
    SCORECARD = "scorecard", _("Scorecard")
    LINEAR = "linear", _("Linear model")
    LOGISTIC = "logistic", _("Logistic model")
    DECISION_TREE = "decision_tree", _("Decision tree")
    RULES = "rules", _("Rule list")
    TREE_ENSEMBLE = "tree_ensemble", _("Tree ensemble (boosted or forest)")
    OPAQUE = "opaque", _("Opaque (not replayable)")


class AlgorithmicSystem(models.Model):
    """A register entry. Text fields marked i18n hold {"kk": ..., "ru": ..., "en": ...}."""

    code = models.SlugField(max_length=64, unique=True)
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="systems")
    name = models.JSONField()  # i18n
    summary = models.JSONField()  # i18n
    purpose = models.JSONField()  # i18n
    legal_basis = models.JSONField()  # i18n
    legal_basis_url = models.URLField(blank=True)
    decision_type = models.CharField(max_length=16, choices=DecisionType.choices)
    affected_population = models.JSONField()  # i18n
    decisions_per_year = models.PositiveIntegerField(null=True, blank=True)
    automation_level = models.CharField(max_length=16, choices=AutomationLevel.choices)
    human_involvement = models.JSONField()  # i18n
    impact_level = models.CharField(max_length=16, choices=ImpactLevel.choices)
    # [{"code": "MLSPP_INCOME", "name": i18n, "contributes": i18n}]
    data_sources = models.JSONField(default=list)
    known_limitations = models.JSONField()  # i18n
    appeal_window_days = models.PositiveSmallIntegerField()
    review_deadline_working_days = models.PositiveSmallIntegerField()
    near_threshold_band = models.FloatField(null=True, blank=True)
    # i18n (the title in each language); a plain string is shown as it is in every language (a name).
    responsible_official = models.JSONField(default=dict, blank=True)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(appeal_window_days__gt=0), name="appeal_window_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(review_deadline_working_days__gt=0), name="review_deadline_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ModelVersion(models.Model):
    """One registered version of a system's model. Immutable: a change is a new version."""

    system = models.ForeignKey(AlgorithmicSystem, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64)
    released_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    dataset_name = models.CharField(max_length=200)
    dataset_version = models.CharField(max_length=64)
    dataset_sha256 = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict)
    change_note = models.JSONField()  # i18n
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    artifact_path = models.CharField(max_length=255, blank=True)
    # {"overall": {"metric": value}, "groups": [{"attribute": "region", "value": "...", "metrics": {...}}]}
    performance = models.JSONField(default=dict)
    # For a spec imported from a library's model file: format, source, rows checked, largest difference and
    # tolerance of the check against the library's own predictions (empty for specs sent as they are).
    import_check = models.JSONField(default=dict, blank=True)
    registered_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["system", "version"], name="unique_version_per_system"),
            models.CheckConstraint(
                condition=models.Q(retired_at__isnull=True)
                | models.Q(retired_at__gte=models.F("released_at")),
                name="retired_after_released",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system.code} {self.version}"


class Reproducibility(models.TextChoices):
    REPRODUCED = "REPRODUCED", _("Reproduced by the portal")
    MISMATCH = "MISMATCH", _("Not reproducible: the portal's recomputation differs")
    NOT_REPLAYABLE = "NOT_REPLAYABLE", _("Cannot be recomputed: the model is opaque")


class Settlement(models.TextChoices):
    URBAN = "URBAN", _("Urban")
    RURAL = "RURAL", _("Rural")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class AgeBand(models.TextChoices):
    UNDER_18 = "0-17", _("Under 18")
    A18_29 = "18-29", _("18–29")
    A30_44 = "30-44", _("30–44")
    A45_59 = "45-59", _("45–59")
    A60_PLUS = "60+", _("60 and over")


class HumanInvolvement(models.TextChoices):
    NONE = "NONE", _("No person was involved")
    REVIEWED = "REVIEWED", _("A person reviewed the result")
    DECIDED = "DECIDED", _("A person decided, with the system's result")


class Decision(models.Model):
    """One algorithmic decision about one person, as the agency recorded it. Never updated."""

    reference = models.CharField(max_length=13, unique=True)
    system = models.ForeignKey(AlgorithmicSystem, on_delete=models.PROTECT, related_name="decisions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="decisions")
    external_id = models.CharField(max_length=100)
    subject_iin_hash = models.CharField(max_length=64, db_index=True)
    subject_iin_encrypted = models.BinaryField()
    household_id = models.CharField(max_length=64, blank=True, db_index=True)
    region = models.CharField(max_length=64, blank=True)
    settlement = models.CharField(max_length=8, choices=Settlement.choices, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    disability = models.BooleanField(null=True)
    decided_at = models.DateTimeField()
    notified = models.BooleanField()
    notified_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=64)
    score = models.FloatField(null=True)
    # {"feature": {"value": ..., "source": "REGISTRY", "as_of_date": "YYYY-MM-DD", "collection": "registry"}}
    inputs = models.JSONField()
    attributions = models.JSONField(null=True)
    human_involvement = models.CharField(max_length=16, choices=HumanInvolvement.choices)
    human_role = models.CharField(max_length=200, blank=True)
    human_note = models.TextField(blank=True)
    reproducibility = models.CharField(max_length=16, choices=Reproducibility.choices)
    replayed_score = models.FloatField(null=True)
    replayed_outcome = models.CharField(max_length=64, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, related_name="superseded_by"
    )
    content_hash = models.CharField(max_length=64)
    batch_id = models.UUIDField()
    ingested_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["system", "external_id"], name="unique_external_id_per_system"),
            models.CheckConstraint(
                condition=models.Q(notified=True) | models.Q(notified_at__isnull=True),
                name="silent_assessment_has_no_notification_date",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["subject_iin_hash", "-decided_at"], name="decision_subject_idx")
        ]

    def __str__(self) -> str:
        return self.reference


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "IN_PROGRESS", "in progress"
    DONE = "DONE", "done"


class IdempotencyRecord(models.Model):
    """The first answer to a request made with an Idempotency-Key, per agency."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=IdempotencyState.choices)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "key"], name="unique_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.key}"


class StoredExplanation(models.Model):
    """The explanation of one decision by one engine version: computed once, stored, byte-identical on reads.

    A new engine version computes a new row; earlier rows stay, so what a citizen was shown can be proven.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="explanations")
    engine_version = models.CharField(max_length=32)
    content = models.JSONField()
    canonical_json = models.TextField()
    sha256 = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["decision", "engine_version"], name="one_explanation_per_engine_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}@{self.engine_version}"


class FlagChannel(models.TextChoices):
    SIGNED_IN = "SIGNED_IN", _("Signed in")
    LOOKUP = "LOOKUP", _("Look-up with a letter")


class DataFlag(models.Model):
    """A person's statement that one item of data used in their decision is wrong. Never updated.

    Recorded now so that it can support an appeal later; recording it changes nothing in the decision. A person
    who came through the letter look-up has no account, so ``citizen`` is empty and ``channel`` says so.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="data_flags")
    feature = models.CharField(max_length=63)
    citizen = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="data_flags"
    )
    channel = models.CharField(max_length=16, choices=FlagChannel.choices)
    correct_value = models.TextField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(channel="LOOKUP") | models.Q(citizen__isnull=False),
                name="signed_in_flag_names_the_citizen",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["decision", "feature"], name="dataflag_decision_idx")]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.feature}"
