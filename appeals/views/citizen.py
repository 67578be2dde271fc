"""The appellant's pages: pick a decision, fill in a draft one question per page, check and send, follow it.

Every view loads, checks, makes one domain call and renders. Only the appellant sees their appeal: anyone else
(another citizen, any member of staff) gets 404 on every page, draft or sent. The evidence file itself is
served to whoever may see the appeal (appeals.permissions.can_view_appeal).
"""

import datetime as dt
import html
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParser
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from explanations.permissions import is_citizen
from portal.identifiers import format_reference
from portal.web.staff import SendElsewhereFirst

from .. import forms, selectors
from ..exceptions import IllegalTransition, InvalidInput, NotAllowed
from ..models import Appeal, GroundKind, InterimProtection
from ..services import core
from ..services.evidence import (
    EvidenceRejected,
    evidence_add,
    evidence_path,
    evidence_remove,
    max_bytes,
    max_files,
    megabytes,
    name_is_unsafe,
)
from ..services.letters import letter_get_or_render
from ..services.receipt import appeal_receipt_pdf
from ..signals import show_case
from ..states import State

logger = logging.getLogger(__name__)

ANSWERED_SESSION_KEY = "appeals.answered"
RETURN_TO_CHECK = "check"

View = Callable[..., HttpResponseBase]


# --- helpers -------------------------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _citizen(request: HttpRequest) -> Any:
    if not is_citizen(request.user):
        raise Http404
    return request.user


def _own_appeal(request: HttpRequest, reference: str) -> Appeal:
    appeal = selectors.appeal_of_appellant(reference=reference, citizen=_citizen(request))
    if appeal is None:
        raise Http404
    return appeal


