"""The explanation as a tagged PDF: same content, Kazakh letters, served only to the person, cached."""

import io
from pathlib import Path

import pypdf
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.services import pdf as pdf_service
from portal.accounts.models import User
from portal.identifiers import format_reference

from . import builders

KAZAKH_LETTERS = "әғқңөұүһі"


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_the_kazakh_pdf_is_a_tagged_attachment_with_kazakh_text_and_the_reference(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=False)
    client.force_login(user)

    response = client.get(url("explanations:decision-pdf", "kk", reference=decision.reference))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="decision-{decision.reference}-kk.pdf"'
    content = response.content
    text = pdf_text(content)
    assert format_reference(decision.reference) in text
    assert set("әғқңөұүі") <= set(text.lower()), set("әғқңөұүі") - set(text.lower())
    assert "Отбасы мүшесіне шаққандағы орташа айлық табыс" in text.replace("\n", " ")
    catalog = pypdf.PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged (PDF/UA-1)
    assert catalog["/Lang"] == "kk"


def test_the_print_fonts_cover_every_kazakh_letter() -> None:
    letters = f"{KAZAKH_LETTERS} {KAZAKH_LETTERS.upper()}"
    html = f'<html lang="kk"><head><title>т</title></head><body><p>{letters}</p></body></html>'

    text = pdf_text(pdf_service.html_to_pdf(html))

    assert KAZAKH_LETTERS in text
    assert KAZAKH_LETTERS.upper() in text


def test_the_pdf_says_what_the_page_says(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=False)
    client.force_login(user)

    text = " ".join(
        pdf_text(client.get(url("explanations:decision-pdf", reference=decision.reference)).content).split()
    )

    for expected in (
        "A computer system, “Digital Family Card”, contributed to this decision.",
        "no notification was sent to you",
        "Data used about you",
        "What would have changed the result",
        "Your rights",
        decision.model_version.spec_hash[:32],
    ):
        assert expected in text, expected


def test_the_pdf_is_rendered_once_and_then_served_from_the_cache(
    client: Client, person: tuple[User, str], monkeypatch: object
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)
    first = client.get(url("explanations:decision-pdf", reference=decision.reference)).content
    cached = list((Path(settings.PRIVATE_MEDIA_ROOT) / "pdf-cache").glob("*.pdf"))
    assert len(cached) == 1
    assert cached[0].name.startswith(decision.explanations.get().sha256 + "-en-t")

    def refuse(html: str) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf_service, "html_to_pdf", refuse)  # type: ignore[attr-defined]
    second = client.get(url("explanations:decision-pdf", reference=decision.reference)).content

    assert second == first


def test_each_language_has_its_own_pdf(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    texts = {
        lang: pdf_text(
            client.get(url("explanations:decision-pdf", lang, reference=decision.reference)).content
        )
        for lang in ("kk", "ru", "en")
    }

    assert "Среднемесячный доход на члена семьи" in texts["ru"].replace("\n", " ")
    assert "Average monthly income per family member" in texts["en"].replace("\n", " ")
    assert len(list((Path(settings.PRIVATE_MEDIA_ROOT) / "pdf-cache").glob("*.pdf"))) == 3


def test_another_person_gets_404_for_the_pdf(client: Client, person: tuple[User, str]) -> None:
    user, _ = person
    _, other_iin = builders.citizen()
    decision = builders.decide(builders.system_for("scorecard"), iin=other_iin, kind="scorecard")
    client.force_login(user)

    assert client.get(url("explanations:decision-pdf", reference=decision.reference)).status_code == 404
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / "pdf-cache").exists()
