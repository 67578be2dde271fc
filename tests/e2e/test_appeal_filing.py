"""Filing an appeal in a real browser, in each language: sign in with a one-time code, open the decision, "Appeal
this decision", give two reasons (one pre-filled from a "this is wrong" flag), upload a PNG, ask for protection,
choose how to be contacted, check the answers, send, and follow the appeal. axe-core finds no WCAG 2.x A/AA
violation on any page, error states included; screenshots go to docs/screenshots/appeal-*-<lang>.png."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from appeals.models import Appeal, Evidence
from appeals.states import State
from explanations.models import Decision
from explanations.services.flags import data_flag_record
from portal.accounts.models import User
from portal.identifiers import format_reference
from tests.appeals.citizen import files
from tests.explanations.citizen import builders

from .conftest import check_axe, citizen_sign_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("delivery")]

LANGS = ("kk", "ru", "en")


@pytest.fixture
def flagged_decision(transactional_db: None) -> tuple[User, str, Decision]:
    user, iin = builders.citizen(preferred_language="en", phone="+77010000000")
    system = builders.system_for("scorecard")
    decision = builders.decide(
        system, iin=iin, kind="scorecard", notified=False, decided_at=timezone.now() - dt.timedelta(days=20)
    )
    data_flag_record(
        decision=decision,
        feature="income_per_person",
        user=user,
        correct_value="38 000",
        note="My employer's certificate shows 38 000 a month",
    )
    return user, iin, decision


def submit(page: Any) -> None:
    page.locator("main form:not([action]) button[type=submit]").last.click()


def choose(page: Any, input_id: str) -> None:
    page.locator(f"label[for={input_id}]").click()


@pytest.mark.parametrize("lang", LANGS)
def test_a_citizen_files_an_appeal_with_evidence(
    page: Any, flagged_decision: tuple[User, str, Decision], lang: str, tmp_path: Path
) -> None:
    user, iin, decision = flagged_decision
    evidence = tmp_path / "payslip.png"
    evidence.write_bytes(files.image("PNG", (120, 80), noise=True))

    # Sign in with a one-time code.
    citizen_sign_in(page, lang=lang, iin=iin, email=user.email)

    # The decision page offers the appeal.
    page.goto(f"/{lang}/decisions/{decision.reference}/")
    # The "Appeal this decision" button (“Your rights” links to the same page further down).
    page.locator(f"a.govuk-button[href='/{lang}/appeals/new/{decision.reference}/']").click()
    page.wait_for_url(f"**/{lang}/appeals/new/{decision.reference}/")
    assert page.locator("html").get_attribute("lang") == lang
    check_axe(page)
    submit(page)

    # The task list.
    page.wait_for_url(re.compile(rf"/{lang}/appeals/\w+/draft/$"))
    appeal = Appeal.objects.get(decision=decision, state=State.DRAFT)
    base = f"/{lang}/appeals/{appeal.reference}/draft/"
    check_axe(page)
    page.locator(f"a[href='{base}reasons/']").click()

    # Reason 1: the kind (first with an error, to check the error state too), then the pre-filled details.
    page.wait_for_url(f"**{base}reasons/add/")
    check_axe(page)
    submit(page)
    assert page.locator(".govuk-error-summary").is_visible()
    check_axe(page)
    page.locator(f"main a[href*='{base}reasons/add/DATA_WRONG/?flag=']").click()
    page.wait_for_url(re.compile(r"/reasons/add/DATA_WRONG/\?flag=\d+$"))
    assert page.locator("#id_correct_value").input_value() == "38 000"
    check_axe(page)
    submit(page)

    # Reason 2: circumstances missed, with its error state.
    page.wait_for_url(f"**{base}reasons/")
    check_axe(page)
    choose(page, "id_answer_0")  # yes, add another
    submit(page)
    page.wait_for_url(f"**{base}reasons/add/")
    choose(page, "id_kind_1")  # the data misses my circumstances
    submit(page)
    page.wait_for_url(f"**{base}reasons/add/CIRCUMSTANCES_MISSED/")
    submit(page)
    assert page.locator(".govuk-error-summary").is_visible()
    check_axe(page)
    choose(page, "id_circumstance_5")  # caring duties
    page.fill("#id_why", "Мен анамды күтемін, сондықтан ресми жұмыс істей алмаймын.")
    submit(page)
    page.wait_for_url(f"**{base}reasons/")
    choose(page, "id_answer_1")  # no more
    submit(page)

    # Statement.
    page.wait_for_url(f"**{base}")
    page.locator(f"a[href='{base}statement/']").click()
    check_axe(page)
    page.fill("#id_statement", "We are a family of five.")
    submit(page)

    # Evidence: one PNG.
    page.locator(f"a[href='{base}evidence/']").click()
    page.wait_for_url(f"**{base}evidence/")
    check_axe(page)
    page.set_input_files("#id_file", str(evidence))
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url(f"**{base}evidence/")
    assert page.get_by_text("payslip.png").first.is_visible()
    check_axe(page)
    page.locator("main button[name=continue]").click()

    # Protection while waiting, contact, language.
    page.wait_for_url(f"**{base}")
    page.locator(f"a[href='{base}protection/']").click()
    check_axe(page)
    choose(page, "id_interim_protection_0")  # keep payments
    submit(page)
    page.locator(f"a[href='{base}contact/']").click()
    check_axe(page)
    choose(page, "id_contact_channel_1")  # SMS
    submit(page)
    page.wait_for_url(f"**{base}language/")
    check_axe(page)
    choose(page, f"id_contact_language_{LANGS.index(lang)}")
    submit(page)

    # Check your answers, send.
    page.wait_for_url(f"**{base}")
    check_axe(page)
    screenshot(page, f"appeal-task-list-{lang}")
    page.locator(f"a[href='{base}check/']").click()
    page.wait_for_url(f"**{base}check/")
    assert page.get_by_text("38 000").first.is_visible()
    check_axe(page)
    screenshot(page, f"appeal-check-answers-{lang}")
    submit(page)

    # Confirmation with the reference.
    page.wait_for_url(f"**/{lang}/appeals/{appeal.reference}/sent/")
    assert page.locator("#appeal-reference").inner_text() == format_reference(appeal.reference)
    check_axe(page)
    screenshot(page, f"appeal-confirmation-{lang}")

    # The appeal's page, with how the due date was calculated.
    page.locator(f"main a[href='/{lang}/appeals/{appeal.reference}/']").click()
    page.wait_for_url(f"**/{lang}/appeals/{appeal.reference}/")
    page.locator("#how-due-date summary").click()
    check_axe(page)
    screenshot(page, f"appeal-status-{lang}")

    appeal.refresh_from_db()
    assert appeal.state == State.ADMISSIBILITY
    assert appeal.contact_language == lang
    assert (appeal.interim_protection, appeal.contact_channel) == ("KEEP_PAYMENTS", "SMS")
    assert list(appeal.grounds.order_by("position").values_list("kind", flat=True)) == [
        "DATA_WRONG",
        "CIRCUMSTANCES_MISSED",
    ]
    assert Evidence.objects.get(appeal=appeal).original_name == "payslip.png"
