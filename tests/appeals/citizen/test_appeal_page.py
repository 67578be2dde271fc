"""The appellant's page of a sent appeal, and the receipt PDF: state, due date and how it was calculated, the
timeline in plain words, the outcome once decided, the letter link, withdrawing."""

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import translation
from pypdf import PdfReader

from appeals.selectors import letter_url
from appeals.services import core
from appeals.services.evidence import evidence_add
from appeals.states import Outcome, State
from portal.identifiers import format_reference

from . import files
from .conftest import signed_in, url
from .test_evidence import RawUpload

# Monday 20 April 2026: 20 working days skip 1 May, 7 May and the Victory Day holiday moved to 11 May.
SENT = dt.datetime(2026, 4, 20, 9, 0, tzinfo=dt.UTC)
KAZAKH_WHY = "Менің табысым қате есептелді: әйелім ауырып қалды, ұлым мектепте оқиды."


def sent_appeal(world: Any, **draft: Any) -> Any:
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen, now=SENT)
    core.ground_set(
        appeal_id=appeal.pk,
        citizen=world.citizen,
        grounds=[
            {
                "kind": "DATA_WRONG",
                "why": KAZAKH_WHY,
                "feature": "income_per_person",
                "correct_value": "38 000",
            },
            {"kind": "CIRCUMSTANCES_MISSED", "why": "I care for my mother", "circumstance": "CARING"},
        ],
    )
    if draft:
        core.appeal_update_draft(appeal_id=appeal.pk, citizen=world.citizen, **draft)
    evidence_add(
        appeal_id=appeal.pk,
        citizen=world.citizen,
        uploaded_file=RawUpload("payslip.png", files.png()),
        now=SENT,
    )
    return core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=SENT)


def decided(world: Any, appeal: Any, outcome: str = Outcome.OVERTURNED) -> Any:
    reviewer = world.reviewers[0]
    core.appeal_assign(appeal_id=appeal.pk, reviewer=reviewer, supervisor=world.supervisor, now=SENT)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=SENT)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=SENT)
    core.assessment_record(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        outcome=outcome,
        reasons="The registry income is outdated",
        new_outcome="SUPPORT",
        now=SENT,
        ground_findings=[
            {"ground": 1, "finding": "ACCEPTED", "reasons": "Payslip"},
            {"ground": 2, "finding": "REJECTED", "reasons": "Not in the rules"},
        ],
    )
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=SENT)
    return core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=outcome, new_outcome="SUPPORT", now=SENT
    )


def body(response: Any) -> str:
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_the_appeal_page_shows_the_state_the_due_date_and_how_it_was_calculated(world: Any) -> None:
    appeal = sent_appeal(world)

    page = body(signed_in(world.citizen).get(url("appeals:detail", appeal.reference)))

    assert "Admissibility check" in page
    assert "The review body is checking that it can review it." in page
    assert appeal.due_date == dt.date(2026, 5, 21)
    assert "21 May 2026" in page
    assert "How this date was calculated" in page
    assert "We received your appeal on 20 April 2026." in page
    assert "The review body has 20 working days to decide." in page
    assert "8 Saturdays and Sundays are not counted." in page
    for line in (
        "1 May 2026 – Day of Unity of the People of Kazakhstan",
        "7 May 2026 – Defender of the Fatherland Day",
        "11 May 2026 – Victory Day (moved day off)",
    ):
        assert line in page
    assert "You sent your appeal." in page
    assert "The review body started checking that it can review your appeal." in page
    assert KAZAKH_WHY in page
    assert "payslip.png" in page
    assert "Withdraw your appeal" in page


def test_holidays_are_named_in_kazakh_on_the_kazakh_page(world: Any) -> None:
    appeal = sent_appeal(world)

    page = body(signed_in(world.citizen).get(url("appeals:detail", appeal.reference, lang="kk")))

    assert "Жеңіс күні" in page  # Victory Day
    assert "Отан Қорғаушы күні" in page


