"""Public register of algorithmic systems: no sign-in."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import system_public, systems_public


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "explanations/home.html", {"systems": systems_public()})


@login_not_required
def system_list(request: HttpRequest) -> HttpResponse:
    return render(request, "explanations/register_list.html", {"systems": systems_public()})


@login_not_required
def system_detail(request: HttpRequest, code: str) -> HttpResponse:
    system = system_public(code)
    if system is None:
        raise Http404
    return render(request, "explanations/register_detail.html", {"system": system})
