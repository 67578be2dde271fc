"""The dashboard's filters and the monthly report's month: GET forms, so they work without JavaScript and an
address can be shared.

They check shape only and never raise: an invalid value is reported on its field, in plain words, and left
out of the filters (the page says which filters it shows), so bad input gives a 200 with a message, never a
500. Months are "YYYY-MM" (what `<input type="month">` sends).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import FilterChoices, Filters, Period, add_months, month_start

DEFAULT_MONTHS = 12
MAX_MONTHS = 60  # five years: beyond that the rollups hold too little to be worth a page
EARLIEST_MONTH = dt.date(2000, 1, 1)
MONTH_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)


def parse_month(text: str) -> dt.date | None:
    """ "2026-03" -> 2026-03-01; None for anything else (including "2026-3", "2026-13", "2026-03-01")."""
    text = text.strip()
    if not MONTH_PATTERN.fullmatch(text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None


class MonthField(forms.Field):
    """A month as "YYYY-MM", cleaned to the first day of that month."""

    default_error_messages = {
        "invalid": _("Enter a month as a year and a month, for example 2026-03"),
        "too_early": _("Enter a month from January 2000 onwards"),
        "future": _("Enter a month that is not in the future"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        month = parse_month(text[:32])
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if month < EARLIEST_MONTH:
            raise forms.ValidationError(self.error_messages["too_early"], code="too_early")
        if month > month_start(timezone.localdate()):
            raise forms.ValidationError(self.error_messages["future"], code="future")
        return month


class DashboardFilterForm(forms.Form):
    period_from = MonthField(label=_("From (month)"))
    period_to = MonthField(label=_("To (month)"))
    system = forms.ChoiceField(
        required=False,
        label=_("System"),
        error_messages={"invalid_choice": _("Choose a system from the list")},
    )
    version = forms.ChoiceField(
        required=False,
        label=_("Model version"),
        error_messages={"invalid_choice": _("Choose a model version from the list")},
    )
    region = forms.ChoiceField(
        required=False,
        label=_("Region"),
        error_messages={"invalid_choice": _("Choose a region from the list")},
    )

    def __init__(self, *args: Any, choices: FilterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        cast(forms.ChoiceField, self.fields["system"]).choices = [
            ("", _("All systems")),
            *((code, str(name)) for code, name in choices.systems),
        ]
        cast(forms.ChoiceField, self.fields["version"]).choices = [
            ("", _("All versions")),
            *((str(pk), f"{code} · {version}") for pk, code, version in choices.versions),
        ]
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            ("", _("All regions")),
            *((region, region) for region in choices.regions if region),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end:
            if start > end:
                self.add_error("period_to", _("The end month must be the same as or after the start month"))
            elif len(Period(start, end).months()) > MAX_MONTHS:
                self.add_error(
                    "period_to",
                    _("Choose a period of at most %(months)s months") % {"months": MAX_MONTHS},
                )
        system, version = data.get("system"), data.get("version")
        if system and version:
            codes = {str(pk): code for pk, code, _v in self.choices.versions}
            if codes.get(version) != system:
                self.add_error("version", _("Choose a model version of the chosen system"))
        return data

    def filters(self, *, today: dt.date | None = None) -> Filters:
        """The valid filters: an invalid field is left out (and reported on the form)."""
        today = today or timezone.localdate()
        default = Period.last_months(DEFAULT_MONTHS, today=today)
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        start: dt.date | None = data.get("period_from")
        end: dt.date | None = data.get("period_to")
        if "period_to" in self.errors or "period_from" in self.errors:
            start, end = None, None  # half a bad period is no period: show the default, and say so
        if start and not end:
            end = min(add_months(start, DEFAULT_MONTHS - 1), default.to_month)
        elif end and not start:
            start = add_months(end, -(DEFAULT_MONTHS - 1))
        period = Period(start, end) if start and end else default
        version = data.get("version")
        return Filters(
            period=period,
            system_code=data.get("system") or None,
            model_version=int(version) if version else None,
            region=data.get("region") or None,
        )

    def query(self, filters: Filters) -> dict[str, str]:
        """The GET parameters that give these filters (for export and drill-down links)."""
        out = {
            "period_from": filters.period.from_month.strftime("%Y-%m"),
            "period_to": filters.period.to_month.strftime("%Y-%m"),
        }
        if filters.system_code:
            out["system"] = filters.system_code
        if filters.model_version:
            out["version"] = str(filters.model_version)
        if filters.region:
            out["region"] = filters.region
        return out


class ReportMonthForm(forms.Form):
    """The month of the monthly report (PDF)."""

    month = MonthField(required=True, label=_("Month of the report"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].error_messages["required"] = _(
            "Enter the month of the report, for example 2026-03"
        )

    def chosen_month(self) -> dt.date | None:
        if not self.is_valid():
            return None
        return cast(dt.date, self.cleaned_data["month"])
