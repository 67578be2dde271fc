"""The decision letter: rendered once after the decision, stored privately, with reasons for every ground,
the new outcome in the model version's words, and the next options with computed last days."""

import datetime as dt
import hashlib
import io
from pathlib import Path

import pypdf
import pytest
from django.conf import settings

from appeals.exceptions import IllegalTransition
from appeals.models import Letter, Notification
from appeals.services.letters import (
    add_months,
    letter_get_or_render,
    letter_relay,
    letter_render,
    letter_render_pending,
    next_options,
)
from appeals.states import Outcome
from portal.identifiers import format_reference

from .helpers import assigned, decided

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join((page.extract_text() or "").replace("\n", " ") for page in reader.pages)


def test_deciding_writes_a_pending_letter_in_the_appellants_language(world):
    appeal = decided(world, contact_language="ru")
    letter = Letter.objects.get(appeal=appeal)
    assert (letter.language, letter.state) == ("ru", "PENDING")


def test_rendering_stores_the_letter_once_and_tells_the_appellant_once(world):
    appeal = decided(world, contact_language="kk")
    letter = Letter.objects.get(appeal=appeal)

    assert letter_render_pending(letter_id=letter.pk) == "rendered"
    assert letter_render_pending(letter_id=letter.pk) == "skipped"

    letter.refresh_from_db()
    assert letter.state == "RENDERED" and letter.attempts == 1
    data = (Path(settings.PRIVATE_MEDIA_ROOT) / letter.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == letter.sha256 and len(data) == letter.size
    assert letter_get_or_render(appeal=appeal, language="kk") == data, "later reads return the stored letter"
    ready = Notification.objects.filter(appeal=appeal, event="appeal.letter.ready")
    assert ready.count() == 1 and ready.get().recipient_id == world.citizen.pk


def test_the_letter_gives_reasons_for_every_ground_the_new_outcome_and_the_next_options(world):
    appeal = decided(world, contact_language="en")
    text = pdf_text(letter_get_or_render(appeal=appeal, language="en"))

    assert format_reference(appeal.reference) in text
    assert "The decision is overturned" in text
    assert "The new outcome is: Eligible for support." in text, "the model version's label, not the code"
    assert "Sale contract provided / Шарт бар" in text and "Not relevant to the rules" in text
    assert "We agree with you on this point." in text and "We do not agree with you on this point." in text
    assert "Мен көлікті 2024 жылы саттым" in text, "Kazakh letters render"
    assert "Owns a vehicle" in text, "the data item found wrong, by its label"
    # Decided 1 April 2026: ombudsman 30 calendar days → Fri 1 May is a holiday → Mon 4 May; court 3 months.
    assert "Complain to the ombudsman" in text and "Last day: 4 May 2026" in text
    assert "Go to court" in text and "Last day: 1 July 2026" in text
    assert "So the decision is due by 29 April 2026" in text


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_letters_render_in_kazakh_and_russian_as_tagged_pdfs(world, language):
    appeal = decided(world, contact_language=language)
    content = letter_get_or_render(appeal=appeal, language=language)
    catalog = pypdf.PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/Lang"] == language
    assert "Тіркелім ескірген" in pdf_text(content)


def test_the_letter_is_reproducible_byte_for_byte(world):
    appeal = decided(world, contact_language="en")
    assert letter_render(appeal=appeal, language="en") == letter_render(appeal=appeal, language="en")


def test_an_upheld_decision_after_countersignature_also_gets_its_letter(world):
    appeal = decided(world, outcome=Outcome.DECISION_UPHELD, contact_language="en")
    assert appeal.state == "DECIDED"
    text = pdf_text(letter_get_or_render(appeal=appeal, language="en"))
    assert "The decision stands" in text and "confirmed by a second independent reviewer" in text
    assert "The new outcome is" not in text


def test_an_undecided_appeal_has_no_letter(world):
    appeal = assigned(world)
    with pytest.raises(IllegalTransition):
        letter_get_or_render(appeal=appeal, language="kk")
    with pytest.raises(ValueError, match="letters"):
        letter_get_or_render(appeal=appeal, language="de")


def test_a_letter_left_pending_is_relayed_with_backoff(world, django_capture_on_commit_callbacks):
    appeal = decided(world, contact_language="kk")
    later = appeal.decided_at + dt.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert letter_relay(now=later) == 1
    assert Letter.objects.get(appeal=appeal).state == "RENDERED"
    assert letter_relay(now=later + dt.timedelta(hours=1)) == 0


def test_last_days_are_computed_from_the_letter_date(settings):
    settings.APPEAL_OMBUDSMAN_DAYS = 30
    settings.APPEAL_COURT_MONTHS = 3
    ombudsman, court = next_options(letter_date=dt.date(2026, 11, 30), outcome=Outcome.DECISION_UPHELD)
    assert ombudsman.last_day == dt.date(2026, 12, 30)
    assert court.last_day == dt.date(2027, 3, 1), "28 February 2027 is a Sunday"
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
