"""Every box a wide table scrolls in is reachable with the keyboard and named (axe: scrollable-region-focusable):
the `table_region` tag gives it tabindex="0", role="region" and the name of the table's caption, and no template
writes the box by hand."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.models import AlgorithmicSystem
from portal.web.templatetags.tables import WRAPPER_CLASS
from tests.explanations.views.builders import make_entry_with_versions


def render(source: str, **context: object) -> str:
    return Template("{% load tables %}" + source).render(Context(context))


def test_the_box_is_focusable_a_region_and_named_by_the_caption() -> None:
    out = render('<div {% table_region "version-" v "-caption" %}>', v=2)

    assert out == (
        '<div class="portal-table-wrapper" tabindex="0" role="region" aria-labelledby="version-2-caption">'
    )


def test_a_box_without_a_caption_is_named_by_its_label_and_keeps_extra_classes() -> None:
    out = render('<div {% table_region label=name extra_class="govuk-details__text" %}>', name='Rates "A"')

    assert 'class="portal-table-wrapper govuk-details__text"' in out
    assert 'aria-label="Rates &quot;A&quot;"' in out
    assert 'tabindex="0" role="region"' in out


def test_a_printed_box_is_not_focusable() -> None:
    assert render('<div {% table_region "c" printed=True %}>') == '<div class="portal-table-wrapper">'


def test_a_box_without_a_name_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError):
        render("<div {% table_region %}>")


def test_no_template_writes_the_scrolling_box_by_hand() -> None:
    folders = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    by_hand = [
        str(path.relative_to(settings.BASE_DIR))
        for folder in folders
        for path in folder.rglob("*.html")
        if WRAPPER_CLASS in path.read_text(encoding="utf-8")
    ]
    assert by_hand == [], f"use {{% table_region %}} for the table boxes in {by_hand}"


def _boxes(page: str) -> list[str]:
    return re.findall(rf'<div [^>]*class="{WRAPPER_CLASS}[^"]*"[^>]*>', page)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("name", ["explanations:register", "explanations:system"])
def test_every_table_box_of_the_register_is_focusable_and_named_by_a_caption_on_the_page(
    client: Client, db: None, lang: str, name: str
) -> None:
    system: AlgorithmicSystem = make_entry_with_versions()
    with translation.override(lang):
        url = reverse(name, kwargs={"code": system.code} if name == "explanations:system" else {})
    page = html.unescape(client.get(url).content.decode())

    boxes = _boxes(page)
    assert boxes
    for box in boxes:
        assert 'tabindex="0"' in box and 'role="region"' in box, box
        caption_id = re.search(r'aria-labelledby="([^"]+)"', box)
        assert caption_id, box
        assert re.search(rf'<caption [^>]*id="{re.escape(caption_id.group(1))}"', page), box
