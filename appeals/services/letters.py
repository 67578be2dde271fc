"""The decision letter: a tagged PDF (PDF/UA-1) in kk, ru or en, rendered once after the appeal is decided.

What it says: the outcome and, for an overturn, the new outcome in the words of the model version's own
outcome labels; the reasons for every ground the citizen raised (from the deciding reviewer's assessment);
the data corrections sent to registries; how the review deadline was computed; and the next options (the
ombudsman, the court) with their last days computed from the letter's date (settings APPEAL_OMBUDSMAN_DAYS
and APPEAL_COURT_MONTHS; a last day that is not a working day moves to the next working day).

How it is made: the deciding transaction writes a PENDING Letter row in the appellant's language (an outbox
for the renderer) and Celery renders it after commit; a relay re-enqueues rows left PENDING. The PDF is
deterministic (its metadata dates are the decision's), stored under PRIVATE_MEDIA_ROOT/letters by its SHA-256,
and the row turns RENDERED exactly once, in the same transaction as the "letter ready" notification. Later
reads return the stored bytes; a letter in another language is rendered and stored on first request.
"""

import calendar
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from explanations.services.pdf import html_to_pdf
from portal import pdf_cache
from portal.audit.services import audit_record
from portal.identifiers import format_reference
from portal.web.templatetags.portal import i18n_text

from ..deadlines import Deadline, appeal_window_end, current_calendar
from ..exceptions import IllegalTransition
from ..models import Appeal, GroundKind, Letter
from ..states import Outcome
from . import jobs
from .deadline_jobs import deadline_explained, deadline_steps
from .messages import APPELLANT
from .notify import appeal_context, enqueue

logger = logging.getLogger(__name__)

LETTER_TEMPLATE = "pdf/appeal_letter.html"
# Bump when templates/pdf/appeal_letter.html changes what a letter says (stored letters are never
# re-rendered).
LETTER_TEMPLATE_VERSION = "1"
LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class GroundReason:
    position: int
    kind: str
    why: str
    accepted: bool
    reasons: str
    data_item: str = ""
    recorded_value: str = ""
    correct_value: str = ""


@dataclass(frozen=True)
class Correction:
    data_item: str
    source: str
    recorded_value: str
    correct_value: str


@dataclass(frozen=True)
class NextOption:
    title: str
    body: str
    last_day: dt.date
    how: str


@dataclass(frozen=True)
class LetterContent:
    language: str
    reference: str
    decision_reference: str
    system_name: str
    agency_name: str
    review_body_name: str
    decision_date: dt.date
    original_outcome: str
    outcome: str
    outcome_label: str
    new_outcome: str
    overturned: bool
    reasons: str
    countersigned: bool
    decided_at: dt.datetime
    letter_date: dt.date
    due_date: dt.date | None
    on_time: bool
    deadline: Deadline | None
    deadline_steps: list[str] = field(default_factory=list)
    grounds: list[GroundReason] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    next_options: list[NextOption] = field(default_factory=list)


# --- dates --------------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when that month is shorter (31 Jan + 1 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    """The day itself when it is a working day, else the next one (days moved by decree included)."""
    return current_calendar().next_working_day_on_or_after(day)


def next_options(*, letter_date: dt.date, outcome: str) -> list[NextOption]:
    """Where the citizen can go next and by when, counted from the letter's date (in the active language)."""
    ombudsman_days = int(settings.APPEAL_OMBUDSMAN_DAYS)
    court_months = int(settings.APPEAL_COURT_MONTHS)
    moved = _("When the last day is a weekend day or a public holiday, the next working day counts.")
    disagree = (
        _("If you disagree with this decision")
        if outcome == Outcome.DECISION_UPHELD
        else _("If you disagree with any part of this decision")
    )
    return [
        NextOption(
            title=_("Complain to the ombudsman"),
            body=_(
                "%(disagree)s, or with how your appeal was handled, you can complain to the Commissioner for "
                "Human Rights (the ombudsman). It is free."
            )
            % {"disagree": disagree},
            last_day=appeal_window_end(letter_date, ombudsman_days),
            how=_("%(days)s calendar days from the date of this letter.") % {"days": ombudsman_days}
            + " "
            + moved,
        ),
        NextOption(
            title=_("Go to court"),
            body=_(
                "%(disagree)s, you can bring a claim to the administrative court under the Administrative "
                "Procedure Code of the Republic of Kazakhstan."
            )
            % {"disagree": disagree},
            last_day=next_working_day_on_or_after(add_months(letter_date, court_months)),
            how=_("%(months)s months from the date of this letter.") % {"months": court_months} + " " + moved,
        ),
    ]


# --- content ------------------------------------------------------------------------------------------------


