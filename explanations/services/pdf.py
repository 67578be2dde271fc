"""The explanation as a tagged PDF (PDF/UA-1), rendered on demand with WeasyPrint and cached on disk.

Cache key: the stored explanation's SHA-256, the language, the print template's version and a digest of the
HTML actually printed. The first three are what the design asks for; the digest is there because the page
also shows register data that can change without a new explanation (an agency's contact address, the appeal
window) and the day-dependent text about deadlines, so a stale PDF can never be served. Rendering the HTML
costs a few milliseconds; printing it costs a couple of hundred.

Fonts: the print stylesheet names Noto Sans, then DejaVu Sans, both installed system-wide, which cover every
Kazakh letter (ә ғ қ ң ө ұ ү һ і). WeasyPrint embeds the subset it uses.

PDF/UA-1 is WeasyPrint's tagged variant (structure tree, /Lang, /MarkInfo, title in the metadata); should a
WeasyPrint release refuse it, PDF/A-3u is used instead, which keeps Unicode text extractable but is not tagged.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from portal import pdf_cache

from ..presenters import ExplanationPage

logger = logging.getLogger(__name__)
# WeasyPrint reports each layout step at INFO: ten lines per PDF would drown the portal's own log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_TEMPLATE = "pdf/decision.html"
# Bump when templates/pdf/ changes in a way that changes the printed document.
PDF_TEMPLATE_VERSION = "1"
PDF_VARIANT = "pdf/ua-1"
FALLBACK_VARIANT = "pdf/a-3u"


def pdf_cache_dir() -> Path:
    return pdf_cache.cache_root()


def decision_pdf_html(*, page: ExplanationPage, language: str) -> str:
    """The print HTML of an explanation (rendered in the active language, which must be ``language``)."""
    return render_to_string(PDF_TEMPLATE, {"page": page, "language": language})


def html_to_pdf(html: str) -> bytes:
    """Print HTML to a tagged PDF (PDF/UA-1), falling back to PDF/A-3u if the tagged variant fails."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    try:
        return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))
    except Exception:  # the tagged writer is the newest part of WeasyPrint: never fail a download on it
        logger.exception("PDF/UA-1 rendering failed; falling back to PDF/A-3u")
        return bytes(document.write_pdf(pdf_variant=FALLBACK_VARIANT))


def decision_pdf_cache_key(*, explanation_sha256: str, language: str, html: str) -> str:
    return f"{explanation_sha256}-{language}-t{PDF_TEMPLATE_VERSION}-{pdf_cache.html_digest(html, 16)}"


def decision_pdf_get_or_render(*, page: ExplanationPage, language: str, use_cache: bool = True) -> bytes:
    """The PDF of this explanation in this language: from the disk cache, else rendered and cached.

    The caller has already checked that the person may see the decision. Concurrent first requests may both
    render; each writes a temporary file and renames it into place, so a reader never sees a partial file.
    """
    html = decision_pdf_html(page=page, language=language)
    key = decision_pdf_cache_key(explanation_sha256=page.stored.sha256, language=language, html=html)
    return pdf_cache.cached_pdf(area="", key=key, render=lambda: html_to_pdf(html), use_cache=use_cache)
