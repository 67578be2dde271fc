"""Audit the locked dependency set with pip-audit, and say plainly when it could not.

pip-audit prints "No known vulnerabilities found" even when every package was skipped because the
vulnerability service could not be asked about it (a registry mirror without per-release JSON, no network).
This wrapper reads its JSON report instead and ends in one of three verdicts:

- ``VULNERABLE``: known vulnerabilities in locked packages (listed); exit 1.
- ``AUDITED``: every locked package was looked up and none has a known vulnerability; exit 0.
- ``NOT AUDITED``: the vulnerability data could not be reached for some or all packages (counted and named);
  exit 0, or 2 with ``--strict`` (use it where the data is reachable, so an outage cannot pass silently).

Usage: python .ci/dependency_audit.py requirements.lock [--strict] [--service pypi|osv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Verdict:
    total: int
    vulnerable: dict[str, list[str]] = field(default_factory=dict)  # "name==version" -> ids
    unaudited: list[str] = field(default_factory=list)  # "name==version"
    error: str = ""

    @property
    def status(self) -> str:
        if self.vulnerable:
            return "VULNERABLE"
        if self.error or self.unaudited or self.total == 0:
            return "NOT AUDITED"
        return "AUDITED"

    def lines(self) -> list[str]:
        audited = self.total - len(self.unaudited)
        out = [f"dependency audit: {self.status} ({audited} of {self.total} locked packages looked up)"]
        if self.error:
            out.append(f"  pip-audit could not run to the end: {self.error}")
        for name, ids in sorted(self.vulnerable.items()):
            out.append(f"  {name}: {', '.join(ids)}")
        if self.unaudited:
            shown = ", ".join(self.unaudited[:8]) + (" …" if len(self.unaudited) > 8 else "")
            out.append(
                f"  vulnerability data could not be reached for {len(self.unaudited)} packages ({shown}); "
                "they are NOT known to be safe"
            )
        return out


def verdict_from_report(report: dict) -> Verdict:
    """Read pip-audit's JSON report (``--format json``)."""
    deps = report.get("dependencies", [])
    verdict = Verdict(total=len(deps))
    for dep in deps:
        label = f"{dep['name']}=={dep['version']}" if dep.get("version") else str(dep.get("name"))
        if dep.get("skip_reason"):
            verdict.unaudited.append(label)
        elif dep.get("vulns"):
            verdict.vulnerable[label] = [v.get("id", "?") for v in dep["vulns"]]
    return verdict


def run(lock: Path, service: str) -> Verdict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            sys.executable, "-m", "pip_audit", "-r", str(lock), "--require-hashes", "--disable-pip",
            "--vulnerability-service", service, "--format", "json", "--output", str(out), "--progress-spinner", "off",
        ]  # fmt: skip
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            result = subprocess.CompletedProcess(cmd, 124, "", "pip-audit did not finish within 900 s")
        if out.is_file() and out.stat().st_size:
            verdict = verdict_from_report(json.loads(out.read_text()))
            if result.returncode not in (0, 1):
                verdict.error = (
                    result.stderr.strip().splitlines()[-1:][0] if result.stderr.strip() else "exit code"
                )
            return verdict
        lines = lock.read_text().splitlines()
        pinned = [ln.split()[0] for ln in lines if "==" in ln and not ln.lstrip().startswith(("#", "--"))]
        tail = (
            result.stderr.strip().splitlines()[-1]
            if result.stderr.strip()
            else f"exit code {result.returncode}"
        )
        return Verdict(total=len(pinned), unaudited=pinned, error=tail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument(
        "--strict", action="store_true", help="fail (exit 2) when anything could not be audited"
    )
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    args = parser.parse_args(argv)
    verdict = run(args.lock, args.service)
    tried = [args.service]
    if verdict.status == "NOT AUDITED" and args.service == "pypi":
        other = run(args.lock, "osv")  # a second source, before saying "not audited"
        tried.append("osv")
        if len(other.unaudited) < len(verdict.unaudited) or other.vulnerable:
            verdict = other
    print("\n".join(verdict.lines()))
    print(f"  vulnerability services asked: {', '.join(tried)}")
    if verdict.status == "VULNERABLE":
        return 1
    if verdict.status == "NOT AUDITED" and args.strict:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
