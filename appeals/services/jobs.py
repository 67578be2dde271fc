"""The appeals app's Celery task names, declared once: appeals/tasks.py declares its tasks under them and the
services enqueue by them through the kernel's `send` / `after_commit` (portal/jobs.py says why by name);
appeals/apps.py imports the tasks module at start-up so that every name is registered."""

from portal.jobs import after_commit, send

__all__ = [
    "DEADLINE_SCAN",
    "DELIVER_NOTIFICATION",
    "DELIVER_OUTCOME_WEBHOOK",
    "EVIDENCE_SCAN",
    "LETTER_RELAY",
    "NOTIFICATION_RELAY",
    "OUTCOME_WEBHOOK_SCAN",
    "RENDER_LETTER",
    "after_commit",
    "send",
]

DELIVER_NOTIFICATION = "appeals.deliver_notification"
NOTIFICATION_RELAY = "appeals.notification_relay"
RENDER_LETTER = "appeals.render_letter"
LETTER_RELAY = "appeals.letter_relay"
DEADLINE_SCAN = "appeals.deadline_scan"
DELIVER_OUTCOME_WEBHOOK = "appeals.deliver_outcome_webhook"
OUTCOME_WEBHOOK_SCAN = "appeals.outcome_webhook_scan"
EVIDENCE_SCAN = "appeals.evidence_scan"
