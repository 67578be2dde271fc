"""Filing an appeal through the pages, one question at a time: the whole journey, each page's errors, drafts."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appeals.models import Appeal, Evidence, Ground
from appeals.states import State
from explanations.services.flags import data_flag_record
from portal.identifiers import format_reference

from . import files
from .conftest import signed_in, stored_files, url


def page(response: Any) -> str:
    return response.content.decode()


def errors_of(response: Any) -> list[str]:
    """The messages of the page's error summary, in order."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page(response), re.S)
    return re.findall(r'<li><a href="[^"]*">([^<]*)</a></li>', summary.group(0)) if summary else []


def start_draft(client: Any, decision: Any) -> Appeal:
    response = client.post(url("appeals:start", decision.reference))
    assert response.status_code == 302, response.content
    return Appeal.objects.get(decision=decision, state=State.DRAFT)


def late_decision(world: Any) -> Any:
    return world.decision(
        decided_at="2026-01-04T10:00:00+00:00", notified=True, notified_at="2026-01-05T10:00:00+00:00"
    )


def test_a_citizen_files_an_appeal_from_the_decision_to_the_confirmation(
    world: Any, private_root: Any
) -> None:
    decision = world.decision()
    flag = data_flag_record(
        decision=decision,
        feature="income_per_person",
        user=world.citizen,
        correct_value="38 000",
        note="Certificate from my employer",
    )
    client = signed_in(world.citizen)

    # Pick the decision (a silent assessment: never notified, so no window has run).
    response = client.get(url("appeals:choose-decision"))
    assert response.status_code == 200, response.content
    assert "You were not notified of this decision" in page(response)
    response = client.post(url("appeals:choose-decision"), {"decision": decision.reference})
    assert response["Location"] == url("appeals:start", decision.reference)

    # Before you start: independence, and the flag is announced.
    response = client.get(url("appeals:start", decision.reference))
    assert response.status_code == 200, response.content
    assert "Nobody who works for" in page(response)
    assert "We will offer it as a reason for your appeal." in page(response)
    appeal = start_draft(client, decision)
    ref = appeal.reference

    # The task list: nothing done, "check" cannot start yet.
    response = client.get(url("appeals:task-list", ref))
    assert response.status_code == 200, response.content
    assert "Cannot start yet" in page(response)
    assert "You have completed 0 of 5 sections." in page(response)

    # Reasons: with none yet, the list sends the person straight to "add".
    assert client.get(url("appeals:grounds", ref))["Location"] == url("appeals:ground-add", ref)
    response = client.get(url("appeals:ground-add", ref))
    assert f"?flag={flag.pk}" in page(response)
    response = client.post(url("appeals:ground-add", ref), {"kind": "DATA_WRONG"})
    assert response["Location"] == url("appeals:ground-new", ref, "DATA_WRONG")

    # The flag pre-fills the data-error reason.
    response = client.get(url("appeals:ground-new", ref, "DATA_WRONG", query=f"flag={flag.pk}"))
    assert 'value="38 000"' in page(response)
    assert re.search(r'value="income_per_person" checked', page(response))
    assert "Certificate from my employer" in page(response)
    response = client.post(
        url("appeals:ground-new", ref, "DATA_WRONG"),
        {
            "feature": "income_per_person",
            "correct_value": "38 000",
            "why": "Certificate from my employer",
        },
    )
    assert response["Location"] == url("appeals:grounds", ref)

    # Add another: circumstances missed.
    response = client.post(url("appeals:grounds", ref), {"answer": "yes"})
    assert response["Location"] == url("appeals:ground-add", ref)
    client.post(url("appeals:ground-add", ref), {"kind": "CIRCUMSTANCES_MISSED"})
    response = client.post(
        url("appeals:ground-new", ref, "CIRCUMSTANCES_MISSED"),
        {
            "circumstance": "CARING",
            "why": "I care for my mother full time",
        },
    )
    assert response["Location"] == url("appeals:grounds", ref)
    response = client.get(url("appeals:grounds", ref))
    assert "You have given 2 reasons" in page(response)
    assert "Data you said is wrong" not in page(response)  # the flag is now a reason
    assert client.post(url("appeals:grounds", ref), {"answer": "no"})["Location"] == url(
        "appeals:task-list", ref
    )

    # Statement, evidence, protection, contact, language.
    client.post(url("appeals:statement", ref), {"statement": "We have four children."})
    upload = SimpleUploadedFile("payslip.png", files.png(), content_type="image/png")
    response = client.post(url("appeals:evidence", ref), {"file": upload})
    assert response["Location"] == url("appeals:evidence", ref), page(response)
    assert "payslip.png" in page(client.get(url("appeals:evidence", ref)))
    assert client.post(url("appeals:evidence", ref), {"continue": "1"})["Location"] == url(
        "appeals:task-list", ref
    )
    client.post(url("appeals:interim", ref), {"interim_protection": "KEEP_PAYMENTS"})
    assert client.post(url("appeals:contact", ref), {"contact_channel": "SMS"})["Location"] == url(
        "appeals:language", ref
    )
    client.post(url("appeals:language", ref), {"contact_language": "ru"})

    response = client.get(url("appeals:task-list", ref))
    assert "You have completed 5 of 5 sections." in page(response)
    assert "Cannot start yet" not in page(response)

    # Check your answers, then send.
    response = client.get(url("appeals:check", ref))
    assert response.status_code == 200, response.content
    for text in (
        "38 000",
        "I care for my mother full time",
        "We have four children.",
        "payslip.png",
        "Keep my payments while the appeal is pending",
        "Text message (SMS)",
        "Russian",
    ):
        assert text in page(response), text
    response = client.post(url("appeals:check", ref))
    assert response["Location"] == url("appeals:confirmation", ref)

    appeal.refresh_from_db()
    assert appeal.state == State.ADMISSIBILITY
    assert appeal.submitted_at is not None and appeal.due_date is not None
    assert appeal.interim_protection == "KEEP_PAYMENTS"
    assert (appeal.contact_channel, appeal.contact_language) == ("SMS", "ru")
    assert list(Ground.objects.filter(appeal=appeal).order_by("position").values_list("kind", "feature")) == [
        ("DATA_WRONG", "income_per_person"),
        ("CIRCUMSTANCES_MISSED", ""),
    ]
    assert Evidence.objects.filter(appeal=appeal).count() == 1
    assert len(stored_files(private_root)) == 1

    response = client.get(url("appeals:confirmation", ref))
    assert response.status_code == 200, response.content
    assert format_reference(ref) in page(response)
    assert "Appeal sent" in page(response)

    # The draft's pages now lead to the appeal's page.
    assert client.get(url("appeals:task-list", ref))["Location"] == url("appeals:detail", ref)
    assert client.get(url("appeals:check", ref))["Location"] == url("appeals:detail", ref)
    assert client.post(url("appeals:check", ref))["Location"] == url("appeals:detail", ref)


