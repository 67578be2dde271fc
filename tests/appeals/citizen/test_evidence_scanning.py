"""Malware scanning of evidence with a real clamd (deploy/clamav/start.sh): an infected PDF is refused and
nothing is stored; a clean one is stored as checked; with clamd down a file is held unchecked, never served,
and the beat task scans it once clamd answers again (removing it, and telling the citizen, if it is infected)."""

import hashlib
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail

from appeals.models import Appeal, Evidence, Notification, ScanStatus
from appeals.queues import blind_case
from appeals.services import core
from appeals.services.evidence import (
    SCAN_MAX_ATTEMPTS,
    EvidenceRejected,
    evidence_add,
    evidence_check,
    evidence_path,
    evidence_scan_held,
)
from appeals.services.messages import render_message
from appeals.tasks import evidence_scan
from portal import scanner
from portal.audit.models import AuditEvent

from ..review.builders import at, client_for
from . import files
from .conftest import signed_in, stored_files, url
from .test_evidence import RawUpload, multipart, post_file
from .test_filing import errors_of, start_draft

INFECTED_MESSAGE = (
    "Our virus check found harmful content in the selected file, so we cannot accept it. Check your device "
    "with antivirus software, then upload a clean copy"
)
EICAR_PDFS = [
    pytest.param(files.pdf_with_eicar(), id="EICAR in a plain stream"),
    pytest.param(files.pdf_with_eicar(compressed=True), id="EICAR in a deflated stream"),
]


@pytest.fixture
def dead_socket(tmp_path: Path, settings: Any) -> str:
    """CLAMD_SOCKET names a socket nobody listens on: the scanner is down."""
    path = str(tmp_path / "clamd-down.sock")
    settings.CLAMD_SOCKET = path
    return path


def evidence_events(appeal: Appeal) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="appeal", object_id=str(appeal.pk), action__startswith="appeal.evidence"
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.services
@pytest.mark.parametrize("data", EICAR_PDFS)
def test_an_eicar_string_inside_a_valid_pdf_is_refused_and_nothing_is_stored(
    world: Any, private_root: Path, clamd: str, data: bytes
) -> None:
    evidence_check(RawUpload("statement.pdf", data, "application/pdf"))  # every structural check passes
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())

    response = post_file(client, appeal, "statement.pdf", data, "application/pdf")

    assert response.status_code == 200, response.content
    assert errors_of(response) == [INFECTED_MESSAGE]
    assert not Evidence.objects.filter(appeal=appeal).exists()
    assert stored_files(private_root) == []
    assert evidence_events(appeal) == []
    with pytest.raises(EvidenceRejected) as refused:
        evidence_add(appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("s.pdf", data))
    assert refused.value.code == "infected"
    assert stored_files(private_root) == []


@pytest.mark.services
def test_the_refusal_is_in_the_pages_language(world: Any, private_root: Path, clamd: str) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    body, header = multipart("анықтама.pdf", files.pdf_with_eicar(), "application/pdf")

    response = client.post(url("appeals:evidence", appeal.reference, lang="kk"), body, content_type=header)

    (error,) = errors_of(response)
    assert error != INFECTED_MESSAGE
    assert "вирус" in error.lower()
    assert stored_files(private_root) == []


