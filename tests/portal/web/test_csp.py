"""The Content-Security-Policy (django-csp, CONTENT_SECURITY_POLICY in portal/settings/base.py) on every page.

Each page a person can reach (public, a signed-in citizen's, staff's, the API documentation) answers with the
enforced header; scripts come from the site only, never inline; only the two API documentation pages loosen the
policy, each in its own named directives (portal/web/api_docs.py). The pages themselves carry nothing that the
policy would refuse (no inline script, event handler attribute or style), so the policy breaks nothing; the
browser tests (tests/e2e/conftest.py) check the same in chromium on every page they visit.
"""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from tests.appeals.conftest import World
from tests.appeals.review import builders
from tests.portal.web.test_production_static import production_env

BASE_DIR = Path(settings.BASE_DIR)
HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report/"],
}


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = values
    return parsed


class InlineCode(HTMLParser):
    """What a strict policy refuses in a page: inline scripts, on* handler attributes, javascript: URLs,
    style attributes and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.found.append("<style>")
        self._script_without_src = (
            tag == "script" and "src" not in names and names.get("type") != ("application/json")
        )

    def handle_data(self, data: str) -> None:
        if self._script_without_src and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:80]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_without_src = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture
def world(db: None) -> World:
    """The appeals tests' actors: an agency's system, a review body, reviewers, a supervisor, the ombudsman."""
    return World()


def url(name: str, *args: Any, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(world: World) -> list[tuple[str, Client, str]]:
    """(who, client, address) of a representative page of each kind."""
    in_review = builders.at(world, "in_review")
    draft = builders.drafted(world)
    decision = world.decision()
    anonymous = Client()
    citizen = signed_in(world.citizen)
    reviewer = signed_in(world.reviewers[0])
    supervisor = signed_in(world.supervisor)
    ombudsman = signed_in(world.ombudsman)
    return [
        ("public", anonymous, url("explanations:home")),
        ("public", anonymous, url("explanations:register")),
        ("public", anonymous, url("explanations:system", world.system.code)),
        ("public", anonymous, url("explanations:lookup")),
        ("public", anonymous, url("accounts:sign-in")),
        ("public", anonymous, url("accounts:staff-login")),
        ("public", anonymous, url("open-data:index")),
        ("public", anonymous, url("open-data:system", world.system.code)),
        ("public", anonymous, "/en/no-such-page/"),
        ("public", anonymous, url("accounts:signed-out")),
        ("public", anonymous, url("admin:login")),
        ("citizen", citizen, url("explanations:my-decisions")),
        ("citizen", citizen, url("explanations:decision", decision.reference)),
        ("citizen", citizen, url("appeals:my-appeals")),
        ("citizen", citizen, url("appeals:task-list", draft.reference)),
        ("citizen", citizen, url("appeals:check", draft.reference)),
        ("citizen", citizen, url("appeals:detail", in_review.reference)),
        ("citizen", citizen, url("access:my-log")),
        ("reviewer", reviewer, url("review:mine")),
        ("reviewer", reviewer, url("review:workspace", in_review.reference)),
        ("supervisor", supervisor, url("review:team")),
        ("supervisor", supervisor, url("review:countersign-list")),
        ("ombudsman", ombudsman, url("oversight:dashboard")),
        ("ombudsman", ombudsman, url("inquiries:alerts")),
        ("ombudsman", ombudsman, url("inquiries:inquiries")),
    ]


def test_every_kind_of_page_sends_the_strict_policy_and_nothing_it_would_refuse(world: World) -> None:
    checked = []
    for who, client, address in pages(world):
        response = client.get(address)
        assert response.status_code in (200, 404), (who, address, response.status_code)
        assert response["Content-Type"].startswith("text/html"), (who, address)
        assert HEADER in response, (who, address)
        assert directives(response[HEADER]) == POLICY, (who, address, response[HEADER])
        assert REPORT_ONLY not in response, (who, address)
        found = inline_code(response.content.decode())
        assert not found, (who, address, found)
        checked.append((who, address))
    # Pages whose rows only show with data (the oversight tables' cells) are among them.
    assert {who for who, _ in checked} == {"public", "citizen", "reviewer", "supervisor", "ombudsman"}


def test_a_second_request_for_a_kept_page_still_carries_the_policy(world: World) -> None:
    """The explanation page's body and the header and footer are cached: the cached copies carry it too."""
    client = signed_in(world.citizen)
    address = url("explanations:decision", world.decision().reference)
    first, second = client.get(address), client.get(address)
    assert first.status_code == second.status_code == 200
    assert first[HEADER] == second[HEADER]
    assert directives(second[HEADER]) == POLICY


