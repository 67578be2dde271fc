"""The register entry's link to the system's open data, with the live overturn rate per model version."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def system_open_data(system: Any) -> str:  # placeholder until open data lands
    return ""
