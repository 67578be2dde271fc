"""Tree ensembles: the tree_ensemble kind, and the record of an import's check against the library."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0006_agencytoken_to_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="import_check",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="kind",
            field=models.CharField(
                choices=[
                    ("scorecard", "Scorecard"),
                    ("linear", "Linear model"),
                    ("logistic", "Logistic model"),
                    ("decision_tree", "Decision tree"),
                    ("rules", "Rule list"),
                    ("tree_ensemble", "Tree ensemble (boosted or forest)"),
                    ("opaque", "Opaque (not replayable)"),
                ],
                max_length=16,
            ),
        ),
    ]