def test_the_oversight_tables_style_their_cells_with_classes(world: World) -> None:
    """The dashboard's interval cells stay on one line by a class now (the policy refuses style="…")."""
    builders.at(world, "decided")
    page = signed_in(world.ombudsman).get(url("oversight:dashboard")).content.decode()
    assert "portal-nowrap" in page
    assert "style=" not in page


@pytest.mark.parametrize(
    ("address", "extra"),
    [
        ("/api/docs/", {"img-src": ["'self'", "data:"]}),
        (
            "/api/redoc/",
            {
                "style-src": ["'self'", "'unsafe-inline'"],
                "img-src": ["'self'", "data:"],
                "worker-src": ["blob:"],
            },
        ),
    ],
)
def test_the_api_documentation_pages_loosen_only_their_named_directives(
    client: Client, db: None, address: str, extra: dict[str, list[str]]
) -> None:
    response = client.get(address)

    assert response.status_code == 200
    assert directives(response[HEADER]) == POLICY | extra
    assert directives(response[HEADER])["script-src"] == ["'self'"]
    assert not [f for f in inline_code(response.content.decode()) if "script" in f or " on" in f]
    assert "https://" not in response.content.decode()  # no outside fonts or scripts


def test_swagger_ui_loads_its_start_up_script_from_the_site(client: Client, db: None) -> None:
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<style>" not in page

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    assert b"/api/schema/" in script.content


def test_other_pages_are_not_loosened_by_the_documentation_pages(client: Client, db: None) -> None:
    client.get("/api/redoc/")
    assert directives(client.get(url("explanations:home"))[HEADER]) == POLICY


def test_local_settings_send_the_same_policy_report_only(client: Client, db: None) -> None:
    from portal.settings import base, local

    assert local.CONTENT_SECURITY_POLICY is None
    assert local.CONTENT_SECURITY_POLICY_REPORT_ONLY == base.CONTENT_SECURITY_POLICY
    with override_settings(
        CONTENT_SECURITY_POLICY=None,
        CONTENT_SECURITY_POLICY_REPORT_ONLY=local.CONTENT_SECURITY_POLICY_REPORT_ONLY,
    ):
        page = client.get(url("explanations:home"))
        redoc = client.get("/api/redoc/")
    assert HEADER not in page
    assert directives(page[REPORT_ONLY]) == POLICY
    assert HEADER not in redoc
    assert "'unsafe-inline'" in directives(redoc[REPORT_ONLY])["style-src"]


def test_production_settings_enforce_the_policy(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings; from csp.utils import build_policy; "
        "print(settings.CONTENT_SECURITY_POLICY_REPORT_ONLY if hasattr(settings, "
        "'CONTENT_SECURITY_POLICY_REPORT_ONLY') else 'none'); print(build_policy())"
    )
    env = production_env(tmp_path) | {"PYTHONPATH": str(BASE_DIR)}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report_only, enforced = result.stdout.strip().splitlines()
    assert report_only == "none"
    assert directives(enforced) == POLICY


def test_no_page_template_has_inline_script_or_style() -> None:
    """Every template a page is built from; the PDFs (templates/pdf, WeasyPrint, never served as a page) and
    drf-spectacular's own templates (overridden in templates/api_docs) aside."""
    offenders = {}
    roots = [
        BASE_DIR / "templates",
        *(p for p in BASE_DIR.glob("*/templates")),
        *BASE_DIR.glob("*/*/templates"),
    ]
    for root in roots:
        if ".venv" in root.parts:
            continue
        for path in root.rglob("*.html"):
            if "pdf" in path.relative_to(root).parts:
                continue
            found = inline_code(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(BASE_DIR))] = found
    assert not offenders


def test_a_refused_form_post_answers_django_s_page_with_only_its_own_style_allowed(db: None) -> None:
    from portal.web.csrf_failure import style_hash

    response = Client(enforce_csrf_checks=True).post(url("accounts:sign-in"), {"iin": "900101300015"})

    assert response.status_code == 403
    blocks = re.findall(rb"<style[^>]*>(.*?)</style>", response.content, re.S)
    assert len(blocks) == 1
    policy = directives(response[HEADER])
    assert policy["style-src"] == ["'self'", style_hash(blocks[0])]
    assert policy["script-src"] == ["'self'"]
    assert policy | {"style-src": ["'self'"]} == POLICY
    assert not [f for f in inline_code(response.content.decode()) if f != "<style>"]
