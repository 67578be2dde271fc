"""Plain-language labels for the keys agencies use in published performance figures.

Agencies send performance as free-form JSON (see ModelVersion.performance). Known keys get a translated label;
an unknown key is shown as sent, so that a new metric is never hidden from the public.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from explanations.models import AgeBand, Settlement, Sex

METRIC_LABELS: dict[str, Promise] = {
    "n": _("Number of cases"),
    "cases": _("Number of cases"),
    "accuracy": _("Accuracy"),
    "precision": _("Precision"),
    "recall": _("Recall"),
    "auc": _("Area under the ROC curve (AUC)"),
    "selection_rate": _("Share of cases selected"),
    "false_positive_rate": _("False positive rate"),
    "false_negative_rate": _("False negative rate"),
    "false_negative_rate_near_threshold": _("False negative rate near the threshold"),
    "fnr_near_threshold": _("False negative rate near the threshold"),
}

GROUP_ATTRIBUTE_LABELS: dict[str, Promise] = {
    "region": _("Region"),
    "settlement": _("Urban or rural"),
    "sex": _("Sex"),
    "age_band": _("Age group"),
    "disability": _("Disability"),
}

# Group values that are codes of a choice list; other attributes (region) are shown as sent.
_GROUP_VALUE_CHOICES = {"settlement": Settlement, "sex": Sex, "age_band": AgeBand}


def metric_label(key: str) -> str:
    return str(METRIC_LABELS.get(key, key))


def group_attribute_label(key: str) -> str:
    return str(GROUP_ATTRIBUTE_LABELS.get(key, key))


def group_value_label(attribute: str, value: object) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = _GROUP_VALUE_CHOICES.get(attribute)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return "" if value is None else str(value)
