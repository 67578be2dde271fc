"""“Your rights” on the explanation page and in its PDF: how to ask for a review on this portal, with the time
limit; the home page says the same. The appeal service works, so nothing may say it "will open soon"."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.accounts.models import User
from portal.identifiers import format_reference

from . import builders
from .test_pdf import pdf_text

LANGS = ("kk", "ru", "en")
STALE_EXPLANATION = "Asking for a review through this portal will open soon. Until then, contact the agency."
STALE_HOME = (
    "You cannot yet ask for a review on this website. Until you can, contact the agency named in your decision "
    "letter. Its contact details are also in the register."
)
# builders.decide: decided on 1 October 2025, notified a day later; the test system allows 30 days.
LAST_DAY = dt.date(2025, 11, 1)


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def in_lang(lang: str, text: str) -> str:
    with translation.override(lang):
        return gettext(text)


def rights_section(client: Client, reference: str, lang: str) -> str:
    response = client.get(url("explanations:decision", lang, reference=reference))
    assert response.status_code == 200, response.content
    page = html.unescape(response.content.decode())
    section = re.search(r'<section aria-labelledby="rights">(.*?)</section>', page, re.S)
    assert section, "no “Your rights” section"
    return section.group(1)


def words(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


@pytest.mark.parametrize("lang", LANGS)
def test_your_rights_links_to_the_appeal_and_gives_the_last_day(
    client: Client, person: tuple[User, str], lang: str
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    with time_machine.travel(dt.datetime(2025, 10, 20, 12, 0, tzinfo=dt.UTC)):
        section = rights_section(client, decision.reference, lang)

    start = url("appeals:start", lang, decision_reference=decision.reference)
    link = re.search(rf'<a class="govuk-link" href="{re.escape(start)}">([^<]+)</a>', section)
    assert link, section
    assert link.group(1) == in_lang(lang, "Ask for a review of this decision on this portal")
    with translation.override(lang):
        from explanations.presenters import format_date

        last_day = format_date(LAST_DAY)
    assert last_day in words(section)
    assert in_lang(lang, STALE_EXPLANATION) not in words(section)


@pytest.mark.parametrize("lang", LANGS)
def test_after_the_last_day_your_rights_says_a_late_appeal_is_still_possible(
    client: Client, person: tuple[User, str], lang: str
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    with time_machine.travel(dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.UTC)):
        section = words(rights_section(client, decision.reference, lang))

    with translation.override(lang):
        from explanations.presenters import format_date

        late = gettext(
            "The usual time to ask for a review ended on %(date)s. You can still ask: you will be asked why "
            "you are late, and the review body decides whether it accepts the reason."
        ) % {"date": format_date(LAST_DAY)}
    assert late in section
    assert in_lang(lang, STALE_EXPLANATION) not in section


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_says_in_plain_text_how_to_ask_for_a_review_here(
    client: Client, person: tuple[User, str], lang: str
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=False)
    client.force_login(user)

    response = client.get(url("explanations:decision-pdf", lang, reference=decision.reference))
    # A line may end after a hyphen of the reference.
    text = re.sub(r"-\s+", "-", " ".join(pdf_text(response.content).split()))

    instruction = in_lang(
        lang,
        "To ask for a review, sign in to this portal, open this decision (reference %(reference)s) and choose "
        "“Appeal this decision”.",
    ) % {"reference": format_reference(decision.reference)}
    assert instruction in text
    assert " ".join(in_lang(lang, STALE_EXPLANATION).split()) not in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_says_appeals_are_made_here_and_links_to_them(
    client: Client, db: None, lang: str
) -> None:
    page = html.unescape(client.get(url("explanations:home", lang)).content.decode())

    assert in_lang(lang, STALE_HOME) not in " ".join(page.split())
    choose = url("appeals:choose-decision", lang)
    assert f'href="{url("accounts:sign-in", lang)}?next={choose}"' in page
    assert in_lang(lang, "Sign in to ask for a review") in page


def test_a_signed_in_citizen_gets_a_link_to_start_an_appeal_from_the_home_page(
    client: Client, person: tuple[User, str]
) -> None:
    user, _ = person
    client.force_login(user)

    page = html.unescape(client.get(url("explanations:home", "ru")).content.decode())

    assert f'href="{url("appeals:choose-decision", "ru")}"' in page
    assert in_lang("ru", "Ask for a review of a decision") in page
