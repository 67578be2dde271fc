"""The audit chain: append-only events, each carrying the SHA-256 of its predecessor."""

from typing import ClassVar

from django.db import models


class AuditEvent(models.Model):
    """One event. `hash` = SHA-256 over the canonical JSON of (seq, prev_hash, created_at, action, actor,
    object_type, object_id, data). Never updated or deleted; on PostgreSQL a trigger refuses both."""

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    action = models.CharField(max_length=80)
    actor = models.CharField(max_length=200)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.seq} {self.action}"


class AuditCheckpoint(models.Model):
    """A daily export of the chain head: a later rewrite of history no longer matches it."""

    created_at = models.DateTimeField()
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"checkpoint {self.seq} {self.hash[:12]}"
