"""The smoke walk's own machinery (deploy/smoke/walk.py), without a server of the portal: the browser session sends
Secure cookies over the plain hop behind the TLS terminator (requests' default jar does not), forms are read as a
browser would send them, the demo output and the SMS stub's log are read as load_demo and the stub write them."""

import http.server
import importlib.util
import io
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests
from PIL import Image

from demo.management.commands.load_demo import _table

WALK_PATH = Path(__file__).resolve().parents[2] / "deploy" / "smoke" / "walk.py"


@pytest.fixture(scope="module")
def walk() -> ModuleType:
    spec = importlib.util.spec_from_file_location("smoke_walk", WALK_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["smoke_walk"] = module
    spec.loader.exec_module(module)
    return module


class _CookieServer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Set-Cookie", "csrftoken=abc; Path=/; SameSite=Lax; Secure")
        self.send_header("Set-Cookie", "sessionid=xyz; HttpOnly; Path=/; SameSite=Lax; Secure")
        self.end_headers()

    def do_POST(self) -> None:
        body = (self.headers.get("Cookie") or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cookie_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _CookieServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_secure_cookies_go_back_over_the_plain_hop(walk: ModuleType, cookie_server: str) -> None:
    plain = requests.Session()
    plain.get(cookie_server, timeout=5)
    assert plain.post(cookie_server, timeout=5).text == ""  # why the walk needs its own session

    session = walk.BrowserSession()
    session.get(cookie_server, timeout=5)
    sent = session.post(cookie_server, timeout=5).text
    assert sorted(sent.split("; ")) == ["csrftoken=abc", "sessionid=xyz"]


PAGE = """<!doctype html><html lang="kk"><head><link rel="stylesheet" href="/static/a.css"></head><body>
<form method="post" action="/kk/i18n/"><input type="hidden" name="language" value="ru"></form>
<main><form method="post" novalidate>
<input type="hidden" name="csrfmiddlewaretoken" value="tok">
<input type="radio" name="kind" value="A"><input type="radio" name="kind" value="B" checked>
<input type="checkbox" name="agree" value="yes">
<textarea name="why">
Because &amp; so</textarea>
<select name="new_outcome"><option value="">Choose</option><option value="X" selected>X</option></select>
<input type="file" name="file">
<button type="submit" name="continue">Go</button><button>Send</button>
</form><a href="/kk/decisions/ABC/">one</a></main></body></html>"""


def test_a_form_sends_what_a_browser_would(walk: ModuleType) -> None:
    parser = walk.PageParser()
    parser.feed(PAGE)
    page = walk.Page("/kk/x/", None, parser)
    form = page.form(fields=["kind"])
    assert form.in_main and form.action == ""
    assert form.defaults() == {
        "csrfmiddlewaretoken": "tok",
        "kind": "B",
        "why": "Because & so",
        "new_outcome": "X",
    }
    assert form.choices("kind") == ["A", "B"]
    assert form.choices("new_outcome") == ["", "X"]
    assert ("continue", "") in form.buttons and ("", "") in form.buttons
    assert parser.lang == "kk" and parser.stylesheets == ["/static/a.css"]
    assert page.links_matching(r"/kk/decisions/\w+/") == ["/kk/decisions/ABC/"]
    with pytest.raises(walk.WalkFailed, match="language"):  # the form outside <main> is not the page's form
        page.form(fields=["language"])


def test_the_demo_output_is_read_as_load_demo_writes_it(walk: ModuleType, tmp_path: Path) -> None:
    rows = [
        ["role", "username", "password", "organisation", "IIN", "name"],
        ["CITIZEN", "aigul.omarova", "Saryarka-Steppe-4821", "-", "860314442176", "Айгүл Омарова"],
        ["REVIEWER", "reviewer.x", "Pass-Word-1", "review-commission", "-", "Динара"],
    ]
    text = "\n".join(
        [
            "Demo data loaded in 1.0 s.",
            "Sign-ins (demo passwords; citizens may also be looked up by IIN):",
            *("  " + line for line in _table(rows)),
            "",
            "Staff sign in ... for the demo secret DEMOSTAFFTOTPKZAPPEALPORTAL23456 (or print ...).",
            "",
            "Agency API tokens (demo; shown once, only their SHA-256 is stored):",
            "  mlsp  ap_be6d45df_mpdIbknEkr3tLaY7JzkDJ0bM2fFyCLgEE8T4zuS3vg8",
            "  src   ap_997680c1_K-6rYnW9ztNBiV8r93Oq09t9jHgaj2Q_0nQg01R6210",
        ]
    )
    path = tmp_path / "demo.txt"
    path.write_text(text, encoding="utf-8")
    demo = walk.read_demo(path)
    assert demo.citizens == ["860314442176"]
    assert demo.staff["reviewer"] == ("reviewer.x", "Pass-Word-1")
    assert demo.totp_secret == "DEMOSTAFFTOTPKZAPPEALPORTAL23456"
    assert demo.tokens == {
        "mlsp": "ap_be6d45df_mpdIbknEkr3tLaY7JzkDJ0bM2fFyCLgEE8T4zuS3vg8",
        "src": "ap_997680c1_K-6rYnW9ztNBiV8r93Oq09t9jHgaj2Q_0nQg01R6210",
    }


def test_the_newest_code_to_this_phone_after_the_mark(walk: ModuleType, tmp_path: Path) -> None:
    log = tmp_path / "sms.jsonl"

    def line(to: str, text: str) -> str:
        return json.dumps({"message_id": "m", "to": to, "text": text}, ensure_ascii=False) + "\n"

    log.write_text(line("+7 701 000 42 17", "Код: 111111."), encoding="utf-8")
    source = walk.CodeSource(log, None)
    source.mark()  # the old code is not this sign-in's
    with log.open("a", encoding="utf-8") as handle:
        handle.write(line("+7 705 000 13 85", "Код: 222222."))  # someone else's
        handle.write(line("+7 701 000 42 17", "Appeal A123456BCDEFG received."))  # no code in a reference
    with pytest.raises(walk.WalkFailed, match="no 6-digit code"):
        source.wait("+77010004217", seconds=0.3)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(line("+77010004217", "Your code is 333333. It expires in 10 minutes."))
        handle.write('{"to": "+77010004217", "text": "half a line 444444')  # not complete yet
    code, _ = source.wait("+77010004217", seconds=1)
    assert code == "333333"


def test_the_evidence_image_is_a_real_png(walk: ModuleType) -> None:
    with Image.open(io.BytesIO(walk.png_bytes())) as image:
        image.verify()
        assert image.format == "PNG" and image.size == (96, 64)


def test_a_console_log_gives_the_demo_sms_code_to_this_phone(walk: ModuleType, tmp_path: Path) -> None:
    log = tmp_path / "console.log"
    log.write_text("[demo SMS to *********17] Кодыңыз: 111111.\n", encoding="utf-8")
    source = walk.CodeSource(None, log)
    source.mark()
    with log.open("a", encoding="utf-8") as handle:
        handle.write("[demo SMS to *********85] Ваш код: 222222.\n")  # another citizen's
        handle.write("[demo SMS to *********17] Кодыңыз: 333333. Ол 10 минуттан кейін жарамсыз болады.\n")
    code, _ = source.wait("+7 701 000 42 17", seconds=1)
    assert code == "333333"
