"""`{% load open_data_register %}`: the register entry's open-data box, and the formats of open-data numbers.

`{% system_open_data system %}` (called by templates/explanations/register_detail.html) links to the system's
open data and shows the live overturn rate of each model version, from the same suppressed figures as the
open-data page. A hidden version total reads "Not published", never "fewer than 10": it may be hidden because
its difference with another count is under 10 (decided 12, overturned 10; oversight/opendata.py).
"""

import datetime as dt
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.translation import gettext

from oversight import opendata
from portal.web.dates import month_year_genitive

register = template.Library()


def _lang() -> str:
    return (translation.get_language() or "en").split("-")[0]


@register.inclusion_tag("oversight/open_data/_register_entry.html")
def system_open_data(system: Any) -> dict[str, Any]:
    data = opendata.system_open_data(system)
    return {"system": system, "data": data, "threshold": opendata.THRESHOLD}


@register.filter
def od_count(value: Any) -> str:
    """A published count in the reader's notation, or "hidden" when suppressed."""
    if not isinstance(value, opendata.Value) or value.suppressed or value.value is None:
        return gettext("hidden")
    return formats.number_format(value.value, force_grouping=True)


@register.filter
def od_total(value: Any) -> str:
    """A version total, or "Not published" when hidden (not "fewer than 10": see the module docstring)."""
    if not isinstance(value, opendata.Value) or value.suppressed or value.value is None:
        return gettext("Not published")
    return formats.number_format(value.value, force_grouping=True)


def percent(share: float) -> str:
    number = formats.number_format(round(share * 100, 1), decimal_pos=1)
    return f"{number}%" if _lang() == "en" else f"{number}\u00a0%"


@register.filter
def od_rate(rate: Any) -> str:
    """ "25.0% (18.1%–33.9%)": the rate with its 95% interval; "hidden" when suppressed; "—" when undefined."""
    if not isinstance(rate, opendata.Rate) or rate.suppressed:
        return gettext("hidden")
    if rate.value is None or rate.low is None or rate.high is None:
        return "—"
    return gettext("%(rate)s (%(low)s to %(high)s)") % {
        "rate": percent(rate.value),
        "low": percent(rate.low),
        "high": percent(rate.high),
    }


@register.filter
def od_month(month: str, case: str = "") -> str:
    """ "2026-03" as the reader's language writes a month and year; `od_month:"genitive"` inside a phrase such
    as "up to the end of …" (ru "до конца марта 2026 г.", see portal.web.dates)."""
    try:
        day = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        return str(month)
    if case == "genitive":
        return month_year_genitive(day)
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


@register.filter
def od_region(region: str | None) -> str:
    return region if region else gettext("Other regions, or not recorded")
