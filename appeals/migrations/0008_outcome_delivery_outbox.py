"""OutcomeDelivery becomes an outbox row (portal.outbox.OutboxRow), like Notification: `delivered_at` is
renamed `sent_at` (values kept), the state DELIVERED becomes the outbox's SENT (rows rewritten, and back on
reverse), and the outbox's `provider_id` and `last_attempt_at` are added (empty for existing rows)."""

from django.db import migrations, models


def delivered_to_sent(apps, schema_editor):
    apps.get_model("appeals", "OutcomeDelivery").objects.filter(state="DELIVERED").update(state="SENT")


def sent_to_delivered(apps, schema_editor):
    apps.get_model("appeals", "OutcomeDelivery").objects.filter(state="SENT").update(state="DELIVERED")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0007_evidence_scan_attempts")]

    operations = [
        migrations.RenameField("outcomedelivery", "delivered_at", "sent_at"),
        migrations.AddField(
            "outcomedelivery",
            "provider_id",
            models.CharField(blank=True, default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            "outcomedelivery", "last_attempt_at", models.DateTimeField(blank=True, null=True)
        ),
        migrations.AlterField(
            "outcomedelivery",
            "state",
            models.CharField(
                choices=[
                    ("POLL_ONLY", "No webhook: available to poll"),
                    ("PENDING", "Waiting to be pushed"),
                    ("SENDING", "Being pushed"),
                    ("SENT", "Pushed to the agency"),
                    ("FAILED", "Push failed after retries"),
                ],
                default="PENDING",
                max_length=10,
            ),
        ),
        migrations.RunPython(delivered_to_sent, sent_to_delivered, elidable=False),
    ]
