"""Seed the alert rules with sensible defaults; the ombudsman tunes them on the rules page.

- a version's overturn rate: the Wilson 95% lower bound above 30%, over at least 20 decided appeals (12 months);
- a version's overturn rate 10 percentage points above its predecessor's, both over at least 20 (12 months);
- disparity of the overturn rate between groups: a ratio beyond 1.5 (either way), groups of at least 30;
- disparity of the share of silent assessments: a ratio beyond 1.5, groups of at least 100 (3 months);
- review deadlines: more than 5% missed, among at least 10 appeals due (3 months);
- not-reproducible decisions: any at all (3 months).
"""

from django.db import migrations

DEFAULTS = [
    {"code": "version-overturn-rate", "kind": "OVERTURN_RATE", "threshold": 0.30, "min_count": 20, "period_months": 12},
    {
        "code": "version-overturn-increase",
        "kind": "OVERTURN_INCREASE",
        "threshold": 0.10,
        "min_count": 20,
        "period_months": 12,
    },
    {
        "code": "disparity-overturn-rate",
        "kind": "DISPARITY",
        "metric": "overturn_rate",
        "threshold": 1.5,
        "min_count": 30,
        "period_months": 12,
    },
    {
        "code": "disparity-silent-share",
        "kind": "DISPARITY",
        "metric": "silent_share",
        "threshold": 1.5,
        "min_count": 100,
        "period_months": 3,
    },
    {
        "code": "deadline-breaches",
        "kind": "DEADLINE_BREACHES",
        "measure": "SHARE",
        "threshold": 0.05,
        "min_count": 10,
        "period_months": 3,
    },
    {
        "code": "not-reproducible",
        "kind": "NOT_REPRODUCIBLE",
        "measure": "COUNT",
        "threshold": 0,
        "min_count": 0,
        "period_months": 3,
    },
]


def seed(apps, schema_editor):  # noqa: ANN001, ARG001
    AlertRule = apps.get_model("inquiries", "AlertRule")
    for values in DEFAULTS:
        code = values["code"]
        AlertRule.objects.get_or_create(code=code, defaults={k: v for k, v in values.items() if k != "code"})


def unseed(apps, schema_editor):  # noqa: ANN001, ARG001
    AlertRule = apps.get_model("inquiries", "AlertRule")
    AlertRule.objects.filter(code__in=[d["code"] for d in DEFAULTS], alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
