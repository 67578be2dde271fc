"""The register entry's "Inquiries by the ombudsman" section: public, so title, dates, status and findings only."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ..selectors import public_inquiries

register = template.Library()


@register.simple_tag
def system_inquiries(system: Any) -> SafeString | str:
    """The system's inquiries, newest first; nothing at all when there are none."""
    rows = public_inquiries(system)
    if not rows:
        return ""
    # The template engine escaped everything it put in: the result is already a SafeString.
    return render_to_string("inquiries/_register_inquiries.html", {"inquiries": rows})
