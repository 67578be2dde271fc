"""Django's {# ... #} comment is one line only: one that goes on to the next line is not a comment at all, and
the page shows it as text. A longer comment is a {% comment %} block."""

import re
from pathlib import Path

from django.conf import settings

# "{#" and everything after it on its line, when no "#}" closes it there.
_UNCLOSED = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)


def _templates() -> list[Path]:
    folders = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    return sorted(
        p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix in {".html", ".txt"}
    )


def unclosed_comments(text: str) -> list[int]:
    """The line numbers where a {# comment is not closed on its own line."""
    return [text.count("\n", 0, m.start()) + 1 for m in _UNCLOSED.finditer(text)]


def test_the_check_finds_a_comment_that_runs_onto_a_second_line() -> None:
    assert unclosed_comments("<p>\n{# one\n   two #}\n</p>") == [2]
    assert unclosed_comments("{# one line #}\n{% comment %}\nmany\n{% endcomment %}") == []


def test_no_template_has_a_comment_that_runs_onto_a_second_line() -> None:
    templates = _templates()
    assert templates, "no templates found"
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}"
        for path in templates
        for line in unclosed_comments(path.read_text(encoding="utf-8"))
    ]
    assert found == [], f"use {{% comment %}} for these multi-line {{# comments: {found}"
