"""The page a refused form post answers with (CSRF_FAILURE_VIEW): Django's own, under the site's
Content-Security-Policy.

Django's page styles itself with an inline ``<style>`` block, which style-src 'self' refuses. Rather than allow
inline styles on it, this answer's policy allows exactly the blocks it carries, by their SHA-256 hashes worked
out from the page as sent (so a Django upgrade that changes the block changes the hash with it).
"""

import base64
import hashlib
import re
from collections.abc import Callable

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.csrf import csrf_failure as django_csrf_failure

_STYLE_BLOCK = re.compile(rb"<style[^>]*>(.*?)</style>", re.S)


def style_hash(block: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseBase:
    response: HttpResponse = django_csrf_failure(request, reason=reason)
    hashes = [style_hash(block) for block in _STYLE_BLOCK.findall(response.content)]
    if not hashes:
        return response
    allow = {"style-src": hashes}

    def keep(_request: HttpRequest) -> HttpResponseBase:
        return response

    answer: Callable[[HttpRequest], HttpResponseBase] = keep
    for report_only in (False, True):
        answer = csp_update(allow, REPORT_ONLY=report_only)(answer)
    return answer(request)
