"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server, axe-core injected.

- Never downloads a browser: Playwright launches /usr/bin/chromium (override with CHROMIUM_PATH).
- Without that file the tests are skipped, unless REQUIRE_SERVICES=1 (as in CI), where they fail.
- `check_axe(page)` fails on any WCAG 2.0/2.1/2.2 A or AA violation, listing each with its nodes.
- `screenshot(page, name)` writes a full-page PNG to docs/screenshots/<name>.png only when SCREENSHOTS=1, so an
  ordinary test run leaves the working tree unchanged. Refresh them with:
      SCREENSHOTS=1 .venv/bin/pytest -m e2e
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe files landmarks and heading order under "best-practice", not under a WCAG tag; we hold every page to them too.
# Not "region" (all content inside landmarks): the design system puts a back link before <main>, on purpose, so
# that the skip link jumps past it.
AXE_EXTRA_RULES = [
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "skip-link",
]
SCREENSHOTS_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _axe_source() -> str:
    """axe-core as bundled by the axe-playwright-python package (a dev dependency), read from disk."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def check_axe(page: Any) -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.0/2.1/2.2 A or AA violation, or on a breach
    of the landmark and heading rules in AXE_EXTRA_RULES."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    results = page.evaluate(
        """async ([tags, extra]) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            rules: Object.fromEntries(extra.map((id) => [id, {enabled: true}])),
            resultTypes: ["violations"],
        })""",
        [AXE_TAGS, AXE_EXTRA_RULES],
    )
    violations = results["violations"]
    if violations:
        pytest.fail(f"axe-core: {len(violations)} violation(s) on {page.url}:\n{_describe(violations)}")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)


def screenshot(page: Any, name: str) -> Path | None:
    """A full-page PNG in docs/screenshots/<name>.png when SCREENSHOTS=1; otherwise nothing (returns None)."""
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session. Playwright gives it a new, temporary user data dir."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is required for browser tests (REQUIRE_SERVICES=1) but is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; Django would then refuse ORM calls
    # from the test thread (fixtures building data, transactional_db flushes) as "async unsafe". They are
    # not: they run synchronously, one at a time. The flag stays set while the browser lives.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        patch.undo()


@pytest.fixture
def context(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A fresh browser context (no cookies: no language chosen yet) per test, against the live server."""
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