def test_the_appeal_button_on_the_decision_page_leads_to_the_start(world: Any) -> None:
    decision = world.decision()
    response = signed_in(world.citizen).get(url("explanations:decision", decision.reference))
    assert response.status_code == 200, response.content
    assert f'href="{url("appeals:start", decision.reference)}"' in page(response)
    assert "Appeal this decision" in page(response)


@pytest.mark.parametrize(
    ("name", "extra", "data", "expected"),
    [
        ("appeals:ground-add", (), {}, ["Select why you think the decision is wrong"]),
        ("appeals:ground-add", (), {"kind": "NONSENSE"}, ["Select why you think the decision is wrong"]),
        (
            "appeals:ground-new",
            ("DATA_WRONG",),
            {},
            [
                "Select the item of data that is wrong",
                "Enter the correct value",
                "Enter how you know the data is wrong",
            ],
        ),
        (
            "appeals:ground-new",
            ("DATA_WRONG",),
            {"feature": "income_per_person", "why": "Payslip"},
            ["Enter the correct value"],
        ),
        (
            "appeals:ground-new",
            ("DATA_WRONG",),
            {"correct_value": "38 000", "why": "Payslip"},
            ["Select the item of data that is wrong"],
        ),
        (
            "appeals:ground-new",
            ("DATA_WRONG",),
            {"feature": "not_a_feature", "correct_value": "1", "why": "x"},
            ["Select the item of data that is wrong"],
        ),
        (
            "appeals:ground-new",
            ("CIRCUMSTANCES_MISSED",),
            {},
            [
                "Select the circumstance the decision did not take into account",
                "Describe your circumstances and how they affect the decision",
            ],
        ),
        (
            "appeals:ground-new",
            ("RULE_MISAPPLIED",),
            {"why": "   "},
            ["Enter which rule was applied wrongly and how"],
        ),
        ("appeals:ground-new", ("PROCEDURAL_FAULT",), {}, ["Enter what went wrong in the procedure"]),
        ("appeals:ground-new", ("DISCRIMINATION",), {}, ["Enter how you were treated unfairly"]),
        ("appeals:ground-new", ("OTHER",), {}, ["Enter why you think the decision is wrong"]),
        (
            "appeals:ground-new",
            ("OTHER",),
            {"why": "x" * 5001},
            ["Your explanation must be 5000 characters or fewer"],
        ),
        (
            "appeals:statement",
            (),
            {"statement": "x" * 10001},
            ["Your statement must be 10000 characters or fewer"],
        ),
        ("appeals:evidence", (), {}, ["Select a file to upload"]),
        (
            "appeals:interim",
            (),
            {},
            ["Select whether you want to ask for protection while your appeal is decided"],
        ),
        ("appeals:contact", (), {}, ["Select how we should contact you"]),
        ("appeals:language", (), {}, ["Select the language we should write to you in"]),
        (
            "appeals:language",
            (),
            {"contact_language": "de"},
            ["Select the language we should write to you in"],
        ),
    ],
)
def test_each_question_says_exactly_what_is_missing(
    world: Any, name: str, extra: tuple[str, ...], data: dict[str, str], expected: list[str]
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = client.post(url(name, appeal.reference, *extra), data)

    assert response.status_code == 200, response.content
    assert errors_of(response) == expected
    assert page(response).count('class="govuk-error-message"') == len(expected)
    assert "<title>Error:" in page(response)
    assert not Ground.objects.filter(appeal=appeal).exists()


def test_add_another_reason_needs_an_answer(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    client.post(url("appeals:ground-new", appeal.reference, "OTHER"), {"why": "It is unfair"})

    response = client.post(url("appeals:grounds", appeal.reference), {})

    assert errors_of(response) == ["Select yes if you want to add another reason"]


def test_email_cannot_be_chosen_without_an_email_address(world: Any) -> None:
    world.citizen.email = ""
    world.citizen.save()
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = client.post(url("appeals:contact", appeal.reference), {"contact_channel": "EMAIL"})

    assert errors_of(response) == ["Your account has no email address. Select text message instead"]


def test_sending_without_reasons_says_so_and_links_to_the_question(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = client.post(url("appeals:check", appeal.reference))

    assert response.status_code == 200, response.content
    assert errors_of(response) == ["Add at least one reason for your appeal"]
    assert f'href="{url("appeals:ground-add", appeal.reference)}"' in page(response)
    assert Appeal.objects.get(pk=appeal.pk).state == State.DRAFT


def test_a_late_appeal_asks_why_and_cannot_be_sent_without_a_reason(world: Any) -> None:
    client = signed_in(world.citizen)
    decision = late_decision(world)
    assert "Ended on" in page(client.get(url("appeals:start", decision.reference)))
    appeal = start_draft(client, decision)
    ref = appeal.reference
    client.post(url("appeals:ground-new", ref, "OTHER"), {"why": "It is unfair"})
    assert "Why your appeal is late" in page(client.get(url("appeals:task-list", ref)))
    assert "Cannot start yet" in page(client.get(url("appeals:task-list", ref)))

    response = client.post(url("appeals:check", ref))
    assert errors_of(response) == ["Enter why you are appealing after the deadline"]
    assert f'href="{url("appeals:late", ref)}"' in page(response)

    response = client.post(url("appeals:late", ref), {"late_reason": "  "})
    assert errors_of(response) == ["Enter why you are appealing after the deadline"]

    client.post(url("appeals:late", ref), {"late_reason": "I was in hospital in February"})
    assert client.post(url("appeals:check", ref))["Location"] == url("appeals:confirmation", ref)
    appeal.refresh_from_db()
    assert appeal.state == State.ADMISSIBILITY
    assert appeal.late_reason == "I was in hospital in February"


def test_the_late_question_is_skipped_when_the_window_is_open(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    assert client.get(url("appeals:late", appeal.reference))["Location"] == url(
        "appeals:task-list", appeal.reference
    )


def test_a_saved_draft_resumes_in_a_new_session(world: Any) -> None:
    decision = world.decision()
    first = signed_in(world.citizen)
    appeal = start_draft(first, decision)
    ref = appeal.reference
    first.post(url("appeals:ground-new", ref, "RULE_MISAPPLIED"), {"why": "The income rule counts benefits"})
    first.post(url("appeals:statement", ref), {"statement": "Please look again."})

    later = signed_in(world.citizen)  # a new session, e.g. another day or device
    response = later.get(url("appeals:my-appeals"))
    assert "Continue your draft" in page(response)
    assert f'href="{url("appeals:task-list", ref)}"' in page(response)
    # Starting again on the same decision reopens the same draft.
    assert later.post(url("appeals:start", decision.reference))["Location"] == url("appeals:task-list", ref)
    assert Appeal.objects.filter(decision=decision).count() == 1
    response = later.get(url("appeals:check", ref))
    assert "The income rule counts benefits" in page(response)
    assert "Please look again." in page(response)
    tasks = page(later.get(url("appeals:task-list", ref)))
    assert re.search(r"Reasons for your appeal</a>.*?Completed", tasks, re.S)
    assert re.search(r"Your statement</a>.*?Completed", tasks, re.S)


def test_changing_and_removing_a_reason_keeps_the_others_in_order(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    ref = appeal.reference
    for why in ("first", "second", "third"):
        client.post(url("appeals:ground-new", ref, "OTHER"), {"why": why})

    response = client.get(url("appeals:ground-change", ref, 2))
    assert ">second</textarea>" in page(response)
    client.post(url("appeals:ground-change", ref, 2), {"why": "second, clearer"})
    assert errors_of(client.post(url("appeals:ground-remove", ref, 1), {})) == [
        "Select yes if you want to remove this reason"
    ]
    client.post(url("appeals:ground-remove", ref, 1), {"answer": "yes"})

    assert list(Ground.objects.filter(appeal=appeal).order_by("position").values_list("position", "why")) == [
        (1, "second, clearer"),
        (2, "third"),
    ]
    assert client.get(url("appeals:ground-change", ref, 3)).status_code == 404


def test_a_change_from_check_your_answers_returns_there(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    ref = appeal.reference

    response = client.post(url("appeals:statement", ref, query="return=check"), {"statement": "More"})

    assert response["Location"] == url("appeals:check", ref)


def test_a_decision_already_appealed_is_not_appealed_twice(world: Any) -> None:
    decision = world.decision()
    client = signed_in(world.citizen)
    appeal = start_draft(client, decision)
    client.post(url("appeals:ground-new", appeal.reference, "OTHER"), {"why": "Wrong"})
    client.post(url("appeals:check", appeal.reference))

    response = client.get(url("appeals:start", decision.reference))
    assert "You have already appealed this decision." in page(response)
    assert client.post(url("appeals:start", decision.reference))["Location"] == url(
        "appeals:detail", appeal.reference
    )
    assert Appeal.objects.filter(decision=decision).count() == 1


def test_deleting_a_draft_withdraws_it(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    assert "Are you sure you want to delete this draft?" in page(
        client.get(url("appeals:withdraw", appeal.reference))
    )
    response = client.post(url("appeals:withdraw", appeal.reference), {})

    assert response["Location"] == url("appeals:my-appeals")
    assert Appeal.objects.get(pk=appeal.pk).state == State.WITHDRAWN


def test_my_appeals_lists_drafts_first_then_sent_appeals(world: Any) -> None:
    client = signed_in(world.citizen)
    sent = start_draft(client, world.decision())
    client.post(url("appeals:ground-new", sent.reference, "OTHER"), {"why": "Wrong"})
    client.post(url("appeals:check", sent.reference))
    draft = start_draft(client, world.decision())

    body = page(client.get(url("appeals:my-appeals")))

    assert body.index(url("appeals:task-list", draft.reference)) < body.index(
        url("appeals:detail", sent.reference)
    )
    assert "Admissibility check" in body


def test_pages_exist_in_each_language(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    for lang in ("kk", "ru", "en"):
        for name in ("appeals:task-list", "appeals:ground-add", "appeals:interim", "appeals:check"):
            response = client.get(url(name, appeal.reference, lang=lang))
            assert response.status_code == 200, (lang, name)
            assert f'<html lang="{lang}"' in page(response)


def test_the_window_end_is_shown_for_a_notified_decision(world: Any) -> None:
    now = timezone.now()
    decision = world.decision(
        decided_at=(now - dt.timedelta(days=2)).isoformat(),
        notified=True,
        notified_at=(now - dt.timedelta(days=1)).isoformat(),
    )
    response = signed_in(world.citizen).get(url("appeals:start", decision.reference))
    assert "Until " in page(response)
    assert "you will need to say why you are late" not in page(response)
