"""Evidence on a draft appeal: every upload is checked from its content, stored privately, all or nothing.

What an upload must pass (shared/design/reliability.md, "hostile uploads"):

- limits: at most APPEAL_EVIDENCE_MAX_BYTES per file and APPEAL_EVIDENCE_MAX_FILES per appeal; empty files refused;
- the name: no path (``/``, ``\\``, ``..``, a drive letter), no NUL, control or invisible format characters
  (U+202E RIGHT-TO-LEFT OVERRIDE and the other bidirectional controls make ``invoice\\u202efdp.exe`` look like
  ``invoiceexe.pdf``), and an extension of .pdf, .jpg, .jpeg or .png. At the HTTP edge Django already drops
  path components and non-printable characters before any application code sees a name; this service refuses
  such names outright for every other caller, and in no case is the name used on disk;
- the type comes from the first bytes (``%PDF-``, ``FF D8 FF``, the PNG signature) and must agree with the
  extension; anything else (SVG, HTML, archives, executables) is refused. The browser's declared Content-Type
  is not consulted: browsers take it from the operating system's table of extensions, which sends real PDFs
  as ``application/octet-stream``, ``application/x-download``, ``binary/octet-stream`` and more, so refusing on
  it turns away good files with a message the person cannot act on, while a hostile client sets whatever it
  likes. It carries no weight here because the content is verified and the file is always served with the
  type we determined (as an attachment, ``nosniff``);
- PDF: refused if it names active or embedded content (/JavaScript, /JS, /Launch, /EmbeddedFile(s), /AA,
  /RichMedia, /XFA, /GoToE, /ImportData, /SubmitForm) in its raw bytes or inside any stream it can decode
  (FlateDecode, ASCIIHexDecode, ASCII85Decode, RunLengthDecode, chained), with #xx escapes in names undone.
  Inflation has one budget for the whole file, so a deflate bomb is refused once it has expanded past the
  budget, never decompressed in full. Encrypted PDFs, and streams in encodings it cannot decode (LZW, Crypt,
  unknown), are refused because they cannot be checked;
- JPEG and PNG: Pillow must identify the same format, ``verify()`` it and then fully ``load()`` a fresh copy,
  with the pixel count bounded before decoding (a decompression bomb is refused, not decoded). Images that
  are also something else (polyglots) are refused — pragmatically: ``%PDF-`` or ``<script`` anywhere,
  ``<svg``, ``<html``, ``<!doctype`` or ``<?php`` in the first 4 KiB, or data after a PNG's IEND chunk.
  Random image data contains those byte strings with negligible probability; JPEG data after the end marker
  is allowed because cameras append their own (thumbnails, motion photos).
- malware: the bytes go to ClamAV (clamd over its Unix socket, portal/scanner.py) before anything is written. A
  file clamd names a signature for is refused and nothing is stored. When clamd gives no verdict (down,
  timed out, an error) the file is stored but held as PENDING ("not yet checked"): it is listed with that
  status and never served, and the beat task ``appeals.evidence_scan`` scans it once clamd answers again
  (infected then: the file is deleted, the row kept as INFECTED and the appellant told in their language).
  With CLAMD_SOCKET empty (local development only) files are stored as NOT_SCANNED, with a warning.

A file that passes is written under a server-made name (uuid4 hex + canonical extension) in
PRIVATE_MEDIA_ROOT/evidence/<appeal id>/, mode 0600, with its SHA-256; the person's file name is kept only as a
cleaned display name. A refused file leaves nothing behind: the checks run before anything is written, and a
failure after writing removes the file and rolls the row back.
"""

import base64
import binascii
import datetime as dt
import hashlib
import io
import logging
import os
import re
import unicodedata
import uuid
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from portal import scanner
from portal.audit.services import audit_record

