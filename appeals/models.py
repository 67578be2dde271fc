"""Appeals against algorithmic decisions, their grounds, evidence, independent reviews and timeline.

State changes happen only in appeals/services (one atomic function per transition, see appeals/states.py).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from explanations.models import Decision
from portal.accounts.models import Organisation
from portal.outbox import OutboxRow, OutboxState

from .states import Outcome, State


class GroundKind(models.TextChoices):
    DATA_WRONG = "DATA_WRONG", _("The data about me is wrong")
    CIRCUMSTANCES_MISSED = "CIRCUMSTANCES_MISSED", _("The data misses my circumstances")
    RULE_MISAPPLIED = "RULE_MISAPPLIED", _("A rule was applied wrongly")
    PROCEDURAL_FAULT = "PROCEDURAL_FAULT", _("Something went wrong in the procedure")
    DISCRIMINATION = "DISCRIMINATION", _("I was treated unfairly because of who I am")
    OTHER = "OTHER", _("Another reason")


class Circumstance(models.TextChoices):
    INFORMAL_WORK = "INFORMAL_WORK", _("Informal work")
    DEBTS = "DEBTS", _("Debts")
    ILLNESS = "ILLNESS", _("Illness")
    DISABILITY = "DISABILITY", _("Disability")
    UNSTABLE_HOUSING = "UNSTABLE_HOUSING", _("Unstable housing")
    CARING = "CARING", _("Caring duties")
    OTHER = "OTHER", _("Other")


class InterimProtection(models.TextChoices):
    NONE = "NONE", _("No")
    KEEP_PAYMENTS = "KEEP_PAYMENTS", _("Keep my payments while the appeal is pending")
    SUSPEND_RECOVERY = "SUSPEND_RECOVERY", _("Suspend a recovery of money while the appeal is pending")


class Channel(models.TextChoices):
    EMAIL = "EMAIL", _("Email")
    SMS = "SMS", _("Text message (SMS)")


class Appeal(models.Model):
    reference = models.CharField(max_length=13, unique=True)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    state = models.CharField(max_length=24, choices=State.choices, default=State.DRAFT)
    statement = models.TextField(blank=True)
    late_reason = models.TextField(blank=True)
    interim_protection = models.CharField(
        max_length=20, choices=InterimProtection.choices, default=InterimProtection.NONE
    )
    interim_granted_at = models.DateTimeField(null=True, blank=True)
    contact_channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    contact_language = models.CharField(max_length=2, default="kk")
    vulnerable = models.BooleanField(default=False)
    # Frozen at submission: what the decision said, hashed, never changed afterwards.
    frozen_decision = models.JSONField(null=True, blank=True)
    frozen_decision_hash = models.CharField(max_length=64, blank=True)
    review_body = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_appeals",
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    hold_started_at = models.DateTimeField(null=True, blank=True)
    held_working_days = models.PositiveIntegerField(default=0)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    new_outcome = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    quality_review = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("appellant")), name="reviewer_is_not_the_appellant"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="DECIDED") | models.Q(outcome__gt=""),
                name="decided_appeals_have_an_outcome",
            ),
            models.UniqueConstraint(
                fields=["decision"],
                condition=~models.Q(
                    state__in=["CLOSED", "WITHDRAWN", "INADMISSIBLE", "ESCALATED", "DECIDED"]
                ),
                name="one_open_appeal_per_decision",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["state", "due_date", "id"], name="appeal_queue_idx"),
            models.Index(fields=["reviewer", "state", "due_date", "id"], name="appeal_personal_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class Ground(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="grounds")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=GroundKind.choices)
    why = models.TextField()
    feature = models.CharField(max_length=64, blank=True)
    correct_value = models.CharField(max_length=200, blank=True)
    circumstance = models.CharField(max_length=24, choices=Circumstance.choices, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["appeal", "position"], name="ground_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}#{self.position} {self.kind}"


class ScanStatus(models.TextChoices):
    """Where a file stands with the malware scan (appeals/services/evidence.py, portal/scanner.py)."""

    PENDING = "PENDING", _("Not yet checked for viruses")
    CLEAN = "CLEAN", _("Checked for viruses")
    INFECTED = "INFECTED", _("Removed: a virus was found")
    NOT_SCANNED = "NOT_SCANNED", _("Not checked: virus scanning is turned off")


class Evidence(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    stored_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    # A row written without a verdict is held: never served, scanned by the beat task (appeals.evidence_scan).
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.PENDING)
    scanned_at = models.DateTimeField(null=True, blank=True)
    scan_signature = models.CharField(max_length=200, blank=True)
    # Re-scans of a held file that gave no verdict on it (missing, not its SHA-256, or an error clamd answers for
    # this file alone); the beat task tries the least recently tried first and gives up after SCAN_MAX_ATTEMPTS.
    scan_attempts = models.PositiveSmallIntegerField(default=0)
    scan_attempted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(scan_status__in=ScanStatus.values), name="evidence_scan_status_known"
            ),
        ]
        indexes: ClassVar = [
            # Plain columns (SQLite, for `make run`, has no NULLS FIRST in an index); the held rows are few.
            models.Index(
                fields=["scan_attempted_at", "id"],
                condition=models.Q(scan_status__in=["PENDING", "NOT_SCANNED"]),
                name="evidence_held_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_available(self) -> bool:
        """May be opened: checked clean, or not checked because scanning is off (local development only)."""
        if self.scan_status == ScanStatus.CLEAN:
            return True
        return self.scan_status == ScanStatus.NOT_SCANNED and not getattr(settings, "CLAMD_SOCKET", "")


class TimelineEvent(models.Model):
    """The appeal's own append-only timeline (also mirrored in the audit chain)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="timeline")
    code = models.CharField(max_length=80)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    actor_role = models.CharField(max_length=24)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.code}"