@pytest.mark.services
def test_a_clean_pdf_is_scanned_stored_as_checked_and_served(
    world: Any, private_root: Path, clamd: str
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    data = files.clean_pdf()

    response = post_file(client, appeal, "income.pdf", data, "application/pdf")

    assert response.status_code == 302, response.content
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.scan_status == ScanStatus.CLEAN
    assert evidence.scanned_at is not None
    assert evidence_path(evidence).read_bytes() == data
    download = client.get(url("appeals:evidence-file", appeal.reference, evidence.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert "Checked for viruses" in client.get(url("appeals:evidence", appeal.reference)).content.decode()


@pytest.mark.services
def test_with_the_scanner_down_a_file_is_held_unserved_then_checked_once_it_is_back(
    world: Any, private_root: Path, clamd: str, settings: Any, tmp_path: Path
) -> None:
    settings.CLAMD_SOCKET = str(tmp_path / "clamd-down.sock")
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    data = files.clean_pdf()

    response = post_file(client, appeal, "income.pdf", data, "application/pdf")

    assert response.status_code == 302, response.content
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.scan_status == ScanStatus.PENDING
    assert evidence_path(evidence).read_bytes() == data  # stored, not lost
    file_url = url("appeals:evidence-file", appeal.reference, evidence.pk)
    assert client.get(file_url).status_code == 404
    page = client.get(url("appeals:evidence", appeal.reference)).content.decode()
    assert "Not yet checked for viruses" in page
    assert f'href="{file_url}"' not in page
    assert evidence_scan.delay().get() == {  # still down: nothing changes
        "clean": 0,
        "infected": 0,
        "unavailable": 1,
        "missing": 0,
        "error": 0,
        "skipped": 0,
    }
    held = Evidence.objects.get(pk=evidence.pk)
    assert held.scan_status == ScanStatus.PENDING
    assert (held.scan_attempts, held.scan_attempted_at) == (0, None)  # clamd down is not the file's fault

    settings.CLAMD_SOCKET = clamd  # clamd is back
    counts = evidence_scan.delay().get()

    assert counts["clean"] == 1
    evidence.refresh_from_db()
    assert evidence.scan_status == ScanStatus.CLEAN
    assert evidence.scanned_at is not None
    assert b"".join(client.get(file_url).streaming_content) == data
    assert evidence_events(appeal) == ["appeal.evidence.added", "appeal.evidence.scanned"]
    assert evidence_scan.delay().get()["clean"] == 0  # a second run finds nothing held


@pytest.mark.services
def test_a_held_file_that_is_infected_is_removed_on_recovery_and_the_citizen_told_in_their_language(
    world: Any,
    private_root: Path,
    clamd: str,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(world.citizen)
    appeal = start_draft(client, world.decision())
    Appeal.objects.filter(pk=appeal.pk).update(contact_language="ru")
    settings.CLAMD_SOCKET = str(tmp_path / "clamd-down.sock")
    post_file(client, appeal, "справка.pdf", files.pdf_with_eicar(), "application/pdf")
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.scan_status == ScanStatus.PENDING
    path = evidence_path(evidence)
    mail.outbox.clear()

    settings.CLAMD_SOCKET = clamd
    with django_capture_on_commit_callbacks(execute=True):
        counts = evidence_scan.delay().get()

    assert counts["infected"] == 1
    evidence.refresh_from_db()
    assert evidence.scan_status == ScanStatus.INFECTED
    assert "EICAR" in evidence.scan_signature
    assert not path.exists()
    assert stored_files(private_root) == []
    assert client.get(url("appeals:evidence-file", appeal.reference, evidence.pk)).status_code == 404
    page = client.get(url("appeals:evidence", appeal.reference)).content.decode()
    assert "Removed: a virus was found" in page
    (note,) = Notification.objects.filter(appeal=appeal, event="appeal.evidence.infected")
    assert note.recipient_id == world.citizen.pk
    assert note.language == "ru"
    message = render_message(note)
    assert appeal.reference in message.subject
    assert "удал" in message.subject.lower()  # Russian: "удалён"
    assert "вирус" in message.body.lower()
    assert any(appeal.reference in m.subject and "удал" in m.subject.lower() for m in mail.outbox)
    assert evidence_events(appeal) == ["appeal.evidence.added", "appeal.evidence.infected"]

    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_scan.delay().get()["infected"] == 0  # idempotent: no second notice
    assert Notification.objects.filter(appeal=appeal, event="appeal.evidence.infected").count() == 1


@pytest.mark.services
def test_reviewers_see_a_held_file_with_its_status_and_cannot_open_it(
    world: Any, private_root: Path, clamd: str, settings: Any, tmp_path: Path
) -> None:
    settings.CLAMD_SOCKET = str(tmp_path / "clamd-down.sock")
    appeal = at(world, "in_review", evidence=True)
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.scan_status == ScanStatus.PENDING
    reviewer = world.reviewers[0]

    (view,) = blind_case(appeal=appeal, viewer=reviewer).evidence
    assert view.url is None
    assert view.scan_label == "Not yet checked for viruses"
    assert (
        client_for(reviewer).get(url("appeals:evidence-file", appeal.reference, evidence.pk)).status_code
        == 404
    )

    settings.CLAMD_SOCKET = clamd
    evidence_scan.delay().get()
    (view,) = blind_case(appeal=appeal, viewer=reviewer).evidence
    assert view.url == url("appeals:evidence-file", appeal.reference, evidence.pk)
    assert view.scan_label == "Checked for viruses"


def held_files(world: Any, names: list[str]) -> tuple[Appeal, list[Evidence]]:
    """Files uploaded while the scanner was down (oldest first), so held: PENDING."""
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)
    held = [
        evidence_add(
            appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload(name, files.clean_pdf())
        )
        for name in names
    ]
    assert {e.scan_status for e in held} == {ScanStatus.PENDING}
    return appeal, held


def replace_content(evidence: Evidence, data: bytes) -> None:
    """The file on disk and its recorded SHA-256 become these bytes (as if stored under other limits)."""
    evidence_path(evidence).write_bytes(data)
    Evidence.objects.filter(pk=evidence.pk).update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))


@pytest.mark.services
def test_a_file_clamd_answers_an_error_for_does_not_block_newer_files_and_is_given_up_after_the_last_attempt(
    world: Any, private_root: Path, clamd: str, settings: Any, tmp_path: Path, caplog: Any
) -> None:
    settings.CLAMD_SOCKET = str(tmp_path / "clamd-down.sock")
    appeal, (oversized, newer) = held_files(world, ["Aigerim-income-statement.pdf", "b.pdf"])
    # Over the test clamd's StreamMaxLength (32M): clamd refuses this file every time (it answers "INSTREAM size
    # limit exceeded" and drops the connection mid-stream), while it answers PING and scans every other file.
    replace_content(oversized, b"%PDF-1.4\n" + b"0" * (33 * 1024 * 1024))
    settings.CLAMD_SOCKET = clamd
    caplog.set_level("WARNING", logger="appeals.services.evidence")

    counts = evidence_scan.delay().get()

    assert (counts["error"], counts["clean"], counts["unavailable"]) == (1, 1, 0), counts
    assert Evidence.objects.get(pk=newer.pk).scan_status == ScanStatus.CLEAN
    stuck = Evidence.objects.get(pk=oversized.pk)
    assert (stuck.scan_status, stuck.scan_attempts) == (ScanStatus.PENDING, 1)
    assert stuck.scan_attempted_at is not None
    assert (
        f"held evidence {oversized.pk} gave no verdict (attempt 1 of {SCAN_MAX_ATTEMPTS}): clamd answered "
        in (caplog.text)
    )

    Evidence.objects.filter(pk=oversized.pk).update(scan_attempts=SCAN_MAX_ATTEMPTS - 1)
    assert evidence_scan.delay().get()["error"] == 1  # the last attempt
    stuck.refresh_from_db()
    assert (stuck.scan_status, stuck.scan_attempts) == (ScanStatus.PENDING, SCAN_MAX_ATTEMPTS)
    assert not stuck.is_available  # given up, still never served
    assert evidence_events(appeal)[-1] == "appeal.evidence.scan_given_up"
    assert f"held evidence {oversized.pk} gave no verdict in {SCAN_MAX_ATTEMPTS} attempts" in caplog.text
    assert sum(evidence_scan.delay().get().values()) == 0  # no longer tried
    # The log names the row, never the file's name, its appeal or its citizen.
    for personal in ("Aigerim", appeal.reference, world.citizen.get_full_name() or "\0"):
        assert personal not in caplog.text


@pytest.mark.services
def test_missing_and_corrupt_held_files_do_not_starve_the_files_behind_them(
    world: Any, private_root: Path, clamd: str, settings: Any, tmp_path: Path
) -> None:
    settings.CLAMD_SOCKET = str(tmp_path / "clamd-down.sock")
    _appeal, (missing, corrupt, newer) = held_files(world, ["a.pdf", "b.pdf", "c.pdf"])
    evidence_path(missing).unlink()
    evidence_path(corrupt).write_bytes(b"not what was uploaded")
    settings.CLAMD_SOCKET = clamd

    first = evidence_scan_held(batch_size=2)  # a batch taken up by the two that give no verdict
    second = evidence_scan_held(batch_size=2)

    assert first["missing"] == 2, first
    assert second["clean"] == 1, second  # the next pass starts with the file not yet tried
    assert Evidence.objects.get(pk=newer.pk).scan_status == ScanStatus.CLEAN
    attempts = dict(
        Evidence.objects.filter(pk__in=[missing.pk, corrupt.pk]).values_list("pk", "scan_attempts")
    )
    assert attempts == {missing.pk: 2, corrupt.pk: 1} or attempts == {missing.pk: 1, corrupt.pk: 2}
    assert (
        Evidence.objects.filter(pk__in=[missing.pk, corrupt.pk], scan_status=ScanStatus.PENDING).count() == 2
    )


# --- without a real clamd ---------------------------------------------------------------------------------


class _FakeClamd(threading.Thread):
    """A Unix-socket server that answers every command with one fixed line (a clamd that misbehaves)."""

    def __init__(self, path: str, answer: bytes) -> None:
        super().__init__(daemon=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.answer = answer

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                received = b""
                while not received.endswith(b"\0\0\0\0"):  # INSTREAM ends with a zero-length chunk
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                conn.sendall(self.answer)


@pytest.mark.parametrize(
    "answer",
    [b"stream: INSTREAM size limit exceeded. ERROR\n", b"stream: Can't allocate memory ERROR\n", b"what?\n"],
)
def test_a_scanner_error_is_no_verdict_and_the_file_is_held(
    world: Any, private_root: Path, settings: Any, tmp_path: Path, answer: bytes
) -> None:
    path = str(tmp_path / "odd.sock")
    fake = _FakeClamd(path, answer)
    fake.start()
    settings.CLAMD_SOCKET = path
    try:
        assert scanner.scan_bytes(files.clean_pdf()).outcome == scanner.Outcome.UNAVAILABLE
        appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)
        evidence = evidence_add(
            appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("a.pdf", files.clean_pdf())
        )
    finally:
        fake.server.close()
    assert evidence.scan_status == ScanStatus.PENDING
    assert not evidence.is_available


def test_a_scanner_that_answers_errors_to_everything_stops_the_pass_without_counting_attempts(
    world: Any, private_root: Path, settings: Any, tmp_path: Path, dead_socket: str
) -> None:
    _appeal, held = held_files(world, ["a.pdf", "b.pdf"])
    path = str(tmp_path / "broken.sock")
    fake = _FakeClamd(path, b"Can't allocate memory ERROR\n")  # to PING as well: clamd itself is broken
    fake.start()
    settings.CLAMD_SOCKET = path
    try:
        counts = evidence_scan_held()
    finally:
        fake.server.close()

    assert (counts["unavailable"], counts["error"], counts["missing"]) == (1, 0, 0), counts
    assert sorted(
        Evidence.objects.filter(pk__in=[e.pk for e in held]).values_list("scan_attempts", flat=True)
    ) == [
        0,
        0,
    ]


def test_with_the_socket_missing_an_upload_is_held_not_refused(
    world: Any, private_root: Path, dead_socket: str
) -> None:
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)

    evidence = evidence_add(
        appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("a.pdf", files.clean_pdf())
    )

    assert evidence.scan_status == ScanStatus.PENDING
    assert not evidence.is_available
    assert stored_files(private_root) == [evidence_path(evidence)]


