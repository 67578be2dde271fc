"""Evidence uploads: the hostile set is refused with its own message and leaves nothing behind; accepted files
are stored privately under server-made names and served only to those who may see the appeal."""

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from appeals.exceptions import IllegalTransition
from appeals.models import Appeal, Evidence
from appeals.services import core
from appeals.services.evidence import EvidenceRejected, evidence_add, evidence_check, evidence_path

from . import files
from .conftest import signed_in, stored_files, url
from .test_filing import errors_of, start_draft


class RawUpload:
    """An upload exactly as a caller hands it over, name untouched (Django's UploadedFile cleans names)."""

    def __init__(self, name: str, data: bytes, content_type: str = "") -> None:
        self.name = name
        self.data = data
        self.size = len(data)
        self.content_type = content_type

    def chunks(self, chunk_size: int | None = None) -> Any:
        step = chunk_size or 65536
        for at in range(0, len(self.data), step):
            yield self.data[at : at + step]


HOSTILE = [
    # (case, file name, content, declared type, code, message)
    (
        "wrong magic bytes behind .pdf",
        "statement.pdf",
        files.EXE,
        "application/pdf",
        "not_recognised",
        "The selected file is not a real PDF, JPG or PNG: its content is not any of these types",
    ),
    (
        "wrong magic bytes behind .jpg",
        "photo.jpg",
        b"GIF89a" + b"\0" * 64,
        "image/jpeg",
        "not_recognised",
        "The selected file is not a real PDF, JPG or PNG: its content is not any of these types",
    ),
    (
        "SVG",
        "drawing.svg",
        files.SVG,
        "image/svg+xml",
        "type_not_allowed",
        "The selected file must be a PDF, JPG or PNG",
    ),
    (
        "SVG named .png",
        "drawing.png",
        files.SVG,
        "image/png",
        "not_recognised",
        "The selected file is not a real PDF, JPG or PNG: its content is not any of these types",
    ),
    (
        "PDF with /JavaScript",
        "form.pdf",
        files.pdf_with_javascript(),
        "application/pdf",
        "pdf_active",
        "The PDF contains active or embedded content (such as scripts, attached files or automatic actions), "
        "which we cannot accept. Print it to a new PDF or scan it, and upload that",
    ),
    (
        "PDF with an escaped /J#61vaScript name",
        "form.pdf",
        files.pdf_with_escaped_javascript_name(),
        "application/pdf",
        "pdf_active",
        None,
    ),
    (
        "PDF with JavaScript hidden in a FlateDecode object stream",
        "form.pdf",
        files.pdf_with_javascript_in_object_stream(),
        "application/pdf",
        "pdf_active",
        None,
    ),
    (
        "PDF with /Launch under ASCII85 and Flate",
        "form.pdf",
        files.pdf_with_javascript_in_ascii85_then_flate(),
        "application/pdf",
        "pdf_active",
        None,
    ),
    (
        "PDF with an embedded file",
        "form.pdf",
        files.pdf_with_embedded_file(),
        "application/pdf",
        "pdf_active",
        None,
    ),
    (
        "encrypted PDF",
        "locked.pdf",
        files.pdf_encrypted(),
        "application/pdf",
        "pdf_encrypted",
        "The PDF is protected with a password or encrypted. Upload a copy without protection",
    ),
    (
        "deflate bomb",
        "bomb.pdf",
        files.pdf_deflate_bomb(),
        "application/pdf",
        "pdf_too_complex",
        "The PDF expands to too much data to check safely. Upload a smaller or simpler PDF",
    ),
    (
        "truncated PDF",
        "half.pdf",
        files.clean_pdf()[:-40],
        "application/pdf",
        "pdf_damaged",
        "The PDF is damaged or incomplete. Upload a complete copy",
    ),
    (
        "PNG that is really a PDF",
        "scan.png",
        files.clean_pdf(),
        "image/png",
        "mismatch",
        "The file’s name says it is a PNG image, but its content is a PDF. Upload it with its correct name",
    ),
    (
        "PDF named .jpg",
        "scan.jpg",
        files.clean_pdf(),
        "",
        "mismatch",
        "The file’s name says it is a JPG image, but its content is a PDF. Upload it with its correct name",
    ),
    (
        "PNG/PDF polyglot",
        "scan.png",
        files.png_with_pdf_inside(),
        "image/png",
        "polyglot",
        "The image also contains another kind of content (such as a PDF or a web page), which we cannot accept. "
        "Save it again as a plain image",
    ),
    (
        "PNG with HTML after its end",
        "scan.png",
        files.png_with_trailing_html(),
        "image/png",
        "polyglot",
        None,
    ),
    (
        "truncated PNG",
        "scan.png",
        files.truncated_png(),
        "image/png",
        "image_damaged",
        "The image is damaged or incomplete and cannot be opened",
    ),
    (
        "PNG pixel bomb",
        "huge.png",
        files.png_pixel_bomb(),
        "image/png",
        "image_too_large",
        "The image has too many pixels (the limit is 50 million). Save it at a smaller size",
    ),
    ("empty file", "empty.pdf", b"", "application/pdf", "empty", "The selected file is empty"),
    (
        "executable",
        "setup.exe",
        files.EXE,
        "application/octet-stream",
        "type_not_allowed",
        "The selected file must be a PDF, JPG or PNG",
    ),
    ("double extension", "invoice.pdf.exe", files.clean_pdf(), "application/pdf", "type_not_allowed", None),
]
BAD_NAME = (
    "The file name contains characters that are not allowed, such as a path (“../” or “/”) or hidden control "
    "characters. Rename the file and try again"
)
BAD_NAMES = [
    ("path traversal", "../../etc/passwd.pdf"),
    ("absolute path", "/etc/passwd.pdf"),
    ("Windows path", "C:\\Windows\\evidence.pdf"),
    ("right-to-left override", "invoice\u202efdp.exe"),
    ("right-to-left override with a good ending", "photo\u202egnp.pdf"),
    ("NUL", "scan.pdf\x00.png"),
    ("control character", "scan\x1b[31m.pdf"),
    ("zero-width space", "sc\u200ban.pdf"),
]


