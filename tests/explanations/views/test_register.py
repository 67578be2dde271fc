"""The public register: home, list and detail pages, open to everyone in kk, ru and en."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.labels import parameter_label
from explanations.models import AlgorithmicSystem, AutomationLevel, DecisionType, ImpactLevel, ModelKind

from .builders import make_system, texts

LANGS = ("kk", "ru", "en")


def get_page(client: Client, lang: str, name: str, **kwargs: str) -> str:
    with translation.override(lang):
        url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 200, response.content
    return html.unescape(response.content.decode())


def label(choice: object, lang: str) -> str:
    with translation.override(lang):
        return str(choice)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["explanations:home", "explanations:register"])
def test_public_pages_answer_without_sign_in_in_each_language(
    client: Client, system: AlgorithmicSystem, lang: str, name: str
) -> None:
    page = get_page(client, lang, name)

    assert f'<html lang="{lang}"' in page
    assert system.name[lang] in page


@pytest.mark.parametrize("lang", LANGS)
def test_register_detail_answers_without_sign_in_in_each_language(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    page = get_page(client, lang, "explanations:system", code=system.code)

    assert f'<html lang="{lang}"' in page
    assert system.name[lang] in page
    other_languages = [code for code in LANGS if code != lang]
    for other in other_languages:
        assert system.summary[other] not in page


@pytest.mark.parametrize("lang", LANGS)
def test_register_list_shows_system_operator_decision_type_impact_and_automation(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    page = get_page(client, lang, "explanations:register")

    assert system.name[lang] in page
    assert system.operator.name[lang] in page
    assert label(DecisionType.BENEFIT.label, lang) in page
    assert label(ImpactLevel.HIGH.label, lang) in page
    assert label(AutomationLevel.RECOMMENDS.label, lang) in page
    assert reverse("explanations:system", kwargs={"code": system.code}).removeprefix("/kk") in page


@pytest.mark.parametrize("lang", LANGS)
def test_register_detail_shows_every_field_of_the_entry(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    page = get_page(client, lang, "explanations:system", code=system.code)

    for field in (
        "name",
        "summary",
        "purpose",
        "legal_basis",
        "affected_population",
        "human_involvement",
        "known_limitations",
    ):
        assert getattr(system, field)[lang] in page, field
    assert system.operator.name[lang] in page
    assert system.legal_basis_url in page
    assert label(DecisionType.BENEFIT.label, lang) in page
    assert label(AutomationLevel.RECOMMENDS.label, lang) in page
    assert label(ImpactLevel.HIGH.label, lang) in page
    for source in system.data_sources:
        assert source["code"] in page
        assert source["name"][lang] in page
        assert source["contributes"][lang] in page
    with translation.override(lang):
        window = translation.ngettext(
            "%(days)s day after you are told about the decision",
            "%(days)s days after you are told about the decision",
            30,
        ) % {"days": 30}
        deadline = translation.ngettext("%(days)s working day", "%(days)s working days", 15) % {"days": 15}
    assert window in page
    assert deadline in page
    assert system.responsible_official in page
    assert f'href="mailto:{system.contact_email}"' in page
    assert system.contact_phone in page


@pytest.mark.parametrize("lang", LANGS)
def test_register_detail_shows_every_model_version_with_hashes_and_performance(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    page = get_page(client, lang, "explanations:system", code=system.code)

    for number, version in enumerate(system.versions.order_by("-released_at"), start=1):
        assert f'href="#version-{number}">{version.version}</a>' in page
        assert version.version in page
        assert version.change_note[lang] in page
        assert version.dataset_name in page
        assert version.dataset_version in page
        assert version.dataset_sha256 in page
        assert version.spec_hash in page
        for key in version.parameters:
            # a known parameter by its label in the page's language, an unknown one by its key
            with translation.override(lang):
                assert (parameter_label(key) or key) in page
        assert "subsistence_minimum_kzt" not in page
    assert "e" * 64 in page  # the current version's artifact
    assert label(ModelKind.SCORECARD.label, lang) in page
    # data sources, versions, the current version's overall and per-group performance, and the open-data
    # overturn rate per version
    assert page.count('<caption class="govuk-table__caption') == 5
    with translation.override(lang):
        assert str(translation.gettext("Accuracy")) in page
        assert str(translation.gettext("Urban or rural")) in page
        assert str(translation.gettext("Rural")) in page
    assert "Абай облысы" in page


@pytest.mark.parametrize(
    ("lang", "released", "decisions", "subsistence"),
    [
        ("kk", "2025 ж. 5 наурыз", "1\u00a0234\u00a0567", "46\u202f228\u00a0₸"),
        ("ru", "5 марта 2025 г.", "1\u00a0234\u00a0567", "46\u202f228\u00a0₸"),
        ("en", "5 March 2025", "1,234,567", "₸46,228"),
    ],
)
def test_register_detail_formats_dates_numbers_and_tenge_for_the_language(
    client: Client, system: AlgorithmicSystem, lang: str, released: str, decisions: str, subsistence: str
) -> None:
    page = get_page(client, lang, "explanations:system", code=system.code)

    assert released in page
    assert decisions in page
    assert subsistence in page


def test_register_detail_falls_back_to_another_language_and_marks_it(client: Client, db: None) -> None:
    entry = make_system(name={"kk": "", "ru": "Только по-русски", "en": "English name"})

    page = get_page(client, "kk", "explanations:system", code=entry.code)

    assert '<h1 class="govuk-heading-xl" lang="ru">Только по-русски</h1>' in page


def test_register_detail_of_an_unknown_system_is_not_found(client: Client, db: None) -> None:
    response = client.get(reverse("explanations:system", kwargs={"code": "no-such-system"}))

    assert response.status_code == 404, response.content


def test_register_detail_of_a_system_without_versions_says_so(client: Client, db: None) -> None:
    entry = make_system(
        data_sources=[], decisions_per_year=None, name=texts("Салық", "Налог", "Tax risk check")
    )

    page = get_page(client, "en", "explanations:system", code=entry.code)

    assert "No model version has been registered yet." in page
    assert "The agency has not listed the data this system uses." in page
    assert "Not published" in page


def test_register_list_without_systems_says_so(client: Client, db: None) -> None:
    page = get_page(client, "en", "explanations:register")

    assert "No systems are in the register yet." in page