def test_with_scanning_off_files_are_stored_as_not_checked_and_held_once_scanning_is_on(
    world: Any, private_root: Path, settings: Any, dead_socket: str, caplog: Any
) -> None:
    settings.CLAMD_SOCKET = ""  # local development without clamd
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen)

    evidence = evidence_add(
        appeal_id=appeal.pk, citizen=world.citizen, uploaded_file=RawUpload("a.pdf", files.clean_pdf())
    )

    assert evidence.scan_status == ScanStatus.NOT_SCANNED
    assert evidence.is_available
    assert "WITHOUT a malware scan" in caplog.text
    from appeals.apps import malware_scanning_check

    assert [w.id for w in malware_scanning_check()] == ["appeals.W001"]
    settings.CLAMD_SOCKET = dead_socket  # scanning turned on: the unchecked file is held until scanned
    assert not Evidence.objects.get(pk=evidence.pk).is_available
    assert malware_scanning_check() == []


def test_production_settings_refuse_to_start_without_a_scanner() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEY": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTM=",
        "IIN_HASH_KEY": "dGVzdC1vbmx5LWlpbi1oYXNoLWtleS0zMi1ieXRlcy0=",
        "DJANGO_ALLOWED_HOSTS": "appeals.example.kz",
        "DATABASE_URL": "sqlite:///:memory:",
        "CACHE_URL": "redis://127.0.0.1:6379/1",  # production also refuses a per-process cache
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.CLAMD_SOCKET)"

    missing = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
    )
    given = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "CLAMD_SOCKET": "/run/clamav/clamd.ctl"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert missing.returncode != 0
    assert "ImproperlyConfigured" in missing.stderr
    assert "CLAMD_SOCKET" in missing.stderr
    assert given.returncode == 0, given.stderr[-2000:]
    assert given.stdout.strip() == "/run/clamav/clamd.ctl"
