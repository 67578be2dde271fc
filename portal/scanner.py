"""Malware scanning of uploaded bytes with ClamAV's daemon (clamd), over its local Unix socket.

The protocol client is ``clamav-client`` (Artefactual's maintained, typed continuation of the unmaintained
``clamd`` package; its ``ClamdUnixSocket.instream`` streams the bytes with clamd's INSTREAM command, so the file
need not be on disk, or readable by clamd, before it is checked). This module only turns clamd's answers into
the verdicts the portal acts on:

- ``CLEAN``: clamd read the whole stream and found nothing;
- ``INFECTED``: clamd named a signature (``Verdict.signature``);
- ``UNAVAILABLE``: no verdict. The socket is missing or refuses connections, clamd timed out, answered an error
  (for example a stream over its StreamMaxLength) or something this module does not understand. Never taken
  as clean: the caller keeps the file unchecked and out of reach and scans it again later;
- ``OFF``: scanning is turned off (``CLAMD_SOCKET`` empty), which only local development settings allow.
"""

import enum
import io
import logging
from dataclasses import dataclass

from clamav_client.clamd import ClamdError, ClamdUnixSocket
from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30


class Outcome(enum.StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    UNAVAILABLE = "unavailable"
    OFF = "off"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    signature: str = ""
    reason: str = ""


def socket_path() -> str:
    return str(getattr(settings, "CLAMD_SOCKET", "") or "")


def enabled() -> bool:
    """Whether uploads are scanned at all (production settings refuse an empty CLAMD_SOCKET)."""
    return bool(socket_path())


def _client() -> ClamdUnixSocket:
    timeout = int(getattr(settings, "CLAMD_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    return ClamdUnixSocket(path=socket_path(), timeout=timeout)


def ping() -> bool:
    """clamd answers PING on CLAMD_SOCKET."""
    if not enabled():
        return False
    try:
        return _client().ping() == "PONG"
    except (ClamdError, OSError):
        return False


def scan_bytes(data: bytes) -> Verdict:
    """clamd's verdict on these bytes; UNAVAILABLE (logged) whenever it gives none."""
    if not enabled():
        return Verdict(Outcome.OFF)
    try:
        answer = _client().instream(io.BytesIO(data))
    except (ClamdError, OSError) as exc:
        logger.warning("clamd on %s gave no verdict: %s: %s", socket_path(), type(exc).__name__, exc)
        return Verdict(Outcome.UNAVAILABLE, reason=f"{type(exc).__name__}: {exc}"[:200])
    status, detail = answer.get("stream", (None, None))
    if status == "OK":
        return Verdict(Outcome.CLEAN)
    if status == "FOUND" and detail:
        return Verdict(Outcome.INFECTED, signature=str(detail)[:200])
    logger.warning("clamd on %s answered %r, not a verdict", socket_path(), answer)
    return Verdict(Outcome.UNAVAILABLE, reason=f"{status}: {detail}"[:200])