from ..exceptions import AppealError, IllegalTransition, NotAllowed
from ..models import Appeal, Evidence, ScanStatus
from ..states import State
from .messages import APPELLANT
from .notify import appeal_context, enqueue

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 10
# Total bytes all of one PDF's streams may inflate to while being checked (the deflate-bomb guard).
MAX_INFLATED_BYTES = 64 * 1024 * 1024
# Pixels an image may have (Pillow's own bomb limit is 89 million and only warns below twice that). 50 million
# admits photos from 48- and 50-megapixel phone cameras; JPEGs are decoded at 1/8 scale (DCT scaling still
# entropy-decodes every block, so damage is found) to keep memory low.
MAX_IMAGE_PIXELS = 50_000_000
DISPLAY_NAME_MAX = 120

PDF, JPEG, PNG = "pdf", "jpeg", "png"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png"}
CANONICAL_EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
EXTENSION_TYPES = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")


def type_label(kind: str) -> str:
    return {PDF: gettext("a PDF"), JPEG: gettext("a JPG image"), PNG: gettext("a PNG image")}.get(
        kind, gettext("another kind of file")
    )


class EvidenceRejected(AppealError):
    """The upload was refused and nothing was stored. ``message`` says why, in the active language."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        p = self.params
        messages = {
            "empty": lambda: gettext("The selected file is empty"),
            "too_big": lambda: (
                gettext("The selected file must be smaller than %(limit)s") % {"limit": megabytes(p["limit"])}
            ),
            "too_many": lambda: (
                ngettext(
                    "You can upload up to %(count)d file. Remove one before you add another",
                    "You can upload up to %(count)d files. Remove one before you add another",
                    p["limit"],
                )
                % {"count": p["limit"]}
            ),
            "bad_name": lambda: gettext(
                "The file name contains characters that are not allowed, such as a path (“../” or “/”) or "
                "hidden control characters. Rename the file and try again"
            ),
            "type_not_allowed": lambda: gettext("The selected file must be a PDF, JPG or PNG"),
            "not_recognised": lambda: gettext(
                "The selected file is not a real PDF, JPG or PNG: its content is not any of these types"
            ),
            "mismatch": lambda: (
                gettext(
                    "The file’s name says it is %(declared)s, but its content is %(actual)s. Upload it with its "
                    "correct name"
                )
                % {"declared": type_label(p["declared"]), "actual": type_label(p["actual"])}
            ),
            "pdf_active": lambda: gettext(
                "The PDF contains active or embedded content (such as scripts, attached files or automatic "
                "actions), which we cannot accept. Print it to a new PDF or scan it, and upload that"
            ),
            "pdf_encrypted": lambda: gettext(
                "The PDF is protected with a password or encrypted. Upload a copy without protection"
            ),
            "pdf_unsupported": lambda: gettext(
                "The PDF uses an encoding we cannot check. Print it to a new PDF or scan it, and upload that"
            ),
            "pdf_too_complex": lambda: gettext(
                "The PDF expands to too much data to check safely. Upload a smaller or simpler PDF"
            ),
            "pdf_damaged": lambda: gettext("The PDF is damaged or incomplete. Upload a complete copy"),
            "image_damaged": lambda: gettext("The image is damaged or incomplete and cannot be opened"),
            "image_too_large": lambda: (
                gettext(
                    "The image has too many pixels (the limit is %(millions)d million). Save it at a smaller size"
                )
                % {"millions": MAX_IMAGE_PIXELS // 1_000_000}
            ),
            "polyglot": lambda: gettext(
                "The image also contains another kind of content (such as a PDF or a web page), which we cannot "
                "accept. Save it again as a plain image"
            ),
            "infected": lambda: gettext(
                "Our virus check found harmful content in the selected file, so we cannot accept it. Check your "
                "device with antivirus software, then upload a clean copy"
            ),
        }
        return messages.get(self.code, lambda: gettext("The selected file cannot be accepted"))()


def megabytes(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return gettext("%(n)d MB") % {"n": limit // (1024 * 1024)}
    return gettext("%(n)d KB") % {"n": max(1, limit // 1024)}


def max_bytes() -> int:
    return int(getattr(settings, "APPEAL_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    return int(getattr(settings, "APPEAL_EVIDENCE_MAX_FILES", DEFAULT_MAX_FILES))


class Upload(Protocol):
    """What the service needs of an upload (Django's UploadedFile has it)."""

    name: str | None
    size: int | None
    content_type: str | None

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    data: bytes
    display_name: str
    sha256: str


# --- names ---------------------------------------------------------------------------------------------------

_BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def name_is_unsafe(name: str) -> bool:
    """A path, a NUL, a control or invisible format character (bidi overrides included), or no name at all."""
    if not name or not name.strip() or len(name) > 255:
        return True
    if "/" in name or "\\" in name or "\x00" in name or name.strip() in (".", ".."):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(
        ch in _BIDI_AND_INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in name
    )


def extension_of(name: str) -> str:
    return Path(name).suffix.lower()


def display_name(name: str, kind: str) -> str:
    """The person's file name for showing back to them: NFC, single spaces, at most 120 characters."""
    clean = " ".join(unicodedata.normalize("NFC", name).split())
    stem, ext = clean[: -len(Path(clean).suffix)] if Path(clean).suffix else clean, Path(clean).suffix
    ext = ext.lower() if ext.lower() in EXTENSION_TYPES else CANONICAL_EXTENSIONS[kind]
    return (stem[: DISPLAY_NAME_MAX - len(ext)].strip() or "file") + ext


# --- content -------------------------------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _read_bounded(upload: Upload, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    buffer = bytearray()
    for chunk in upload.chunks():
        buffer += chunk
        if len(buffer) > limit:
            raise EvidenceRejected("too_big", limit=limit)
    return bytes(buffer)


_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"AA",
        b"RichMedia",
        b"XFA",
        b"GoToE",
        b"ImportData",
        b"SubmitForm",
    }
)


