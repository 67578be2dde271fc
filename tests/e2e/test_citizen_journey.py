"""A citizen's journey in a real browser, in each language: sign in with a one-time code, open a silent
assessment, read its explanation (opening the technical details), say an item of data is wrong, download
the PDF. axe-core finds no WCAG 2.x A/AA violation on any page; screenshots go to docs/screenshots/."""

import datetime as dt
import re
from typing import Any

import pytest

from explanations.models import DataFlag, Decision
from portal.accounts.models import User
from tests.explanations.citizen import builders

from .conftest import check_axe, screenshot, wait_for_code

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("delivery")]

LANGS = ("kk", "ru", "en")


@pytest.fixture
def silent_assessment(transactional_db: None) -> tuple[User, str, Decision]:
    user, iin = builders.citizen(preferred_language="en")
    system = builders.system_for("scorecard", near_threshold_band=5)
    builders.decide(system, iin=iin, kind="scorecard", decided_at=dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC))
    silent = builders.decide(
        system,
        iin=iin,
        kind="scorecard",
        notified=False,
        decided_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
    )
    return user, iin, silent


@pytest.mark.parametrize("lang", LANGS)
def test_citizen_reads_a_silent_assessment_flags_data_and_downloads_the_pdf(
    page: Any, silent_assessment: tuple[User, str, Decision], lang: str
) -> None:
    user, iin, decision = silent_assessment

    # Sign in with a one-time code.
    page.goto(f"/{lang}/accounts/sign-in/")
    check_axe(page)
    page.fill("#id_iin", iin)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(f"**/{lang}/accounts/sign-in/code/")
    page.fill("#id_code", wait_for_code(user.email))
    page.locator("main button[type=submit]").first.click()

    # My decisions: the silent assessment is there, with its notice.
    page.wait_for_url(f"**/{lang}/my/decisions/")
    assert page.locator("html").get_attribute("lang") == lang
    check_axe(page)
    page.locator(f"main a[href='/{lang}/decisions/{decision.reference}/']").click()

    # The explanation: summary, silent-assessment notice, then the details and the technical annex.
    page.wait_for_url(f"**/{lang}/decisions/{decision.reference}/")
    assert page.locator("#silent-assessment").is_visible()
    assert page.locator("section[aria-labelledby=data-used] table tbody tr").count() == 12
    label = builders.example_spec("scorecard")["features"][0]["label"][lang]
    assert page.get_by_role("rowheader", name=re.compile(re.escape(label))).first.is_visible()
    page.locator("#technical-details summary").click()
    assert page.locator("#technical-details").get_attribute("open") is not None
    assert page.get_by_text(decision.model_version.spec_hash).is_visible()
    check_axe(page)
    screenshot(page, f"decision-{lang}")

    # "This is wrong" on the income.
    page.locator("a[href$='/data/income_per_person/wrong/']").click()
    page.wait_for_url("**/data/income_per_person/wrong/")
    check_axe(page)
    page.fill("#id_correct_value", "38 000")
    page.fill("#id_note", "Certificate from my employer")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/data/income_per_person/recorded/")
    assert page.locator(".govuk-panel--confirmation").is_visible()
    check_axe(page)
    assert DataFlag.objects.filter(decision=decision, feature="income_per_person", citizen=user).exists()

    # Back to the explanation; download the PDF.
    page.locator(f"main a[href^='/{lang}/decisions/{decision.reference}/']").click()
    with page.expect_download() as download_info:
        page.locator(f"a[href='/{lang}/decisions/{decision.reference}/pdf/']").click()
    download = download_info.value
    assert download.suggested_filename == f"decision-{decision.reference}-{lang}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


@pytest.mark.parametrize("lang", LANGS)
def test_a_person_with_a_letter_looks_up_the_decision_without_signing_in(
    page: Any, silent_assessment: tuple[User, str, Decision], lang: str
) -> None:
    user, iin, decision = silent_assessment

    page.goto(f"/{lang}/lookup/")
    check_axe(page)
    page.locator("main button[type=submit]").click()  # empty: the error summary
    assert page.locator(".govuk-error-summary").is_visible()
    check_axe(page)
    page.fill("#id_reference", decision.reference.lower())
    page.fill("#id_iin", iin)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/lookup/code/")
    check_axe(page)
    page.fill("#id_code", wait_for_code(user.email))
    page.locator("main button[type=submit]").click()

    page.wait_for_url(f"**/{lang}/decisions/{decision.reference}/")
    assert page.locator("#silent-assessment").is_visible()
    check_axe(page)