@pytest.fixture
def draft(world: Any) -> Appeal:
    return core.appeal_start(decision=world.decision(), citizen=world.citizen)


def assert_nothing_stored(appeal: Appeal, root: Path) -> None:
    assert not Evidence.objects.filter(appeal=appeal).exists()
    assert stored_files(root) == []


@pytest.mark.parametrize(
    ("case", "name", "data", "declared", "code", "message"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_the_service_refuses_each_hostile_upload_and_stores_nothing(
    world: Any,
    draft: Appeal,
    private_root: Path,
    case: str,
    name: str,
    data: bytes,
    declared: str,
    code: str,
    message: str | None,
) -> None:
    with pytest.raises(EvidenceRejected) as refused:
        evidence_add(appeal_id=draft.pk, citizen=world.citizen, uploaded_file=RawUpload(name, data, declared))

    assert refused.value.code == code, case
    if message:
        assert refused.value.message == message
    assert_nothing_stored(draft, private_root)


@pytest.mark.parametrize(("case", "name"), BAD_NAMES, ids=[b[0] for b in BAD_NAMES])
def test_the_service_refuses_names_with_path_or_invisible_tricks(
    world: Any, draft: Appeal, private_root: Path, case: str, name: str
) -> None:
    with pytest.raises(EvidenceRejected) as refused:
        evidence_add(
            appeal_id=draft.pk, citizen=world.citizen, uploaded_file=RawUpload(name, files.clean_pdf())
        )

    assert refused.value.code == "bad_name"
    assert refused.value.message == BAD_NAME
    assert_nothing_stored(draft, private_root)


def multipart(name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as given (the test client would clean it first)."""
    boundary = "----portal-test-boundary"
    encoded = name.encode("utf-8", "surrogatepass")
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + encoded
        + b'"\r\n'
        + f"Content-Type: {content_type or 'application/octet-stream'}\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def post_file(client: Client, appeal: Appeal, name: str, data: bytes, content_type: str = "") -> Any:
    body, header = multipart(name, data, content_type)
    return client.post(url("appeals:evidence", appeal.reference), body, content_type=header)


@pytest.mark.parametrize(
    ("case", "name", "data", "declared", "code", "message"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_the_upload_page_refuses_each_hostile_upload_with_its_message(
    world: Any,
    private_root: Path,
    case: str,
    name: str,
    data: bytes,
    declared: str,
    code: str,
    message: str | None,
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = post_file(client, appeal, name, data, declared)

    assert response.status_code == 200, response.content
    errors = errors_of(response)
    assert len(errors) == 1
    if message:
        assert errors == [message]
    assert_nothing_stored(appeal, private_root)


@pytest.mark.parametrize(("case", "name"), BAD_NAMES, ids=[b[0] for b in BAD_NAMES])
def test_the_upload_page_refuses_names_that_django_would_have_cleaned(
    world: Any, private_root: Path, case: str, name: str
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = post_file(client, appeal, name, files.clean_pdf(), "application/pdf")

    assert response.status_code == 200, response.content
    assert errors_of(response) == [BAD_NAME]
    assert_nothing_stored(appeal, private_root)


def test_an_oversized_upload_is_cut_off_while_it_streams_in(
    world: Any, private_root: Path, settings: Any
) -> None:
    settings.APPEAL_EVIDENCE_MAX_BYTES = 2048
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    big = files.image("PNG", (64, 64), noise=True)
    assert len(big) > 2048

    response = post_file(client, appeal, "big.png", big, "image/png")

    assert errors_of(response) == ["The selected file must be smaller than 2 KB"]
    assert_nothing_stored(appeal, private_root)
    with pytest.raises(EvidenceRejected) as refused:
        evidence_add(appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("big.png", big))
    assert refused.value.code == "too_big"


def test_the_default_limits_are_10_mb_and_10_files(settings: Any) -> None:
    assert settings.APPEAL_EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    assert settings.APPEAL_EVIDENCE_MAX_FILES == 10


def test_too_many_files_are_refused(world: Any, private_root: Path, settings: Any) -> None:
    settings.APPEAL_EVIDENCE_MAX_FILES = 2
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    for n in range(2):
        assert post_file(client, appeal, f"page{n}.png", files.png(), "image/png").status_code == 302

    response = post_file(client, appeal, "page3.png", files.png(), "image/png")

    assert errors_of(response) == ["You can upload up to 2 files. Remove one before you add another"]
    assert Evidence.objects.filter(appeal=appeal).count() == 2
    assert len(stored_files(private_root)) == 2


@pytest.mark.parametrize(
    ("name", "data", "content_type", "stored_ext", "kind"),
    [
        ("Справка о доходах.pdf", files.clean_pdf(), "application/pdf", ".pdf", "application/pdf"),
        ("weasyprint.pdf", None, "application/pdf", ".pdf", "application/pdf"),
        ("IMG_2041.JPEG", files.jpeg(), "image/jpeg", ".jpg", "image/jpeg"),
        ("скан.png", files.png(), "", ".png", "image/png"),
        ("noise.png", files.image("PNG", (200, 200), noise=True), "image/png", ".png", "image/png"),
    ],
)
def test_good_files_are_stored_privately_under_a_server_made_name(
    world: Any,
    draft: Appeal,
    private_root: Path,
    name: str,
    data: bytes | None,
    content_type: str,
    stored_ext: str,
    kind: str,
) -> None:
    if data is None:
        from explanations.services.pdf import html_to_pdf

        data = html_to_pdf(
            "<html lang='kk'><head><title>Анықтама</title></head><body><p>Қазақ</p></body></html>"
        )

    evidence = evidence_add(
        appeal_id=draft.pk, citizen=world.citizen, uploaded_file=RawUpload(name, data, content_type)
    )

    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(stored_ext), evidence.stored_name)
    assert evidence.original_name == (name if name != "IMG_2041.JPEG" else "IMG_2041.jpeg")
    assert evidence.content_type == kind
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    path = evidence_path(evidence)
    assert path.parent == private_root / "evidence" / str(draft.pk)
    assert path.read_bytes() == data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stored_files(private_root) == [path]


def test_a_long_display_name_is_shortened_and_keeps_its_extension(world: Any, draft: Appeal) -> None:
    evidence = evidence_add(
        appeal_id=draft.pk, citizen=world.citizen, uploaded_file=RawUpload("a" * 200 + ".PNG", files.png())
    )
    assert len(evidence.original_name) <= 120
    assert evidence.original_name.endswith(".png")


def test_evidence_cannot_be_added_to_another_persons_or_a_sent_appeal(world: Any, private_root: Path) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    other = signed_in(world.other_citizen)
    response = post_file(other, appeal, "x.png", files.png(), "image/png")
    assert response.status_code == 404
    client.post(url("appeals:ground-new", appeal.reference, "OTHER"), {"why": "Wrong"})
    client.post(url("appeals:check", appeal.reference))
    with pytest.raises(IllegalTransition):
        evidence_add(
            appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("x.png", files.png())
        )
    assert post_file(client, appeal, "x.png", files.png(), "image/png")["Location"] == url(
        "appeals:detail", appeal.reference
    )
    assert stored_files(private_root) == []


def test_the_upload_page_checks_the_csrf_token(world: Any, private_root: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)

    response = post_file(client, appeal, "x.png", files.png(), "image/png")

    assert response.status_code == 403
    assert stored_files(private_root) == []


def test_removing_a_file_deletes_it_once_committed(
    world: Any, private_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    post_file(client, appeal, "x.png", files.png(), "image/png")
    evidence = Evidence.objects.get(appeal=appeal)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("appeals:evidence-remove", appeal.reference, evidence.pk))

    assert response["Location"] == url("appeals:evidence", appeal.reference)
    assert_nothing_stored(appeal, private_root)
    assert client.get(url("appeals:evidence-remove", appeal.reference, evidence.pk)).status_code == 405


def test_the_file_is_served_as_an_attachment_that_browsers_must_not_sniff(world: Any) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    data = files.png()
    post_file(client, appeal, "payslip.png", data, "image/png")
    evidence = Evidence.objects.get(appeal=appeal)

    response = client.get(url("appeals:evidence-file", appeal.reference, evidence.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="payslip.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_the_check_does_not_mistake_real_documents_for_hostile_ones() -> None:
    evidence_check(RawUpload("a.pdf", files.clean_pdf(), "application/pdf"))
    evidence_check(RawUpload("a.jpg", files.image("JPEG", (300, 200), noise=True), "image/jpeg"))


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (
            "Анықтама №5.pdf",
            "attachment; filename*=utf-8''%D0%90%D0%BD%D1%8B%D2%9B%D1%82%D0%B0%D0%BC%D0%B0%20%E2%84%965.pdf",
        ),
        ("Справка «доход».pdf", None),
        ('my "final" statement.pdf', 'attachment; filename="my \\"final\\" statement.pdf"'),
    ],
)
def test_download_names_are_encoded_as_rfc_6266_asks(world: Any, name: str, header: str | None) -> None:
    """ASCII names as a quoted string with quotes and backslashes escaped; any other name as an RFC 8187
    filename* (UTF-8, percent-encoded), which decodes back to exactly the stored name."""
    from urllib.parse import unquote

    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)
    evidence = evidence_add(
        appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload(name, files.clean_pdf())
    )
    client = signed_in(world.citizen)

    response = client.get(url("appeals:evidence-file", appeal.reference, evidence.pk))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    if header is not None:
        assert disposition == header
    if name.isascii():
        quoted = re.fullmatch(r'attachment; filename="((?:[^"\\]|\\.)*)"', disposition)
        assert quoted is not None, disposition
        assert re.sub(r"\\(.)", r"\1", quoted.group(1)) == name
    else:
        encoded = re.fullmatch(r"attachment; filename\*=utf-8''([A-Za-z0-9%!#$&+.^_`|~-]+)", disposition)
        assert encoded is not None, disposition
        assert unquote(encoded.group(1), encoding="utf-8", errors="strict") == name


@pytest.mark.parametrize(
    "name", ["a\r\nSet-Cookie: x=1.pdf", 'Есеп\n"1".pdf', "vertical\x0btab.pdf", "line\u2028separator.pdf"]
)
def test_a_stored_name_with_line_breaks_cannot_break_the_header(world: Any, name: str) -> None:
    """Names the service would never store (it refuses control characters) still give one well-formed header."""
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)
    evidence = evidence_add(
        appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("a.pdf", files.clean_pdf())
    )
    Evidence.objects.filter(pk=evidence.pk).update(original_name=name)

    response = signed_in(world.citizen).get(url("appeals:evidence-file", appeal.reference, evidence.pk))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert not response.has_header("Set-Cookie")


@pytest.mark.parametrize(
    "declared",
    [
        "application/octet-stream",
        "application/x-download",
        "application/force-download",
        "binary/octet-stream",
        "application/unknown",
        "text/plain",
        "image/png",
        "",
    ],
)
def test_a_real_pdf_is_accepted_whatever_type_the_browser_declares(
    world: Any, private_root: Path, declared: str
) -> None:
    """Browsers take the declared type from the operating system's extension table; the content and the name
    agree, so the file is a PDF, stored and served as application/pdf."""
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = post_file(client, appeal, "income.pdf", files.clean_pdf(), declared)

    assert response.status_code == 302, errors_of(response)
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.content_type == "application/pdf"
    download = client.get(url("appeals:evidence-file", appeal.reference, evidence.pk))
    assert download["Content-Type"] == "application/pdf"


def test_a_pdf_named_as_an_image_says_the_name_is_what_is_wrong(world: Any, private_root: Path) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = post_file(client, appeal, "scan.png", files.clean_pdf(), "application/octet-stream")

    assert errors_of(response) == [
        "The file’s name says it is a PNG image, but its content is a PDF. Upload it with its correct name"
    ]
    assert_nothing_stored(appeal, private_root)
