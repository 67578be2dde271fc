"""`{% open_alerts_panel %}` on the ombudsman's dashboard: how many alerts are open, and the latest of them."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ..selectors import open_alerts_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def open_alerts_panel(context: template.Context) -> SafeString:
    summary = open_alerts_summary()
    return render_to_string(
        "inquiries/_open_alerts_panel.html", {"summary": summary}, request=context.get("request")
    )
