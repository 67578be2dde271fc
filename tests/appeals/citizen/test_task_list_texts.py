"""What the draft's pages say: the task list invites checking the answers only once every required section is
done (otherwise how many of how many are), the circumstance question's text box has its own hint, and the
languages are named in themselves wherever they are chosen."""

import html
import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from appeals.models import Appeal
from appeals.states import State

from .conftest import signed_in, url

READY = "You can now check your answers and send your appeal"
NOT_FINISHED = "Your appeal is not finished"
ENDONYMS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def page(response: Any) -> str:
    assert response.status_code == 200, response.content
    return html.unescape(response.content.decode())


def in_lang(lang: str, text: str) -> str:
    with translation.override(lang):
        return gettext(text)


def draft(world: Any) -> tuple[Any, str]:
    client = signed_in(world.citizen)
    decision = world.decision()
    client.post(url("appeals:start", decision.reference))
    return client, Appeal.objects.get(decision=decision, state=State.DRAFT).reference


def add_reason(client: Any, ref: str) -> None:
    response = client.post(
        url("appeals:ground-new", ref, "CIRCUMSTANCES_MISSED"),
        {"circumstance": "CARING", "why": "I care for my mother full time"},
    )
    assert response.status_code == 302, response.content


def heading(text: str) -> str:
    found = re.search(r'<h2 class="govuk-heading-s[^"]*">([^<]*)</h2>', text)
    assert found, "no status heading"
    return found.group(1)


def check_task_status(text: str) -> str:
    found = re.search(r'id="task-check-status">(?:<strong[^>]*>)?([^<]*)<', text)
    assert found, "no check task"
    return found.group(1)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_with_a_reason_but_protection_and_contact_not_started_the_appeal_is_not_finished(
    world: Any, lang: str
) -> None:
    client, ref = draft(world)
    add_reason(client, ref)

    text = page(client.get(url("appeals:task-list", ref, lang=lang)))

    assert heading(text) == in_lang(lang, NOT_FINISHED)
    assert in_lang(lang, READY) not in text
    assert check_task_status(text) == in_lang(lang, "Cannot start yet")
    with translation.override(lang):
        done = gettext("You have completed %(done)s of %(total)s sections.") % {"done": 1, "total": 5}
    assert done in " ".join(text.split())


def test_once_every_required_section_is_done_the_answers_can_be_checked_optional_ones_aside(
    world: Any,
) -> None:
    client, ref = draft(world)
    add_reason(client, ref)
    client.post(url("appeals:interim", ref), {"interim_protection": "KEEP_PAYMENTS"})
    assert heading(page(client.get(url("appeals:task-list", ref)))) == NOT_FINISHED  # contact still to do
    client.post(url("appeals:contact", ref), {"contact_channel": "SMS"})
    client.post(url("appeals:language", ref), {"contact_language": "ru"})

    text = page(client.get(url("appeals:task-list", ref)))

    assert heading(text) == READY  # the statement and the evidence are optional and not done
    assert check_task_status(text) == "Not yet started"
    assert "You have completed 3 of 5 sections." in text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_circumstance_text_box_has_its_own_hint_not_the_radio_groups(world: Any, lang: str) -> None:
    client, ref = draft(world)

    text = page(client.get(url("appeals:ground-new", ref, "CIRCUMSTANCES_MISSED", lang=lang)))

    radio_hint = in_lang(
        lang, "Choose the one that fits best. You can add another reason for each other circumstance."
    )
    assert text.count(radio_hint) == 1
    box_hint = re.search(r'<div id="id_why-hint" class="govuk-hint">([^<]*)</div>', text)
    assert box_hint, "the text box has no hint"
    assert box_hint.group(1) == in_lang(
        lang, "For example, what your situation is, since when, and why it should change the result."
    )
    assert 'aria-describedby="id_why-hint"' in text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_languages_to_write_in_are_named_in_themselves_with_their_lang(world: Any, lang: str) -> None:
    client, ref = draft(world)

    text = page(client.get(url("appeals:language", ref, lang=lang)))

    radio_label = r'<label class="govuk-label govuk-radios__label" for="[^"]+"( lang="\w+")?>([^<]*)</label>'
    labels = re.findall(radio_label, text)
    assert labels == [(f' lang="{code}"', name) for code, name in ENDONYMS.items()]


@pytest.mark.parametrize("first", ["kk", "ru", "en"])
def test_the_language_switcher_names_each_language_in_itself_on_every_pages_language(
    world: Any, first: str
) -> None:
    client, ref = draft(world)
    # The switcher is a cached fragment: each language of the page must still get its own.
    order = [first, *(code for code in ENDONYMS if code != first)]
    for lang in order:
        text = page(client.get(url("appeals:task-list", ref, lang=lang)))
        switcher = re.search(r'<nav class="govuk-language-navigation.*?</nav>', text, re.S)
        assert switcher, "no language switcher"
        for code, name in ENDONYMS.items():
            assert re.search(rf'lang="{code}"[^>]*>{name}<', switcher.group(0)), (lang, code)
        assert re.search(rf'aria-current="true" lang="{lang}">{ENDONYMS[lang]}<', switcher.group(0))
