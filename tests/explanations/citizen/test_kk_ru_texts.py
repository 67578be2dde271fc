"""Kazakh and Russian explanation and register pages carry no English left-overs and no mistranslations: the
factor table's reference column, the model's parameters (a label per language, a year without a thousands
separator, a value written in each language), the responsible official's title, and a month inside a phrase."""

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.accounts.models import User
from tests import factories

from . import builders

HOUSEHOLD_RULE = {
    "kk": "бір мекенжайда тіркелген туыстар",
    "ru": "родственники, зарегистрированные по одному адресу",
    "en": "relatives registered at one address",
}
OFFICIAL = {
    "kk": "Әлеуметтік көмекті цифрландыру департаментінің директоры",
    "ru": "Директор Департамента цифровизации социальной помощи",
    "en": "Director, Department of Social Assistance Digitalisation",
}
PARAMETERS = {
    "subsistence_minimum_kzt": 50851,
    "subsistence_minimum_year": 2026,
    "household_rule": HOUSEHOLD_RULE,
}
LABELS = {
    "kk": ("Ең төмен күнкөріс деңгейі (айына)", "Ең төмен күнкөріс деңгейі белгіленген жыл"),
    "ru": ("Прожиточный минимум (в месяц)", "Год прожиточного минимума"),
    "en": ("Subsistence minimum (a month)", "Year of the subsistence minimum"),
}
REFERENCE_COLUMN = {"kk": "Эталондық мән", "ru": "Эталонное значение", "en": "Reference"}


def url(name: str, lang: str, **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def page_of(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200, response.content
    return html.unescape(response.content.decode())


@pytest.fixture
def decision(person: tuple[User, str], monkeypatch: pytest.MonkeyPatch, client: Client) -> Any:
    """A scorecard decision whose model version has parameters and whose system names its official per language."""
    original = factories.version_payload

    def with_parameters(version: str = "1.0", spec: Any = None, **extra: Any) -> dict[str, Any]:
        return {**original(version, spec, **extra), "parameters": PARAMETERS}

    monkeypatch.setattr(factories, "version_payload", with_parameters)
    user, iin = person
    system = builders.system_for("scorecard", responsible_official=OFFICIAL)
    client.force_login(user)
    return builders.decide(system, iin=iin, kind="scorecard")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_factor_tables_reference_column_is_the_reference_value_not_a_reference_number(
    client: Client, decision: Any, lang: str
) -> None:
    page = page_of(client, url("explanations:decision", lang, reference=decision.reference))

    table = re.search(r'id="factors-caption".*?</thead>', page, re.S)
    assert table, "no factor table"
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table.group(0))
    assert headers[2] == REFERENCE_COLUMN[lang], headers


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("where", ["explanation", "register"])
def test_parameters_are_shown_with_labels_a_plain_year_and_values_in_the_language(
    client: Client, decision: Any, lang: str, where: str
) -> None:
    address = (
        url("explanations:decision", lang, reference=decision.reference)
        if where == "explanation"
        else url("explanations:system", lang, code=decision.system.code)
    )
    page = page_of(client, address)

    for label in LABELS[lang]:
        assert label in page
    for key in PARAMETERS:
        assert key not in page, key
    year_label = re.escape(LABELS[lang][1])
    shown = (
        rf"{year_label}</dt>\s*<dd [^>]*>2026</dd>" if where == "explanation" else rf"{year_label}: 2026</li>"
    )
    assert re.search(shown, page), "the year is not shown as 2026"
    assert not re.search(r"2[,\u00a0\u202f ]026", page)
    assert HOUSEHOLD_RULE[lang] in page
    for other in {"kk", "ru", "en"} - {lang}:
        assert HOUSEHOLD_RULE[other] not in page


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("where", ["explanation", "register"])
def test_the_responsible_officials_title_is_in_the_pages_language(
    client: Client, decision: Any, lang: str, where: str
) -> None:
    address = (
        url("explanations:decision", lang, reference=decision.reference)
        if where == "explanation"
        else url("explanations:system", lang, code=decision.system.code)
    )
    page = page_of(client, address)

    assert OFFICIAL[lang] in page
    for other in {"kk", "ru", "en"} - {lang}:
        assert OFFICIAL[other] not in page


def test_an_official_given_as_one_string_is_shown_as_it_is(client: Client, db: None) -> None:
    system = factories.system(responsible_official="Айгүл Серікқызы")

    page = page_of(client, url("explanations:system", "ru", code=system.code))

    assert "Айгүл Серікқызы" in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "для решений, принятых до конца ноября 2026 г."),
        ("kk", "(2026 ж. қараша айының соңына дейін қабылданған шешімдер бойынша)"),
        ("en", "for decisions made up to the end of November 2026"),
    ],
)
def test_up_to_the_end_of_a_month_puts_the_month_in_the_right_case(lang: str, expected: str) -> None:
    source = (
        "{% load i18n open_data_register %}{% blocktranslate with month=m|od_month:'genitive' trimmed %}Appeals "
        "decided and decisions overturned, per model version, for decisions made up to the end of {{ month }}"
        "{% endblocktranslate %}"
    )
    with translation.override(lang):
        text = Template(source).render(Context({"m": "2026-11"}))

    assert text.endswith(expected), text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ru", "Ноябрь 2026 г."), ("kk", "2026 ж. қараша"), ("en", "November 2026")],
)
def test_a_month_on_its_own_is_in_the_nominative_and_kazakh_months_are_lower_case(
    lang: str, expected: str
) -> None:
    with translation.override(lang):
        text = Template("{% load open_data_register %}{{ m|od_month }}").render(Context({"m": "2026-11"}))

    assert text == expected


def test_oversight_captions_in_russian_say_from_january_to_the_end_of_november() -> None:
    from oversight.selectors import _COHORT_CAPTION, Period, _period_caption

    period = Period(dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    with translation.override("ru"):
        text = str(_period_caption(_COHORT_CAPTION, period))

    assert text.startswith("Решения, принятые с января 2026 г. до конца ноября 2026 г."), text
