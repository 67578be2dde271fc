"""`{% load inquiries_format %}`: the numbers of alerts and rules as the reader's language writes them."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.translation import gettext

register = template.Library()

NBSP = "\u00a0"


def _number(value: float, places: int) -> str:
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, places, force_grouping=True)


def _percent(value: float) -> str:
    text = _number(value * 100, 1)
    # Kazakh and Russian put a (no-break) space before the per cent sign; English does not.
    return f"{text}%" if (translation.get_language() or "").startswith("en") else f"{text}{NBSP}%"


@register.filter
def alert_number(value: Any, unit: str) -> str:
    """A measured value or threshold: "percent" (a proportion), "points" (a difference of proportions),
    "ratio", or "count". A dash when missing."""
    if value is None or value == "" or isinstance(value, bool):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if unit == "percent":
        return _percent(number)
    if unit == "points":
        return gettext("%(points)s percentage points") % {"points": _number(number * 100, 1)}
    if unit == "ratio":
        return _number(number, 2)
    return formats.number_format(round(number), force_grouping=True)


@register.filter
def interval_text(interval: Any) -> str:
    """A rate with its 95% interval from an alert's details ({"rate", "low", "high", ...}), or a dash."""
    if not isinstance(interval, dict) or interval.get("rate") is None:
        return "—"
    rate = _percent(float(interval["rate"]))
    if interval.get("low") is None or interval.get("high") is None:
        return rate
    return gettext("%(rate)s (95%% interval %(low)s to %(high)s)") % {
        "rate": rate,
        "low": _percent(float(interval["low"])),
        "high": _percent(float(interval["high"])),
    }


@register.filter
def ratio_text(interval: Any) -> str:
    if not isinstance(interval, dict) or interval.get("rate") is None:
        return "—"
    ratio = _number(float(interval["rate"]), 2)
    if interval.get("low") is None or interval.get("high") is None:
        return ratio
    return gettext("%(ratio)s (95%% interval %(low)s to %(high)s)") % {
        "ratio": ratio,
        "low": _number(float(interval["low"]), 2),
        "high": _number(float(interval["high"]), 2),
    }
