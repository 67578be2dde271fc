"""People and organisations. Roles decide what each person may see; organisations decide independence."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.outbox import OutboxRow


class OrganisationKind(models.TextChoices):
    AGENCY = "AGENCY", _("Agency operating algorithmic systems")
    REVIEW_BODY = "REVIEW_BODY", _("Independent review body")
    OMBUDSMAN = "OMBUDSMAN", _("Ombudsman's office")
    PORTAL = "PORTAL", _("Portal operator")


class Organisation(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    # {"kk": ..., "ru": ..., "en": ...}
    name = models.JSONField()
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Role(models.TextChoices):
    CITIZEN = "CITIZEN", _("Citizen")
    REVIEWER = "REVIEWER", _("Reviewer")
    SUPERVISOR = "SUPERVISOR", _("Supervisor")
    AGENCY_STAFF = "AGENCY_STAFF", _("Agency staff")
    OMBUDSMAN = "OMBUDSMAN", _("Ombudsman")
    ADMIN = "ADMIN", _("Administrator")


STAFF_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.AGENCY_STAFF, Role.OMBUDSMAN, Role.ADMIN})


class User(AbstractUser):
    """A person who signs in. Citizens are identified by IIN (stored encrypted, found by keyed hash)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CITIZEN)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    iin_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    iin_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    phone = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(max_length=2, default="kk")
    # The staff second factor (RFC 6238): the secret sealed by portal.crypto (base64 of AES-GCM, associated data
    # b"totp"), never in clear; empty until the person has set up an authenticator app. See accounts/totp.py.
    totp_secret = models.CharField(max_length=128, blank=True, editable=False)
    # The time step of the last code accepted, so that a code (or an older one) cannot be used twice.
    totp_last_counter = models.BigIntegerField(null=True, blank=True, editable=False)

    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(role="CITIZEN")
                | models.Q(organisation__isnull=False)
                | models.Q(role="ADMIN"),
                name="staff_belong_to_an_organisation",
            ),
        ]

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    def __str__(self) -> str:
        return self.username


class OneTimeCode(models.Model):
    """A one-time code for one purpose, keyed by the IIN's look-up hash so unknown IINs get a row too.

    Only a keyed hash of the code is kept. A row without a recipient (the IIN is not registered, or has no
    contact) was never sent to anyone and never verifies. Issuing a new code for the same IIN and purpose
    from the same device ends that device's earlier ones.
    """

    iin_hash = models.CharField(max_length=64)
    # "sign_in", or "lookup:<reference>" for a person holding a letter.
    purpose = models.CharField(max_length=80)
    # A keyed hash of the device that asked for the code (devices.Requester.binding), "" without one: a new
    # code ends only the same device's earlier codes, and a device checks only its own newest code.
    requester = models.CharField(max_length=64, blank=True, default="")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["iin_hash", "purpose", "-created_at"], name="otp_latest_idx"),
            models.Index(fields=["expires_at"], name="otp_expires_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gte=models.F("created_at")), name="otp_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.pk}"


class SmsDelivery(models.Model):
    """What the SMS provider said about one of our texts, by our message id (portal.sms.SMSMessage).

    Written when the provider accepts a text (SENT, with its id) and by its signed delivery-status callback
    (DELIVERED or FAILED); the callback may arrive before the send is recorded, and a final status is never
    turned back into SENT. Holds no number and no text.
    """

    class Status(models.TextChoices):
        SENT = "SENT", _("Accepted by the provider")
        DELIVERED = "DELIVERED", _("Delivered")
        FAILED = "FAILED", _("Not delivered")

    message_id = models.CharField(max_length=160, unique=True)
    provider_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    detail = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["provider_id"], name="sms_provider_id_idx")]

    def __str__(self) -> str:
        return self.message_id


class CodeDelivery(OutboxRow):
    """Outbox row: one one-time code to one contact (SMS or e-mail), written in the code's transaction and sent
    by a Celery task after commit with portal.outbox's claim, lease and retries: at least once at the
    provider, once at the recipient (idempotent by `message_id`).

    The code travels sealed (portal.crypto, bound to the message id) and is wiped once the row is SENT or
    FAILED; a row still unsent when its code expires is FAILED without sending. Deleted with its code.
    """

    class Channel(models.TextChoices):
        SMS = "SMS", _("Text message (SMS)")
        EMAIL = "EMAIL", _("Email")

    message_id = models.CharField(max_length=160, unique=True)
    code = models.ForeignKey(OneTimeCode, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=8)
    purpose = models.CharField(max_length=80)
    sealed_code = models.BinaryField(blank=True, default=b"")
    expires_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["state", "id"], name="code_delivery_state_idx")]

    def __str__(self) -> str:
        return self.message_id


class AgencyToken(models.Model):
    """An API token of one agency. Only a SHA-256 of the secret is kept; the secret is shown once.
    (Created by explanations' first migration; its table keeps that name.)"""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "explanations_agencytoken"

    def __str__(self) -> str:
        return f"{self.organisation.code}:{self.prefix}"
