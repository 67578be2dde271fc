"""The register entry's "Inquiries by the ombudsman" section."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def system_inquiries(system: Any) -> str:  # placeholder until inquiries land
    return ""
