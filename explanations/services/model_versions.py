"""Registering model versions: validated against the published JSON Schema, immutable once stored."""

import base64
import binascii
import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts.models import Organisation
from portal.audit.services import audit_record
from portal.exceptions import Conflict, Problem, ValidationFailed

from ..models import ModelKind, ModelVersion
from ..spec import spec_hash, validate_spec
from ..spec.artifacts import artifact_sha256, check_artifact_matches_spec
from ..spec.importers import import_tree_ensemble
from .ingest import parse_aware_datetime, system_for_agency

FIELDS = frozenset(
    {
        "version",
        "released_at",
        "retired_at",
        "dataset",
        "parameters",
        "change_note",
        "performance",
        "spec",
        "artifact_skops_base64",
        "model_import",
    }
)
IMPORT_FIELDS = frozenset({"format", "model", "template", "sample_rows", "sample_margins"})
LANGS = ("kk", "ru", "en")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
ARTIFACT_KINDS = frozenset({ModelKind.LINEAR, ModelKind.LOGISTIC, ModelKind.DECISION_TREE})
MAX_ARTIFACT_BYTES = 20 * 1024 * 1024


def _i18n_problem(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != set(LANGS):
        return "must give the text in kk, ru and en (exactly those keys)"
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        return "each language needs a non-empty text"
    return None


def _check_payload(payload: Any) -> tuple[list[Problem], dict[str, Any]]:
    problems: list[Problem] = []
    if not isinstance(payload, dict):
        return [Problem("", "the body must be a JSON object")], {}
    for key in payload.keys() - FIELDS:
        problems.append(Problem(key, "unknown field"))
    for key in ("version", "released_at", "dataset", "change_note"):
        if key not in payload:
            problems.append(Problem(key, "this field is required"))
    if ("spec" in payload) == ("model_import" in payload):
        problems.append(
            Problem("spec", "give either the spec or model_import (a tree ensemble in its library's format)")
        )
    if problems:
        return problems, {}
    clean: dict[str, Any] = {}
    if not isinstance(payload["version"], str) or not _VERSION.match(payload["version"]):
        problems.append(
            Problem("version", "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        )
    clean["released_at"] = parse_aware_datetime(payload["released_at"])
    if clean["released_at"] is None:
        problems.append(Problem("released_at", "must be an ISO 8601 date-time with a time zone"))
    clean["retired_at"] = None
    if payload.get("retired_at") is not None:
        clean["retired_at"] = parse_aware_datetime(payload["retired_at"])
        if clean["retired_at"] is None:
            problems.append(Problem("retired_at", "must be an ISO 8601 date-time with a time zone, or null"))
        elif clean["released_at"] and clean["retired_at"] < clean["released_at"]:
            problems.append(Problem("retired_at", "is earlier than released_at"))
    dataset = payload["dataset"]
    if not isinstance(dataset, dict) or set(dataset) != {"name", "version", "sha256"}:
        problems.append(Problem("dataset", "must be an object with name, version and sha256"))
    else:
        if not isinstance(dataset["name"], str) or not 0 < len(dataset["name"]) <= 200:
            problems.append(Problem("dataset.name", "must be a non-empty string of at most 200 characters"))
        if not isinstance(dataset["version"], str) or not 0 < len(dataset["version"]) <= 64:
            problems.append(Problem("dataset.version", "must be a non-empty string of at most 64 characters"))
        if not isinstance(dataset["sha256"], str) or not _SHA256.match(dataset["sha256"]):
            problems.append(Problem("dataset.sha256", "must be 64 lowercase hexadecimal characters"))
    problem = _i18n_problem(payload["change_note"])
    if problem:
        problems.append(Problem("change_note", problem))
    for key in ("parameters", "performance"):
        if not isinstance(payload.get(key, {}), dict):
            problems.append(Problem(key, "must be an object"))
    if "model_import" in payload:
        if problems:
            return problems, clean
        spec, check, import_problems = _import(payload["model_import"])
        if import_problems:
            return problems + import_problems, clean
        clean["import_check"] = check
    else:
        spec = payload["spec"]
        for error in validate_spec(spec):
            problems.append(Problem(f"spec.{error.path}" if error.path else "spec", error.message))
    clean["spec"] = spec
    artifact = payload.get("artifact_skops_base64")
    if artifact is not None and not problems:
        kind = spec["kind"]
        if kind not in ARTIFACT_KINDS:
            problems.append(
                Problem(
                    "artifact_skops_base64",
                    "an artifact can be attached to linear, logistic or decision_tree versions only",
                )
            )
        else:
            try:
                blob = base64.b64decode(artifact, validate=True) if isinstance(artifact, str) else None
            except (binascii.Error, ValueError):
                blob = None
            if blob is None:
                problems.append(Problem("artifact_skops_base64", "must be base64 of a skops file"))
            elif len(blob) > MAX_ARTIFACT_BYTES:
                problems.append(Problem("artifact_skops_base64", f"larger than {MAX_ARTIFACT_BYTES} bytes"))
            else:
                for error in check_artifact_matches_spec(blob, spec):
                    problems.append(Problem("artifact_skops_base64", error.message))
                clean["artifact"] = blob
    return problems, clean


def _import(request: Any) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    """Import a fitted tree ensemble (``model_import``) into a spec, checked against the library's predictions.

    Returns (spec, import check, problems). The check (rows, largest difference, tolerance) is stored with the
    version, so that anyone can see how closely the portal's replay reproduced the agency's library; beyond
    the tolerance the registration is refused, with the largest difference in the first problem.
    """
    if not isinstance(request, dict):
        return {}, {}, [Problem("model_import", "must be an object")]
    problems = [Problem(f"model_import.{k}", "unknown field") for k in sorted(request.keys() - IMPORT_FIELDS)]
    for key in ("format", "model", "template", "sample_rows"):
        if key not in request:
            problems.append(Problem(f"model_import.{key}", "this field is required"))
    if problems:
        return {}, {}, problems
    fmt, model = request["format"], request["model"]
    if not isinstance(model, str):
        return (
            {},
            {},
            [Problem("model_import.model", "must be a string (the file's text, or base64 for skops)")],
        )
    data: bytes | str = model
    if fmt == "sklearn-skops":
        try:
            data = base64.b64decode(model, validate=True)
        except (binascii.Error, ValueError):
            return {}, {}, [Problem("model_import.model", "must be base64 of a skops file")]
        if len(data) > MAX_ARTIFACT_BYTES:
            return {}, {}, [Problem("model_import.model", f"larger than {MAX_ARTIFACT_BYTES} bytes")]
    rows, margins = request["sample_rows"], request.get("sample_margins")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return {}, {}, [Problem("model_import.sample_rows", "must be a list of objects (feature → value)")]
    if margins is not None and not isinstance(margins, list):
        return {}, {}, [Problem("model_import.sample_margins", "must be a list (one margin or list per row)")]
    report = import_tree_ensemble(fmt, data, request["template"], rows, margins)
    check = {
        "format": fmt,
        "source": report.source,
        "rows_checked": report.rows_checked,
        "max_difference": report.max_difference,
        "tolerance": report.tolerance,
    }
    if report.ok and report.spec is not None:
        return report.spec, check, []
    found: list[Problem] = []
    if report.max_difference is not None and report.rows_checked:
        found.append(
            Problem(
                "model_import",
                f"registration refused: replaying the {report.rows_checked} sample rows from the imported "
                f"spec differs from the library's predictions by up to {report.max_difference:.3g} "
                f"(tolerance {report.tolerance:g}), or gives another outcome",
            )
        )
    found += [
        Problem(f"model_import.{e.path}" if e.path else "model_import", e.message) for e in report.errors
    ]
    return {}, check, found


def _store_artifact(blob: bytes, digest: str) -> str:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.skops"
    if not path.exists():
        path.write_bytes(blob)
    return str(path.relative_to(settings.PRIVATE_MEDIA_ROOT))


def model_version_register(
    *, organisation: Organisation, system_code: str, payload: Any, actor: str, now: dt.datetime | None = None
) -> tuple[ModelVersion, bool]:
    """Register a version; returns (version, created). The same version with identical content is returned
    as it is (created=False); with different content it is a Conflict: a change needs a new version."""
    system = system_for_agency(organisation=organisation, system_code=system_code)
    problems, clean = _check_payload(payload)
    if problems:
        raise ValidationFailed(problems)
    spec = clean["spec"]
    digest = spec_hash(spec)
    blob = clean.get("artifact")
    art_sha = artifact_sha256(blob) if blob else ""
    fields = {
        "kind": spec["kind"],
        "spec": spec,
        "spec_hash": digest,
        "released_at": clean["released_at"],
        "retired_at": clean["retired_at"],
        "dataset_name": payload["dataset"]["name"],
        "dataset_version": payload["dataset"]["version"],
        "dataset_sha256": payload["dataset"]["sha256"],
        "parameters": payload.get("parameters", {}),
        "change_note": payload["change_note"],
        "performance": payload.get("performance", {}),
        "artifact_sha256": art_sha,
        "import_check": clean.get("import_check", {}),
    }
    existing = ModelVersion.objects.filter(system=system, version=payload["version"]).first()
    if existing is not None:
        if existing.spec_hash == digest and existing.artifact_sha256 == art_sha:
            return existing, False
        raise Conflict(
            f"Version {payload['version']} is already registered with different content; "
            "register the change as a new version."
        )
    try:
        with transaction.atomic():
            version = ModelVersion.objects.create(
                system=system,
                version=payload["version"],
                registered_at=now or timezone.now(),
                artifact_path=_store_artifact(blob, art_sha) if blob else "",
                **fields,
            )
            audit_record(
                action="model_version.registered",
                actor=actor,
                object_type="model_version",
                object_id=version.pk,
                data={
                    "system": system.code,
                    "version": version.version,
                    "spec_hash": digest,
                    "artifact_sha256": art_sha,
                    "kind": version.kind,
                },
            )
    except IntegrityError as exc:
        raise Conflict(f"Version {payload['version']} was registered concurrently; read it back.") from exc
    return version, True
