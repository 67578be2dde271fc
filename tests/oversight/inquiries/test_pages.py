"""The ombudsman's alert, rule and inquiry pages, the dashboard panel and the register entry's inquiries."""

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from oversight.inquiries.models import Alert, AlertRule, AlertStatus, Inquiry, InquiryNote, InquiryStatus

from .conftest import World
from .test_services import make_alert, open_inquiry


@pytest.fixture
def client_for(world: World) -> Any:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def ombudsman(world: World, client_for: Any) -> Client:
    return client_for(world.ombudsman)


def test_the_alert_list_shows_open_alerts_with_their_numbers_and_hides_closed_ones(
    world: World, ombudsman: Client
) -> None:
    open_alert = make_alert(world)
    closed = make_alert(world, AlertStatus.CLOSED)
    closed.cleared_at = closed.raised_at
    closed.save()
    response = ombudsman.get(reverse("inquiries:alerts"))
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert reverse("inquiries:alert", kwargs={"alert_id": open_alert.pk}) in html
    assert reverse("inquiries:alert", kwargs={"alert_id": closed.pk}) not in html
    assert "42.0%" in html and "30.0%" in html  # measured and threshold, as percentages
    every = ombudsman.get(reverse("inquiries:alerts") + "?status=all").content.decode()
    assert reverse("inquiries:alert", kwargs={"alert_id": closed.pk}) in every


def test_numbers_are_written_the_way_each_language_writes_them(world: World, ombudsman: Client) -> None:
    alert = make_alert(world)
    ru = ombudsman.get(f"/ru/oversight/alerts/{alert.pk}/").content.decode()
    assert "42,0\u00a0%" in ru
    kk = ombudsman.get(f"/kk/oversight/alerts/{alert.pk}/")
    assert kk.status_code == 200 and 'lang="kk"' in kk.content.decode()


