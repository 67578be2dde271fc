"""AgencyToken moves from explanations to accounts (the kernel's agency API authenticates with it). The table stays
where it is (explanations_agencytoken): only Django's model state moves; explanations 0006 drops its own."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_codedelivery"),
        ("explanations", "0005_responsible_official_i18n"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgencyToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                        ("prefix", models.CharField(max_length=12, unique=True)),
                        ("key_hash", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="tokens",
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={"db_table": "explanations_agencytoken"},
                ),
            ],
            database_operations=[],
        ),
    ]