def _pdf_names(data: bytes) -> set[bytes]:
    """Every PDF name in `data`, with #xx escapes undone (/J#61vaScript is /JavaScript)."""
    names = set()
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        names.add(_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw)
    return names


def _check_pdf_names(data: bytes) -> None:
    names = _pdf_names(data)
    if names & PDF_ACTIVE_NAMES:
        raise EvidenceRejected("pdf_active")
    if b"Encrypt" in names:
        raise EvidenceRejected("pdf_encrypted")


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise EvidenceRejected("pdf_too_complex")


def _inflate(data: bytes, budget: _Budget) -> bytes:
    """Inflate zlib (or raw deflate) data, never producing more than the budget allows.

    Input is fed in pieces so that a stream damaged part-way still yields what came before the damage (a
    lenient reader would show that part too).
    """
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(wbits)
        out = bytearray()
        try:
            for at in range(0, len(data), 65536):
                out += inflater.decompress(data[at : at + 65536], budget.left - len(out) + 1)
                if len(out) > budget.left or inflater.unconsumed_tail:
                    raise EvidenceRejected("pdf_too_complex")
                if inflater.eof:
                    break
        except zlib.error:
            if not out:
                continue  # not this kind of deflate data: try the other, then give up
        budget.take(len(out))
        return bytes(out)
    return b""


def _ascii_hex(data: bytes) -> bytes:
    digits = re.sub(rb"\s", b"", data.split(b">", 1)[0])
    if len(digits) % 2:
        digits += b"0"
    try:
        return binascii.unhexlify(digits)
    except (binascii.Error, ValueError):
        return b""


def _ascii85(data: bytes) -> bytes:
    body = re.sub(rb"\s", b"", data.split(b"~>", 1)[0])
    if body.startswith(b"<~"):
        body = body[2:]
    try:
        return base64.a85decode(body)
    except ValueError:
        return b""


