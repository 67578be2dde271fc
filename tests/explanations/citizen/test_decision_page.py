"""The explanation page, for every kind of model: every element of the case-specific explanation is there."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from explanations.models import Decision
from portal.accounts.models import User
from portal.identifiers import format_reference

from . import builders

LANGS = ("kk", "ru", "en")


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def text_of(response: object) -> str:
    page = html.unescape(response.content.decode())  # type: ignore[attr-defined]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", page))


def open_page(client: Client, decision: Decision, lang: str = "en") -> str:
    response = client.get(url("explanations:decision", lang, reference=decision.reference))
    assert response.status_code == 200, response.content
    return text_of(response)


@pytest.mark.parametrize("kind", builders.KINDS)
def test_the_page_shows_every_element_of_the_explanation_for_each_kind_of_model(
    client: Client, person: tuple[User, str], kind: str
) -> None:
    user, iin = person
    system = builders.system_for(kind)
    decision = builders.decide(system, iin=iin, kind=kind)
    client.force_login(user)

    page = open_page(client, decision)

    # 1 notice and purpose; 2 decision, date, legal basis, authority, contact
    assert "A computer system, “Digital Family Card”, contributed to this decision." in page
    assert "Find the families that need support" in page
    assert "Social Code of the Republic of Kazakhstan, article 1" in page
    assert system.operator.name["en"] in page
    assert system.contact_email in page
    assert format_reference(decision.reference) in page
    # 3 role of the system and of people
    assert "The system gave the result by itself." in page
    assert "No person was involved" in page
    # 4 data used, each with source, date, collection and a "this is wrong" action
    spec = builders.example_spec(kind)
    for feature in spec["features"]:
        assert feature["label"]["en"] in page
        flag_url = url("explanations:flag-data", reference=decision.reference, feature=feature["name"])
        assert flag_url in html.unescape(
            client.get(url("explanations:decision", reference=decision.reference)).content.decode()
        )
    assert "Taken from the registry" in page
    assert "1 September 2025" in page
    # 5–8 contributions / path / rules / attributions, reasons, score and threshold
    assert "How each factor counted" in page
    assert "Main reasons for the result" in page
    assert "Score and threshold" in page
    # 9–10 counterfactual and whether another result was possible
    assert "What would have changed the result" in page
    assert "Could the result have been different?" in page
    # 6, 11–16
    assert "Steps from your data to the result" in page
    assert "Assumptions that mattered" in page
    assert "People who acted on your case" in page
    assert "What is not shown" in page
    assert "right to an independent review" in page
    assert "ombudsman" in page
    assert url("explanations:system", code=system.code) in html.unescape(
        client.get(url("explanations:decision", reference=decision.reference)).content.decode()
    )
    # 12 versions with hashes
    version = decision.model_version
    assert version.spec_hash in page
    assert version.dataset_sha256 in page
    assert decision.content_hash in page
    assert "Explanation engine version" in page
    # a PDF link
    assert url("explanations:decision-pdf", reference=decision.reference) in html.unescape(
        client.get(url("explanations:decision", reference=decision.reference)).content.decode()
    )


def test_scorecard_page_states_the_baseline_and_each_factors_points(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    page = open_page(client, decision)

    assert "Starting point: 65 points" in page
    assert "₸52,300" in page  # the recorded income, in English notation
    assert "from ₸70,000 to under ₸120,000" in page  # the reference range of income


def test_welfare_counterfactual_is_phrased_as_a_check_of_the_recorded_data(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    page = open_page(client, decision)

    assert "If your recorded “Average monthly income per family member” were" in page
    assert "instead of ₸52,300, the result would have been" in page
    assert "This is not advice to change your situation." in page


def test_logistic_page_gives_the_probability_view_and_open_ended_counterfactuals(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("logistic"), iin=iin, kind="logistic")
    client.force_login(user)

    page = open_page(client, decision)

    assert "As a probability:" in page
    assert "The threshold is 35\u00a0%." in page
    assert " or more" in page or " or less" in page


def test_tree_page_shows_the_path_with_each_test_and_the_value(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("decision_tree"), iin=iin, kind="decision_tree")
    client.force_login(user)

    page = open_page(client, decision)

    assert "Is “Average monthly income per family member” at most ₸92,456?" in page
    assert "The path ended at the result" in page


def test_rules_page_names_the_rule_that_decided(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("rules"), iin=iin, kind="rules")
    client.force_login(user)

    page = open_page(client, decision)

    assert "A family member with a disability and income below 70,000 KZT" in page
    assert "This rule gave your result" in page


def test_opaque_page_labels_the_agency_figures_as_not_reproducible(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("opaque"), iin=iin, kind="opaque")
    client.force_login(user)

    page = open_page(client, decision)

    assert "The portal cannot reproduce or check them." in page
    assert "The portal cannot say what would have changed the result" in page
    assert "The portal cannot reproduce this result" in page


def test_silent_assessment_says_so_and_that_the_appeal_window_is_open(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=False)
    client.force_login(user)

    page = open_page(client, decision)

    assert "You were assessed on 1 October 2025; no notification was sent to you." in page
    assert "You were not notified, so the time has not started: it is open." in page


def test_notified_decision_gives_the_last_day_to_ask_for_a_review(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=True)
    client.force_login(user)

    page = open_page(client, decision)

    # notified on 2 October 2025 (Almaty), 30 days
    assert "1 November 2025" in page
    assert "no notification was sent to you" not in page


def test_near_threshold_and_mismatch_are_announced_in_the_summary(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    system = builders.system_for("scorecard", near_threshold_band=50)
    values = dict(builders.VALUES["scorecard"])
    decision = builders.decide(system, iin=iin, kind="scorecard", values=values, recorded=(20.0, "LEVEL_C"))
    client.force_login(user)

    page = open_page(client, decision)

    assert "Your result was close to the threshold." in page
    assert "The portal could not reproduce this result." in page


def test_imputed_values_are_flagged_as_assumptions(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(
        builders.system_for("scorecard"),
        iin=iin,
        kind="scorecard",
        collection={"living_space_per_person": "imputed"},
    )
    client.force_login(user)

    page = open_page(client, decision)

    assert "“Living space per person” was not a recorded fact" in page
    assert "Not a recorded fact" in page
    assert "subsistence_minimum" in page  # the model version's parameters


def test_a_correction_links_both_ways(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    first = builders.decide(system, iin=iin, kind="scorecard")
    second = builders.decide(system, iin=iin, kind="scorecard", supersedes=first.external_id)
    client.force_login(user)

    first_page = open_page(client, first)
    second_page = open_page(client, second)

    assert "This decision was replaced by a correction." in first_page
    assert f"later corrected by decision {format_reference(second.reference)}" in first_page
    assert f"corrects an earlier decision, {format_reference(first.reference)}" in second_page


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_is_in_the_requested_language(client: Client, person: tuple[User, str], lang: str) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    page = open_page(client, decision, lang)

    spec = builders.example_spec("scorecard")
    assert spec["features"][0]["label"][lang] in page
    assert builders.system_for.__doc__  # keep the import honest
    with translation.override(lang):
        assert translation.gettext("Data used about you") in page
    assert (
        f'<html lang="{lang}"'
        in client.get(url("explanations:decision", lang, reference=decision.reference)).content.decode()
    )


def test_kazakh_page_writes_tenge_and_dates_the_kazakh_way(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=False)
    client.force_login(user)

    page = open_page(client, decision, "kk")

    assert "52\u202f300\u00a0₸" in page
    assert "2025 ж. 1 қазан" in page


def test_reference_in_the_address_is_forgiving(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    response = client.get(
        url("explanations:decision", reference=format_reference(decision.reference).lower())
    )

    assert response.status_code == 200, response.content


def test_a_page_seen_before_costs_no_query_besides_the_session_and_the_user(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)
    client.get(url("explanations:decision", reference=decision.reference))  # computed, stored and cached

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("explanations:decision", reference=decision.reference))

    assert response.status_code == 200
    assert format_reference(decision.reference) in response.content.decode()
    sql = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" not in q["sql"] and '"accounts_user"' not in q["sql"]
    ]
    assert sql == []  # the body comes from the page cache (explanations/page_cache.py)


def test_dates_are_local_to_kazakhstan(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    late_evening_utc = dt.datetime(2025, 9, 30, 20, 0, tzinfo=dt.UTC)  # already 1 October in Almaty
    decision = builders.decide(
        builders.system_for("scorecard"),
        iin=iin,
        kind="scorecard",
        notified=False,
        decided_at=late_evening_utc,
    )
    client.force_login(user)

    assert "You were assessed on 1 October 2025" in open_page(client, decision)


def test_a_cached_page_shows_a_later_correction_and_a_later_flag(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    first = builders.decide(system, iin=iin, kind="scorecard")
    client.force_login(user)
    before = open_page(client, first)
    assert "This decision was replaced by a correction." not in before
    assert "You said this is wrong" not in before

    builders.decide(system, iin=iin, kind="scorecard", supersedes=first.external_id)
    client.post(
        url("explanations:flag-data", reference=first.reference, feature="income_per_person"),
        {"correct_value": "1"},
    )
    after = open_page(client, first)

    assert "This decision was replaced by a correction." in after
    assert "You said this is wrong" in after


def test_the_cached_page_of_one_person_is_never_shown_for_another_with_the_same_data(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    other, other_iin = builders.citizen()
    system = builders.system_for("scorecard")
    mine = builders.decide(system, iin=iin, kind="scorecard")
    theirs = builders.decide(system, iin=other_iin, kind="scorecard")
    assert mine.explanations.count() == 0
    client.force_login(user)
    open_page(client, mine)
    client.force_login(other)

    page = open_page(client, theirs)

    assert format_reference(theirs.reference) in page
    assert format_reference(mine.reference) not in page
