"""The end of the journey in a real browser, in each language: the appellant signs in with a one-time code,
sees the outcome of a decided appeal with its timeline, and downloads the decision letter. axe-core finds no
WCAG 2.x A/AA violation; screenshots go to docs/screenshots/appeal-outcome-<lang>.png."""

import re
from typing import Any

import pytest

from appeals.services import core
from appeals.states import Outcome
from tests import factories
from tests.appeals.conftest import NOW, World
from tests.appeals.test_services import assessed, filed

from .conftest import check_axe, citizen_sign_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("delivery")]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_appellant_sees_the_outcome_and_downloads_the_letter(page: Any, lang: str) -> None:
    world = World()
    appeal = filed(world)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    assessed(world, appeal, reviewer, outcome=Outcome.OVERTURNED)
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT", now=NOW
    )

    citizen_sign_in(
        page, lang=lang, iin=factories.iin(1), email=world.citizen.email, then=re.compile(rf"/{lang}/")
    )

    page.goto(f"/{lang}/appeals/{appeal.reference}/")
    assert page.locator("html").get_attribute("lang") == lang
    letter_link = page.locator(f"a[href='/{lang}/appeals/{appeal.reference}/letter/']")
    assert letter_link.count() == 1
    check_axe(page)
    screenshot(page, f"appeal-outcome-{lang}")

    with page.expect_download() as download_info:
        letter_link.click()
    download = download_info.value
    assert download.suggested_filename == f"decision-letter-{appeal.reference}-{lang}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
