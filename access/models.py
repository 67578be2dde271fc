"""Access transparency and oversight of the audit chain.

- `AccessRecord`: one staff view of a person's data (who, when, whose, why). Append-only; each is also an event
  of the audit chain (`audit_seq`).
- `ChainVerification`: one run of the audit chain's verification asked for by an ombudsman, with its result.
- `ProactiveReview`: a decision flagged for its operator's review because an appeal confirmed that a data item
  it used (same person or same household, same item) was wrong (error propagation; the matching rule is in
  access.services' docstring).
"""

import re
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, Role


class Purpose(models.TextChoices):
    ASSIGNED_REVIEW = "ASSIGNED_REVIEW", _("Review of the appeal assigned to them")
    SUPERVISION = "SUPERVISION", _("Supervision of the review body's open appeals")
    ASSIGNMENT = "ASSIGNMENT", _("Assigning the appeal to a reviewer")
    COUNTERSIGNATURE = "COUNTERSIGNATURE", _("Second review of a decision (countersignature)")
    QUALITY_CHECK = "QUALITY_CHECK", _("Quality check of a decided appeal")
    STATED_REASON = "STATED_REASON", _("Reason given")


IMPLICIT_PURPOSES = frozenset(Purpose.values) - {Purpose.STATED_REASON}
# The page of the record written when a reason is stated: the reason opens the case for a while from then on
# (later views logged under the same reason do not extend it).
REASON_PAGE = "access:state-reason"


class AccessRecord(models.Model):
    """One view of a person's data by a member of staff. Never updated or deleted."""

    at = models.DateTimeField()
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Copied at the time of the view: a later change of role or organisation does not rewrite history.
    viewer_role = models.CharField(max_length=16)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_iin_hash = models.CharField(max_length=64)
    decision = models.ForeignKey("explanations.Decision", on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(
        "appeals.Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    reason = models.TextField(blank=True)
    page = models.CharField(max_length=80)
    audit_seq = models.BigIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(purpose="STATED_REASON") | ~models.Q(reason=""),
                name="stated_reason_is_not_empty",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["subject_iin_hash", "-at", "-id"], name="access_subject_idx"),
            models.Index(fields=["viewer", "appeal", "-at"], name="access_viewer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.purpose} {self.decision_id}"

    @property
    def role_label(self) -> str:
        return str(Role(self.viewer_role).label) if self.viewer_role in Role.values else self.viewer_role


_VERIFY_REASONS = (
    (r"event (\d+) is missing", _("Event %(n)s is missing.")),
    (r"link to the previous event does not match", _("The link to the previous event does not match.")),
    (r"content does not match its hash", _("The event's content does not match its hash.")),
    (
        r"history differs from an exported checkpoint",
        _("History differs from a checkpoint recorded in the database."),
    ),
    (
        r"history differs from the checkpoint file kept outside the database",
        _("History differs from the checkpoint file kept outside the database."),
    ),
    (r"line (\d+) of the checkpoint file is malformed", _("Line %(n)s of the checkpoint file is malformed.")),
    (
        r"line (\d+) of the checkpoint file is not signed by the portal",
        _("Line %(n)s of the checkpoint file is not signed by the portal."),
    ),
    (r"verification failed", _("The verification stopped with an error.")),
)


class ChainVerification(models.Model):
    """One verification of the audit chain run from the oversight dashboard."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("Running")
        INTACT = "INTACT", _("Intact")
        BROKEN = "BROKEN", _("Broken")
        FAILED = "FAILED", _("Could not be completed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    checked = models.BigIntegerField(default=0)
    first_broken_seq = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    head_seq = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    exported_checkpoints = models.PositiveIntegerField(default=0)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["-requested_at", "-id"], name="verification_latest_idx")]

    def __str__(self) -> str:
        return f"verification {self.pk} {self.status}"

    @property
    def reason_label(self) -> str:
        """The verifier's reason (English, from portal.audit.services) in the reader's language."""
        for pattern, message in _VERIFY_REASONS:
            found = re.fullmatch(pattern, self.reason)
            if found:
                return str(message) % {"n": found.group(1)} if found.groups() else str(message)
        return self.reason


def same_value(a: Any, b: Any) -> bool:
    """Whether two JSON values are the same value: numbers by value (1 == 1.0), but a boolean is not a number
    (JSON false is not 0) and a string is not a number ("1" is not 1); lists and objects item by item."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


class MatchKind(models.TextChoices):
    PERSON = "PERSON", _("Same person")
    HOUSEHOLD = "HOUSEHOLD", _("Same household")


class ProactiveReview(models.Model):
    """A decision that used a data item an appeal confirmed wrong: its operator should review it.

    One row per decision and data item (feature, source); a later confirmation of the same item adds nothing.
    """

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Waiting for the operator's review")
        REVIEWED = "REVIEWED", _("Reviewed by the operator")

    decision = models.ForeignKey("explanations.Decision", on_delete=models.PROTECT, related_name="+")
    # The agency operating the decision's system: the only one that sees the flag.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    correction = models.ForeignKey("appeals.RegistryCorrection", on_delete=models.PROTECT, related_name="+")
    match = models.CharField(max_length=10, choices=MatchKind.choices)
    feature = models.CharField(max_length=64)
    source = models.CharField(max_length=64, blank=True)
    recorded_value = models.JSONField(null=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=100, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["decision", "feature", "source"], name="one_proactive_review_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(status="OPEN") | models.Q(reviewed_at__isnull=False),
                name="reviewed_flag_has_a_time",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["organisation", "status", "id"], name="proactive_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.feature}"

    @property
    def discloses_values(self) -> bool:
        """Whether the operator may be told the value the appeal found wrong and the correct one (the appellant's
        data): only the appealed decision's own operator, for the same person, where this decision used the very
        value found wrong. Never another agency, never for a household flag (it is about someone else)."""
        return (
            self.match == MatchKind.PERSON
            and self.organisation_id == self.correction.decision.system.operator_id
            and same_value(self.recorded_value, self.correction.recorded_value)
        )
