"""The dependency audit never reports "no known vulnerabilities" for packages it could not look up."""

import importlib.util
import sys
from pathlib import Path

from django.conf import settings

_spec = importlib.util.spec_from_file_location(
    "dependency_audit", Path(settings.BASE_DIR) / ".ci" / "dependency_audit.py"
)
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
sys.modules["dependency_audit"] = audit  # dataclasses look their module up
_spec.loader.exec_module(audit)


def test_every_package_skipped_is_not_audited_even_though_pip_audit_found_nothing() -> None:
    report = {
        "dependencies": [
            {
                "name": "django",
                "skip_reason": "Dependency not found on PyPI and could not be audited: django",
            },
            {
                "name": "celery",
                "skip_reason": "Dependency not found on PyPI and could not be audited: celery",
            },
        ]
    }
    verdict = audit.verdict_from_report(report)
    assert verdict.status == "NOT AUDITED"
    assert "0 of 2" in verdict.lines()[0]
    assert "NOT known to be safe" in verdict.lines()[1]


def test_a_partly_reached_service_is_not_audited_and_counts_what_was_looked_up() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.20", "vulns": []},
            {"name": "celery", "skip_reason": "not found"},
        ]
    }
    verdict = audit.verdict_from_report(report)
    assert verdict.status == "NOT AUDITED"
    assert verdict.unaudited == ["celery"]
    assert "1 of 2" in verdict.lines()[0]


def test_known_vulnerabilities_fail_and_are_named() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1"}, {"id": "GHSA-xxxx"}]},
            {"name": "celery", "version": "5.5.0", "vulns": []},
        ]
    }
    verdict = audit.verdict_from_report(report)
    assert verdict.status == "VULNERABLE"
    assert verdict.vulnerable == {"django==5.2.0": ["PYSEC-2025-1", "GHSA-xxxx"]}


def test_only_a_complete_lookup_is_audited() -> None:
    report = {"dependencies": [{"name": "django", "version": "5.2.20", "vulns": []}]}
    assert audit.verdict_from_report(report).status == "AUDITED"
    assert audit.verdict_from_report({"dependencies": []}).status == "NOT AUDITED"


def test_strict_mode_fails_when_nothing_could_be_audited(tmp_path, monkeypatch) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("django==5.2.20 \\\n    --hash=sha256:00\n")
    monkeypatch.setattr(
        audit, "run", lambda lock, service: audit.Verdict(total=1, unaudited=["django==5.2.20"])
    )
    assert audit.main([str(lock), "--strict"]) == 2
    assert audit.main([str(lock)]) == 0
