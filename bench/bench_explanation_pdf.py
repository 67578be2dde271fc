"""BENCH explanation_pdf: the PDF endpoint rendering uncached, against raw WeasyPrint printing the same HTML.

In one process with bench settings (DEBUG off, cached templates): the endpoint is requested through Django's
full middleware stack as the signed-in citizen, with the PDF cache emptied before every request, so each
answer loads the decision, lays out the explanation, renders the print template and prints it. The anchor
prints the very HTML the endpoint printed, with WeasyPrint alone and the same PDF/UA-1 variant; the time
WeasyPrint needs without tagging is printed too, so the cost of accessibility is visible. Median of 5 runs
each, alternating, after a warm-up. Kazakh, the longest of the three languages.
"""

import datetime as dt
import io
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, report, setup_django

RUNS = 5
LANGUAGE = "kk"


def main() -> None:
    env = fresh_database("portal_bench_pdf")
    setup_django(env)
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation
    from pypdf import PdfReader
    from weasyprint import HTML

    from explanations.presenters import explanation_page
    from explanations.services.explain import explanation_get_or_compute
    from explanations.services.pdf import PDF_VARIANT, decision_pdf_html, pdf_cache_dir
    from tests.explanations.citizen import builders

    system = builders.system_for("scorecard")
    user, iin = builders.citizen()
    decision = builders.decide(
        system,
        iin=iin,
        kind="scorecard",
        notified=False,
        decided_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
    )
    stored = explanation_get_or_compute(decision=decision)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    with translation.override(LANGUAGE):
        path = reverse("explanations:decision-pdf", kwargs={"reference": decision.reference})
        html = decision_pdf_html(page=explanation_page(decision=decision, stored=stored), language=LANGUAGE)
    cache = pdf_cache_dir()

    def endpoint() -> float:
        shutil.rmtree(cache, ignore_errors=True)
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200 and response.content.startswith(b"%PDF-"), response.status_code
        return elapsed * 1000

    def raw(variant: str | None) -> float:
        t0 = time.perf_counter()
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant=variant)
        return (time.perf_counter() - t0) * 1000

    endpoint(), raw(PDF_VARIANT), raw(None)  # warm-up: fonts, templates, imports
    ours, anchor, untagged = [], [], []
    for _ in range(RUNS):
        ours.append(endpoint())
        anchor.append(raw(PDF_VARIANT))
        untagged.append(raw(None))
    ours_ms, anchor_ms, untagged_ms = (statistics.median(x) for x in (ours, anchor, untagged))
    cached = statistics.median(_cached(client, path) for _ in range(RUNS))
    pages = len(PdfReader(io.BytesIO(client.get(path).content)).pages)
    report(
        bench_line("explanation_pdf", ours_ms, "ms", f"raw_weasyprint={anchor_ms:.0f}ms", anchor_ms),
        raw_weasyprint_untagged=f"{untagged_ms:.0f} ms (PDF/UA-1 tagging costs {anchor_ms / untagged_ms:.2f}x)",
        served_from_cache=f"{cached:.1f} ms",
        document=f"{pages} pages, {LANGUAGE}, {len(html) // 1024} KiB of HTML",
    )


def _cached(client: object, path: str) -> float:
    t0 = time.perf_counter()
    client.get(path)  # type: ignore[attr-defined]
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    main()
