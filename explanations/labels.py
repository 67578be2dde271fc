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

# Model parameters (ModelVersion.parameters) are keyed by the agency's own names; a person reads a label instead.
# An unknown key is shown as sent (in <code>), so that a new parameter is never hidden.
PARAMETER_LABELS: dict[str, Promise] = {
    "subsistence_minimum_kzt": _("Subsistence minimum (a month)"),
    "subsistence_minimum_year": _("Year of the subsistence minimum"),
    "poverty_line_kzt": _("Poverty line (a month)"),
    "poverty_line_share": _("Poverty line as a share of the subsistence minimum"),
    "support_cutoff_points": _("Cut-off score for support (points)"),
    "income_window_months": _("Months of income counted"),
    "working_age": _("Working age (years)"),
    "household_rule": _("Who counts as one family"),
}

# Group values that are codes of a choice list; other attributes (region) are shown as sent.
_GROUP_VALUE_CHOICES = {"settlement": Settlement, "sex": Sex, "age_band": AgeBand}


def metric_label(key: str) -> str:
    return str(METRIC_LABELS.get(key, key))


def parameter_label(key: str) -> str | None:
    """The label of a known model parameter in the active language; None for a key the portal does not know."""
    label = PARAMETER_LABELS.get(key)
    return None if label is None else str(label)


def group_attribute_label(key: str) -> str:
    return str(GROUP_ATTRIBUTE_LABELS.get(key, key))


def group_value_label(attribute: str, value: object) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = _GROUP_VALUE_CHOICES.get(attribute)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return "" if value is None else str(value)
