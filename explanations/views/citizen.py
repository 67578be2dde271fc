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
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.exceptions import NotFound
from portal.identifiers import normalise_reference

from ..models import Decision
from ..page_cache import CachedPage, cached_page, epoch_current, page_fetch, page_keys, page_store
from ..permissions import (
    LOOKUP_GRANTS_SESSION_KEY,
    can_download_pdf,
    can_flag_data,
    can_list_own_decisions,
    can_view_decision,
)
from ..presenters import explanation_page
from ..selectors import decision_by_reference, decisions_of_citizen, flagged_features
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


@login_not_required
@never_cache
@require_GET
def decision_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The explanation page, its body served from the page cache (explanations/page_cache.py) when it can be.

    On a hit the body costs no database query: the person is checked against the cached page's subject exactly
    as against a decision loaded from the database. On a miss the decision is loaded, checked, explained and
    rendered, and the body is kept for the next visit.
    """
    canonical = normalise_reference(reference)
    if canonical is None:
        raise Http404
    keys = page_keys(reference=canonical, language=get_language() or "", day=timezone.localdate())
    found = page_fetch(keys)
    page = cached_page(found, keys)
    if page is None:
        epoch = epoch_current(keys, found)  # before the database is read
        page = _render_page(request, keys.reference, now=timezone.now())
        page_store(keys, epoch=epoch, page=page)
    elif not can_view_decision(request.user, page, lookup_grants(request)):
        raise Http404
    # The body was rendered by the portal's own autoescaping template (_render_page).
    body = mark_safe(page.body)  # noqa: S308
    return render(request, "explanations/citizen/decision.html", {"title": page.title, "body": body})


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
        body=body,  # rendered by the portal's own autoescaping template
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