def _run_length(data: bytes, budget: _Budget) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        length = data[i]
        if length == 128:
            break
        if length < 128:
            chunk = data[i + 1 : i + 2 + length]
            i += 2 + length
        else:
            chunk = data[i + 1 : i + 2] * (257 - length)
            i += 2
        budget.take(len(chunk))
        out += chunk
    return bytes(out)


_STREAM_START = re.compile(rb"stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_DECODERS = {
    b"FlateDecode": "flate",
    b"Fl": "flate",
    b"ASCIIHexDecode": "hex",
    b"AHx": "hex",
    b"ASCII85Decode": "a85",
    b"A85": "a85",
    b"RunLengthDecode": "rl",
    b"RL": "rl",
}
_IMAGE_CODECS = frozenset({b"DCTDecode", b"DCT", b"JPXDecode", b"JBIG2Decode", b"CCITTFaxDecode", b"CCF"})


def _filters(dictionary: bytes) -> list[bytes]:
    matches = list(_FILTER.finditer(dictionary))
    if not matches:
        return []
    # The last /Filter before the stream keyword belongs to this stream.
    names = _PDF_NAME.findall(matches[-1].group(1))
    return [_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), n) for n in names]


def _decode_stream(body: bytes, filters: list[bytes], budget: _Budget) -> list[bytes]:
    """The stream's content after each decodable filter (for scanning); refuses what cannot be checked."""
    layers: list[bytes] = []
    data = body
    for name in filters:
        if name in _IMAGE_CODECS:
            return layers  # picture data: nothing in it is read as PDF syntax
        decoder = _DECODERS.get(name)
        if decoder is None:
            raise EvidenceRejected("pdf_unsupported")  # LZW, Crypt, or a filter we do not know
        if decoder == "flate":
            data = _inflate(data, budget)
        elif decoder == "hex":
            data = _ascii_hex(data)
            budget.take(len(data))
        elif decoder == "a85":
            data = _ascii85(data)
            budget.take(len(data))
        else:
            data = _run_length(data, budget)
        layers.append(data)
    if (not filters or filters[0] not in _DECODERS) and body[:1] == b"\x78":
        # Looks like zlib although the dictionary did not say so (e.g. /Filter held in another object).
        layers.append(_inflate(body, budget))
    return layers


def check_pdf(data: bytes, *, inflate_budget: int = MAX_INFLATED_BYTES) -> None:
    """Refuse PDFs with active or embedded content anywhere we can see it, encrypted ones and deflate bombs."""
    if b"%%EOF" not in data[-2048:]:
        raise EvidenceRejected("pdf_damaged")
    _check_pdf_names(data)
    budget = _Budget(inflate_budget)
    position = 0
    while (match := _STREAM_START.search(data, position)) is not None:
        start = match.end()
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        header_from = max(
            data.rfind(b"obj", max(0, match.start() - 8192), match.start()), match.start() - 8192, 0
        )
        for layer in _decode_stream(data[start:end], _filters(data[header_from : match.start()]), budget):
            _check_pdf_names(layer)
        position = end + len(b"endstream")


_POLYGLOT_ANYWHERE = (b"%PDF-",)
_POLYGLOT_ANYWHERE_NOCASE = (b"<script",)
_POLYGLOT_HEAD_NOCASE = (b"<svg", b"<html", b"<!doctype", b"<?php")


def _png_trailing_bytes(data: bytes) -> int:
    """Bytes after the IEND chunk, found by walking the chunks (-1 when the chunk structure is broken)."""
    at = 8
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if kind == b"IEND":
            return len(data) - at if at <= len(data) else -1
    return -1


