"""`{% load model_labels %}`: a model version's parameters and published performance, with readable labels."""

from typing import Any

from django import template

from explanations import labels

register = template.Library()


@register.filter
def parameter_label(key: str) -> str:
    """A known model parameter's label in the reader's language; "" for a key the portal does not know (the
    page then shows the key itself)."""
    return labels.parameter_label(str(key)) or ""


@register.simple_tag
def performance_tables(performance: Any) -> dict[str, Any]:
    """Published performance reshaped for two tables: overall (metric, value) and one row per group.

    The per-group table has one column per metric that any group reports, in the order first seen, so that
    groups reporting different metrics still line up; a metric a group lacks is None (shown as a dash).
    """
    performance = performance if isinstance(performance, dict) else {}
    overall = performance.get("overall") if isinstance(performance.get("overall"), dict) else {}
    groups = [g for g in performance.get("groups") or [] if isinstance(g, dict)]
    metric_keys: list[str] = []
    for group in groups:
        for key in group.get("metrics") or {}:
            if key not in metric_keys:
                metric_keys.append(key)
    return {
        "overall": [{"label": labels.metric_label(k), "value": v} for k, v in overall.items()],
        "metrics": [labels.metric_label(k) for k in metric_keys],
        "groups": [
            {
                "attribute": labels.group_attribute_label(str(g.get("attribute", ""))),
                "value": labels.group_value_label(str(g.get("attribute", "")), g.get("value")),
                "values": [(g.get("metrics") or {}).get(k) for k in metric_keys],
            }
            for g in groups
        ],
    }