def test_the_ombudsman_acknowledges_and_closes_an_alert_on_its_page(world: World, ombudsman: Client) -> None:
    alert = make_alert(world)
    url = reverse("inquiries:alert", kwargs={"alert_id": alert.pk})
    assert "Acknowledge" in ombudsman.get(url).content.decode()

    response = ombudsman.post(url, {"status": "ACKNOWLEDGED", "note": ""})
    assert response.status_code == 302 and response["Location"] == url
    response = ombudsman.post(url, {"status": "CLOSED", "note": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Say why you are closing the alert" in html
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED

    ombudsman.post(url, {"status": "CLOSED", "note": "Dealt with in inquiry"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    page = ombudsman.get(url).content.decode()
    assert "Dealt with in inquiry" in page and 'name="status"' not in page  # no form on a closed alert
    assert ombudsman.post(url, {"status": "ACKNOWLEDGED"}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.CLOSED


def test_a_rule_is_edited_in_percent_and_stored_as_a_proportion(world: World, ombudsman: Client) -> None:
    rule = AlertRule.objects.get(code="version-overturn-rate")
    url = reverse("inquiries:rule", kwargs={"rule_id": rule.pk})
    page = ombudsman.get(url).content.decode()
    assert 'value="30"' in page  # 0.30 shown as 30 (per cent)
    assert 'name="metric"' not in page  # a field this kind does not use is not shown

    response = ombudsman.post(
        url, {"enabled": "yes", "threshold": "25", "min_count": "40", "period_months": ""}
    )
    assert response.status_code == 302, response.content
    rule.refresh_from_db()
    assert (rule.threshold, rule.min_count, rule.period_months) == (0.25, 40, None)


def test_a_rule_accepts_the_decimal_comma_of_russian(world: World, ombudsman: Client) -> None:
    rule = AlertRule.objects.get(code="disparity-overturn-rate")
    response = ombudsman.post(
        f"/ru/oversight/rules/{rule.pk}/",
        {
            "enabled": "yes",
            "metric": "overturn_rate",
            "attribute": "",
            "threshold": "1,75",
            "min_count": "30",
        },
    )
    assert response.status_code == 302, response.content
    assert AlertRule.objects.get(pk=rule.pk).threshold == 1.75


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"enabled": "yes", "threshold": "100", "min_count": "20"},
            "Enter a percentage of at least 0 and less than 100",
        ),
        ({"enabled": "yes", "threshold": "thirty", "min_count": "20"}, "Enter the threshold as a number"),
        ({"enabled": "yes", "threshold": "", "min_count": "20"}, "Enter the threshold"),
        ({"enabled": "yes", "threshold": "30", "min_count": "0"}, "Enter a whole number of cases, 1 or more"),
        ({"enabled": "maybe", "threshold": "30", "min_count": "20"}, "Choose whether the rule is on or off"),
        (
            {"enabled": "yes", "threshold": "30", "min_count": "20", "period_months": "-3"},
            "Enter a number of months",
        ),
    ],
)
def test_a_wrong_rule_shows_a_clear_message_and_changes_nothing(
    world: World, ombudsman: Client, data: dict[str, str], message: str
) -> None:
    rule = AlertRule.objects.get(code="version-overturn-rate")
    response = ombudsman.post(reverse("inquiries:rule", kwargs={"rule_id": rule.pk}), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert AlertRule.objects.get(pk=rule.pk).threshold == 0.30


def test_the_ombudsman_opens_an_inquiry_from_an_alert_adds_a_note_and_closes_it(
    world: World, ombudsman: Client
) -> None:
    alert = make_alert(world)
    new = reverse("inquiries:inquiry-new")
    page = ombudsman.get(f"{new}?alert={alert.pk}").content.decode()
    assert f'<option value="{world.system.pk}" selected>' in page

    empty = ombudsman.post(new, {"alert": alert.pk, "system": "", "title": "", "scope": ""})
    assert empty.status_code == 200
    for message in ("Choose the system the inquiry is about", "Enter a title", "Describe what the inquiry"):
        assert message in empty.content.decode()
    assert not Inquiry.objects.exists()

    response = ombudsman.post(
        new,
        {"alert": alert.pk, "system": world.system.pk, "title": "Version 1.0 overturns", "scope": "Sample"},
    )
    inquiry = Inquiry.objects.get()
    assert response["Location"] == reverse("inquiries:inquiry", kwargs={"inquiry_id": inquiry.pk})
    assert inquiry.alert == alert and inquiry.language == "en"

    note_url = reverse("inquiries:inquiry-note", kwargs={"inquiry_id": inquiry.pk})
    assert "Write the note" in ombudsman.post(note_url, {"text": " "}).content.decode()
    ombudsman.post(note_url, {"text": "Called the agency"})
    assert InquiryNote.objects.get(inquiry=inquiry).text == "Called the agency"

    status_url = reverse("inquiries:inquiry-status", kwargs={"inquiry_id": inquiry.pk})
    refused = ombudsman.post(status_url, {"status": "CLOSED", "findings": ""})
    assert "Write the findings" in refused.content.decode()
    ombudsman.post(status_url, {"status": "CLOSED", "findings": "The feed was stale."})
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
    detail = ombudsman.get(reverse("inquiries:inquiry", kwargs={"inquiry_id": inquiry.pk})).content.decode()
    assert "Called the agency" in detail and "The feed was stale." in detail and note_url not in detail


def test_an_alert_that_does_not_exist_is_a_404_on_the_new_inquiry_page(ombudsman: Client) -> None:
    assert ombudsman.get(reverse("inquiries:inquiry-new") + "?alert=999999").status_code == 404
    assert ombudsman.get(reverse("inquiries:inquiry-new") + "?alert=abc").status_code == 404


def test_the_register_entry_shows_the_inquiry_but_never_its_scope_or_notes(world: World) -> None:
    register = reverse("explanations:system", kwargs={"code": world.system.code})
    assert "Inquiries by the ombudsman" not in Client().get(register).content.decode()

    inquiry = open_inquiry(world, scope="Secret scope: interview staff")
    from oversight.inquiries import services

    services.inquiry_note_add(
        inquiry_id=inquiry.pk, actor=world.ombudsman, text="Internal: staff named Aigerim"
    )
    html = Client().get(register).content.decode()
    assert "Inquiries by the ombudsman" in html and "Overturns of version 1.0" in html
    assert "Open" in html
    assert "Secret scope" not in html and "Internal: staff named" not in html and "Findings" not in html

    services.inquiry_status_set(
        inquiry_id=inquiry.pk, actor=world.ombudsman, status="CLOSED", findings="Fixed."
    )
    html = Client().get(register).content.decode()
    assert "Closed with findings" in html and "Fixed." in html and "Internal: staff named" not in html


def test_the_dashboard_panel_counts_open_alerts_and_links_the_latest(world: World) -> None:
    request = RequestFactory().get("/en/oversight/")
    template = Template("{% load inquiries_dashboard %}{% open_alerts_panel %}")
    assert "No open alerts" in template.render(Context({"request": request}))
    alerts = [make_alert(world) for _ in range(2)]
    make_alert(world, AlertStatus.ACKNOWLEDGED)
    html = template.render(Context({"request": request}))
    assert "2 open alerts" in html
    for alert in alerts:
        assert reverse("inquiries:alert", kwargs={"alert_id": alert.pk}) in html