class ConflictDeclaration(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="conflict_declarations")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    has_conflict = models.BooleanField()
    note = models.TextField(blank=True)
    declared_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["appeal", "reviewer"], name="one_declaration_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.reviewer_id}"


class Assessment(models.Model):
    """A reviewer's independent assessment, recorded before the AI's explanation is revealed."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assessments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    new_outcome = models.CharField(max_length=64, blank=True)
    # [{"ground": position, "finding": "ACCEPTED"|"REJECTED", "reasons": "..."}]
    ground_findings = models.JSONField()
    reasons = models.TextField()
    recorded_at = models.DateTimeField()
    revealed_at = models.DateTimeField(null=True, blank=True)
    final_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    final_new_outcome = models.CharField(max_length=64, blank=True)
    change_justification = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["appeal", "reviewer"], name="one_assessment_per_reviewer"),
            models.CheckConstraint(
                condition=models.Q(final_outcome="")
                | models.Q(final_outcome=models.F("outcome"))
                | ~models.Q(change_justification=""),
                name="change_after_reveal_is_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.reviewer_id}"


class Countersignature(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="countersignatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    agrees = models.BooleanField()
    note = models.TextField(blank=True)
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.signer_id}"


class RegistryCorrection(models.Model):
    """A notice to the registry that owns a data item found wrong on appeal."""

    class Status(models.TextChoices):
        SENT = "SENT", _("Sent to the registry")
        ACKNOWLEDGED = "ACKNOWLEDGED", _("Acknowledged by the registry")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="corrections")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT)
    feature = models.CharField(max_length=64)
    source = models.CharField(max_length=64)
    recorded_value = models.JSONField()
    correct_value = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source}:{self.feature}"


class Notification(OutboxRow):
    """Transactional outbox: written in the same transaction as the event, delivered by Celery after commit.

    `dedupe_key` makes a second enqueue of the same event a no-op, and is the provider's idempotency key.
    Delivery is the kernel's claim-and-lease state machine (portal/outbox.py, whose fields this row inherits;
    used by appeals/services/delivery.py): PENDING → SENDING (a claim token and a lease, committed before the
    provider is called) → SENT; a transient failure goes back to PENDING with `next_attempt_at`, the last one
    to FAILED. A SENDING row whose lease ran out (the worker died) is claimed again and re-sent with the same
    key, which the provider answers without delivering twice.
    """

    State = OutboxState

    dedupe_key = models.CharField(max_length=160, unique=True)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, null=True, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=2)
    event = models.CharField(max_length=80)
    context = models.JSONField(default=dict)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["state", "id"], name="notification_pending_idx"),
            models.Index(
                fields=["id"],
                condition=models.Q(state__in=["PENDING", "SENDING"]),
                name="notification_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Letter(models.Model):
    """The decision letter of a decided appeal in one language: rendered once, stored privately, never changed.

    A PENDING row is written in the deciding transaction (an outbox for the renderer); the rendered PDF is
    content-addressed by its SHA-256 under PRIVATE_MEDIA_ROOT, and the row becomes RENDERED exactly once.
    """

    class State(models.TextChoices):
        PENDING = "PENDING", _("Being prepared")
        RENDERED = "RENDERED", _("Ready")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="letters")
    language = models.CharField(max_length=2)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    sha256 = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    template_version = models.CharField(max_length=8, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["appeal", "language"], name="one_letter_per_language"),
            models.CheckConstraint(
                condition=~models.Q(state="RENDERED") | (~models.Q(sha256="") & ~models.Q(path="")),
                name="rendered_letter_has_a_file",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["id"], condition=models.Q(state="PENDING"), name="letter_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.language}"


class AgencyWebhook(models.Model):
    """Where an agency wants outcomes pushed. The signing secret is shown once and stored encrypted."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret_encrypted = models.BinaryField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(active=True), name="one_active_webhook_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.url}"


