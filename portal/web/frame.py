"""Whole pages that are chrome around a few values, rendered once per kind of page and kept in memory.

Some pages are nothing but the chrome (head, header, breadcrumbs, footer: portal/web/templatetags/chrome.py)
around content the view already holds as finished text, e.g. the explanation page, whose body comes from the
page cache (explanations/page_cache.py). Running the template engine for them on every request costs more
than anything else they do. `render_framed` renders such a template once per kind of page (the chrome's own
key: language, address, route, signed in and role) with a marker in place of each value, keeps the pieces
between the markers (as UTF-8), and answers later requests by joining the pieces with the values, escaped as
the template's `{{ name }}` would escape them, and with this response's own CSRF token. A value that is
already HTML can be given as `SafeUTF8` bytes: it is put in as it is, never decoded and encoded again (the
explanation page's body is 35-50 kB; decoding and encoding Cyrillic text that size costs ~0.1 ms).

The template must show each value as a plain `{{ name }}`, and must not depend on anything else in the
request beyond what the chrome's key names. `render_framed` refuses a template where a value's marker does not
come through (most filters change it), but it cannot see a filter that leaves the marker whole (`|default`,
`|safe`), a test of a value (`{% if title %}` is always true with a marker in it), or a read of the request
or the user: keep such templates to the chrome and the values. Values are put in with `str()` and escaped; they
are not localised. A `{% csrf_token %}` anywhere in the template gets the response's own token, as the
chrome's forms do. The markers are random per process, so that no address or value can contain one. With
DEBUG on (templates may change on disk) nothing is kept and the template is rendered as usual.
"""

import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from portal.web.csrf import masked_token
from portal.web.lru import ProcessLRU
from portal.web.templatetags.chrome import CSRF_PLACEHOLDER, KEEP_CSRF_PLACEHOLDER, page_kind

MAX_ENTRIES = 512
# Letters, digits and punctuation that HTML escaping leaves alone, so a marker survives `{{ name }}`; random per
# process, so that a page's address (which the chrome shows) cannot contain one.
_SALT = secrets.token_hex(16)
_MARKER = f"portal-frame-slot-{_SALT}:{{}}:"
_MARKERS = re.compile(rf"portal-frame-slot-{_SALT}:(\w+):|(" + re.escape(CSRF_PLACEHOLDER) + ")")
_CSRF = object()  # a piece standing for the response's CSRF token


class SafeUTF8:
    """UTF-8 HTML that is safe to put in a page as it is (it was rendered by the portal's own templates)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


_frames: ProcessLRU[tuple[Any, ...]] = ProcessLRU(MAX_ENTRIES)


def render_framed(request: HttpRequest, template_name: str, values: Mapping[str, Any]) -> HttpResponse:
    """`render(request, template_name, values)`, from a kept frame when this kind of page was rendered before."""
    if settings.DEBUG:
        return render(request, template_name, {k: _as_template_value(v) for k, v in values.items()})
    key = (template_name, tuple(sorted(values)), *page_kind(request, getattr(request, "user", None)))
    frame = _frames.get_or_make(key, lambda: _frame(request, template_name, values))
    token = masked_token(request).encode() if _CSRF in frame else b""  # one per response, as the chrome's
    return HttpResponse(
        b"".join(
            piece if type(piece) is bytes else token if piece is _CSRF else _utf8(values[piece[0]])
            for piece in frame
        )
    )


def _utf8(value: Any) -> bytes:
    return value.data if type(value) is SafeUTF8 else conditional_escape(value).encode()


def _as_template_value(value: Any) -> Any:
    return mark_safe(value.data.decode()) if type(value) is SafeUTF8 else value  # noqa: S308


def _frame(request: HttpRequest, template_name: str, values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The template rendered with markers, cut into UTF-8 text, value slots (1-tuples of a name) and CSRF slots."""
    markers = {name: mark_safe(_MARKER.format(name)) for name in values}  # noqa: S308  (the frame's own marker)
    # `csrf_token` overrides the context processor's: a token drawn now would be one browser's, kept for all.
    context = {**markers, KEEP_CSRF_PLACEHOLDER: True, "csrf_token": CSRF_PLACEHOLDER}
    html = render_to_string(template_name, context, request=request)
    pieces: list[Any] = []
    seen: set[str] = set()
    at = 0
    for found in _MARKERS.finditer(html):
        pieces.append(html[at : found.start()])
        if found.group(2):
            pieces.append(_CSRF)
        else:
            seen.add(found.group(1))
            pieces.append((found.group(1),))
        at = found.end()
    pieces.append(html[at:])
    if seen != set(values):
        raise ImproperlyConfigured(
            f"{template_name} must show each of {sorted(values)} once or more as a plain {{{{ name }}}}; "
            f"found {sorted(seen)}"
        )
    return tuple(p.encode() if type(p) is str else p for p in pieces if p != "")


def clear() -> None:
    """Forget every kept frame (tests that change the URLconf or templates at run time)."""
    _frames.clear()
