"""The dashboard's filters: months as YYYY-MM, choices from the rollups; bad input is reported on its field in
plain words and left out of the filters, never an exception."""

import datetime as dt

import pytest

from oversight.forms import MAX_MONTHS, DashboardFilterForm, ReportMonthForm, parse_month
from oversight.selectors import FilterChoices, Period

TODAY = dt.date(2026, 11, 26)
CHOICES = FilterChoices(
    systems=(("dfc", "Digital Family Card"), ("tax", "Tax risk")),
    versions=((1, "dfc", "1.0"), (2, "dfc", "2.0"), (3, "tax", "0.9")),
    regions=("Almaty", "Astana"),
)


def form(**data: str) -> DashboardFilterForm:
    return DashboardFilterForm(data or None, choices=CHOICES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03", dt.date(2026, 3, 1)),
        (" 2026-03 ", dt.date(2026, 3, 1)),
        ("2026-3", None),
        ("2026-13", None),
        ("2026-03-01", None),
        ("march", None),
        ("", None),
        ("０２０２-01", None),
    ],
)
def test_months_are_year_dash_month(text, expected):
    assert parse_month(text) == expected


def test_no_input_means_the_last_twelve_months():
    filters = form().filters(today=TODAY)
    assert filters.period == Period(dt.date(2025, 12, 1), dt.date(2026, 11, 1))
    assert (filters.system_code, filters.model_version, filters.region) == (None, None, None)


def test_valid_filters_are_applied():
    f = form(period_from="2026-01", period_to="2026-03", system="dfc", version="2", region="Almaty")
    assert f.is_valid(), f.errors
    filters = f.filters(today=TODAY)
    assert filters.period == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    assert (filters.system_code, filters.model_version, filters.region) == ("dfc", 2, "Almaty")
    assert f.query(filters) == {
        "period_from": "2026-01",
        "period_to": "2026-03",
        "system": "dfc",
        "version": "2",
        "region": "Almaty",
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period_from": "March"}, "period_from", "Enter a month as a year and a month, for example 2026-03"),
        ({"period_from": "1999-12"}, "period_from", "Enter a month from January 2000 onwards"),
        ({"period_to": "2099-01"}, "period_to", "Enter a month that is not in the future"),
        (
            {"period_from": "2026-03", "period_to": "2026-01"},
            "period_to",
            "The end month must be the same as or after the start month",
        ),
        (
            {"period_from": "2020-01", "period_to": "2026-01"},
            "period_to",
            f"Choose a period of at most {MAX_MONTHS} months",
        ),
        ({"system": "nope"}, "system", "Choose a system from the list"),
        ({"version": "999"}, "version", "Choose a model version from the list"),
        ({"version": "x' OR 1=1"}, "version", "Choose a model version from the list"),
        ({"system": "tax", "version": "1"}, "version", "Choose a model version of the chosen system"),
        ({"region": "Atlantis"}, "region", "Choose a region from the list"),
    ],
)
def test_bad_input_is_reported_on_its_field_and_left_out(data, field, message):
    f = form(**data)
    filters = f.filters(today=TODAY)
    assert f.errors[field] == [message]
    default = Period.last_months(12, today=TODAY)
    if field.startswith("period"):
        assert filters.period == default
    if field == "system":
        assert filters.system_code is None
    if field == "version":
        assert filters.model_version is None
    if field == "region":
        assert filters.region is None


def test_one_end_of_the_period_gives_twelve_months_from_or_to_it():
    assert form(period_from="2025-01").filters(today=TODAY).period == Period(
        dt.date(2025, 1, 1), dt.date(2025, 12, 1)
    )
    assert form(period_to="2025-06").filters(today=TODAY).period == Period(
        dt.date(2024, 7, 1), dt.date(2025, 6, 1)
    )
    # never past the current month
    assert form(period_from="2026-06").filters(today=TODAY).period == Period(
        dt.date(2026, 6, 1), dt.date(2026, 11, 1)
    )


def test_the_report_month_is_required_and_checked():
    assert ReportMonthForm({"month": "2026-03"}).chosen_month() == dt.date(2026, 3, 1)
    missing = ReportMonthForm({})
    assert missing.chosen_month() is None
    assert missing.errors["month"] == ["Enter the month of the report, for example 2026-03"]
    assert ReportMonthForm({"month": "03/2026"}).chosen_month() is None
