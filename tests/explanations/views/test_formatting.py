"""`{% load portal %}` filters and the locale formats: what a reader sees in each language."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

NNBSP = "\u202f"  # narrow no-break space: groups digits of tenge amounts (kk, ru)
NBSP = "\u00a0"  # no-break space: holds ₸ to its number


def render(source: str, lang: str, **context: Any) -> str:
    with translation.override(lang):
        return Template("{% load portal model_labels %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("lang", "amount", "expected"),
    [
        ("kk", 12345, f"12{NNBSP}345{NBSP}₸"),
        ("ru", 12345, f"12{NNBSP}345{NBSP}₸"),
        ("en", 12345, "₸12,345"),
        ("kk", 1234567.5, f"1{NNBSP}234{NNBSP}567,50{NBSP}₸"),
        ("ru", Decimal("99.999"), f"100{NBSP}₸"),
        ("en", 1234567.5, "₸1,234,567.50"),
        ("kk", 0.005, f"0,01{NBSP}₸"),  # half up, not banker's rounding
        ("ru", -2500, f"-2{NNBSP}500{NBSP}₸"),
        ("en", -2500, "-₸2,500"),
        ("en", "46228", "₸46,228"),
        ("kk", 0, f"0{NBSP}₸"),
        ("kk", None, ""),
        ("en", "", ""),
        ("en", "not a number", "not a number"),
    ],
)
def test_tenge_writes_an_amount_as_the_language_does(lang: str, amount: object, expected: str) -> None:
    assert render("{{ amount|tenge }}", lang, amount=amount) == expected


NAME = {"kk": "Атаулы көмек", "ru": "Адресная помощь", "en": "Targeted assistance"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_i18n_picks_the_current_language(lang: str) -> None:
    assert render("{{ name|i18n }}|{{ name|i18n_lang }}", lang, name=NAME) == f"{NAME[lang]}|{lang}"


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en", {"kk": "Қазақша", "ru": "По-русски", "en": ""}, "Қазақша|kk"),
        ("en", {"ru": "По-русски"}, "По-русски|ru"),
        ("kk", {"kk": "  ", "ru": "По-русски", "en": "English"}, "По-русски|ru"),
        ("ru", {"en": "English only"}, "English only|en"),
        ("ru", {}, "|ru"),
        ("kk", None, "|kk"),
        ("en", "plain text", "plain text|en"),
    ],
)
def test_i18n_falls_back_kk_then_ru_then_en(lang: str, value: object, expected: str) -> None:
    assert render("{{ value|i18n }}|{{ value|i18n_lang }}", lang, value=value) == expected


def test_i18n_text_is_still_escaped() -> None:
    assert render("{{ value|i18n }}", "en", value={"en": "<b>"}) == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("lang", "expected_date", "expected_datetime"),
    [
        ("kk", "2025 ж. 12 қаңтар", "2025 ж. 12 қаңтар, 14:05"),
        ("ru", "12 января 2025 г.", "12 января 2025 г. 14:05"),
        ("en", "12 January 2025", "12 January 2025, 14:05"),
    ],
)
def test_dates_are_localised_with_lower_case_kazakh_months(
    lang: str, expected_date: str, expected_datetime: str
) -> None:
    moment = dt.datetime(2025, 1, 12, 14, 5, tzinfo=dt.UTC)

    # UTC, so that the test does not depend on the tz database's current offset for Asia/Almaty.
    with timezone.override(dt.UTC):
        assert render("{{ moment|date }}", lang, moment=moment) == expected_date
        assert render("{% load l10n %}{{ moment|localize }}", lang, moment=moment) == expected_datetime


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (1, "қаңтар"),
        (2, "ақпан"),
        (3, "наурыз"),
        (4, "сәуір"),
        (5, "мамыр"),
        (6, "маусым"),
        (7, "шілде"),
        (8, "тамыз"),
        (9, "қыркүйек"),
        (10, "қазан"),
        (11, "қараша"),
        (12, "желтоқсан"),
    ],
)
def test_every_kazakh_month_is_written_in_lower_case_in_a_date(month: int, expected: str) -> None:
    assert render("{{ day|date }}", "kk", day=dt.date(2025, month, 1)) == f"2025 ж. 1 {expected}"


def test_kazakh_formats_module_is_used() -> None:
    with translation.override("kk"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "d.m.Y"
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
        assert formats.get_format("THOUSAND_SEPARATOR") == NBSP
        assert formats.get_format("NUMBER_GROUPING") == 3
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
        assert formats.number_format(1234567.25, 2, force_grouping=True) == f"1{NBSP}234{NBSP}567,25"


@pytest.mark.parametrize(
    ("lang", "value", "key", "expected"),
    [
        ("kk", 0.25, "cut_off", "0,25"),
        ("en", 0.25, "cut_off", "0.25"),
        ("kk", 46228, "subsistence_minimum_kzt", f"46{NNBSP}228{NBSP}₸"),
        ("en", True, "flag", "Yes"),
        ("en", None, "flag", "—"),
        ("en", [1, 2], "list", "[1, 2]"),
        ("en", "text", "label", "text"),
    ],
)
def test_parameter_value_shows_a_parameter_for_people(
    lang: str, value: object, key: str, expected: str
) -> None:
    assert render("{{ value|parameter_value:key }}", lang, value=value, key=key) == expected


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("kk", 0.9125, "0,913"),
        ("en", 0.9125, "0.913"),
        ("en", 0.5, "0.5"),
        ("kk", 12345, f"12{NBSP}345"),
        ("en", 12345, "12,345"),
        ("en", 100.0004, "100"),
        ("en", float("nan"), "nan"),
        ("en", None, "—"),
        ("en", "n/a", "n/a"),
    ],
)
def test_metric_value_shows_up_to_three_decimals(lang: str, value: object, expected: str) -> None:
    assert render("{{ value|metric_value }}", lang, value=value) == expected


def test_performance_tables_align_groups_that_report_different_metrics() -> None:
    performance = {
        "overall": {"accuracy": 0.9},
        "groups": [
            {"attribute": "sex", "value": "F", "metrics": {"accuracy": 0.91}},
            {"attribute": "disability", "value": True, "metrics": {"false_negative_rate": 0.2}},
        ],
    }
    source = (
        "{% performance_tables perf as t %}{% for m in t.metrics %}{{ m }};{% endfor %}"
        "{% for g in t.groups %}{{ g.attribute }}={{ g.value }}:{% for v in g.values %}{{ v|metric_value }},"
        "{% endfor %};{% endfor %}"
    )

    assert render(source, "en", perf=performance) == (
        "Accuracy;False negative rate;Sex=Female:0.91,—,;Disability=Yes:—,0.2,;"
    )


def test_performance_tables_accept_missing_or_malformed_figures() -> None:
    source = "{% performance_tables perf as t %}{{ t.overall|length }}{{ t.groups|length }}"

    assert render(source, "en", perf=None) == "00"
    assert render(source, "en", perf={"overall": [], "groups": ["x"]}) == "00"
