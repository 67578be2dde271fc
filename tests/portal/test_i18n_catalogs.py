"""Every user-facing string is translated into kk, ru and en, and each compiled .mo matches its .po.

After adding or changing strings, regenerate, translate and compile:

    .venv/bin/python manage.py makemessages -l kk -l ru -l en --add-location=file \\
        --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench
    (fill in every empty msgstr in portal/locale/*/LC_MESSAGES/django.po; remove "#, fuzzy" once checked)
    .venv/bin/python manage.py compilemessages -l kk -l ru -l en --ignore=.venv

The test runs the same makemessages on a scratch copy of the sources, so it never writes into portal/locale
(makemessages writes strings found under portal/ into portal/locale itself, whatever LOCALE_PATHS says).
"""

import gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGS = ("kk", "ru", "en")
BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "portal" / "locale"
# The same folders the documented makemessages command skips: not ours (.venv, node_modules), generated (var),
# or never shown to users (tests, bench).
IGNORE = [".venv", "node_modules", "var", "tests", "bench"]
FIX = "run makemessages, translate, then compilemessages (see the docstring of tests/portal/test_i18n_catalogs.py)"

Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return self.msgctxt, self.msgid

    def label(self) -> str:
        return f"[{self.msgctxt}] {self.msgid!r}" if self.msgctxt else repr(self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a PO file (obsolete "#~" entries left out), header included (msgid "")."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#") for line in lines):
            continue  # obsolete entries are all "#~" comments
        entry, target = Entry(), ""
        for line in lines:
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                entry.locations += line[2:].split()
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if target.startswith("msgstr"):
                    index = int(target[7:-1]) if "[" in target else 0
                    entry.msgstr[index] += _unquote(line)
                else:
                    setattr(entry, target, getattr(entry, target) + _unquote(line))
            else:
                target, value = line.split(" ", 1)
                if target.startswith("msgstr"):
                    entry.msgstr[int(target[7:-1]) if "[" in target else 0] = _unquote(value)
                else:
                    setattr(entry, target, _unquote(value))
        entries.append(entry)
    return entries


def nplurals(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""))
    return int(match.group(1)) if match else 2


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"GNU gettext is required (REQUIRE_SERVICES=1) but missing: {missing}")
        pytest.skip(f"GNU gettext not installed: {missing}")


@pytest.fixture(scope="module")
def source_msgids(gettext_tools: None, tmp_path_factory: pytest.TempPathFactory) -> dict[Key, str]:
    """Every msgid that makemessages finds in the sources now, with the file it comes from."""
    copy = tmp_path_factory.mktemp("sources") / "project"
    scratch = tmp_path_factory.mktemp("locale")
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(*IGNORE, ".*", "__pycache__", "locale", "*.png", "*.mo", "*.sqlite3"),
    )
    cwd = Path.cwd()
    os.chdir(copy)  # makemessages only scans the current directory
    try:
        with override_settings(LOCALE_PATHS=[str(scratch)]):
            call_command(
                "makemessages", locale=["en"], ignore_patterns=IGNORE, add_location="file", verbosity=0
            )
    finally:
        os.chdir(cwd)
    extracted = parse_po(scratch / "en" / "LC_MESSAGES" / "django.po")
    found = {entry.key: " ".join(entry.locations) for entry in extracted if entry.msgid}
    assert found, "makemessages found no strings at all: the extraction itself is broken"
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_every_string_of_the_sources(lang: str, source_msgids: dict[Key, str]) -> None:
    catalog = {entry.key for entry in parse_po(_po(lang))}

    missing = sorted((key for key in source_msgids if key not in catalog), key=lambda k: (k[0] or "", k[1]))

    assert not missing, (
        f"{len(missing)} msgid(s) missing from {_po(lang).relative_to(BASE_DIR)}; {FIX}:\n"
        + "\n".join(
            f"  {Entry(msgctxt=ctx, msgid=msgid).label()}  ({source_msgids[(ctx, msgid)]})"
            for ctx, msgid in missing
        )
    )


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_empty_or_fuzzy_entry(lang: str) -> None:
    entries = parse_po(_po(lang))
    header = next((entry for entry in entries if entry.key == (None, "")), None)
    assert header is not None, f"{_po(lang)} has no header"
    forms = nplurals(header)

    problems = (
        ["  header: fuzzy (fill in the header, then remove the flag)"] if "fuzzy" in header.flags else []
    )
    for entry in entries:
        if entry is header:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"  fuzzy: {entry.label()}")
        expected = forms if entry.msgid_plural is not None else 1
        if len(entry.msgstr) != expected or not all(entry.msgstr.values()):
            problems.append(f"  empty: {entry.label()}")

    assert not problems, f"{_po(lang).relative_to(BASE_DIR)}; {FIX}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_its_source(lang: str, gettext_tools: None, tmp_path: Path) -> None:
    # Compare what the catalogs say, not bytes or file times: git does not keep mtimes, and another msgfmt
    # version may lay the same catalog out differently.
    compiled = _po(lang).with_suffix(".mo")
    assert compiled.exists(), f"{compiled.relative_to(BASE_DIR)} is missing; {FIX}"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(_po(lang))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"msgfmt rejects {_po(lang).relative_to(BASE_DIR)}:\n{result.stderr}"

    with compiled.open("rb") as committed_file, fresh.open("rb") as fresh_file:
        committed = gettext.GNUTranslations(committed_file)._catalog  # type: ignore[attr-defined]
        expected = gettext.GNUTranslations(fresh_file)._catalog  # type: ignore[attr-defined]

    stale = sorted(str(key) for key in expected.keys() ^ committed.keys())
    stale += sorted(str(key) for key in expected.keys() & committed.keys() if expected[key] != committed[key])
    assert not stale, f"{compiled.relative_to(BASE_DIR)} is out of date with its .po; {FIX}:\n" + "\n".join(
        f"  {key}" for key in stale[:50]
    )
