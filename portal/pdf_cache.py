"""Printed documents kept on disk: key → file, written atomically, read back when present (kernel: no app).

Printing a PDF costs hundreds of milliseconds; the same printed HTML always gives the same document, so the
portal's PDFs (explanations, the monthly oversight report, appeal receipts) are kept under
PRIVATE_MEDIA_ROOT/pdf-cache/<area>/<key>.pdf, with the key naming everything the bytes depend on (usually a
digest of the printed HTML and a template version). Concurrent first requests may both render; each writes a
temporary file in the same directory and renames it into place, so a reader never sees a partial file.
Decision letters are files of record, not a cache, but are written with the same `write_atomic`.
"""

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


def cache_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "pdf-cache"


def html_digest(html: str, length: int = 32) -> str:
    """A short digest of the printed HTML, for a key that changes whenever the document would."""
    return hashlib.sha256(html.encode()).hexdigest()[:length]


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `path` through a temporary file and a rename; `durable` also fsyncs it first (for a file
    of record, which must survive a crash once its row says it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_pdf(*, area: str, key: str, render: Callable[[], bytes], use_cache: bool = True) -> bytes:
    """The PDF kept under `key` in `area` ("" for the cache's root), else `render()`'s, kept for next time."""
    path = (cache_root() / area if area else cache_root()) / f"{key}.pdf"
    if use_cache:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
    pdf = render()
    if use_cache:
        write_atomic(path, pdf)
    return pdf
