"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server, axe-core injected.

- Never downloads a browser: Playwright launches /usr/bin/chromium (override with CHROMIUM_PATH).
- Without that file the tests are skipped, unless REQUIRE_SERVICES=1 (as in CI), where they fail.
- `check_axe(page)` fails on any WCAG 2.0/2.1/2.2 A or AA violation, listing each with its nodes.
- Every page of every context from the `context` fixture is watched for the Content-Security-Policy
  (portal/settings/base.py): each HTML document the browser receives must carry the enforced header, and the
  browser must report no violation (a `securitypolicyviolation` listener added before any page script runs,
  and chromium's "Refused to …" console messages). `check_axe` checks it for the page at hand; the fixture's
  teardown for everything the test visited, so the whole suite shows that the policy breaks nothing. axe-core
  itself is injected the way the policy allows (evaluated through the DevTools protocol, not as an inline tag).
- `screenshot(page, name)` writes a full-page PNG to docs/screenshots/<name>.png only when SCREENSHOTS=1, so an
  ordinary test run leaves the working tree unchanged. Refresh them with:
      SCREENSHOTS=1 .venv/bin/pytest -m e2e
"""

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client

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
    check_csp(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Not add_script_tag: an inline <script> is exactly what the page's policy refuses.
        page.evaluate(_axe_source() + "\n;0")
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
    check_csp(page)


CSP_HEADER = "content-security-policy"
# Added to every page before its own scripts run: hands each violation the browser reports to the test.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__portalCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    disposition: event.disposition,
  });
}, true);
"""


@dataclass
class CspWatch:
    """What the browser saw of the Content-Security-Policy in one context (see the module's docstring)."""

    violations: list[str] = field(default_factory=list)
    without_header: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    # Addresses a test expects the policy to block (a vendor's outside image): those reports are expected.
    expected_blocks: set[str] = field(default_factory=set)
    blocked_as_expected: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.expose_binding("__portalCspViolation", lambda _source, report: self._violation(report))
        context.add_init_script(script=CSP_LISTENER)
        context.on("response", self._response)
        context.on("console", self._console)

    def _violation(self, report: dict[str, Any]) -> None:
        if report.get("blocked") in self.expected_blocks:
            self.blocked_as_expected.append(report["blocked"])
            return
        self.violations.append(json.dumps(report, ensure_ascii=False))

    def _console(self, message: Any) -> None:
        text = message.text
        if text.startswith(("Refused to", "[Report Only] Refused to")) or "Content Security Policy" in text:
            if any(f"'{address}'" in text for address in self.expected_blocks):
                return
            self.violations.append(f"console: {text}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document":
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        self.documents.append(response.url)
        if CSP_HEADER not in response.headers:
            self.without_header.append(f"{response.status} {response.url}")

    def problems(self) -> str:
        lines = [f"- no Content-Security-Policy header: {url}" for url in self.without_header]
        lines += [f"- violation: {report}" for report in self.violations]
        return "\n".join(lines)


_watches: dict[int, CspWatch] = {}


def watch_csp(context: Any) -> CspWatch:
    """Watch a browser context made outside the `context` fixture the same way (see `check_csp`)."""
    watch = _watches[id(context)] = CspWatch()
    watch.attach(context)
    return watch


def csp_watch_of(page: Any) -> CspWatch:
    return _watches[id(page.context)]


def check_csp(page: Any) -> None:
    """Fail if any document this page's context received lacked the Content-Security-Policy header, or the
    browser reported a violation of it. Pages of a context nobody watches are not checked."""
    watch = _watches.get(id(page.context))
    if watch is None:
        return
    page.wait_for_load_state()
    problems = watch.problems()
    if problems:
        pytest.fail(f"Content-Security-Policy on {page.url}:\n{problems}")


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
    watch = watch_csp(ctx)
    try:
        yield ctx
        for open_page in ctx.pages:  # a round trip to each page delivers any report still on its way
            open_page.evaluate("0")
        problems = watch.problems()
        if problems:
            pytest.fail(f"Content-Security-Policy during the test:\n{problems}")
    finally:
        _watches.pop(id(ctx), None)
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


# --- shared set-up of the journeys that sign in with a one-time code ---------------------------------------------

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@pytest.fixture
def delivery(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Evidence in a private folder of this test; one-time codes by SMS kept in memory (mail.outbox holds the
    e-mailed ones); an empty cache before and after (sign-in limits, pages)."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SMS_GATEWAY = "portal.sms.LocmemSMSGateway"
    cache.clear()
    yield
    cache.clear()


def wait_for_code(to: str) -> str:
    """The newest one-time code e-mailed to `to` (the live server sends it from another thread)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if to in message.to and (found := CODE.search(message.body)):
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError("no code was sent")


def citizen_sign_in(
    page: Any, *, lang: str, iin: str, email: str, then: str | re.Pattern[str] | None = None
) -> None:
    """Sign in in the browser as a citizen does: IIN, then the one-time code e-mailed to `email`. `then`: the
    address to wait for afterwards (default: "my decisions")."""
    page.goto(f"/{lang}/accounts/sign-in/")
    page.fill("#id_iin", iin)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(f"**/{lang}/accounts/sign-in/code/")
    page.fill("#id_code", wait_for_code(email))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(then if then is not None else f"**/{lang}/my/decisions/")


def staff_session(context: Any, live_server: Any, user: Any) -> None:
    """Staff sign-in is another page's business (tests/e2e/test_staff_sign_in.py): a session made by
    force_login, handed to the browser."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
