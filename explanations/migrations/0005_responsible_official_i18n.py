"""The responsible official's title in each language (a JSON text like the register's other texts). An
official already recorded keeps their one string, which every language shows as it is (it may be a name)."""

from django.db import migrations, models


def copy_forward(apps, schema_editor):
    AlgorithmicSystem = apps.get_model("explanations", "AlgorithmicSystem")
    for system in AlgorithmicSystem.objects.exclude(responsible_official="").only(
        "pk", "responsible_official"
    ):
        AlgorithmicSystem.objects.filter(pk=system.pk).update(
            responsible_official_i18n=system.responsible_official
        )


def copy_back(apps, schema_editor):
    AlgorithmicSystem = apps.get_model("explanations", "AlgorithmicSystem")
    for system in AlgorithmicSystem.objects.only("pk", "responsible_official_i18n"):
        value = system.responsible_official_i18n
        if isinstance(value, dict):
            value = value.get("kk") or value.get("ru") or value.get("en") or ""
        AlgorithmicSystem.objects.filter(pk=system.pk).update(responsible_official=str(value or "")[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0004_dataflag"),
    ]

    operations = [
        migrations.AddField(
            model_name="algorithmicsystem",
            name="responsible_official_i18n",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(copy_forward, copy_back),
        migrations.RemoveField(model_name="algorithmicsystem", name="responsible_official"),
        migrations.RenameField(
            model_name="algorithmicsystem",
            old_name="responsible_official_i18n",
            new_name="responsible_official",
        ),
    ]