def check_image(data: bytes, kind: str) -> None:
    """Pillow must open, verify and fully decode the image; pixels bounded; no second format inside it."""
    from PIL import Image

    lowered = data.lower()
    head = lowered[:4096]
    if (
        any(marker in data for marker in _POLYGLOT_ANYWHERE)
        or any(marker in lowered for marker in _POLYGLOT_ANYWHERE_NOCASE)
        or any(marker in head for marker in _POLYGLOT_HEAD_NOCASE)
    ):
        raise EvidenceRejected("polyglot")
    if kind == PNG:
        trailing = _png_trailing_bytes(data)
        if trailing < 0:
            raise EvidenceRejected("image_damaged")
        if trailing > 0:
            raise EvidenceRejected("polyglot")
    expected = {JPEG: "JPEG", PNG: "PNG"}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise EvidenceRejected("image_too_large")
                image.verify()
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                if kind == JPEG:
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
        except EvidenceRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EvidenceRejected("image_too_large") from exc
        except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error)
            raise EvidenceRejected("image_damaged") from exc


def evidence_check(upload: Upload) -> CheckedFile:
    """Every check on one upload, in order; raises EvidenceRejected with the first problem. Writes nothing."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise EvidenceRejected("too_big", limit=limit)
    name = upload.name or ""
    if name_is_unsafe(name):
        raise EvidenceRejected("bad_name")
    declared = EXTENSION_TYPES.get(extension_of(name))
    if declared is None:
        raise EvidenceRejected("type_not_allowed")
    data = _read_bounded(upload, limit)
    if not data:
        raise EvidenceRejected("empty")
    actual = sniff(data)
    if actual is None:
        raise EvidenceRejected("not_recognised")
    if actual != declared:
        raise EvidenceRejected("mismatch", declared=declared, actual=actual)
    # upload.content_type is deliberately not checked (see the module's docstring).
    if actual == PDF:
        check_pdf(data)
    else:
        check_image(data, actual)
    return CheckedFile(actual, data, display_name(name, actual), hashlib.sha256(data).hexdigest())


# --- storage -------------------------------------------------------------------------------------------------


def evidence_dir(appeal_id: int) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "evidence" / str(int(appeal_id))


def evidence_path(evidence: Evidence) -> Path:
    """Where the file of this evidence lives; refuses a stored name the service could not have made."""
    if not STORED_NAME.match(evidence.stored_name):
        raise ValueError("not a stored evidence name")
    return evidence_dir(evidence.appeal_id) / evidence.stored_name


def _write_private(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _draft_of(appeal_id: int, citizen: Any) -> Appeal:
    """The citizen's own draft, locked. The caller is inside a transaction."""
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None or appeal.appellant_id != getattr(citizen, "pk", None):
        raise NotAllowed("not this person's appeal")
    if appeal.state != State.DRAFT:
        raise IllegalTransition("evidence can be added or removed only while the appeal is a draft")
    return appeal


def evidence_add(
    *, appeal_id: int, citizen: Any, uploaded_file: Upload, now: dt.datetime | None = None
) -> Evidence:
    """Check and scan one upload and store it on the citizen's draft, or refuse it (EvidenceRejected) storing
    nothing. Stored CLEAN when clamd found nothing, PENDING (held, never served) when clamd gave no verdict."""
    now = now or timezone.now()
    checked = evidence_check(uploaded_file)
    verdict = scanner.scan_bytes(checked.data)
    if verdict.outcome == scanner.Outcome.INFECTED:
        # A security event, logged (no personal data); nothing of the file or the attempt is stored.
        logger.warning(
            "evidence refused on appeal %s: clamd found %s (sha256 %s)",
            appeal_id,
            verdict.signature,
            checked.sha256,
        )
        raise EvidenceRejected("infected")
    status = {
        scanner.Outcome.CLEAN: ScanStatus.CLEAN,
        scanner.Outcome.UNAVAILABLE: ScanStatus.PENDING,
        scanner.Outcome.OFF: ScanStatus.NOT_SCANNED,
    }[verdict.outcome]
    path: Path | None = None
    try:
        with transaction.atomic(durable=True):
            appeal = _draft_of(appeal_id, citizen)
            limit = max_files()
            if appeal.evidence.count() >= limit:
                raise EvidenceRejected("too_many", limit=limit)
            stored_name = f"{uuid.uuid4().hex}{CANONICAL_EXTENSIONS[checked.kind]}"
            path = _write_private(evidence_dir(appeal.pk), stored_name, checked.data)
            evidence = Evidence.objects.create(
                appeal=appeal,
                stored_name=stored_name,
                original_name=checked.display_name,
                content_type=CONTENT_TYPES[checked.kind],
                size=len(checked.data),
                sha256=checked.sha256,
                uploaded_at=now,
                scan_status=status,
                scanned_at=now if status == ScanStatus.CLEAN else None,
            )
            audit_record(
                action="appeal.evidence.added",
                actor=citizen,
                object_type="appeal",
                object_id=appeal.pk,
                data={
                    "evidence_id": evidence.pk,
                    "sha256": checked.sha256,
                    "size": len(checked.data),
                    "content_type": CONTENT_TYPES[checked.kind],
                    "scan_status": status,
                },
                now=now,
            )
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    if status == ScanStatus.NOT_SCANNED:
        logger.warning("evidence %s stored WITHOUT a malware scan: CLAMD_SOCKET is empty", evidence.pk)
    elif status == ScanStatus.PENDING:
        logger.warning("evidence %s held unchecked: clamd gave no verdict (%s)", evidence.pk, verdict.reason)
    return evidence


