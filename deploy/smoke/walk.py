"""The smoke walk: one scripted end-to-end journey over plain HTTP against a running production server.

Run by deploy/smoke/run.sh (`make smoke`) once the server answers /readyz:

    .venv/bin/python deploy/smoke/walk.py --base-url http://127.0.0.1:PORT --sms-log PATH --demo-output PATH

It behaves like a browser behind a TLS terminator: every request carries ``X-Forwarded-Proto: https``, Secure
cookies are sent back over the plain-HTTP hop, and every POST carries the Origin and Referer a browser would send
from the https page that holds the form (Django's CSRF check requires a same-origin Referer on a secure request
when there is no Origin; the walk sends both). Redirects are never followed blindly: each one is checked against
the address the journey expects, then followed with a GET.

Steps (each HTTP exchange prints ``ok <step> <status> <ms>``):

1. public pages in kk, ru and en (home, the register and one entry, open data, sign-in), the API schema and docs,
   /healthz, /readyz, and the static files (CSS, JS, the fonts and images the CSS names) they reference;
2. a demo citizen signs in with their IIN and the one-time code read from the SMS provider stub's log (delivered
   asynchronously by the Celery worker, so the log is polled, within a bound);
3. "my decisions", one decision's explanation page and its PDF;
4. an appeal on that decision through every question of the form (two reasons, a statement, a PNG, protection,
   contact, language, check your answers), sent, its confirmation, page and receipt;
5. the reviewer signs in (password and TOTP), takes the appeal, declares no conflict, starts, records a blind
   assessment (the AI's score is absent until then), reveals, decides; a supervisor countersigns if the decision
   waits for it;
6. the citizen downloads the decision letter (a PDF);
7. the agency polls the outcomes API with its token and sees this appeal's outcome; the other agency does not.

Any 5xx, any other unexpected status, a redirect elsewhere, or a missing expected text fails the walk with a
message saying what and where, and exit status 1. Every request has a timeout and every poll a deadline.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import struct
import sys
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyotp
import requests

TIMEOUT = (5.0, 60.0)  # connect, read (a first PDF render can take a few seconds)
SMS_WAIT_SECONDS = 30.0
OUTCOME_WAIT_SECONDS = 30.0
LANGS = ("kk", "ru", "en")
CODE = re.compile(r"(?<!\w)(\d{6})(?!\w)")  # six digits on their own, not inside a reference like A123456B
ANSI = re.compile(r"\x1b\[[0-9;]*m")
REDIRECTS = (301, 302, 303, 307, 308)

# The demo citizens (demo/load.py): IIN -> (phone, preferred language). The phone is used only to pick
# the SMS meant for this citizen out of the stub's log; the language is the one the walk uses for their pages.
DEMO_CITIZENS = {
    "860314442176": ("+77010004217", "kk"),
    "790902313850": ("+77050001385", "ru"),
}
DEMO_STAFF = {
    "reviewer": ("reviewer.sarsenova", "Altai-Cedar-9150"),
    "supervisor": ("supervisor.kim", "Caspian-Tern-3378"),
}


class WalkFailed(Exception):
    pass


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def plain(reference: str) -> str:
    """A reference without its grouping dashes, upper case (the API and the pages may group it differently)."""
    return re.sub(r"[^0-9A-Za-z]", "", reference).upper()


# --- HTML ------------------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    in_main: bool
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of submit buttons

    def names(self) -> set[str]:
        return {f.name for f in self.fields}

    def choices(self, name: str) -> list[str]:
        """The values a radio group or a select offers."""
        out: list[str] = []
        for f in self.fields:
            if f.name != name:
                continue
            if f.kind == "select":
                out.extend(v for v, _ in f.options)
            elif f.kind in ("radio", "checkbox"):
                out.append(f.value)
        return out

    def defaults(self) -> dict[str, str]:
        """What a browser would send if the person changed nothing (files aside)."""
        data: dict[str, str] = {}
        for f in self.fields:
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data[f.name] = f.value
            elif f.kind == "select":
                chosen = [v for v, selected in f.options if selected] or [v for v, _ in f.options[:1]]
                if chosen:
                    data[f.name] = chosen[0]
            elif f.kind in ("submit", "button", "image", "reset", "file"):
                continue
            else:
                data[f.name] = f.value
        return data


class PageParser(HTMLParser):
    """Forms (with their fields and submit buttons), links, stylesheets, scripts, ids and the page's language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.ids: set[str] = set()
        self.lang = ""
        self._main = 0
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: list[Any] | None = None  # [value or None, selected, text]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "main":
            self._main += 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.stylesheets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=(a.get("method") or "get").lower(),
                enctype=a.get("enctype", ""),
                in_main=self._main > 0,
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append((a["name"], a.get("value", "")))
                return
            default = "on" if kind in ("radio", "checkbox") else ""
            self._form.fields.append(Field(a["name"], kind, a.get("value", default), "checked" in a))
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit":
                self._form.buttons.append((a.get("name", ""), a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = [a.get("value"), "selected" in a, ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = self._option[0] if self._option[0] is not None else self._option[2].strip()
            self._select.options.append((value, bool(self._option[1])))
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._main = max(0, self._main - 1)
        elif tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None


def error_texts(html: str) -> list[str]:
    """The messages of a GOV.UK error summary and error messages, as plain text (for failure messages)."""
    found = re.findall(
        r'class="govuk-(?:error-message|error-summary__list)[^"]*"[^>]*>(.*?)</(?:p|span|ul)>', html, re.S
    )
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t)).strip() for t in found if t.strip()][:6]


