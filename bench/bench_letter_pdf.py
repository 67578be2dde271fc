"""BENCH letter_pdf: the decision letter service rendering uncached, against raw WeasyPrint on the same HTML.

In one process with bench settings (DEBUG off, cached templates): each run of the service loads the appeal
afresh and calls `letter_render` (which reads the decision, its model version, the assessment, grounds and
corrections, computes the deadlines, renders the print template and prints it as PDF/UA-1). The anchor prints
the very HTML the service printed, with WeasyPrint alone and the same variant. Median of 15 runs each,
alternating, after a warm-up; the median of the run-by-run ratios and the ratio of CPU times are printed too
(steadier on a busy box). A Russian letter with six grounds and their reasons: three to four pages.
"""

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, report, setup_django

RUNS = 15
LANGUAGE = "ru"
WHY = (
    "Сведения реестра устарели: автомобиль был продан по договору купли-продажи, а доход семьи учтён за "
    "период, когда я ещё работала. Прошу учесть, что я ухаживаю за матерью-инвалидом первой группы и не могу "
    "работать полный день. Мен көлікті 2024 жылы саттым, бұл туралы шарт қоса беріледі. "
)
REASONS = (
    "Комиссия изучила представленные документы и сведения из реестров. Договор купли-продажи подтверждает, "
    "что на дату решения у заявителя не было транспортного средства, поэтому этот признак применён неверно. "
    "Тіркелім деректері ескірген, сондықтан шешім қайта қаралды. "
)


def build() -> int:
    from appeals.services import core
    from appeals.states import Outcome
    from tests.appeals.conftest import NOW, World

    world = World()
    reviewer = world.reviewers[0]
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen, now=NOW)
    grounds = [{"kind": "DATA_WRONG", "why": WHY, "feature": "has_vehicle", "correct_value": "нет"}]
    grounds += [
        {"kind": kind, "why": WHY}
        for kind in ("CIRCUMSTANCES_MISSED", "RULE_MISAPPLIED", "PROCEDURAL_FAULT", "DISCRIMINATION", "OTHER")
    ]
    core.ground_set(appeal_id=appeal.pk, citizen=world.citizen, grounds=grounds)
    core.appeal_update_draft(appeal_id=appeal.pk, citizen=world.citizen, contact_language=LANGUAGE)
    core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
    core.appeal_assign(appeal_id=appeal.pk, reviewer=reviewer, supervisor=world.supervisor, now=NOW)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    findings = [
        {"ground": i + 1, "finding": "ACCEPTED" if i % 2 == 0 else "REJECTED", "reasons": REASONS}
        for i in range(len(grounds))
    ]
    core.assessment_record(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        outcome=Outcome.OVERTURNED,
        new_outcome="SUPPORT",
        reasons=REASONS * 3,
        ground_findings=findings,
        now=NOW,
    )
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT", now=NOW
    )
    return appeal.pk


def main() -> None:
    env = fresh_database("portal_bench_letter")
    setup_django(env)
    from django.conf import settings
    from pypdf import PdfReader
    from weasyprint import HTML

    from appeals.models import Appeal
    from appeals.services.letters import letter_get_or_render, letter_html, letter_render
    from explanations.services.pdf import PDF_VARIANT

    appeal_id = build()
    html = letter_html(appeal=Appeal.objects.get(pk=appeal_id), language=LANGUAGE)

    cpu: dict[str, list[float]] = {"ours": [], "raw": []}

    def ours() -> float:
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = letter_render(appeal=Appeal.objects.get(pk=appeal_id), language=LANGUAGE)
        elapsed = time.perf_counter() - t0
        cpu["ours"].append(time.process_time() - c0)
        assert pdf.startswith(b"%PDF-")
        return elapsed * 1000

    def raw() -> float:
        t0, c0 = time.perf_counter(), time.process_time()
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant=PDF_VARIANT)
        cpu["raw"].append(time.process_time() - c0)
        return (time.perf_counter() - t0) * 1000

    ours(), raw()  # warm-up: fonts, templates, imports
    service, anchor = [], []
    for _ in range(RUNS):
        service.append(ours())
        anchor.append(raw())
    ours_ms, anchor_ms = statistics.median(service), statistics.median(anchor)
    paired = statistics.median(o / a for o, a in zip(service, anchor, strict=True))
    cpu_ratio = statistics.median(cpu["ours"][1:]) / statistics.median(cpu["raw"][1:])
    letter_get_or_render(appeal=Appeal.objects.get(pk=appeal_id), language=LANGUAGE)  # store it once

    def cached() -> float:
        t0 = time.perf_counter()
        letter_get_or_render(appeal=Appeal.objects.get(pk=appeal_id), language=LANGUAGE)
        return (time.perf_counter() - t0) * 1000

    cached_ms = statistics.median(cached() for _ in range(RUNS))
    pdf = letter_render(appeal=Appeal.objects.get(pk=appeal_id), language=LANGUAGE)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    report(
        bench_line("letter_pdf", ours_ms, "ms", f"raw_weasyprint={anchor_ms:.0f}", anchor_ms),
        paired_ratio=f"{paired:.3f} (median of run-by-run ratios)",
        cpu_ratio=f"{cpu_ratio:.3f} (CPU time of this process: steadier, leaves out the database)",
        stored_letter_read=f"{cached_ms:.1f} ms",
        document=f"{pages} pages, {LANGUAGE}, {len(html) // 1024} KiB of HTML, {len(pdf) // 1024} KiB of PDF",
    )


if __name__ == "__main__":
    main()
