"""portal/pdf_cache.py, the one disk cache of printed PDFs (explanations, monthly report, receipts) and the
atomic writer of decision letters."""

from pathlib import Path

import pytest

from portal import pdf_cache


@pytest.fixture
def media(tmp_path: Path, settings) -> Path:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_kept_pdf_is_read_back_instead_of_printed_again(media):
    printed: list[int] = []

    def render() -> bytes:
        printed.append(1)
        return b"%PDF-1 first"

    assert pdf_cache.cached_pdf(area="receipts", key="k1", render=render) == b"%PDF-1 first"
    assert pdf_cache.cached_pdf(area="receipts", key="k1", render=lambda: b"other") == b"%PDF-1 first"
    assert printed == [1]
    assert (media / "pdf-cache" / "receipts" / "k1.pdf").read_bytes() == b"%PDF-1 first"
    # Without the cache: printed, nothing kept.
    assert pdf_cache.cached_pdf(area="receipts", key="k2", render=lambda: b"x", use_cache=False) == b"x"
    assert not (media / "pdf-cache" / "receipts" / "k2.pdf").exists()


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(media, monkeypatch):
    target = media / "letters" / "a.pdf"

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pdf_cache.os, "replace", broken_replace)
    with pytest.raises(OSError):
        pdf_cache.write_atomic(target, b"data", durable=True)
    assert list((media / "letters").iterdir()) == []


def test_the_html_digest_changes_with_the_html():
    assert pdf_cache.html_digest("<p>a</p>") != pdf_cache.html_digest("<p>b</p>")
    assert len(pdf_cache.html_digest("x", 16)) == 16
