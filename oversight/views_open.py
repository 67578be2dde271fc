"""Public open data (aggregates only, no sign-in): the list of systems, one page per system, CSV and JSON.

Thin: each view loads the system (404 when it is not in the register) and renders what opendata.py built.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from explanations.models import AlgorithmicSystem

from . import opendata


def _system_or_404(code: str) -> AlgorithmicSystem:
    system = opendata.system_by_code(code)
    if system is None:
        raise Http404
    return system


@login_not_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oversight/open_data/index.html",
        {
            "systems": opendata.systems_with_open_data(),
            "licence": opendata.LICENCE,
            "threshold": opendata.THRESHOLD,
        },
    )


@login_not_required
@require_safe
def system(request: HttpRequest, code: str) -> HttpResponse:
    system = _system_or_404(code)
    data = opendata.system_open_data(system)
    return render(
        request,
        "oversight/open_data/system.html",
        {"system": system, "data": data, "licence": opendata.LICENCE, "threshold": opendata.THRESHOLD},
    )


def _download_name(code: str, data: opendata.SystemOpenData, extension: str) -> str:
    return f"open-data-{code}-{data.last_month or 'none'}.{extension}"


@login_not_required
@require_safe
def system_csv(request: HttpRequest, code: str) -> HttpResponse:
    data = opendata.system_open_data(_system_or_404(code))
    response = HttpResponse(opendata.as_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(code, data, "csv")}"'
    return response


@login_not_required
@require_safe
def system_json(request: HttpRequest, code: str) -> HttpResponse:
    data = opendata.system_open_data(_system_or_404(code))
    with translation.override("en"):
        register = reverse("explanations:system", args=[code])
    document = opendata.as_json(
        data,
        register_url=request.build_absolute_uri(register),
        data_url=request.build_absolute_uri(reverse("open-data-api:system", args=[code])),
    )
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{_download_name(code, data, "json")}"'
    return response
