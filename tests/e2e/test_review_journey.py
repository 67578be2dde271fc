"""An independent review in a real browser, in each language: a reviewer takes the next appeal, declares no
conflict, starts, records a blind assessment (the AI's score is nowhere on the way), reveals the AI's result,
decides; the decision is adverse on a high-impact system, so a supervisor countersigns it. axe-core finds no
WCAG 2.x A/AA violation on any page; screenshots go to docs/screenshots/ (SCREENSHOTS=1)."""

from typing import Any

import pytest

from appeals.models import Appeal
from appeals.states import State
from tests.appeals.conftest import World
from tests.appeals.review.builders import filed

from .conftest import check_axe, screenshot, staff_session

pytestmark = pytest.mark.e2e

LANGS = ("kk", "ru", "en")


def submit(page: Any) -> None:
    page.locator("main form button[type=submit]").last.click()


@pytest.mark.parametrize("lang", LANGS)
def test_a_reviewer_reviews_blind_then_decides_and_a_supervisor_countersigns(
    page: Any, context: Any, live_server: Any, lang: str
) -> None:
    world = World()
    appeal = filed(world, statement="I sold the car in 2024 and I care for my mother.")
    reviewer = world.reviewers[0]
    blind_pages: list[str] = []

    # The waiting appeals, then "take next".
    staff_session(context, live_server, reviewer)
    page.goto(f"/{lang}/review/team/")
    assert page.locator("html").get_attribute("lang") == lang
    check_axe(page)
    submit(page)
    page.wait_for_url(f"**/{lang}/review/appeals/{appeal.reference}/")
    check_axe(page)
    blind_pages.append(page.content())

    # No conflict of interest, then start.
    page.check("#id_has_conflict_0")
    submit(page)
    page.wait_for_url(f"**/{lang}/review/appeals/{appeal.reference}/")
    check_axe(page)
    submit(page)  # "Start the review"
    page.locator(f"a[href='/{lang}/review/appeals/{appeal.reference}/assessment/']").wait_for()
    check_axe(page)
    blind_pages.append(page.content())
    screenshot(page, f"review-workspace-blind-{lang}")

    # The blind assessment: the decision stands (adverse), each ground found on.
    page.locator(f"a[href='/{lang}/review/appeals/{appeal.reference}/assessment/']").click()
    page.wait_for_url("**/assessment/")
    check_axe(page)
    blind_pages.append(page.content())
    submit(page)  # empty: every error is listed and linked
    page.locator(".govuk-error-summary").wait_for()
    check_axe(page)
    page.check("#id_finding_1_0")
    page.fill("#id_reasons_1", "The sale contract is dated 2024.")
    page.check("#id_finding_2_1")
    page.fill("#id_reasons_2", "Caring duties are not among the legal criteria.")
    page.check("#id_outcome_0")
    page.fill("#id_reasons", "The criteria are met as recorded.")
    submit(page)
    page.wait_for_url(f"**/{lang}/review/appeals/{appeal.reference}/")
    check_axe(page)
    blind_pages.append(page.content())
    assert Appeal.objects.get(pk=appeal.pk).state == State.ASSESSMENT_RECORDED

    # The reveal: the AI's result beside the assessment.
    submit(page)  # "Reveal the AI's result"
    page.wait_for_url("**/decision/")
    check_axe(page)
    score = page.locator("#ai-score").inner_text().strip()
    assert score and score != "—"
    for html in blind_pages:
        assert 'id="ai-score"' not in html
        assert score not in html
    screenshot(page, f"review-revealed-{lang}")

    # The decision, as assessed: adverse on a high-impact system, so it waits for a countersignature.
    submit(page)
    page.wait_for_url(f"**/{lang}/review/appeals/{appeal.reference}/")
    check_axe(page)
    assert Appeal.objects.get(pk=appeal.pk).state == State.COUNTERSIGN_PENDING

    # The supervisor countersigns.
    staff_session(context, live_server, world.supervisor)
    page.goto(f"/{lang}/review/countersign/")
    check_axe(page)
    page.locator(f"a[href='/{lang}/review/appeals/{appeal.reference}/']").click()
    page.wait_for_url(f"**/{lang}/review/appeals/{appeal.reference}/")
    check_axe(page)
    page.locator(f"a[href='/{lang}/review/appeals/{appeal.reference}/countersign/']").click()
    page.wait_for_url("**/countersign/")
    check_axe(page)
    page.check("#id_agrees_0")
    submit(page)
    page.wait_for_url(f"**/{lang}/review/countersign/")
    check_axe(page)
    assert Appeal.objects.get(pk=appeal.pk).state == State.DECIDED
