"""The gate of every staff page: sign-in, who may use it, which methods; in that order.

- Anonymous browsers go to the staff sign-in. A request carrying an API credential (`Authorization: Token …` or
  `Bearer …`) never signs anyone in to a page: 404 (the `Token` scheme is answered 401 earlier by
  portal.middleware.ApiTokensOnlyOnApiMiddleware).
- A signed-in person the predicate refuses: 404, as for anything they may not see.
- A method the page does not take: 405.
- With `ask_reason`, a view that raises `SendElsewhereFirst` (access.gate.ReasonRequired: a case outside the
  viewer's assigned work) sends the viewer where the exception says (to state a reason) first.

The sign-in check is the first thing the gate does (login_not_required): LoginRequiredMiddleware would send an
API client to an HTML sign-in page instead of refusing it. Staff pages are never cached.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache

View = Callable[..., HttpResponse]
STAFF_SIGN_IN = "accounts:staff-login"


class SendElsewhereFirst(Exception):
    """Raised by a staff view that must send the viewer to another page before it may answer (an app above the
    kernel subclasses it: access.gate.ReasonRequired). `response()` is where to."""

    def response(self) -> HttpResponse:
        raise NotImplementedError


def carries_api_token(request: HttpRequest) -> bool:
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0].lower()
    return scheme in ("token", "bearer")


def staff_page(
    *methods: str,
    allow: Callable[[Any], bool] | None = None,
    ask_reason: bool = False,
) -> Callable[[View], View]:
    """Decorate a staff view. `methods`: the methods it takes (default GET and HEAD); `allow`: who may use it
    (default: anyone signed in; the view checks the case itself)."""
    allowed = methods or ("GET", "HEAD")

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if carries_api_token(request):
                    raise Http404
                return redirect_to_login(request.get_full_path(), STAFF_SIGN_IN)
            if allow is not None and not allow(request.user):
                raise Http404
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            if not ask_reason:
                return view(request, *args, **kwargs)
            try:
                return view(request, *args, **kwargs)
            except SendElsewhereFirst as exc:
                return exc.response()

        return never_cache(login_not_required(wrapped))

    return decorate
