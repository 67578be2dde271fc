"""The lock file that `make install` and CI install from pins every dependency pyproject.toml names, with hashes."""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _locked(name: str = "requirements.lock") -> dict[str, list[str]]:
    """name -> the hash options of its pin."""
    locked: dict[str, list[str]] = {}
    current = None
    for line in (BASE_DIR / name).read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if pin:
            current = pin.group(1).lower().replace("_", "-")
            locked[current] = []
        elif current and "--hash=sha256:" in line:
            locked[current].append(line.strip())
        elif not line.startswith(" "):
            current = None
    return locked


def test_every_dependency_of_pyproject_is_pinned_with_hashes() -> None:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for group in project["optional-dependencies"].values() for r in group}
    locked = _locked()
    missing = sorted(wanted - set(locked))
    assert missing == [], f"not in requirements.lock (run `make lock`): {missing}"
    unhashed = sorted(name for name, hashes in locked.items() if not hashes)
    assert unhashed == []


def test_the_image_lock_pins_the_runtime_set_alone_each_at_the_development_version() -> None:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    prod, full = _locked("requirements-prod.lock"), _locked()
    assert sorted(runtime - set(prod)) == [], "run `make lock`"
    assert not {"pytest", "playwright", "mypy", "honcho", "pip-audit"} & set(prod)
    assert all(hashes for hashes in prod.values())
    versions = {}
    for file in ("requirements.lock", "requirements-prod.lock"):
        for line in (BASE_DIR / file).read_text().splitlines():
            pin = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
            if pin:
                versions.setdefault(pin.group(1).lower(), set()).add(pin.group(2))
    differing = sorted(n for n in prod if len(versions.get(n, ())) > 1)
    assert differing == [], f"the image would run other versions than CI tests: {differing}"
    assert set(prod) <= set(full)


@pytest.mark.parametrize("name", ["requirements.lock", "requirements-prod.lock"])
def test_the_lock_names_no_local_index_or_folder(name: str) -> None:
    text = (BASE_DIR / name).read_text()
    assert not re.search(r"^--(extra-)?index-url|^--find-links|file://", text, re.MULTILINE)
