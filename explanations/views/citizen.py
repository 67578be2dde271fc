"""A person's own decisions: the list, the explanation page, its PDF, and "this is wrong" flags.

Every view loads, checks a predicate of explanations.permissions, makes one domain call and renders. Anything
the person may not see (someone else's reference, a staff account) answers 404, never 403.
"""

from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.identifiers import normalise_reference
from portal.web import caching
from portal.web.frame import SafeUTF8, render_framed
from portal.web.prefetch import cache_prefetch, prefetched

from ..exceptions import NotFound
from ..models import Decision
from ..page_cache import CachedPage, PageKeys, cached_page, epoch_current, page_keys, page_store
from ..permissions import (
    LOOKUP_GRANTS_SESSION_KEY,
    can_download_pdf,
    can_flag_data,
    can_list_own_decisions,
    can_view_decision,
)
from ..selectors import (
    decision_by_reference,
    decisions_of_citizen,
    explanation_page,
    flagged_features,
)
from ..services.explain import explanation_get_or_compute
from ..services.flags import CORRECT_VALUE_MAX, NOTE_MAX, data_flag_record
from ..services.pdf import decision_pdf_get_or_render


def lookup_grants(request: HttpRequest) -> Collection[str]:
    """References this browser session may see through the letter look-up."""
    grants = request.session.get(LOOKUP_GRANTS_SESSION_KEY, [])
    return frozenset(grants) if isinstance(grants, list) else frozenset()


def _visible_decision(
    request: HttpRequest, reference: str, predicate: object = can_view_decision
) -> Decision:
    decision = decision_by_reference(reference)
    if decision is None or not predicate(request.user, decision, lookup_grants(request)):  # type: ignore[operator]
        raise Http404
    return decision


@never_cache
@require_GET
def my_decisions(request: HttpRequest) -> HttpResponse:
    if not can_list_own_decisions(request.user):
        raise Http404
    items = decisions_of_citizen(request.user, now=timezone.now())
    return render(request, "explanations/citizen/my_decisions.html", {"items": items})


def _page_keys(request: HttpRequest, reference: str) -> PageKeys | None:
    """The page's cache keys, worked out once per request (the prefetch and the view both need them)."""
    memo: dict[str, PageKeys | None] = request.__dict__.setdefault("_explanation_page_keys", {})
    if reference not in memo:
        canonical = normalise_reference(reference)
        memo[reference] = (
            None
            if canonical is None
            else page_keys(reference=canonical, language=get_language() or "", day=timezone.localdate())
        )
    return memo[reference]


def _prefetch_page(request: HttpRequest, reference: str) -> list[str]:
    keys = _page_keys(request, reference)
    return [] if keys is None else [keys.entry, keys.epoch]


@cache_prefetch(_prefetch_page)
@login_not_required
@caching.never_cache  # Django's, with its headers set directly (the portal's most visited page)
@require_GET
def decision_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The explanation page, served from the page cache (explanations/page_cache.py) when it can be.

    The page, its epoch and the signed-in user come in one cache round trip (portal/web/prefetch.py); the
    person is checked against the page's subject exactly as against a decision loaded from the database. On
    a miss the decision is loaded, checked, explained and rendered, and the page is kept for the next visit.
    """
    keys = _page_keys(request, reference)
    if keys is None:
        raise Http404
    found = prefetched(request, [keys.entry, keys.epoch])
    page = cached_page(found, keys)
    if page is None:
        epoch = epoch_current(keys, found)  # before the database is read
        page = _render_page(request, keys.reference, now=timezone.now())
        page_store(keys, epoch=epoch, page=page)
    elif not can_view_decision(request.user, page, lookup_grants(request)):
        raise Http404
    return render_framed(
        request, "explanations/citizen/decision.html", {"title": page.title, "body": SafeUTF8(page.body)}
    )


def _render_page(request: HttpRequest, reference: str, *, now: Any) -> CachedPage:
    decision = _visible_decision(request, reference)
    flagged = flagged_features(decision=decision)
    page = explanation_page(
        decision=decision, stored=explanation_get_or_compute(decision=decision), flagged=flagged, now=now
    )
    body = render_to_string("explanations/citizen/_decision_body.html", {"page": page}, request=request)
    return CachedPage(
        reference=decision.reference,
        subject_iin_hash=decision.subject_iin_hash,
        title=f"{page.outcome_label} – {page.system_name}",
        body=body.encode(),  # rendered by the portal's own autoescaping template
    )


@login_not_required
@never_cache
@require_GET
def decision_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    decision = _visible_decision(request, reference, can_download_pdf)
    language = (get_language() or "kk")[:2]
    page = explanation_page(
        decision=decision, stored=explanation_get_or_compute(decision=decision), now=timezone.now()
    )
    pdf = decision_pdf_get_or_render(page=page, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.reference}-{language}.pdf"'
    return response


class DataFlagForm(forms.Form):
    correct_value = forms.CharField(
        max_length=CORRECT_VALUE_MAX,
        error_messages={
            "required": _("Enter the value you say is correct"),
            "max_length": _("The value must be %(limit_value)s characters or fewer"),
        },
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": _("The note must be %(limit_value)s characters or fewer")},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def flag_data(request: HttpRequest, reference: str, feature: str) -> HttpResponse:
    decision = _visible_decision(request, reference, can_flag_data)
    if feature not in (decision.inputs or {}):
        raise Http404
    form = DataFlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data_flag_record(
                decision=decision,
                feature=feature,
                user=request.user,
                lookup_grants=lookup_grants(request),
                correct_value=form.cleaned_data["correct_value"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except NotFound as exc:
            raise Http404 from exc
        return redirect("explanations:flag-recorded", reference=decision.reference, feature=feature)
    page = explanation_page(decision=decision, stored=explanation_get_or_compute(decision=decision))
    row = next(r for r in page.data_rows if r.feature == feature)
    return render(request, "explanations/citizen/flag_data.html", {"page": page, "row": row, "form": form})


@login_not_required
@never_cache
@require_GET
def flag_recorded(request: HttpRequest, reference: str, feature: str) -> HttpResponse:
    decision = _visible_decision(request, reference, can_flag_data)
    if feature not in (decision.inputs or {}):
        raise Http404
    page = explanation_page(decision=decision, stored=explanation_get_or_compute(decision=decision))
    row = next(r for r in page.data_rows if r.feature == feature)
    return render(request, "explanations/citizen/flag_recorded.html", {"page": page, "row": row})
