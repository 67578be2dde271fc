"""AgencyToken now belongs to accounts (accounts 0007 takes over its state); the table itself is kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0005_responsible_official_i18n"),
        ("accounts", "0007_agencytoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AgencyToken")],
            database_operations=[],
        ),
    ]
