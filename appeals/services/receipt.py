"""The appellant's receipt for a sent appeal: a tagged PDF (PDF/UA-1) in the active language.

It states the appeal's reference, when it was sent, the decision appealed, the grounds, each evidence file with
its SHA-256 (so the person can later show exactly what they sent), interim protection, the due date with how it
was calculated, and what happens next. Rendered on demand: receipts are rare and small, and a receipt must
show the appeal as it is now (for instance, a due date moved by a change of the holiday calendar).

Fonts: the print stylesheet names Noto Sans, then DejaVu Sans (both installed system-wide, both cover every
Kazakh letter: ә ғ қ ң ө ұ ү һ і); WeasyPrint embeds the subset used.
"""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from explanations.services.pdf import html_to_pdf
from portal import pdf_cache

from ..exceptions import IllegalTransition
from ..models import Appeal
from ..selectors import appeal_page

RECEIPT_TEMPLATE = "pdf/appeal_receipt.html"


def appeal_receipt_html(*, appeal: Appeal, now: dt.datetime | None = None) -> str:
    """The receipt's print HTML in the active language."""
    if appeal.submitted_at is None:
        raise IllegalTransition("a draft has no receipt")
    page = appeal_page(appeal, now=now or timezone.now())
    return render_to_string(
        RECEIPT_TEMPLATE, {"page": page, "appeal": appeal, "language": get_language() or "kk"}
    )


def appeal_receipt_pdf(*, appeal: Appeal, now: dt.datetime | None = None, use_cache: bool = True) -> bytes:
    """The receipt as a PDF. The caller has checked that the person is the appellant.

    Kept on disk under a digest of its printed HTML: the receipt still shows the appeal as it is now (any change,
    such as a moved due date, changes the HTML and so the key), but a second download of the same receipt is
    not printed again."""
    html = appeal_receipt_html(appeal=appeal, now=now)
    key = f"{appeal.reference}-{get_language() or 'kk'}-{pdf_cache.html_digest(html)}"
    return pdf_cache.cached_pdf(
        area="receipts", key=key, render=lambda: html_to_pdf(html), use_cache=use_cache
    )