class OutcomeDelivery(OutboxRow):
    """The outcome of one decided appeal for the agency that operates the system.

    Agencies poll these rows (keyset by id) and, with a webhook, get each one pushed, signed, with retries:
    the kernel's claim-and-lease outbox (portal/outbox.py, whose fields this row inherits): PENDING → SENDING
    under a lease → SENT, or FAILED after the last attempt; POLL_ONLY when the agency has no webhook. The
    agency acknowledges that it carried out an overturn; that closes the loop the citizen cares about.
    """

    class State(models.TextChoices):
        POLL_ONLY = "POLL_ONLY", _("No webhook: available to poll")
        PENDING = OutboxState.PENDING.value, _("Waiting to be pushed")
        SENDING = OutboxState.SENDING.value, _("Being pushed")
        SENT = OutboxState.SENT.value, _("Pushed to the agency")
        FAILED = OutboxState.FAILED.value, _("Push failed after retries")

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="outcome_delivery")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="outcome_deliveries"
    )
    # The outbox's states and one more, POLL_ONLY.
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Frozen at the first push, so that every retry sends the same body.
    payload = models.JSONField(null=True, blank=True)
    carried_out_at = models.DateTimeField(null=True, blank=True)
    carried_out_note = models.TextField(blank=True)
    carried_out_by = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["organisation", "id"], name="outcome_delivery_poll_idx"),
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(state__in=["PENDING", "SENDING"]),
                name="outcome_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.appeal_id}"


class ReviewerAssignment(models.Model):
    """Every assignment of a reviewer to an appeal, kept when they leave it: the memory behind the rule that
    an earlier reviewer of a decision never reviews it again."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["decision", "reviewer"], name="assignment_decision_idx")]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.reviewer_id}"


class DayChangeKind(models.TextChoices):
    """How a decree changes a day of the working-day calendar (appeals/deadlines.py)."""

    EXTRA_HOLIDAY = "EXTRA_HOLIDAY", _("Extra day off (a normally working day)")
    WORKING_DAY = "WORKING_DAY", _("Working day (a normally free day)")


class CalendarDayChange(models.Model):
    """A day the government moved by decree, on top of the `holidays` package's calendar: a normally working
    day made a day off, or a Saturday, Sunday or public holiday made a working day.

    Written only through appeals/services/calendar.py (audited; stored deadlines recomputed in the same
    transaction); read by appeals.deadlines, which every deadline computation uses.
    """

    day_date = models.DateField(
        _("date"),
        unique=True,
        error_messages={
            "unique": _("A change is already recorded for this date: change that entry instead.")
        },
    )
    kind = models.CharField(_("change"), max_length=16, choices=DayChangeKind.choices)
    decree_number = models.CharField(_("decree number"), max_length=64)
    decree_date = models.DateField(_("decree date"))
    decree_title = models.CharField(_("decree title"), max_length=300, blank=True)
    decree_url = models.URLField(_("decree address (URL)"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    changed_at = models.DateTimeField(_("last changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("working day changed by decree")
        verbose_name_plural = _("working days changed by decree")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayChangeKind.values), name="calendar_day_change_kind_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(decree_number=""), name="calendar_day_change_has_decree_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day_date.isoformat()} {self.kind}"
