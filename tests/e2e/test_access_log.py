"""A citizen reads "Who viewed your data" in a real browser after a reviewer opened their case, in each
language: signed in with a one-time code, the record shows the reviewer's role, body, time and purpose; axe-core
finds no WCAG 2.x A/AA violation; screenshots go to docs/screenshots/."""

from typing import Any

import pytest
from django.utils import formats, timezone, translation

from access.models import AccessRecord
from tests import factories
from tests.appeals.conftest import World
from tests.appeals.review.builders import at

from .conftest import check_axe, citizen_sign_in, screenshot, staff_session

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("delivery")]

LANGS = ("kk", "ru", "en")
HEADINGS = {"en": "Who viewed your data"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_citizen_reads_who_viewed_their_data(page: Any, context: Any, live_server: Any, lang: str) -> None:
    world = World()
    appeal = at(world, "in_review")
    reviewer = world.reviewers[0]

    # The reviewer opens the case in their browser: that view is recorded.
    staff_session(context, live_server, reviewer)
    page.goto(f"/{lang}/review/appeals/{appeal.reference}/")
    assert page.locator("h1").first.is_visible()
    record = AccessRecord.objects.get(appeal=appeal, viewer=reviewer)
    context.clear_cookies()

    # The citizen signs in with a one-time code and opens "Who viewed your data" from the navigation.
    citizen_sign_in(page, lang=lang, iin=factories.iin(1), email=world.citizen.email)
    page.locator(f"a[href='/{lang}/access/my-data/']").first.click()
    page.wait_for_url(f"**/{lang}/access/my-data/")

    assert page.locator("html").get_attribute("lang") == lang
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    with translation.override(lang):
        when = formats.date_format(timezone.localtime(record.at), "DATETIME_FORMAT")
        role = str(record.role_label)
        purpose = str(record.get_purpose_display())
    assert cells == [when, role, world.body.name[lang], purpose]
    if lang == "en":
        assert page.locator("h1").inner_text() == HEADINGS["en"]
        assert cells[1:] == ["Reviewer", world.body.name["en"], "Review of the appeal assigned to them"]
    check_axe(page)
    screenshot(page, f"access-log-{lang}")


def test_the_ombudsman_states_a_reason_reads_a_case_and_verifies_the_chain(
    page: Any, context: Any, live_server: Any
) -> None:
    world = World()
    appeal = at(world, "decided", evidence=True)
    staff_session(context, live_server, world.ombudsman)

    page.goto(f"/en/access/cases/{appeal.reference}/")
    page.wait_for_url(f"**/en/access/cases/{appeal.reference}/reason/**")
    check_axe(page)
    page.locator("main button[type=submit]").click()  # no reason: the error summary
    assert page.locator(".govuk-error-summary").is_visible()
    check_axe(page)
    page.fill("#id_reason", "Complaint 2026/17 about this review")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/en/access/cases/{appeal.reference}/")
    assert page.get_by_text("Complaint 2026/17 about this review").is_visible()
    assert page.locator("main form").count() == 0
    check_axe(page)
    screenshot(page, "access-ombudsman-case-en")

    page.goto(f"/en/access/audit/verifications/{_verification(world)}/")
    assert page.locator("#verification-status").is_visible()
    check_axe(page)
    screenshot(page, "access-chain-verification-en")


def _verification(world: World) -> int:
    from django.db import transaction

    from access.services import chain_verification_request
    from access.verification import chain_verification_run

    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    return chain_verification_run(verification_id=verification.pk).pk
