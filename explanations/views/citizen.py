"""A person's own decisions: the list, the explanation page, its PDF, and "this is wrong" flags.

Every view loads, checks a predicate of explanations.permissions, makes one domain call and renders. Anything
the person may not see (someone else's reference, a staff account) answers 404, never 403.
"""

from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ..exceptions import NotFound
from ..models import Decision
from ..permissions import (
    LOOKUP_GRANTS_SESSION_KEY,
    can_download_pdf,
    can_flag_data,
    can_list_own_decisions,
    can_view_decision,
)
from ..selectors import (
    PAGE_CACHE_SECONDS,
    decision_by_reference,
    decision_for_page,
    decisions_of_citizen,
    explanation_page,
    explanation_page_key,
    flagged_features,
)
from ..services.explain import explanation_get_or_compute
from ..services.flags import CORRECT_VALUE_MAX, NOTE_MAX, data_flag_record
from ..services.pdf import decision_pdf_get_or_render

# The names of the {% cache %} fragments of templates/explanations/citizen/decision.html: title, body.
PAGE_FRAGMENTS = ("explanation_title", "explanation_page")


def lookup_grants(request: HttpRequest) -> Collection[str]:
    """References this browser session may see through the letter look-up."""
    grants = request.session.get(LOOKUP_GRANTS_SESSION_KEY, [])
    return frozenset(grants) if isinstance(grants, list) else frozenset()


def _visible_decision(
    request: HttpRequest,
    reference: str,
    predicate: object = can_view_decision,
    loader: object = decision_by_reference,
) -> Decision:
    decision = loader(reference)  # type: ignore[operator]
    if decision is None or not predicate(request.user, decision, lookup_grants(request)):  # type: ignore[operator]
        raise Http404
    assert isinstance(decision, Decision)
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
    """The explanation page. Its rendered body is cached (templates/explanations/citizen/decision.html) under
    a key naming everything it depends on, so the explanation is read and laid out only on a cache miss."""
    decision = _visible_decision(request, reference, loader=decision_for_page)
    annotated: Any = decision  # decision_for_page's annotations
    now = timezone.now()
    full: Any = SimpleLazyObject(lambda: decision_by_reference(decision.reference))
    sha256 = annotated.explanation_sha256 or explanation_get_or_compute(decision=full).sha256
    flagged = flagged_features(decision=decision) if annotated.flag_count else frozenset()
    page = SimpleLazyObject(
        lambda: explanation_page(
            decision=full, stored=explanation_get_or_compute(decision=full), flagged=flagged, now=now
        )
    )
    key = explanation_page_key(decision=decision, explanation_sha256=sha256, flagged=flagged, now=now)
    title_key, body_key = (make_template_fragment_key(name, [key]) for name in PAGE_FRAGMENTS)
    found = cache.get_many([title_key, body_key])
    context = {
        "page": page,
        "page_key": key,
        "cache_seconds": PAGE_CACHE_SECONDS,
        # Fragments already rendered (marked safe when they were stored by the {% cache %} tag).
        "cached_title": found.get(title_key),
        "cached_body": found.get(body_key),
    }
    return render(request, "explanations/citizen/decision.html", context)


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
