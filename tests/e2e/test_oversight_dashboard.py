"""The ombudsman's dashboard in a real browser, in each language: open it, filter it, download a table as CSV
(the file holds the table's rows), open the sample of cases behind a row, get a clear message for a bad month.
axe-core finds no WCAG 2.x A/AA violation on any page; screenshots go to docs/screenshots/ (SCREENSHOTS=1).
Assertions are on structure and `lang`, not on wording (the translations come later)."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from oversight import rollups, selectors
from oversight.selectors import Filters, Period
from tests.appeals.conftest import World
from tests.appeals.review.builders import at, filed

from .conftest import check_axe, screenshot, staff_session

pytestmark = pytest.mark.e2e

LANGS = ("kk", "ru", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_ombudsman_filters_the_dashboard_downloads_a_table_and_opens_a_sample(
    page: Any, context: Any, live_server: Any, lang: str, settings: Any, tmp_path: Path
) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    world = World()
    at(world, "decided")
    filed(world)
    # What the beat does every five minutes; the page's own lazy refresh skips when another one holds the lock.
    rollups.rollup_refresh(wait=True)
    staff_session(context, live_server, world.ombudsman)

    # The dashboard, every table with its caption.
    page.goto(f"/{lang}/oversight/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert page.locator("section[id^='table-'] table caption").count() >= 2
    check_axe(page)
    # Wide tables scroll inside their own box: the page itself never scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    screenshot(page, f"oversight-dashboard-{lang}")

    # Filter: one system, the first quarter of 2026.
    page.fill("#id_period_from", "2026-01")
    page.fill("#id_period_to", "2026-03")
    page.select_option("#id_system", world.system.code)
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/oversight/?*system={world.system.code}*")
    assert page.locator("#id_system").input_value() == world.system.code
    systems = page.locator("#table-systems tbody tr")
    assert systems.count() == 1
    check_axe(page)

    # Download the systems table as CSV: the file is the table's rows.
    with page.expect_download() as info:
        page.locator("#table-systems a[href*='/tables/systems.csv']").click()
    download = info.value
    assert download.suggested_filename == "oversight-systems-2026-01-2026-03.csv"
    lines = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    table = selectors.table(
        Filters(period=Period.parse("2026-01", "2026-03"), system_code=world.system.code), "systems"
    )
    assert table is not None and len(lines) == len(table.rows) == 1
    assert int(lines[0]["decisions"]) == table.rows[0]["decisions"] == 2
    assert int(lines[0]["appeals"]) == table.rows[0]["appeals"] == 2

    # The sample of cases behind the row.
    page.locator("#table-systems tbody tr a[href*='/sample/']").first.click()
    page.wait_for_url("**/tables/systems/sample/?*")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("main table tbody tr").count() == 2
    check_axe(page)
    screenshot(page, f"oversight-sample-{lang}")

    # A month that is not one: the dashboard answers with an error summary that takes focus.
    page.goto(f"/{lang}/oversight/?period_from=2026-13")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.locator("a[href='#id_period_from']").count() == 1
    check_axe(page)

    # The monthly report's form, with a bad month.
    page.goto(f"/{lang}/oversight/report/?month=soon")
    page.locator(".govuk-error-summary").wait_for()
    check_axe(page)
