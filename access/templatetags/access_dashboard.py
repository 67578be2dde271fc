"""Panels of the oversight dashboard owned by access transparency:

    {% load access_dashboard %}
    {% audit_chain_panel %}     the last verification of the audit chain, the last checkpoint, "Verify now"
    {% propagation_panel %}     decisions flagged by error propagation: open vs reviewed, by operating agency

Both read a handful of rows (latest verification, latest checkpoint, one GROUP BY over the flags table).
"""

from typing import Any

from django import template
from django.middleware.csrf import get_token

from .. import permissions, selectors

register = template.Library()


@register.inclusion_tag("access/_chain_panel.html", takes_context=True)
def audit_chain_panel(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "panel": selectors.chain_panel(),
        "may_verify": permissions.can_verify_chain(user),
        "csrf_token": get_token(request) if request is not None else "",
    }


@register.inclusion_tag("access/_propagation_panel.html")
def propagation_panel() -> dict[str, Any]:
    return {"panel": selectors.propagation_panel()}
