"""Alerts raised by the oversight checks, and the ombudsman's own-initiative inquiries.

An AlertRule is a threshold the ombudsman sets; the periodic check (tasks.alert_scan → services.alert_scan)
measures every subject the rule is about and raises an Alert where the threshold is crossed. One condition on
one subject is one *episode*: while it lasts (`cleared_at` empty) a second alert with the same `dedupe_key` is
refused by the database, whatever the alert's status, so closing an alert does not bring it back on the next
scan. When a scan finds the condition no longer met the episode ends (`cleared_at`), and a later recurrence is
a new alert.

An Inquiry is opened by the ombudsman into one system, optionally from an alert. Its title, dates, status and
findings (once closed) are public on the system's register entry; its notes are internal.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from explanations.models import AlgorithmicSystem, ModelVersion


class AlertKind(models.TextChoices):
    OVERTURN_RATE = "OVERTURN_RATE", _("Overturn rate of a model version")
    OVERTURN_INCREASE = "OVERTURN_INCREASE", _("Overturn rate higher than the previous version")
    DISPARITY = "DISPARITY", _("Disparity between groups")
    DEADLINE_BREACHES = "DEADLINE_BREACHES", _("Review deadlines missed")
    NOT_REPRODUCIBLE = "NOT_REPRODUCIBLE", _("Decisions the portal could not reproduce")


class Measure(models.TextChoices):
    """How a count-like rule compares: the number of cases, or their share of all cases."""

    COUNT = "COUNT", _("Number of cases")
    SHARE = "SHARE", _("Share of cases")


class DisparityMetric(models.TextChoices):
    """The rate compared between groups of people."""

    OVERTURN_RATE = "overturn_rate", _("Overturn rate of decided appeals")
    SILENT_SHARE = "silent_share", _("Share of silent assessments (the person was not told)")
    APPEAL_RATE = "appeal_rate", _("Share of decisions appealed")
    UNFAVOURABLE_SHARE = "unfavourable_share", _("Share of unfavourable decisions")


class GroupAttribute(models.TextChoices):
    REGION = "region", _("Region")
    SETTLEMENT = "settlement", _("Urban or rural")
    SEX = "sex", _("Sex")
    AGE_BAND = "age_band", _("Age group")
    DISABILITY = "disability", _("Disability")


class AlertRule(models.Model):
    """One configurable check. Which fields matter depends on `kind` (see services.RULE_FIELDS)."""

    code = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    enabled = models.BooleanField(default=True)
    # OVERTURN_RATE: the Wilson lower bound that must be exceeded (0–1); OVERTURN_INCREASE: the margin in
    # overturn rate over the previous version (0–1); DISPARITY: the ratio of a group's rate to the rest's (>1);
    # DEADLINE_BREACHES / NOT_REPRODUCIBLE: a count, or a share (0–1), that must be exceeded.
    threshold = models.FloatField()
    measure = models.CharField(max_length=8, choices=Measure.choices, blank=True)
    # The smallest sample a rule reads anything into: decided appeals of a version, people in a group, appeals
    # due in the period.
    min_count = models.PositiveIntegerField(default=0)
    # Whole months up to and including the current one, as the dashboard counts them; None: all time.
    period_months = models.PositiveSmallIntegerField(null=True, blank=True)
    metric = models.CharField(max_length=24, choices=DisparityMetric.choices, blank=True)
    attribute = models.CharField(max_length=16, choices=GroupAttribute.choices, blank=True)  # "" = every one
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0), name="alert_rule_threshold_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="DISPARITY") | ~models.Q(metric=""),
                name="disparity_rule_has_a_metric",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["DEADLINE_BREACHES", "NOT_REPRODUCIBLE"])
                | ~models.Q(measure=""),
                name="count_rule_has_a_measure",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class AlertStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    ACKNOWLEDGED = "ACKNOWLEDGED", _("Acknowledged")
    CLOSED = "CLOSED", pgettext_lazy("alert status", "Closed")


class Alert(models.Model):
    """One episode of one rule's condition on one subject (a system, a model version, or a group)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    dedupe_key = models.CharField(max_length=200)
    system = models.ForeignKey(AlgorithmicSystem, on_delete=models.PROTECT, related_name="alerts")
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    group_attribute = models.CharField(max_length=16, blank=True)
    group_value = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    threshold = models.FloatField()  # the rule's threshold when the alert was raised
    value = models.FloatField()  # what was measured when the alert was raised
    sample_size = models.PositiveIntegerField()
    # The numbers behind `value` (successes, totals, interval, the comparison group or version), for the page.
    details = models.JSONField(default=dict)
    latest_value = models.FloatField()
    latest_checked_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)  # the condition was no longer met
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_live_alert_per_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="CLOSED") | models.Q(closed_at__isnull=False),
                name="closed_alert_has_a_date",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["status", "-raised_at", "id"], name="alert_status_idx"),
            models.Index(fields=["rule", "dedupe_key"], name="alert_rule_key_idx"),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class AlertEvent(models.Model):
    """The alert's own timeline: raised, acknowledged, closed, each with its note. Append-only."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.alert_id} {self.code}"


class InquiryStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    CLOSED = "CLOSED", _("Closed with findings")


class Inquiry(models.Model):
    """An own-initiative inquiry of the ombudsman into one system."""

    system = models.ForeignKey(AlgorithmicSystem, on_delete=models.PROTECT, related_name="inquiries")
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    title = models.CharField(max_length=200)
    scope = models.TextField()
    # The language the title, scope and findings are written in, for the lang attribute on public pages.
    language = models.CharField(max_length=2)
    status = models.CharField(max_length=16, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
    findings = models.TextField(blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(status="CLOSED")
                | (~models.Q(findings="") & models.Q(closed_at__isnull=False)),
                name="closed_inquiry_has_findings",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["system", "-opened_at", "id"], name="inquiry_system_idx")]

    def __str__(self) -> str:
        return f"{self.system_id}: {self.title}"


class InquiryNote(models.Model):
    """A dated internal note of the ombudsman's office on an inquiry. Never shown publicly; never changed."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.inquiry_id}@{self.created_at:%Y-%m-%d}"
