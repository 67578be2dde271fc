"""The ombudsman in a real browser, in each language: opens the alerts, an alert, acknowledges it, opens an
inquiry from it (first with the form left empty: every error listed and linked), adds a note, closes the
inquiry with findings, and reads them on the public register entry. axe-core finds no WCAG 2.x A/AA violation
on any page; screenshots of the alert and inquiry pages go to docs/screenshots/ (SCREENSHOTS=1)."""

from typing import Any

import pytest

from oversight import rollups
from oversight.inquiries import services
from oversight.inquiries.models import Alert, AlertStatus, Inquiry, InquiryStatus
from tests.appeals.conftest import World
from tests.oversight.inquiries.conftest import Gen, only_rule, seed_default_rules

from .conftest import check_axe, screenshot, staff_session
from .test_review_journey import submit

pytestmark = pytest.mark.e2e

LANGS = ("kk", "ru", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_ombudsman_works_an_alert_into_an_inquiry(
    page: Any, context: Any, live_server: Any, lang: str
) -> None:
    seed_default_rules()
    world = World()
    gen = Gen(world)
    gen.version("2.0", "2026-02-01T00:00:00+05:00")
    gen.decided(gen.decisions(30, version="1.0"), overturned=3)
    gen.decided(gen.decisions(30, version="2.0"), overturned=18)
    only_rule("version-overturn-rate", period_months=None)
    rollups.rollup_refresh()
    services.alert_scan()
    alert = Alert.objects.get()
    staff_session(context, live_server, world.ombudsman)

    # The alerts, then one alert.
    page.goto(f"/{lang}/oversight/alerts/")
    assert page.locator("html").get_attribute("lang") == lang
    check_axe(page)
    page.locator(f"a[href='/{lang}/oversight/alerts/{alert.pk}/']").first.click()
    page.wait_for_url(f"**/{lang}/oversight/alerts/{alert.pk}/")
    check_axe(page)
    screenshot(page, f"oversight-alert-{lang}")

    # Acknowledge it.
    page.check("#id_status_0")
    submit(page)
    page.wait_for_url(f"**/{lang}/oversight/alerts/{alert.pk}/")
    page.locator(".govuk-notification-banner").wait_for()
    check_axe(page)
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED

    # Open an inquiry from it: empty first, then filled in.
    page.locator(f"a[href='/{lang}/oversight/inquiries/new/?alert={alert.pk}']").click()
    page.wait_for_url("**/inquiries/new/**")
    check_axe(page)
    submit(page)
    page.locator(".govuk-error-summary").wait_for()
    check_axe(page)
    assert not Inquiry.objects.exists()
    page.fill("#id_title", "Overturns of version 2.0")
    page.fill("#id_scope", "Sample fifty overturned appeals and ask the agency about its income data.")
    submit(page)
    page.wait_for_url(f"**/{lang}/oversight/inquiries/*/")
    inquiry = Inquiry.objects.get()
    assert inquiry.alert_id == alert.pk and inquiry.language == lang
    check_axe(page)

    # A note, then close with findings.
    page.fill("#id_text", "The agency sent its data dictionary.")
    submit(page)
    page.wait_for_url(f"**/{lang}/oversight/inquiries/{inquiry.pk}/")
    check_axe(page)
    screenshot(page, f"oversight-inquiry-{lang}")
    page.locator(f"a[href='/{lang}/oversight/inquiries/{inquiry.pk}/status/']").click()
    page.wait_for_url("**/status/")
    check_axe(page)
    page.check("#id_status_1")  # closed with findings (the choices other than the current status)
    page.fill("#id_findings", "Income older than a year was used; the agency now refreshes it monthly.")
    submit(page)
    page.wait_for_url(f"**/{lang}/oversight/inquiries/{inquiry.pk}/")
    check_axe(page)
    assert Inquiry.objects.get().status == InquiryStatus.CLOSED

    # The inquiry list, the rules, and the public register entry (signed out).
    page.goto(f"/{lang}/oversight/inquiries/")
    check_axe(page)
    page.goto(f"/{lang}/oversight/rules/")
    check_axe(page)
    rule_link = page.locator(f"main a[href^='/{lang}/oversight/rules/']").first
    rule_link.click()
    page.wait_for_url(f"**/{lang}/oversight/rules/*/")
    check_axe(page)
    context.clear_cookies()
    page.goto(f"/{lang}/register/{world.system.code}/")
    check_axe(page)
    body = page.locator("main").inner_text()
    assert "Overturns of version 2.0" in body and "refreshes it monthly" in body
    assert "data dictionary" not in body and "Sample fifty" not in body