def test_held_days_are_explained(world: Any) -> None:
    appeal = sent_appeal(world)
    reviewer = world.reviewers[0]
    core.appeal_assign(appeal_id=appeal.pk, reviewer=reviewer, supervisor=world.supervisor, now=SENT)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=SENT)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=SENT)
    core.appeal_put_on_hold(
        appeal_id=appeal.pk, reviewer=reviewer, reason="Send your employer's certificate", now=SENT
    )
    client = signed_in(world.citizen)

    on_hold = body(client.get(url("appeals:detail", appeal.reference)))
    assert "On hold: waiting for you" in on_hold
    assert "Send your employer&#x27;s certificate" in on_hold
    assert "The time limit has been stopped since 20 April 2026" in on_hold

    core.appeal_resume(appeal_id=appeal.pk, user=world.citizen, now=SENT + dt.timedelta(days=3))
    resumed = body(client.get(url("appeals:detail", appeal.reference)))
    assert "The time limit was stopped for 3 working days while the reviewer waited for you" in resumed
    assert "The review continued. The time limit started again." in resumed


def test_a_decided_appeal_shows_its_outcome_and_no_letter_link_until_the_letter_page_exists(
    world: Any,
) -> None:
    appeal = decided(world, sent_appeal(world))
    assert appeal.state == State.DECIDED

    page = body(signed_in(world.citizen).get(url("appeals:detail", appeal.reference)))

    assert "The decision is overturned" in page
    assert "New decision: Eligible for support" in page
    assert "The reviewer recorded their own view before looking at the computer system" in page
    assert ("Download the decision letter" in page) == (letter_url(appeal) is not None)
    assert "Withdraw your appeal" not in page


def test_the_letter_is_linked_once_decided(world: Any) -> None:
    appeal = decided(world, sent_appeal(world))

    page = body(signed_in(world.citizen).get(url("appeals:detail", appeal.reference)))

    assert f'href="/en/appeals/{appeal.reference}/letter/"' in page
    assert "Download the decision letter (PDF)" in page


def test_withdrawing_a_sent_appeal_asks_first_then_records_the_reason(world: Any) -> None:
    appeal = sent_appeal(world)
    client = signed_in(world.citizen)

    confirm = body(client.get(url("appeals:withdraw", appeal.reference)))
    assert "Are you sure you want to withdraw your appeal?" in confirm
    response = client.post(url("appeals:withdraw", appeal.reference), {"reason": "The agency paid me"})
    assert response["Location"] == url("appeals:detail", appeal.reference)

    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN
    page = body(client.get(url("appeals:detail", appeal.reference)))
    assert "You withdrew the appeal." in page
    assert "The agency paid me" in page
    assert "Withdraw your appeal" not in page
    assert client.get(url("appeals:withdraw", appeal.reference))["Location"] == url(
        "appeals:detail", appeal.reference
    )


def test_withdraw_needs_a_post(world: Any) -> None:
    appeal = sent_appeal(world)
    signed_in(world.citizen).get(url("appeals:withdraw", appeal.reference))
    appeal.refresh_from_db()
    assert appeal.state == State.ADMISSIBILITY


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_receipt_is_a_tagged_pdf_with_the_reference_and_kazakh_text(world: Any, lang: str) -> None:
    appeal = sent_appeal(world, interim_protection="KEEP_PAYMENTS")
    response = signed_in(world.citizen).get(url("appeals:receipt", appeal.reference, lang=lang))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="appeal-{appeal.reference}-{lang}.pdf"'
    reader, text = pdf_text(response.content)
    flat = re.sub(r"\s+", " ", text)
    assert format_reference(appeal.reference) in flat
    assert "табысым қате есептелді" in flat  # Kazakh letters (ы, қ, ә, ұ) survive font subsetting
    assert "ұлым" in flat
    evidence = appeal.evidence.get()
    assert evidence.sha256[:32] in flat.replace(" ", "")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]
    if lang == "kk":
        assert "Жеңіс күні" in flat  # holiday names in Kazakh
    with translation.override(lang):
        assert appeal.decision.system.name[lang] in flat


def test_a_draft_has_no_receipt_or_confirmation(world: Any) -> None:
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)
    client = signed_in(world.citizen)
    assert client.get(url("appeals:receipt", appeal.reference)).status_code == 404
    assert client.get(url("appeals:confirmation", appeal.reference)).status_code == 404
    assert client.get(url("appeals:detail", appeal.reference))["Location"] == url(
        "appeals:task-list", appeal.reference
    )