def draft_page(view: View) -> View:
    """Load the appellant's own draft (404 for anyone else); once it is sent, its pages lead to the appeal."""

    @wraps(view)
    def wrapper(request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponseBase:
        appeal = _own_appeal(request, reference)
        if appeal.state != State.DRAFT:
            return redirect("appeals:detail", reference=appeal.reference)
        try:
            return view(request, appeal, **kwargs)
        except IllegalTransition:  # sent or withdrawn meanwhile, in another tab
            return redirect("appeals:detail", reference=appeal.reference)
        except NotAllowed as exc:
            raise Http404 from exc

    return wrapper


def _answered(request: HttpRequest, appeal: Appeal) -> frozenset[str]:
    store = request.session.get(ANSWERED_SESSION_KEY, {})
    return frozenset(store.get(str(appeal.pk), [])) if isinstance(store, dict) else frozenset()


def _mark_answered(request: HttpRequest, appeal: Appeal, section: str) -> None:
    store = request.session.get(ANSWERED_SESSION_KEY, {})
    store = store if isinstance(store, dict) else {}
    sections = set(store.get(str(appeal.pk), []))
    if section not in sections:
        store[str(appeal.pk)] = sorted(sections | {section})
        request.session[ANSWERED_SESSION_KEY] = store


def _posted(request: HttpRequest) -> Any:
    """The submitted data for a POST (even an empty one, so that "nothing chosen" is an error), else None."""
    return request.POST if request.method == "POST" else None


def _returning(request: HttpRequest) -> bool:
    return request.GET.get("return") == RETURN_TO_CHECK


def _next(request: HttpRequest, appeal: Appeal, name: str = "appeals:task-list") -> HttpResponse:
    """After a question: back to "check your answers" when the person came from there, else onwards."""
    if _returning(request):
        name = "appeals:check"
    return redirect(name, reference=appeal.reference)


def _with_return(request: HttpRequest, url: str) -> str:
    return f"{url}?return={RETURN_TO_CHECK}" if _returning(request) else url


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page of the draft: with its reference, and a back link to where the person came from."""
    appeal: Appeal = context["appeal"]
    context.setdefault("reference_display", format_reference(appeal.reference))
    context.setdefault(
        "back_url",
        reverse("appeals:check" if _returning(request) else "appeals:task-list", args=[appeal.reference]),
    )
    context["returning"] = _returning(request)
    return render(request, f"appeals/citizen/{template}", context)


def _update(request: HttpRequest, appeal: Appeal, **fields: Any) -> None:
    core.appeal_update_draft(appeal_id=appeal.pk, citizen=request.user, **fields)


# --- my appeals, starting ------------------------------------------------------------------------------------


@never_cache
@require_GET
def my_appeals(request: HttpRequest) -> HttpResponse:
    items = selectors.appeals_of_citizen(_citizen(request))
    return render(request, "appeals/citizen/my_appeals.html", {"items": items})


@never_cache
@require_http_methods(["GET", "POST"])
def choose_decision(request: HttpRequest) -> HttpResponse:
    decisions = selectors.decisions_to_appeal(_citizen(request), now=_now())
    form = forms.ChooseDecisionForm(_posted(request), decisions=decisions)
    if request.method == "POST" and form.is_valid():
        return redirect("appeals:start", decision_reference=form.cleaned_data["decision"])
    return render(request, "appeals/citizen/choose_decision.html", {"form": form, "decisions": decisions})


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, decision_reference: str) -> HttpResponse:
    """ "Before you start": what the review is, who does it, what you need; "Start now" makes (or reopens) the
    draft. The person's "this is wrong" flags on the decision are offered as ready-made reasons in the draft."""
    citizen = _citizen(request)
    decision = selectors.decision_of_citizen(reference=decision_reference, citizen=citizen)
    if decision is None:
        raise Http404
    existing = selectors.appeal_blocking_new(decision=decision, citizen=citizen)
    if request.method == "POST":
        if existing is not None and existing.state != State.DRAFT:
            return redirect("appeals:detail", reference=existing.reference)
        try:
            appeal = core.appeal_start(decision=decision, citizen=citizen, now=_now())
        except NotAllowed as exc:
            raise Http404 from exc
        return redirect("appeals:task-list", reference=appeal.reference)
    summary = selectors.decision_summary(decision, now=_now(), appeal=existing)
    flags = selectors.flag_count(decision=decision, citizen=citizen)
    return render(
        request,
        "appeals/citizen/start.html",
        {
            "decision": summary,
            "existing": existing,
            "flag_count": flags,
            "max_files": max_files(),
            "max_size": forms_size_label(),
        },
    )


def forms_size_label() -> str:
    return megabytes(max_bytes())


# --- the draft -----------------------------------------------------------------------------------------------


@never_cache
@require_GET
@draft_page
def task_list(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    tasks = selectors.draft_tasks(appeal, answered=_answered(request, appeal), now=_now())
    return render(
        request,
        "appeals/citizen/task_list.html",
        {
            "appeal": appeal,
            "reference_display": format_reference(appeal.reference),
            "decision": selectors.decision_summary(appeal.decision, now=_now()),
            "tasks": tasks,
            "suggestions": selectors.flag_suggestions(appeal),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def late(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    decision = selectors.decision_summary(appeal.decision, now=_now())
    if not decision.late and not appeal.late_reason:
        return redirect("appeals:task-list", reference=appeal.reference)
    form = forms.LateReasonForm(_posted(request), initial={"late_reason": appeal.late_reason})
    if request.method == "POST" and form.is_valid():
        _update(request, appeal, late_reason=form.cleaned_data["late_reason"].strip())
        return _next(request, appeal)
    return _render(request, "late.html", {"appeal": appeal, "form": form, "decision": decision})


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def grounds(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    """The reasons so far (change or remove each) and "Do you want to add another reason?"."""
    rows = selectors.grounds_of(appeal)
    if not rows and request.method == "GET":
        return redirect(_with_return(request, reverse("appeals:ground-add", args=[appeal.reference])))
    form = forms.YesNoForm(
        _posted(request), required_message=_("Select yes if you want to add another reason")
    )
    full = len(rows) >= forms.MAX_GROUNDS
    if request.method == "POST":
        if full or not rows:
            return (
                _next(request, appeal) if rows else redirect("appeals:ground-add", reference=appeal.reference)
            )
        if form.is_valid():
            if form.yes:
                return redirect(_with_return(request, reverse("appeals:ground-add", args=[appeal.reference])))
            return _next(request, appeal)
    return _render(
        request,
        "grounds.html",
        {
            "appeal": appeal,
            "form": form,
            "rows": rows,
            "full": full,
            "max_grounds": forms.MAX_GROUNDS,
            "suggestions": selectors.flag_suggestions(appeal),
            "returning": _returning(request),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def ground_add(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    """Why do you think the decision is wrong? (the kind of this reason)"""
    form = forms.GroundKindForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        url = reverse("appeals:ground-new", args=[appeal.reference, form.cleaned_data["kind"]])
        return redirect(_with_return(request, url))
    return _render(
        request,
        "ground_kind.html",
        {
            "appeal": appeal,
            "form": form,
            "hints": selectors.GROUND_HINTS,
            "suggestions": selectors.flag_suggestions(appeal),
            "back_url": reverse(
                "appeals:grounds" if selectors.grounds_of(appeal) else "appeals:task-list",
                args=[appeal.reference],
            ),
        },
    )


def _ground_details(request: HttpRequest, appeal: Appeal, kind: str, position: int | None) -> HttpResponse:
    if kind not in GroundKind.values:
        raise Http404
    existing = selectors.grounds_as_input(appeal)
    if position is not None and not 1 <= position <= len(existing):
        raise Http404
    if position is None and len(existing) >= forms.MAX_GROUNDS:
        return redirect("appeals:grounds", reference=appeal.reference)
    items = selectors.data_items(appeal.decision)
    initial: dict[str, str] = dict(existing[position - 1]) if position is not None else {}
    flag_id = request.GET.get("flag", "")
    if position is None and kind == GroundKind.DATA_WRONG and flag_id.isdigit():
        flag = selectors.flag_of_appellant(appeal=appeal, flag_id=int(flag_id))
        if flag is not None:
            initial = {"feature": flag.feature, "correct_value": flag.correct_value, "why": flag.note}
    form = forms.GroundDetailsForm(_posted(request), initial=initial, kind=kind, items=items)
    if request.method == "POST" and form.is_valid():
        ground = form.as_ground()
        if position is None:
            existing.append(ground)
        else:
            existing[position - 1] = ground
        try:
            core.ground_set(appeal_id=appeal.pk, citizen=request.user, grounds=existing)
        except InvalidInput as exc:  # e.g. a data item the decision did not use: say so on the right field
            form.add_error(None, _("Check the details of this reason"))
            logger.info("ground_set refused: %s", sorted(exc.errors))
        else:
            return redirect(_with_return(request, reverse("appeals:grounds", args=[appeal.reference])))
    return _render(
        request,
        "ground_details.html",
        {
            "appeal": appeal,
            "form": form,
            "kind": kind,
            "kind_label": GroundKind(kind).label,
            "items": items,
            "position": position,
            "hint": selectors.GROUND_HINTS[GroundKind(kind)],
            "back_url": reverse("appeals:ground-add", args=[appeal.reference])
            if position is None
            else reverse("appeals:grounds", args=[appeal.reference]),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def ground_new(request: HttpRequest, appeal: Appeal, kind: str) -> HttpResponse:
    return _ground_details(request, appeal, kind, None)


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def ground_change(request: HttpRequest, appeal: Appeal, position: int) -> HttpResponse:
    existing = selectors.grounds_as_input(appeal)
    if not 1 <= position <= len(existing):
        raise Http404
    return _ground_details(request, appeal, existing[position - 1]["kind"], position)


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def ground_remove(request: HttpRequest, appeal: Appeal, position: int) -> HttpResponse:
    rows = selectors.grounds_of(appeal)
    if not 1 <= position <= len(rows):
        raise Http404
    form = forms.YesNoForm(
        _posted(request), required_message=_("Select yes if you want to remove this reason")
    )
    if request.method == "POST" and form.is_valid():
        if form.yes:
            remaining = [
                g for i, g in enumerate(selectors.grounds_as_input(appeal), start=1) if i != position
            ]
            core.ground_set(appeal_id=appeal.pk, citizen=request.user, grounds=remaining)
        return redirect(_with_return(request, reverse("appeals:grounds", args=[appeal.reference])))
    return _render(request, "ground_remove.html", {"appeal": appeal, "form": form, "row": rows[position - 1]})


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def statement(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    form = forms.StatementForm(_posted(request), initial={"statement": appeal.statement})
    if request.method == "POST" and form.is_valid():
        _update(request, appeal, statement=form.cleaned_data["statement"].strip())
        _mark_answered(request, appeal, "statement")
        return _next(request, appeal)
    return _render(request, "statement.html", {"appeal": appeal, "form": form})


class CappedUploadHandler(FileUploadHandler):
    """Stops taking a file once it is over the limit, so an oversized upload is neither held in memory nor
    spooled to disk; the view then says "too big" (the service checks the size again)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class _NameRecordingParser(MultiPartParser):
    """Django's multipart parser, noting each file name as the browser sent it before Django cleans it.

    Django drops path components and non-printable characters from upload names (so "../../etc/passwd.pdf"
    would arrive as "passwd.pdf", and "invoice\u202efdp.exe" as "invoicefdp.exe"). That keeps the disk safe,
    but a name like that is itself a sign of a hostile upload, so the evidence page refuses it outright.
    """

    def __init__(self, *args: Any, raw_names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.raw_names = raw_names

    def sanitize_file_name(self, file_name: str) -> str | None:
        self.raw_names.append(html.unescape(file_name))
        return super().sanitize_file_name(file_name)  # type: ignore[no-any-return]


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def evidence(request: HttpRequest, reference: str) -> HttpResponseBase:
    """Upload files one at a time and see them listed. The upload handler and the parser must be in place
    before anything reads the request body, so CSRF is checked inside (csrf_protect), after they are."""
    handler = CappedUploadHandler(request, max_bytes())
    request.upload_handlers.insert(0, handler)
    raw_names: list[str] = []

    def parse_file_upload(meta: Any, post_data: Any) -> Any:
        parser = _NameRecordingParser(
            meta, post_data, request.upload_handlers, request.encoding, raw_names=raw_names
        )
        return parser.parse()

    request.parse_file_upload = parse_file_upload  # type: ignore[method-assign,assignment]
    return _evidence(request, reference, handler=handler, raw_names=raw_names)


@csrf_protect
@draft_page
def _evidence(
    request: HttpRequest, appeal: Appeal, handler: CappedUploadHandler, raw_names: list[str]
) -> HttpResponse:
    if request.method == "POST" and "continue" in request.POST:
        _mark_answered(request, appeal, "evidence")
        return _next(request, appeal)
    form = forms.EvidenceUploadForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST":
        refused = None
        if any(name_is_unsafe(name) for name in raw_names):
            refused = EvidenceRejected("bad_name")
        elif handler.too_large:
            refused = EvidenceRejected("too_big", limit=max_bytes())
        if refused is not None:
            form.refuse(refused.message)
        elif form.is_valid():
            try:
                evidence_add(
                    appeal_id=appeal.pk,
                    citizen=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    now=_now(),
                )
            except EvidenceRejected as exc:
                form.refuse(exc.message)
            else:
                _mark_answered(request, appeal, "evidence")
                return redirect(_with_return(request, reverse("appeals:evidence", args=[appeal.reference])))
    files = list(appeal.evidence.order_by("uploaded_at", "id"))
    return _render(
        request,
        "evidence.html",
        {
            "appeal": appeal,
            "form": form,
            "files": files,
            "max_files": max_files(),
            "max_size": forms_size_label(),
            "full": len(files) >= max_files(),
        },
    )


@never_cache
@require_POST
@draft_page
def evidence_delete(request: HttpRequest, appeal: Appeal, evidence_id: int) -> HttpResponse:
    evidence_remove(appeal_id=appeal.pk, citizen=request.user, evidence_id=evidence_id, now=_now())
    return redirect(_with_return(request, reverse("appeals:evidence", args=[appeal.reference])))


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def interim(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    seen = "interim" in _answered(request, appeal) or appeal.interim_protection != InterimProtection.NONE
    form = forms.InterimForm(
        _posted(request), initial={"interim_protection": appeal.interim_protection} if seen else {}
    )
    if request.method == "POST" and form.is_valid():
        _update(request, appeal, interim_protection=form.cleaned_data["interim_protection"])
        _mark_answered(request, appeal, "interim")
        return _next(request, appeal)
    return _render(request, "interim.html", {"appeal": appeal, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def contact(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    form = forms.ChannelForm(
        _posted(request), initial={"contact_channel": appeal.contact_channel}, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        _update(request, appeal, contact_channel=form.cleaned_data["contact_channel"])
        if _returning(request):
            return redirect(_with_return(request, reverse("appeals:language", args=[appeal.reference])))
        return redirect("appeals:language", reference=appeal.reference)
    return _render(request, "contact.html", {"appeal": appeal, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def language(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    form = forms.LanguageForm(_posted(request), initial={"contact_language": appeal.contact_language})
    if request.method == "POST" and form.is_valid():
        _update(request, appeal, contact_language=form.cleaned_data["contact_language"])
        _mark_answered(request, appeal, "contact")
        return _next(request, appeal)
    return _render(
        request,
        "language.html",
        {"appeal": appeal, "form": form, "back_url": reverse("appeals:contact", args=[appeal.reference])},
    )


def _submit_errors(appeal: Appeal, errors: dict[str, str]) -> list[tuple[str, str]]:
    links = []
    if "late_reason" in errors:
        links.append(
            (
                reverse("appeals:late", args=[appeal.reference]),
                _("Enter why you are appealing after the deadline"),
            )
        )
    if "grounds" in errors:
        links.append(
            (
                reverse("appeals:ground-add", args=[appeal.reference]),
                _("Add at least one reason for your appeal"),
            )
        )
    return links or [(reverse("appeals:task-list", args=[appeal.reference]), _("Check your answers"))]


@never_cache
@require_http_methods(["GET", "POST"])
@draft_page
def check(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    """Check your answers, the declaration, and "Accept and send"."""
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            core.appeal_submit(appeal_id=appeal.pk, citizen=request.user, now=_now())
        except InvalidInput as exc:
            errors = _submit_errors(appeal, exc.errors)
        else:
            store = request.session.get(ANSWERED_SESSION_KEY)
            if isinstance(store, dict) and store.pop(str(appeal.pk), None) is not None:
                request.session[ANSWERED_SESSION_KEY] = store
            return redirect("appeals:confirmation", reference=appeal.reference)
    return render(
        request,
        "appeals/citizen/check.html",
        {
            "appeal": appeal,
            "reference_display": format_reference(appeal.reference),
            "decision": selectors.decision_summary(appeal.decision, now=_now()),
            "grounds": selectors.grounds_of(appeal),
            "files": list(appeal.evidence.order_by("uploaded_at", "id")),
            "interim_label": InterimProtection(appeal.interim_protection).label,
            "language_label": dict(settings.LANGUAGES).get(appeal.contact_language, appeal.contact_language),
            "errors": errors,
            "back_url": reverse("appeals:task-list", args=[appeal.reference]),
        },
    )


# --- after sending -------------------------------------------------------------------------------------------


def _sent_appeal(request: HttpRequest, reference: str) -> Appeal:
    appeal = _own_appeal(request, reference)
    if appeal.submitted_at is None:
        raise Http404
    return appeal


@never_cache
@require_GET
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _sent_appeal(request, reference)
    page = selectors.appeal_page(appeal, now=_now())
    return render(request, "appeals/citizen/confirmation.html", {"appeal": appeal, "page": page})


@never_cache
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _own_appeal(request, reference)
    if appeal.state == State.DRAFT:
        return redirect("appeals:task-list", reference=appeal.reference)
    page = selectors.appeal_page(appeal, now=_now())
    return render(request, "appeals/citizen/detail.html", {"appeal": appeal, "page": page})


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Confirm, then withdraw (a draft is deleted from the person's point of view: it is withdrawn too)."""
    appeal = _own_appeal(request, reference)
    if not selectors.can_withdraw(appeal):
        return redirect("appeals:detail", reference=appeal.reference)
    form = forms.WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        was_draft = appeal.state == State.DRAFT
        try:
            core.appeal_withdraw(
                appeal_id=appeal.pk, citizen=request.user, reason=form.cleaned_data["reason"], now=_now()
            )
        except IllegalTransition:
            return redirect("appeals:detail", reference=appeal.reference)
        if was_draft:
            return redirect("appeals:my-appeals")
        return redirect("appeals:detail", reference=appeal.reference)
    back = "appeals:task-list" if appeal.state == State.DRAFT else "appeals:detail"
    return render(
        request,
        "appeals/citizen/withdraw.html",
        {
            "appeal": appeal,
            "form": form,
            "reference_display": format_reference(appeal.reference),
            "is_draft": appeal.state == State.DRAFT,
            "back_url": reverse(back, args=[appeal.reference]),
        },
    )


@never_cache
@require_GET
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _sent_appeal(request, reference)
    language = (get_language() or "kk")[:2]
    pdf = appeal_receipt_pdf(appeal=appeal, now=_now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="appeal-{appeal.reference}-{language}.pdf"'
    return response


@never_cache
@require_GET
def evidence_file(request: HttpRequest, reference: str, evidence_id: int) -> HttpResponseBase:
    """The file itself, as an attachment, to whoever may see the appeal; 404 for everyone else, and for everyone
    while the file is not checked for malware (held, or removed as infected).

    The name goes out as RFC 6266 asks: FileResponse writes ``filename="..."`` (quotes and backslashes escaped)
    for an ASCII name and ``filename*=utf-8''<percent-encoded>`` for any other (Kazakh, Russian, or one with a
    control character), so no name can break the header."""
    evidence = selectors.evidence_for_viewer(reference=reference, evidence_id=evidence_id, user=request.user)
    if evidence is None or not evidence.is_available:
        raise Http404
    try:  # staff downloading it are logged with their purpose (or asked for a reason first)
        show_case(request, evidence.appeal)
    except SendElsewhereFirst as exc:
        return exc.response()
    try:
        handle = evidence_path(evidence).open("rb")
    except (OSError, ValueError) as exc:
        logger.error("evidence %s is missing from private storage", evidence.pk)
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def letter(request: HttpRequest, reference: str) -> HttpResponse:
    """The decision letter, in the page's language, for the appellant of a decided appeal; 404 otherwise."""
    appeal = _sent_appeal(request, reference)
    if not appeal.outcome or appeal.state not in (State.DECIDED, State.CLOSED, State.ESCALATED):
        raise Http404
    language = (get_language() or "kk")[:2]
    pdf = letter_get_or_render(appeal=appeal, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="decision-letter-{appeal.reference}-{language}.pdf"'
    )
    return response