def _spec_label(spec: dict[str, Any], kind: str, code: str) -> str:
    key = "code" if kind == "outcomes" else "name"
    for item in spec.get(kind, []):
        if isinstance(item, dict) and item.get(key) == code and item.get("label"):
            return i18n_text(item["label"])
    return code


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict) and "value" in value:
        return _value(value["value"])
    if isinstance(value, float | int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return "" if value is None else str(value)


def _deciding_assessment(appeal: Appeal) -> Any:
    """The assessment of the reviewer who decided (prefetched: no query)."""
    assessments = list(appeal.assessments.all())
    mine = [a for a in assessments if a.reviewer_id == appeal.reviewer_id]
    final = sorted((a for a in assessments if a.final_outcome), key=lambda a: (a.decided_at, a.pk))
    chosen = mine or final[-1:]
    return chosen[0] if chosen else None


def letter_content(*, appeal: Appeal, language: str) -> LetterContent:
    """Everything the letter says, in `language` (which the caller has activated)."""
    decided_at = appeal.decided_at
    if decided_at is None or not appeal.outcome:
        raise IllegalTransition("only a decided appeal has a decision letter")
    appeal = (
        Appeal.objects.select_related("decision__system__operator", "decision__model_version", "review_body")
        .prefetch_related("grounds", "corrections", "countersignatures", "assessments")
        .get(pk=appeal.pk)
    )
    decision = appeal.decision
    system = decision.system
    spec = decision.model_version.spec
    assessment = _deciding_assessment(appeal)
    findings = {f.get("ground"): f for f in (assessment.ground_findings if assessment else [])}
    kinds = dict(GroundKind.choices)
    grounds = []
    for g in sorted(appeal.grounds.all(), key=lambda g: g.position):
        finding = findings.get(g.position, {})
        item = decision.inputs.get(g.feature, {}) if g.feature else {}
        grounds.append(
            GroundReason(
                position=g.position,
                kind=str(kinds.get(g.kind, g.kind)),
                why=g.why,
                accepted=finding.get("finding") == "ACCEPTED",
                reasons=str(finding.get("reasons", "")),
                data_item=_spec_label(spec, "features", g.feature) if g.feature else "",
                recorded_value=_value(item.get("value")) if g.feature else "",
                correct_value=g.correct_value,
            )
        )
    sources = {s.get("code"): i18n_text(s.get("name")) for s in system.data_sources if isinstance(s, dict)}
    corrections = [
        Correction(
            data_item=_spec_label(spec, "features", c.feature),
            source=sources.get(c.source, c.source),
            recorded_value=_value(c.recorded_value),
            correct_value=c.correct_value,
        )
        for c in sorted(appeal.corrections.all(), key=lambda c: c.pk)
    ]
    letter_date = timezone.localtime(decided_at).date()
    deadline = deadline_explained(appeal) if appeal.submitted_at else None
    overturned = appeal.outcome in (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED)
    return LetterContent(
        language=language,
        reference=format_reference(appeal.reference),
        decision_reference=format_reference(decision.reference),
        system_name=i18n_text(system.name),
        agency_name=i18n_text(system.operator.name),
        review_body_name=i18n_text(appeal.review_body.name) if appeal.review_body else "",
        decision_date=timezone.localtime(decision.decided_at).date(),
        original_outcome=_spec_label(spec, "outcomes", decision.outcome),
        outcome=appeal.outcome,
        outcome_label=str(Outcome(appeal.outcome).label),
        new_outcome=_spec_label(spec, "outcomes", appeal.new_outcome) if appeal.new_outcome else "",
        overturned=overturned,
        reasons=assessment.reasons if assessment else "",
        countersigned=any(c.agrees for c in appeal.countersignatures.all()),
        decided_at=decided_at,
        letter_date=letter_date,
        due_date=appeal.due_date,
        on_time=appeal.due_date is None or letter_date <= appeal.due_date,
        deadline=deadline,
        deadline_steps=deadline_steps(deadline) if deadline else [],
        grounds=grounds,
        corrections=corrections,
        next_options=next_options(letter_date=letter_date, outcome=appeal.outcome),
    )


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no letters in {language!r}")
    return language


def letter_html(*, appeal: Appeal, language: str) -> str:
    """The letter's print HTML in `language`."""
    with translation.override(_check_language(language)):
        content = letter_content(appeal=appeal, language=language)
        return render_to_string(LETTER_TEMPLATE, {"letter": content, "language": language})


def letter_render(*, appeal: Appeal, language: str) -> bytes:
    """Render the letter now, uncached (the benchmark's subject; use letter_get_or_render elsewhere)."""
    return html_to_pdf(letter_html(appeal=appeal, language=language))


# --- storage ------------------------------------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def _read(letter: Letter) -> bytes | None:
    """The stored bytes of a rendered letter, or None when the file is missing or not what was recorded."""
    try:
        data = (_root() / letter.path).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != letter.sha256:
        logger.error("stored letter %s does not match its recorded SHA-256", letter.pk)
        return None
    return data


def _store(*, appeal: Appeal, language: str, pdf: bytes, now: dt.datetime) -> bytes:
    """Make `pdf` the letter of record unless one already is; returns the letter of record's bytes."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    relative = f"letters/{appeal.reference}-{language}-{sha256[:20]}.pdf"
    pdf_cache.write_atomic(_root() / relative, pdf, durable=True)
    with transaction.atomic():
        letter, _created = Letter.objects.select_for_update().get_or_create(
            appeal=appeal, language=language, defaults={"created_at": now}
        )
        if letter.state == Letter.State.RENDERED:
            existing = _read(letter)
            if existing is not None:
                if letter.path != relative:
                    (_root() / relative).unlink(missing_ok=True)
                return existing
            audit_record(
                action="appeal.letter.replaced",
                actor="system",
                object_type="appeal",
                object_id=appeal.pk,
                data={"language": language, "lost_sha256": letter.sha256, "sha256": sha256},
                now=now,
            )
        letter.state = Letter.State.RENDERED
        letter.sha256 = sha256
        letter.path = relative
        letter.size = len(pdf)
        letter.template_version = LETTER_TEMPLATE_VERSION
        letter.rendered_at = now
        letter.next_attempt_at = None
        letter.save()
        audit_record(
            action="appeal.letter.rendered",
            actor="system",
            object_type="appeal",
            object_id=appeal.pk,
            data={"language": language, "sha256": sha256},
            now=now,
        )
        if language == appeal.contact_language:
            enqueue(
                appeal=appeal,
                recipient=appeal.appellant,
                event="appeal.letter.ready",
                now=now,
                key=f"appeal.letter.ready:{appeal.pk}:{language}",
                context=appeal_context(appeal, audience=APPELLANT),
            )
    return pdf


def letter_get_or_render(*, appeal: Appeal, language: str) -> bytes:
    """The decision letter of a decided appeal in `language`: the stored one, else rendered and stored.

    The caller has checked that the person may see the appeal. Raises IllegalTransition when the appeal is
    not decided, ValueError for a language other than kk, ru, en.
    """
    _check_language(language)
    letter = Letter.objects.filter(appeal=appeal, language=language, state=Letter.State.RENDERED).first()
    if letter is not None:
        data = _read(letter)
        if data is not None:
            return data
    pdf = letter_render(appeal=appeal, language=language)
    return _store(appeal=appeal, language=language, pdf=pdf, now=timezone.now())


def letter_schedule(*, appeal: Appeal, now: dt.datetime) -> Letter:
    """Inside the deciding transaction: a PENDING letter in the appellant's language, rendered after
    commit."""
    letter, created = Letter.objects.get_or_create(
        appeal=appeal,
        language=appeal.contact_language if appeal.contact_language in LANGUAGES else "kk",
        defaults={"created_at": now},
    )
    if created:
        jobs.after_commit(jobs.RENDER_LETTER, letter_id=letter.pk)
    return letter


def letter_render_pending(*, letter_id: int) -> str:
    """Render and store one PENDING letter (idempotent: "rendered" or "skipped")."""
    letter = Letter.objects.select_related("appeal").filter(pk=letter_id).first()
    if letter is None or letter.state == Letter.State.RENDERED:
        return "skipped"
    Letter.objects.filter(pk=letter_id).update(attempts=F("attempts") + 1)
    appeal = Appeal.objects.select_related(
        "appellant", "review_body", "decision__system__operator", "decision__model_version"
    ).get(pk=letter.appeal_id)
    pdf = letter_render(appeal=appeal, language=letter.language)
    _store(appeal=appeal, language=letter.language, pdf=pdf, now=timezone.now())
    return "rendered"


def letter_relay(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Re-enqueue letters left PENDING for more than NOTIFY_RELAY_AGE_SECONDS (lost message, killed worker,
    failed render), backing off per attempt; SKIP LOCKED batches. Returns how many were enqueued."""

    now = now or timezone.now()
    batch_size = batch_size or settings.APPEAL_SCAN_BATCH
    age = dt.timedelta(seconds=settings.NOTIFY_RELAY_AGE_SECONDS)
    due = Q(state=Letter.State.PENDING, created_at__lt=now - age) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Letter.objects.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("id")
                .values_list("id", "attempts")[:batch_size]
            )
            for pk, attempts in rows:
                wait = min(3600, int(age.total_seconds()) * 2 ** min(attempts, 6))
                Letter.objects.filter(pk=pk).update(next_attempt_at=now + dt.timedelta(seconds=wait))
            ids = [pk for pk, _attempts in rows]
            transaction.on_commit(partial(_publish, ids), robust=True)
        total += len(rows)
        if len(rows) < batch_size:
            return total


def _publish(ids: list[int]) -> None:
    for pk in ids:
        jobs.send(jobs.RENDER_LETTER, letter_id=pk)