@dataclass
class Page:
    path: str
    response: requests.Response
    parsed: PageParser

    @property
    def html(self) -> str:
        return self.response.text

    def form(
        self,
        *,
        fields: Iterable[str] = (),
        action: str | None = None,
        method: str = "post",
        what: str = "",
    ) -> Form:
        """The first form in <main> with this method, having these fields and (if given) ending in this action."""
        wanted = set(fields)
        for form in self.parsed.forms:
            if not form.in_main or form.method != method or not wanted <= form.names():
                continue
            if action is not None and not urlsplit(
                urljoin(self.path, form.action or self.path)
            ).path.endswith(action):
                continue
            return form
        raise WalkFailed(
            f"{self.path}: no {method.upper()} form{' ' + what if what else ''} with fields {sorted(wanted)}"
            + (f" posting to …{action}" if action else "")
            + f" (forms here: {[(f.action, sorted(f.names())) for f in self.parsed.forms if f.in_main]})"
        )

    def links_matching(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        out: list[str] = []
        for href in self.parsed.links:
            path = urlsplit(href).path if href.startswith(("http:", "https:")) else href
            if rx.fullmatch(path) and path not in out:
                out.append(path)
        return out

    def require_link(self, href: str) -> None:
        if href not in self.links_matching(re.escape(href)):
            raise WalkFailed(f"{self.path}: no link to {href}")


# --- the HTTP client --------------------------------------------------------------------------------------------


class Walk:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme != "http" or not parts.netloc:
            raise WalkFailed(f"--base-url must be http://host:port, not {base_url!r}")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.origin = f"https://{self.host}"  # what the browser sees, in front of the TLS terminator
        self.steps = 0

    def report(self, step: str, status: int, started: float) -> None:
        self.steps += 1
        print(f"ok {step} {status} {round((time.monotonic() - started) * 1000)}", flush=True)


class BrowserSession(requests.Session):
    """A requests session whose cookie policy decides what is sent. requests copies the session's cookies into a
    fresh jar with the default policy for each request, and that policy keeps Secure cookies off an http URL;
    here the header is made from the session's own jar, whose policy counts the plain hop behind the TLS
    terminator as secure (the browser in front of it is on https)."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared


class Client:
    """One browser: its own cookie jar (Secure cookies sent over the plain hop), the page it is on."""

    def __init__(self, walk: Walk, who: str) -> None:
        self.walk = walk
        self.who = who
        self.session = BrowserSession()
        self.session.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "User-Agent": "portal-smoke-walk/1 (+deploy/smoke/walk.py)",
                "Accept-Language": "kk",
            }
        )
        self.current = "/"  # the page the "browser" shows, the Referer of its next POST

    def _path(self, url: str) -> str:
        """An address on this server as a path (a Location may be absolute, with https as its scheme)."""
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != self.walk.host:
            raise WalkFailed(f"redirected off the site, to {url}")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def request(
        self,
        step: str,
        method: str,
        path: str,
        *,
        expect: int | tuple[int, ...] = 200,
        location: str | None = None,
        texts: Iterable[str] = (),
        content_type: str | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        form_page: str | None = None,
    ) -> requests.Response:
        expected = (expect,) if isinstance(expect, int) else expect
        send_headers = dict(headers or {})
        if method != "GET":
            referer = form_page or self.current
            send_headers.setdefault("Origin", self.walk.origin)
            send_headers.setdefault("Referer", self.walk.origin + referer)
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.walk.base + path,
                data=data,
                files=files,
                headers=send_headers,
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise WalkFailed(f"{step}: {method} {path} failed: {type(exc).__name__}: {exc}") from exc
        where = f"{step}: {method} {path} as {self.who}"
        if response.status_code >= 500:
            raise WalkFailed(
                f"{where} answered {response.status_code} (server error): {response.text[:300]!r}"
            )
        if response.status_code not in expected:
            detail = ""
            if response.status_code in REDIRECTS:
                detail = f" → {response.headers.get('Location')}"
            elif "html" in response.headers.get("Content-Type", ""):
                errors = error_texts(response.text)
                detail = f"; errors on the page: {errors}" if errors else ""
            else:
                detail = f": {response.text[:300]!r}"
            raise WalkFailed(f"{where} answered {response.status_code}, expected {list(expected)}{detail}")
        if response.status_code in REDIRECTS and location is not None:
            target = self._path(response.headers.get("Location", ""))
            if not re.fullmatch(location, target):
                raise WalkFailed(f"{where} redirected to {target}, expected {location}")
        if content_type is not None and not response.headers.get("Content-Type", "").startswith(content_type):
            raise WalkFailed(
                f"{where}: Content-Type {response.headers.get('Content-Type')!r}, expected {content_type}"
            )
        for text in texts:
            if text not in response.text:
                raise WalkFailed(f"{where}: the response does not contain {text!r}")
        # Every page the walk sees carries the Content-Security-Policy (what `curl -I` of each would show).
        if "text/html" in response.headers.get(
            "Content-Type", ""
        ) and "default-src" not in response.headers.get("Content-Security-Policy", ""):
            raise WalkFailed(f"{where}: an HTML page without a Content-Security-Policy header")
        self.walk.report(step, response.status_code, started)
        return response

    def page(self, step: str, path: str, *, lang: str | None = None, texts: Iterable[str] = ()) -> Page:
        response = self.request(step, "GET", path, texts=texts, content_type="text/html")
        page = self._parse(path, response)
        if lang is not None and page.parsed.lang != lang:
            raise WalkFailed(f"{step}: GET {path} is in {page.parsed.lang!r}, expected <html lang={lang!r}>")
        self.current = path
        return page

    def _parse(self, path: str, response: requests.Response) -> Page:
        parser = PageParser()
        parser.feed(response.text)
        parser.close()
        return Page(path, response, parser)

    def follow(
        self, step: str, response: requests.Response, *, lang: str | None = None, hops: int = 0
    ) -> Page:
        """GET where a redirect points; with hops, through up to that many further redirects (a landing page)."""
        path = self._path(response.headers["Location"])
        for _ in range(hops):
            response = self.request(step, "GET", path, expect=(200, *REDIRECTS))
            if response.status_code not in REDIRECTS:
                page = self._parse(path, response)
                if lang is not None and page.parsed.lang != lang:
                    raise WalkFailed(f"{step}: GET {path} is in {page.parsed.lang!r}, expected {lang!r}")
                self.current = path
                return page
            path = self._path(response.headers["Location"])
        return self.page(step, path, lang=lang)

    def submit(
        self,
        step: str,
        page: Page,
        form: Form,
        values: Mapping[str, str] | None = None,
        *,
        button: tuple[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        expect: int | tuple[int, ...] = 302,
        location: str | None = None,
    ) -> requests.Response:
        """Send a form as a browser would: its defaults, these answers, the button pressed, from its page."""
        data = form.defaults()
        for name, value in (values or {}).items():
            options = form.choices(name)
            if options and value not in options:
                raise WalkFailed(f"{step}: {page.path} offers {options} for {name}, not {value!r}")
            if name not in form.names():
                raise WalkFailed(
                    f"{step}: {page.path} has no field {name!r} (fields: {sorted(form.names())})"
                )
            data[name] = value
        if button is not None:
            if button not in form.buttons:
                raise WalkFailed(f"{step}: {page.path} has no button {button} (buttons: {form.buttons})")
            if button[0]:
                data[button[0]] = button[1]
        action = self._path(urljoin(self.walk.origin + page.path, form.action or page.path))
        return self.request(
            step,
            form.method.upper(),
            action,
            data=data,
            files=files,
            expect=expect,
            location=location,
            form_page=page.path,
        )


# --- inputs: the demo output, the SMS log --------------------------------------------------------------------


@dataclass
class Demo:
    citizens: list[str]
    staff: dict[str, tuple[str, str]]
    totp_secret: str
    tokens: dict[str, str]


def read_demo(path: Path | None) -> Demo:
    """The sign-ins, the demo TOTP secret and the agency tokens printed by `manage.py load_demo`."""
    text = ANSI.sub("", path.read_text(encoding="utf-8")) if path else ""
    citizens: list[str] = []
    staff = dict(DEMO_STAFF)
    tokens: dict[str, str] = {}
    in_tokens = False
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 5 and cells[0].lower() == "citizen" and re.fullmatch(r"\d{12}", cells[4]):
            citizens.append(cells[4])
        elif len(cells) >= 3 and cells[0].lower() in ("reviewer", "supervisor"):
            staff[cells[0].lower()] = (cells[1], cells[2])
        if line.startswith("Agency API tokens"):
            in_tokens = True
            continue
        if in_tokens:
            match = re.fullmatch(r"\s+([A-Za-z0-9_-]+)\s+(\S{20,})\s*", line)
            if match:
                tokens[match.group(1)] = match.group(2)
            elif line.strip():
                in_tokens = False
    secret = re.search(r"demo secret ([A-Z2-7]{16,})", text)
    return Demo(citizens, staff, secret.group(1) if secret else "", tokens)


class CodeSource:
    """Where a one-time code arrives: the SMS stub's JSON lines, or (development) a server's console log."""

    def __init__(self, sms_log: Path | None, console_log: Path | None) -> None:
        if sms_log is None and console_log is None:
            raise WalkFailed("give --sms-log (the SMS stub's JSON lines) or --sms-console-log")
        self.path = sms_log or console_log
        self.json = sms_log is not None
        self.offset = 0
        self.marked = time.monotonic()

    def mark(self) -> None:
        """Only what is written after this moment counts (older codes are spent or about to be)."""
        assert self.path is not None
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self.marked = time.monotonic()

    def _new(self) -> str:
        assert self.path is not None
        if not self.path.exists():
            return ""
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind(b"\n") + 1] if self.json else chunk
        return complete.decode("utf-8", "replace")

    def wait(self, phone: str | None, *, seconds: float = SMS_WAIT_SECONDS) -> tuple[str, float]:
        """The newest code sent (to this phone) since mark(), and when the wait for it began (the mark)."""
        deadline = time.monotonic() + seconds
        started = self.marked
        while True:
            code = self._find(self._new(), phone)
            if code:
                return code, started
            if time.monotonic() >= deadline:
                raise WalkFailed(
                    f"no 6-digit code {'to ' + phone if phone else ''} arrived in {self.path} within {seconds:.0f} s"
                    " (is the Celery worker running and the SMS gateway pointed at the stub?)"
                )
            time.sleep(0.25)

    def _find(self, text: str, phone: str | None) -> str | None:
        found: str | None = None
        if self.json:
            for line in text.splitlines():
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                to = digits(str(message.get("to", "")))
                if phone and to[-10:] != digits(phone)[-10:]:
                    continue
                match = CODE.search(str(message.get("text", "")))
                if match:
                    found = match.group(1)  # the newest wins
            return found
        # A console: the local demo prints "[demo SMS to *********17] Your code is 123456 …"; with production
        # settings and the console e-mail backend the code is in the e-mail's body. The newest code wins.
        tail = digits(phone)[-2:] if phone else ""
        for line in text.splitlines():
            if "demo SMS to" in line and (not tail or re.search(rf"\*{tail}\]", line)):
                match = CODE.search(line.split("]", 1)[-1])
                found = match.group(1) if match else found
        if found is None:
            for line in text.splitlines():
                if re.match(r"(Date|Message-ID|Content-|MIME-|Subject|From|To):", line):
                    continue
                matches = CODE.findall(line)
                found = matches[-1] if matches else found
        return found


def png_bytes(width: int = 96, height: int = 64) -> bytes:
    """A small, real PNG (a gradient), made with the standard library."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in ((x * 5) % 256, (y * 7) % 256, (x * y) % 256))
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- the steps ------------------------------------------------------------------------------------------------


def static_assets(client: Client, page: Page) -> None:
    """Every stylesheet and script the page names, and the fonts and images the stylesheets name, answer 200."""
    css = [client._path(urljoin(client.walk.origin + page.path, h)) for h in page.parsed.stylesheets]
    js = [client._path(urljoin(client.walk.origin + page.path, s)) for s in page.parsed.scripts]
    if not css or not js:
        raise WalkFailed(f"{page.path}: expected stylesheets and scripts, found CSS {css} and JS {js}")
    nested: list[str] = []
    skipped: set[str] = set()
    for path in css:
        response = client.request("static.css", "GET", path, content_type="text/css")
        if not response.content:
            raise WalkFailed(f"static.css: {path} is empty")
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", response.text):
            if ref.startswith(("data:", "#", "http:", "https:", "//")):
                continue
            target = client._path(urljoin(client.walk.origin + path, ref)).split("?", 1)[0]
            if not target.startswith("/static/"):
                # govuk-frontend's CSS names /assets/images/govuk-crest.svg in a footer rule no template uses;
                # the image is deliberately not shipped (portal/static/vendor/govuk-frontend/README.md).
                skipped.add(target)
            elif target not in nested:
                nested.append(target)
    for path in js:
        response = client.request("static.js", "GET", path)
        if not response.content or "javascript" not in response.headers.get("Content-Type", ""):
            raise WalkFailed(
                f"static.js: {path} is empty or not JavaScript ({response.headers.get('Content-Type')})"
            )
    for path in nested[:12]:
        client.request("static.css-asset", "GET", path)
    if skipped:
        print(
            f"# not fetched (outside STATIC_URL, named by CSS rules the templates do not use): {sorted(skipped)}"
        )


def step_public(walk: Walk) -> None:
    client = Client(walk, "the public")
    home_page: Page | None = None
    for lang in LANGS:
        home = client.page(f"public.home.{lang}", f"/{lang}/", lang=lang)
        home_page = home_page or home
        for header in ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options"):
            if not home.response.headers.get(header):
                raise WalkFailed(f"public.home.{lang}: GET /{lang}/ over https has no {header} header")
        register = client.page(f"public.register.{lang}", f"/{lang}/register/", lang=lang)
        entries = [
            p for p in register.links_matching(rf"/{lang}/register/[\w-]+/") if p != f"/{lang}/register/"
        ]
        if not entries:
            raise WalkFailed(f"/{lang}/register/ links to no register entry")
        client.page(f"public.register-entry.{lang}", entries[0], lang=lang)
        client.page(f"public.open-data.{lang}", f"/{lang}/open-data/", lang=lang)
        sign_in = client.page(f"public.sign-in.{lang}", f"/{lang}/accounts/sign-in/", lang=lang)
        sign_in.form(fields=["iin", "csrfmiddlewaretoken"], what="with the IIN")
    schema = client.request("api.schema", "GET", "/api/schema/", texts=["openapi", "/api/v1/outcomes/"])
    if not schema.content:
        raise WalkFailed("api.schema: empty")
    docs = client.page("api.docs", "/api/docs/", texts=["swagger"])
    for src in docs.parsed.scripts + docs.parsed.stylesheets:
        path = client._path(urljoin(walk.origin + "/api/docs/", src))
        if path.startswith("/static/"):
            client.request("api.docs-asset", "GET", path)
    # Without the terminator's header the request is plain http: it is sent to https (the probes are exempt).
    started = time.monotonic()
    try:
        plain_http = requests.get(walk.base + "/kk/", timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise WalkFailed(f"security.https-redirect: GET /kk/ failed: {exc}") from exc
    if plain_http.status_code != 301 or plain_http.headers.get("Location") != f"{walk.origin}/kk/":
        raise WalkFailed(
            f"security.https-redirect: GET /kk/ over plain http answered {plain_http.status_code} "
            f"→ {plain_http.headers.get('Location')!r}, expected 301 → {walk.origin}/kk/"
        )
    walk.report("security.https-redirect", plain_http.status_code, started)
    client.request("healthz", "GET", "/healthz")
    client.request("readyz", "GET", "/readyz")
    assert home_page is not None
    static_assets(client, home_page)


@dataclass
class Citizen:
    client: Client
    iin: str
    lang: str


def step_citizen_sign_in(walk: Walk, codes: CodeSource, iin: str, lang: str, phone: str | None) -> Citizen:
    client = Client(walk, f"citizen {iin[:4]}…")
    client.session.headers["Accept-Language"] = lang
    page = client.page("citizen.sign-in", f"/{lang}/accounts/sign-in/", lang=lang)
    form = page.form(fields=["iin"], what="with the IIN")
    codes.mark()
    response = client.submit(
        "citizen.sign-in.iin", page, form, {"iin": iin}, location=rf"/{lang}/accounts/sign-in/code/"
    )
    code_page = client.follow("citizen.sign-in.code-page", response, lang=lang)
    code, started = codes.wait(phone)
    walk.report("citizen.sms-code", 200, started)
    form = code_page.form(fields=["code"], what="with the one-time code")
    response = client.submit("citizen.sign-in.code", code_page, form, {"code": code}, location=rf"/{lang}/.*")
    client.follow("citizen.signed-in", response, lang=lang, hops=2)
    for cookie in client.session.cookies:
        if cookie.name in ("sessionid", "csrftoken") and not cookie.secure:
            raise WalkFailed(f"citizen.signed-in: the {cookie.name} cookie is not marked Secure")
        if cookie.name == "sessionid" and not cookie.has_nonstandard_attr("HttpOnly"):
            raise WalkFailed("citizen.signed-in: the session cookie is not HttpOnly")
    if "sessionid" not in {c.name for c in client.session.cookies}:
        raise WalkFailed("citizen.signed-in: no session cookie after signing in")
    return Citizen(client, iin, lang)


@dataclass
class Chosen:
    decision: str
    appeal: str


def step_decisions_and_appeal(walk: Walk, citizen: Citizen, prefer_system: str) -> Chosen:
    """Open the citizen's decisions' explanations; appeal one, preferably on `prefer_system` (by default the demo's
    high-impact system, whose adverse review outcomes a supervisor must countersign)."""
    client, lang = citizen.client, citizen.lang
    mine = client.page("citizen.my-decisions", f"/{lang}/my/decisions/", lang=lang)
    decisions = [p.split("/")[3] for p in mine.links_matching(rf"/{lang}/decisions/[A-Za-z0-9]+/")]
    if not decisions:
        raise WalkFailed(f"/{lang}/my/decisions/ lists no decision")
    preferred: list[str] = []
    others: list[str] = []
    for reference in decisions[:10]:
        detail = client.page("citizen.explanation", f"/{lang}/decisions/{reference}/", lang=lang)
        detail.require_link(f"/{lang}/decisions/{reference}/pdf/")
        if not detail.links_matching(re.escape(f"/{lang}/appeals/new/{reference}/")):
            continue  # not appealable
        on_preferred = bool(detail.links_matching(re.escape(f"/{lang}/register/{prefer_system}/")))
        (preferred if on_preferred else others).append(reference)
        if on_preferred:
            break
    for reference in preferred + others:
        path = f"/{lang}/decisions/{reference}/"
        client.page("citizen.explanation", path, lang=lang)
        pdf = client.request("citizen.explanation-pdf", "GET", f"{path}pdf/", content_type="application/pdf")
        if not pdf.content.startswith(b"%PDF-"):
            raise WalkFailed(f"citizen.explanation-pdf: {path}pdf/ is not a PDF: {pdf.content[:20]!r}")
        start = client.page("appeal.start", f"/{lang}/appeals/new/{reference}/", lang=lang)
        if not any(f.in_main and f.method == "post" for f in start.parsed.forms):
            continue  # "you already have an appeal on this decision" (a walk re-run on the same database)
        response = client.submit(
            "appeal.start.send",
            start,
            start.form(what="'Start now'"),
            location=rf"/{lang}/appeals/[A-Za-z0-9]+/(draft/)?",
        )
        target = client._path(response.headers["Location"])
        if not target.endswith("/draft/"):
            continue  # an appeal on this decision was sent earlier (a walk re-run on the same database)
        appeal = target.split("/")[3]
        if reference not in preferred:
            print(f"# no appealable decision on {prefer_system}: appealing {reference}", flush=True)
        file_appeal(walk, citizen, appeal)
        return Chosen(reference, appeal)
    raise WalkFailed(f"none of the decisions on /{lang}/my/decisions/ ({decisions[:10]}) could be appealed")


def file_appeal(walk: Walk, citizen: Citizen, appeal: str) -> None:
    client, lang = citizen.client, citizen.lang
    base = f"/{lang}/appeals/{appeal}/draft/"
    tasks = client.page("appeal.task-list", base, lang=lang)
    for section in ("reasons/", "statement/", "evidence/", "protection/", "contact/"):
        tasks.require_link(base + section)
    if tasks.links_matching(re.escape(base + "check/")):
        raise WalkFailed(f"{tasks.path}: 'check your answers' is offered before any reason is given")
    if base + "late/" in tasks.links_matching(re.escape(base + "late/")):
        late = client.page("appeal.late", base + "late/", lang=lang)
        client.submit(
            "appeal.late.send",
            late,
            late.form(fields=["late_reason"]),
            {"late_reason": "I was not told about this decision until recently."},
            location=re.escape(base),
        )

    # Reason 1: "the data is wrong"; first sent empty, so the error state renders too.
    response = client.request(
        "appeal.reasons", "GET", base + "reasons/", expect=302, location=re.escape(base + "reasons/add/")
    )
    kind = client.follow("appeal.reason-kind", response, lang=lang)
    form = kind.form(fields=["kind"])
    empty = client.submit("appeal.reason-kind.empty", kind, form, expect=200)
    if "govuk-error-summary" not in empty.text:
        raise WalkFailed(f"{kind.path}: sent with no answer, the page shows no error summary")
    response = client.submit(
        "appeal.reason-kind.data-wrong",
        kind,
        form,
        {"kind": "DATA_WRONG"},
        location=re.escape(base + "reasons/add/DATA_WRONG/"),
    )
    details = client.follow("appeal.reason-details", response, lang=lang)
    form = details.form(fields=["feature", "correct_value", "why"])
    features = form.choices("feature")
    if not features:
        raise WalkFailed(f"{details.path}: no data item to choose")
    client.submit(
        "appeal.reason-details.send",
        details,
        form,
        {
            "feature": features[0],
            "correct_value": "38 000",
            "why": "My employer's certificate shows 38 000 a month.",
        },
        location=re.escape(base + "reasons/"),
    )

    # Reason 2: "the data misses my circumstances".
    grounds = client.page("appeal.reasons-list", base + "reasons/", lang=lang, texts=["38 000"])
    response = client.submit(
        "appeal.reasons-list.another",
        grounds,
        grounds.form(fields=["answer"]),
        {"answer": "yes"},
        location=re.escape(base + "reasons/add/"),
    )
    kind = client.follow("appeal.reason-kind", response, lang=lang)
    response = client.submit(
        "appeal.reason-kind.circumstances",
        kind,
        kind.form(fields=["kind"]),
        {"kind": "CIRCUMSTANCES_MISSED"},
        location=re.escape(base + "reasons/add/CIRCUMSTANCES_MISSED/"),
    )
    details = client.follow("appeal.reason-details", response, lang=lang)
    form = details.form(fields=["circumstance", "why"])
    circumstances = form.choices("circumstance")
    if not circumstances:
        raise WalkFailed(f"{details.path}: no circumstance to choose")
    client.submit(
        "appeal.reason-details.send",
        details,
        form,
        {
            "circumstance": circumstances[-1],
            "why": "Мен анамды күтемін, сондықтан ресми жұмыс істей алмаймын.",
        },
        location=re.escape(base + "reasons/"),
    )
    grounds = client.page("appeal.reasons-list", base + "reasons/", lang=lang)
    client.submit(
        "appeal.reasons-list.done",
        grounds,
        grounds.form(fields=["answer"]),
        {"answer": "no"},
        location=re.escape(base),
    )

    # Statement.
    statement = client.page("appeal.statement", base + "statement/", lang=lang)
    client.submit(
        "appeal.statement.send",
        statement,
        statement.form(fields=["statement"]),
        {"statement": "We are a family of five. Smoke walk statement."},
        location=re.escape(base),
    )

    # Evidence: one PNG, listed, then "continue".
    evidence = client.page("appeal.evidence", base + "evidence/", lang=lang)
    upload = next(
        (f for f in evidence.parsed.forms if f.in_main and "multipart" in f.enctype and f.method == "post"),
        None,
    )
    if upload is None:
        raise WalkFailed(f"{evidence.path}: no multipart upload form")
    client.submit(
        "appeal.evidence.upload",
        evidence,
        upload,
        files={"file": ("walk-payslip.png", png_bytes(), "image/png")},
        location=re.escape(base + "evidence/"),
    )
    evidence = client.page("appeal.evidence", base + "evidence/", lang=lang, texts=["walk-payslip.png"])
    carry_on = next(
        (f for f in evidence.parsed.forms if f.in_main and any(b[0] == "continue" for b in f.buttons)), None
    )
    if carry_on is None:
        raise WalkFailed(f"{evidence.path}: no 'continue' button")
    button = next(b for b in carry_on.buttons if b[0] == "continue")
    client.submit("appeal.evidence.continue", evidence, carry_on, button=button, location=re.escape(base))

    # Protection while waiting, contact, language.
    interim = client.page("appeal.protection", base + "protection/", lang=lang)
    form = interim.form(fields=["interim_protection"])
    choice = (
        "KEEP_PAYMENTS"
        if "KEEP_PAYMENTS" in form.choices("interim_protection")
        else form.choices("interim_protection")[0]
    )
    client.submit(
        "appeal.protection.send", interim, form, {"interim_protection": choice}, location=re.escape(base)
    )
    contact = client.page("appeal.contact", base + "contact/", lang=lang)
    response = client.submit(
        "appeal.contact.send",
        contact,
        contact.form(fields=["contact_channel"]),
        {"contact_channel": "SMS"},
        location=re.escape(base + "language/"),
    )
    language = client.follow("appeal.language", response, lang=lang)
    client.submit(
        "appeal.language.send",
        language,
        language.form(fields=["contact_language"]),
        {"contact_language": lang},
        location=re.escape(base),
    )

    # Check your answers, send.
    client.page("appeal.task-list", base, lang=lang).require_link(base + "check/")
    check = client.page(
        "appeal.check",
        base + "check/",
        lang=lang,
        texts=["38 000", "walk-payslip.png", "Smoke walk statement"],
    )
    response = client.submit(
        "appeal.check.send",
        check,
        check.form(what="'Accept and send'"),
        location=re.escape(f"/{lang}/appeals/{appeal}/sent/"),
    )
    shown = "-".join([appeal[0:4], appeal[4:8], appeal[8:12], appeal[12:]])
    sent = client.follow("appeal.confirmation", response, lang=lang)
    if shown not in sent.html and appeal not in sent.html:
        raise WalkFailed(f"{sent.path}: the confirmation does not show the reference {shown}")
    client.page("appeal.detail", f"/{lang}/appeals/{appeal}/", lang=lang)
    receipt = client.request(
        "appeal.receipt", "GET", f"/{lang}/appeals/{appeal}/receipt/", content_type="application/pdf"
    )
    if not receipt.content.startswith(b"%PDF-"):
        raise WalkFailed(f"appeal.receipt: not a PDF: {receipt.content[:20]!r}")


class Staff:
    def __init__(self, walk: Walk, role: str, username: str, password: str, secret: str) -> None:
        self.client = Client(walk, username)
        self.client.session.headers["Accept-Language"] = "en"
        self.walk = walk
        self.role = role
        self.username = username
        self.password = password
        self.totp = pyotp.TOTP(secret)

    def sign_in(self) -> None:
        client = self.client
        page = client.page(f"{self.role}.sign-in", "/en/accounts/staff/sign-in/", lang="en")
        response = client.submit(
            f"{self.role}.sign-in.password",
            page,
            page.form(fields=["username", "password"]),
            {"username": self.username, "password": self.password},
            location=r"/en/accounts/staff/sign-in/code/",
        )
        code_page = client.follow(f"{self.role}.sign-in.code-page", response, lang="en")
        form = code_page.form(fields=["code"])
        # A code's time step can be used once per account: if this step's code was spent (a walk a moment ago),
        # the page says so and the next step's code is used, once it is current.
        for attempt in range(2):
            response = client.submit(
                f"{self.role}.sign-in.totp", code_page, form, {"code": self.totp.now()}, expect=(200, 302)
            )
            if response.status_code == 302:
                break
            if attempt == 1:
                raise WalkFailed(
                    f"{self.role}: the TOTP code was refused twice: {error_texts(response.text)}"
                )
            time.sleep(self.totp.interval - time.time() % self.totp.interval + 1)
            code_page = client._parse(code_page.path, response)
            form = code_page.form(fields=["code"])
        client.follow(f"{self.role}.signed-in", response, lang="en", hops=2)

    def case_page(self, step: str, path: str) -> Page:
        """A case page; if the portal first asks why the case is opened, state it (as a person would)."""
        response = self.client.request(step, "GET", path, expect=(200, 302))
        if response.status_code == 200:
            self.client.current = path
            return self.client._parse(path, response)
        target = self.client._path(response.headers["Location"])
        if "/access/cases/" not in target or "/reason/" not in target:
            raise WalkFailed(f"{step}: GET {path} redirected to {target}")
        reason = self.client.page(f"{step}.reason", target, lang="en")
        form = reason.form()
        values: dict[str, str] = {}
        for f in form.fields:
            if f.kind in ("radio", "select") and f.name not in form.defaults():
                values[f.name] = form.choices(f.name)[0]
            elif f.kind == "textarea" and not f.value:
                values[f.name] = "Smoke walk: countersigning the decision of my review body."
        self.client.submit(f"{step}.reason.send", reason, form, values)
        return self.client.page(step, path, lang="en")


def step_review(walk: Walk, demo: Demo, appeal: str, outcome: str) -> None:
    if not demo.totp_secret:
        raise WalkFailed("the demo output names no TOTP secret ('demo secret …'): cannot sign staff in")
    username, password = demo.staff["reviewer"]
    reviewer = Staff(walk, "reviewer", username, password, demo.totp_secret)
    reviewer.sign_in()
    client = reviewer.client
    workspace = f"/en/review/appeals/{appeal}/"

    # "Take next" gives the most urgent waiting appeal: on a fresh database, this walk's. (On a database an earlier
    # walk used, older appeals may come first; they are taken, and left, until this one comes.)
    taken: list[str] = []
    while workspace not in taken:
        if len(taken) == 5:
            raise WalkFailed(f"review.take-next gave {taken}, never this walk's appeal {workspace}")
        pool = client.page("review.pool", "/en/review/team/", lang="en")
        response = client.submit(
            "review.take-next",
            pool,
            pool.form(action="/review/take-next/"),
            location=r"/en/review/appeals/\w+/",
        )
        taken.append(client._path(response.headers["Location"]))
    blind: list[str] = []
    page = reviewer.case_page("review.workspace", workspace)
    blind.append(page.html)
    client.submit(
        "review.conflict",
        page,
        page.form(fields=["has_conflict"], action="/conflict/"),
        {"has_conflict": "no"},
        location=re.escape(workspace),
    )
    page = reviewer.case_page("review.workspace", workspace)
    blind.append(page.html)
    client.submit("review.start", page, page.form(action="/start/"), location=re.escape(workspace))
    page = reviewer.case_page("review.workspace", workspace)
    blind.append(page.html)
    page.require_link(f"{workspace}assessment/")

    assess = reviewer.case_page("review.assessment", f"{workspace}assessment/")
    blind.append(assess.html)
    form = assess.form(fields=["outcome", "reasons"])
    empty = client.submit("review.assessment.empty", assess, form, expect=200)
    if "govuk-error-summary" not in empty.text:
        raise WalkFailed(f"{assess.path}: sent empty, the page shows no error summary")
    findings = sorted(n for n in form.names() if re.fullmatch(r"finding_\d+", n))
    if not findings:
        raise WalkFailed(f"{assess.path}: no ground to give a finding on")
    values = {"outcome": outcome, "reasons": "The recorded criteria are met; the grounds do not change them."}
    if outcome != "DECISION_UPHELD":
        new = [v for v in form.choices("new_outcome") if v]
        if not new:
            raise WalkFailed(f"{assess.path}: no new outcome to choose")
        values["new_outcome"] = new[0]
    for name in findings:
        position = name.split("_")[1]
        values[name] = "REJECTED" if outcome == "DECISION_UPHELD" else "ACCEPTED"
        values[f"reasons_{position}"] = f"Finding on ground {position}, from the documents on file."
    client.submit("review.assessment.send", assess, form, values, location=re.escape(workspace))
    page = reviewer.case_page("review.workspace", workspace)
    blind.append(page.html)
    for html in blind:
        if 'id="ai-score"' in html:
            raise WalkFailed("review: the AI's score was shown before the blind assessment was recorded")

    response = client.submit(
        "review.reveal", page, page.form(action="/reveal/"), location=re.escape(f"{workspace}decision/")
    )
    decide = client.follow("review.decision", response, lang="en")
    if "ai-score" not in decide.parsed.ids:
        raise WalkFailed(f"{decide.path}: the AI's result (#ai-score) is not shown after the reveal")
    client.submit(
        "review.decision.send", decide, decide.form(fields=["outcome"]), location=re.escape(workspace)
    )
    reviewer.case_page("review.workspace", workspace)

    username, password = demo.staff["supervisor"]
    supervisor = Staff(walk, "supervisor", username, password, demo.totp_secret)
    supervisor.sign_in()
    waiting = supervisor.client.page("countersign.list", "/en/review/countersign/", lang="en")
    if workspace not in waiting.links_matching(re.escape(workspace)):
        print(f"# no countersignature asked for {appeal}: the decision was issued directly", flush=True)
        return
    page = supervisor.case_page("countersign.workspace", workspace)
    page.require_link(f"{workspace}countersign/")
    sign = supervisor.case_page("countersign.page", f"{workspace}countersign/")
    supervisor.client.submit(
        "countersign.send",
        sign,
        sign.form(fields=["agrees"]),
        {"agrees": "yes"},
        location=r"/en/review/countersign/",
    )
    waiting = supervisor.client.page("countersign.list", "/en/review/countersign/", lang="en")
    if workspace in waiting.links_matching(re.escape(workspace)):
        raise WalkFailed("countersign: the appeal is still waiting for a countersignature after it was given")


def step_letter(walk: Walk, citizen: Citizen, appeal: str) -> None:
    client, lang = citizen.client, citizen.lang
    detail = client.page("outcome.appeal", f"/{lang}/appeals/{appeal}/", lang=lang)
    letter = f"/{lang}/appeals/{appeal}/letter/"
    detail.require_link(letter)
    response = client.request("outcome.letter", "GET", letter, content_type="application/pdf")
    if not response.content.startswith(b"%PDF"):
        raise WalkFailed(f"outcome.letter: {letter} is not a PDF: {response.content[:20]!r}")
    disposition = response.headers.get("Content-Disposition", "")
    if f"decision-letter-{appeal}-{lang}.pdf" not in disposition:
        raise WalkFailed(f"outcome.letter: Content-Disposition {disposition!r} names another file")


def _outcomes(client: Client, step: str, token: str) -> list[dict[str, Any]]:
    """Every outcome the token's agency may see, page by page (bounded)."""
    results: list[dict[str, Any]] = []
    after = 0
    for _ in range(50):
        response = client.request(
            step,
            "GET",
            f"/api/v1/outcomes/?after={after}&limit=100",
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            content_type="application/json",
        )
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise WalkFailed(f"{step}: unexpected body {str(body)[:300]}")
        results.extend(body["results"])
        if not body.get("has_more"):
            return results
        after = int(body["next_cursor"])
    raise WalkFailed(f"{step}: more than 50 pages of outcomes")


def step_agency(walk: Walk, demo: Demo, chosen: Chosen, outcome: str, extra_tokens: list[str]) -> None:
    tokens = dict(demo.tokens)
    for i, token in enumerate(extra_tokens):
        tokens[f"token{i + 1}"] = token
    if not tokens:
        raise WalkFailed(
            "no agency API token: the demo output lists none (only the first load_demo prints them); "
            "pass --agency-token"
        )
    client = Client(walk, "the agency API")
    client.request(
        "api.outcomes.no-token", "GET", "/api/v1/outcomes/", expect=401, content_type="application/json"
    )
    wanted = plain(chosen.appeal)
    deadline = time.monotonic() + OUTCOME_WAIT_SECONDS
    while True:
        seen_by = {
            code: [
                r
                for r in _outcomes(client, f"api.outcomes.{code}", token)
                if plain(str(r.get("appeal_reference", ""))) == wanted
            ]
            for code, token in tokens.items()
        }
        owners = [code for code, rows in seen_by.items() if rows]
        if owners or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    if not owners:
        raise WalkFailed(
            f"no agency sees the outcome of appeal {chosen.appeal} at /api/v1/outcomes/ within "
            f"{OUTCOME_WAIT_SECONDS:.0f} s (tokens of: {sorted(tokens)})"
        )
    if len(owners) > 1:
        raise WalkFailed(f"the outcome of appeal {chosen.appeal} is visible to several agencies: {owners}")
    row = seen_by[owners[0]][-1]
    if row.get("outcome") != outcome:
        raise WalkFailed(
            f"api.outcomes: appeal {chosen.appeal} has outcome {row.get('outcome')!r}, expected {outcome}"
        )
    if plain(str(row.get("decision_reference", ""))) != plain(chosen.decision):
        raise WalkFailed(
            f"api.outcomes: appeal {chosen.appeal} names decision {row.get('decision_reference')!r}, "
            f"expected {chosen.decision}"
        )
    print(
        f"# agency {owners[0]} sees appeal {chosen.appeal}: {row.get('outcome')} (outcome id {row.get('id')})",
        flush=True,
    )


# --- main -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT (the plain hop behind TLS)")
    parser.add_argument("--sms-log", type=Path, help="the SMS stub's JSON lines (one message per line)")
    parser.add_argument(
        "--sms-console-log",
        type=Path,
        help="development: a server console log to read the code from when there is no SMS stub",
    )
    parser.add_argument("--demo-output", type=Path, help="what `manage.py load_demo` printed")
    parser.add_argument("--iin", help="the citizen to sign in (default: the first demo citizen)")
    parser.add_argument(
        "--phone", help="that citizen's phone, to pick their SMS (known for the demo citizens)"
    )
    parser.add_argument("--lang", choices=LANGS, help="the citizen's language (default: the demo citizen's)")
    parser.add_argument("--totp-secret", help="the staff TOTP secret (default: from the demo output)")
    parser.add_argument(
        "--agency-token", action="append", default=[], help="an agency API token (repeatable)"
    )
    parser.add_argument(
        "--outcome",
        choices=["DECISION_UPHELD", "OVERTURNED"],
        default="DECISION_UPHELD",
        help="the reviewer's decision (upheld is adverse: a supervisor countersigns on a high-impact system)",
    )
    parser.add_argument(
        "--prefer-system",
        default="digital-family-card",
        help="appeal a decision of this register entry if the citizen has one (default: the demo's high-impact one)",
    )
    args = parser.parse_args(argv)
    step = "setup"
    try:
        walk = Walk(args.base_url)
        demo = read_demo(args.demo_output)
        if args.totp_secret:
            demo.totp_secret = args.totp_secret
        iin = args.iin or (demo.citizens[0] if demo.citizens else "860314442176")
        phone, lang = DEMO_CITIZENS.get(iin, (None, "kk"))
        phone = args.phone or phone
        lang = args.lang or lang
        codes = CodeSource(args.sms_log, args.sms_console_log)

        step = "1 public pages"
        step_public(walk)
        step = "2 citizen sign-in"
        citizen = step_citizen_sign_in(walk, codes, iin, lang, phone)
        step = "3-4 decisions, explanation, appeal"
        chosen = step_decisions_and_appeal(walk, citizen, args.prefer_system)
        print(f"# appeal {chosen.appeal} filed on decision {chosen.decision}", flush=True)
        step = "5 review"
        step_review(walk, demo, chosen.appeal, args.outcome)
        step = "6 decision letter"
        step_letter(walk, citizen, chosen.appeal)
        step = "7 agency outcome"
        step_agency(walk, demo, chosen, args.outcome, args.agency_token)
    except WalkFailed as exc:
        print(f"FAILED in step {step}: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"smoke walk: {walk.steps} steps ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