def evidence_remove(
    *, appeal_id: int, citizen: Any, evidence_id: int, now: dt.datetime | None = None
) -> None:
    """Remove one file from the citizen's draft; the file goes from disk once the removal is committed."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        appeal = _draft_of(appeal_id, citizen)
        evidence = Evidence.objects.filter(pk=evidence_id, appeal=appeal).first()
        if evidence is None:
            raise NotAllowed("no such evidence on this appeal")
        path = evidence_path(evidence)
        audit_record(
            action="appeal.evidence.removed",
            actor=citizen,
            object_type="appeal",
            object_id=appeal.pk,
            data={"evidence_id": evidence.pk, "sha256": evidence.sha256},
            now=now,
        )
        evidence.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


# --- scanning held files -------------------------------------------------------------------------------------

HELD = (ScanStatus.PENDING, ScanStatus.NOT_SCANNED)
SCAN_BATCH = 100
SCAN_MAX_ATTEMPTS = 5  # re-scans without a verdict on the file itself, then it is left held (never served)


def evidence_scan_held(*, now: dt.datetime | None = None, batch_size: int = SCAN_BATCH) -> dict[str, int]:
    """Scan held files (PENDING, and NOT_SCANNED once scanning is on), least recently tried first; safe to run
    twice.

    Each file is read and scanned outside any transaction, then its row is locked and changed only if it is
    still held with the same content. A file that gives no verdict of its own (missing, not its recorded SHA-256,
    or an error clamd answers for it while it answers PING) counts an attempt and moves behind the others, so
    the next pass starts with files not yet tried, and after SCAN_MAX_ATTEMPTS it is no longer tried. Only
    when clamd itself is down (no PONG) does the pass stop, without counting an attempt against the file.
    """
    counts = {"clean": 0, "infected": 0, "unavailable": 0, "missing": 0, "error": 0, "skipped": 0}
    if not scanner.enabled():
        return counts
    ids = list(
        Evidence.objects.filter(scan_status__in=HELD, scan_attempts__lt=SCAN_MAX_ATTEMPTS)
        .order_by(F("scan_attempted_at").asc(nulls_first=True), "id")
        .values_list("id", flat=True)[:batch_size]
    )
    for evidence_id in ids:
        outcome = evidence_scan_one(evidence_id=evidence_id, now=now)
        counts[outcome] += 1
        if outcome == "unavailable":
            break
    return counts


def _scan_attempt_failed(*, evidence: Evidence, reason: str, now: dt.datetime) -> None:
    """Count an attempt that gave no verdict on this file; at the last one, record that it is no longer tried.

    The log names the evidence row and the reason only (never the file's name, its appeal or its citizen).
    """
    with transaction.atomic(durable=True):
        row = (
            Evidence.objects.select_for_update()
            .filter(pk=evidence.pk, scan_status__in=HELD, sha256=evidence.sha256)
            .first()
        )
        if row is None:
            return  # removed, or scanned by another run, meanwhile
        row.scan_attempts += 1
        row.scan_attempted_at = now
        row.save(update_fields=["scan_attempts", "scan_attempted_at"])
        if row.scan_attempts < SCAN_MAX_ATTEMPTS:
            logger.warning(
                "held evidence %s gave no verdict (attempt %d of %d): %s",
                row.pk,
                row.scan_attempts,
                SCAN_MAX_ATTEMPTS,
                reason,
            )
            return
        audit_record(
            action="appeal.evidence.scan_given_up",
            actor="system",
            object_type="appeal",
            object_id=row.appeal_id,
            data={
                "evidence_id": row.pk,
                "sha256": row.sha256,
                "attempts": row.scan_attempts,
                "reason": reason,
            },
            now=now,
        )
        logger.error(
            "held evidence %s gave no verdict in %d attempts (%s); it stays held and is no longer re-scanned",
            row.pk,
            row.scan_attempts,
            reason,
        )


def evidence_scan_one(*, evidence_id: int, now: dt.datetime | None = None) -> str:
    """Scan one held file and record the verdict: "clean", "infected", "unavailable" (clamd is down: try again
    later), "missing" (absent, or not its SHA-256) or "error" (clamd answers an error for this file), both an
    attempt counted, or "skipped"."""
    now = now or timezone.now()
    evidence = Evidence.objects.filter(pk=evidence_id, scan_status__in=HELD).first()
    if evidence is None:
        return "skipped"
    try:
        data = evidence_path(evidence).read_bytes()
    except (OSError, ValueError):
        _scan_attempt_failed(evidence=evidence, reason="missing from private storage", now=now)
        return "missing"
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        _scan_attempt_failed(evidence=evidence, reason="does not match its recorded SHA-256", now=now)
        return "missing"
    verdict = scanner.scan_bytes(data)
    if verdict.outcome not in (scanner.Outcome.CLEAN, scanner.Outcome.INFECTED):
        if not scanner.ping():
            return "unavailable"  # clamd itself is down: not this file's fault, and no use trying the next
        _scan_attempt_failed(evidence=evidence, reason=f"clamd answered {verdict.reason}", now=now)
        return "error"
    infected = verdict.outcome == scanner.Outcome.INFECTED
    with transaction.atomic(durable=True):
        row = (
            Evidence.objects.select_for_update(of=("self",))
            .select_related("appeal__appellant")
            .filter(pk=evidence_id, scan_status__in=HELD, sha256=evidence.sha256)
            .first()
        )
        if row is None:
            return "skipped"  # removed, or scanned by another run, meanwhile
        row.scan_status = ScanStatus.INFECTED if infected else ScanStatus.CLEAN
        row.scanned_at = now
        row.scan_signature = verdict.signature
        row.save(update_fields=["scan_status", "scanned_at", "scan_signature"])
        audit_record(
            action="appeal.evidence.infected" if infected else "appeal.evidence.scanned",
            actor="system",
            object_type="appeal",
            object_id=row.appeal_id,
            data={"evidence_id": row.pk, "sha256": row.sha256, "signature": verdict.signature},
            now=now,
        )
        if infected:
            appeal = row.appeal
            enqueue(
                appeal=appeal,
                recipient=appeal.appellant,
                event="appeal.evidence.infected",
                now=now,
                key=f"appeal.evidence.infected:{row.pk}:appellant",
                context=appeal_context(
                    appeal, audience=APPELLANT, uploaded_date=row.uploaded_at.date().isoformat()
                ),
            )
            path = evidence_path(row)
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
            logger.warning("held evidence %s removed: clamd found %s", row.pk, verdict.signature)
    return "infected" if infected else "clean"
