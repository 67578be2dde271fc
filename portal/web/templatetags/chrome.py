"""`{% load chrome %}`: the page chrome (service navigation, language switcher, footer), rendered once per kind
of page and kept in memory.

The chrome is the same for every request that agrees on: the language, the page's address (the language
switcher posts it back), the page's route name (which navigation item is current), and who is signed in only
as far as the navigation shows it (signed in or not, citizen or not, the role). Those make the key. Its
forms carry a CSRF token, which is per browser: the chrome is rendered with a placeholder token and the
request's own token is put in on the way out, so a cached copy never carries someone else's token.

Rendering it costs ~20 URL reversals and a dozen template includes: the largest part of a cached page's time.
Kept per process (a bounded LRU), not in the shared cache: it is cheaper to render than to fetch over the
network, and it never changes while the process runs (templates and URLs are fixed at start). With DEBUG on,
templates may change on disk, so nothing is kept.
"""

import secrets
from typing import Any, cast

from django import template
from django.conf import settings
from django.template import loader
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from portal.web.csrf import masked_token
from portal.web.lru import ProcessLRU

register = template.Library()

MAX_ENTRIES = 1024
# Random per process: a page's address (the language switcher writes it into the chrome) must not be able to
# contain it.
CSRF_PLACEHOLDER = f"csrf-token-placeholder-{secrets.token_hex(16)}"
# Set in the context by portal.web.frame, which renders a whole page once and puts the token in itself.
KEEP_CSRF_PLACEHOLDER = "portal_chrome_keep_csrf_placeholder"
_kept: ProcessLRU[str] = ProcessLRU(MAX_ENTRIES)
_KEY_BASE = "portal.chrome.key"
_CSRF_SLOT = "portal.chrome.csrf"


def page_kind(request: Any, user: Any) -> tuple[Any, ...]:
    """What the chrome of a page depends on (see the module docstring): the language, the page's address, its
    route, and whether and in which role someone is signed in."""
    match = getattr(request, "resolver_match", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return (
        translation.get_language(),
        request.get_full_path() if request is not None else "",
        getattr(match, "namespace", ""),
        getattr(match, "url_name", ""),
        signed_in,
        getattr(user, "role", "") if signed_in else "",
    )


def _key(context: template.Context, name: str) -> tuple[Any, ...]:
    # What the key names is the same for every chrome of one page: worked out once per render.
    base = context.render_context.get(_KEY_BASE)
    if base is None:
        base = page_kind(context.get("request"), context.get("user"))
        context.render_context[_KEY_BASE] = base
    return (name, *base)


def _render(context: template.Context, name: str) -> str:
    tmpl: Any
    if context.template is not None:
        tmpl = context.template.engine.get_template(name)
    else:
        tmpl = cast(Any, loader.get_template(name)).template
    with context.push(csrf_token=CSRF_PLACEHOLDER):
        return str(tmpl.render(context))


@register.simple_tag(takes_context=True)
def chrome(context: template.Context, name: str) -> SafeString:
    """Render the chrome template `name` for this page, from memory when an equal page was rendered before."""
    if settings.DEBUG:
        html = _render(context, name)
    else:
        html = _kept.get_or_make(_key(context, name), lambda: _render(context, name))
    if CSRF_PLACEHOLDER in html and not context.get(KEEP_CSRF_PLACEHOLDER):
        html = html.replace(CSRF_PLACEHOLDER, _token(context))
    return mark_safe(html)  # noqa: S308  (rendered by the template engine, which escaped it)


def _token(context: template.Context) -> str:
    """This response's CSRF token, one for all of its chrome (portal/web/csrf.py)."""
    token = context.render_context.get(_CSRF_SLOT)
    if token is None:
        request = context.get("request")
        if request is not None:
            token = masked_token(request)
        else:
            lazy = context.get("csrf_token")
            token = str(lazy) if lazy else ""
        context.render_context[_CSRF_SLOT] = token
    return str(token)


def clear() -> None:
    """Forget every rendered chrome (tests that change the URLconf or templates at run time)."""
    _kept.clear()
