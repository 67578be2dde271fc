"""`{% load tables %}`: the box a wide table scrolls in, the same on every page.

A box that scrolls must be reachable with the keyboard (WCAG 2.1.1, axe's `scrollable-region-focusable`), and a
focusable box needs a role and a name so a screen reader says what it is:

    <div {% table_region "version-" v "-caption" %}>
      <table class="govuk-table"><caption id="version-{{ v }}-caption">...</caption>...</table>
    </div>

gives ``class="portal-table-wrapper" tabindex="0" role="region" aria-labelledby="version-2-caption"``. Name the
box by the table's caption (the positional arguments, joined, are its id) or, for a table without one, by
``label``. In a
printed page (``printed=True``: the PDFs, where nothing is focused) only the class is given. Templates never
write the wrapper's class themselves (tests/portal/web/test_table_regions.py checks it), so no scrolling box
can miss this.
"""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()

WRAPPER_CLASS = "portal-table-wrapper"


@register.simple_tag
def table_region(
    *caption_id: object, label: str = "", extra_class: str = "", printed: bool = False
) -> SafeString:
    """The attributes of a scrolling table box (see the module's docstring). No style attribute: the
    Content-Security-Policy refuses inline styles, so a box is styled by ``extra_class`` (portal.css)."""
    labelledby = "".join(str(part) for part in caption_id)
    attrs = {"class": " ".join(c for c in (WRAPPER_CLASS, extra_class) if c)}
    if not printed:
        if not (labelledby or label):
            raise template.TemplateSyntaxError("table_region needs the caption's id or a label")
        attrs |= {"tabindex": "0", "role": "region"}
        attrs |= {"aria-labelledby": labelledby} if labelledby else {"aria-label": label}
    return format_html_join(" ", '{}="{}"', attrs.items())
