"""Bulk ingest of decisions from an agency: validated as a whole, replayed, written in one COPY, audited.

A batch is all-or-nothing. Validation is plain Python over the parsed JSON (no per-row ORM, no per-row query);
the rows reach PostgreSQL through COPY in the same transaction as the audit event that records the batch.
"""

import datetime as dt
import hashlib
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import crypto
from portal.accounts.models import Organisation
from portal.audit.services import audit_record
from portal.exceptions import NotFound, Problem, ValidationFailed
from portal.identifiers import iin_problem, new_reference

from ..models import (
    AgeBand,
    AlgorithmicSystem,
    Decision,
    HumanInvolvement,
    ModelKind,
    ModelVersion,
    Reproducibility,
    Settlement,
    Sex,
)
from ..page_cache import pages_changed
from ..spec import CompiledModel, NotReplayable, compile_spec, scores_match

RECORD_FIELDS = frozenset(
    {
        "external_id",
        "model_version",
        "subject_iin",
        "household_id",
        "group",
        "decided_at",
        "notified",
        "notified_at",
        "outcome",
        "score",
        "inputs",
        "attributions",
        "human_involvement",
        "supersedes",
    }
)
REQUIRED_FIELDS = (
    "external_id",
    "model_version",
    "subject_iin",
    "decided_at",
    "notified",
    "outcome",
    "inputs",
)
GROUP_FIELDS = {
    "region": None,
    "settlement": frozenset(Settlement.values),
    "sex": frozenset(Sex.values),
    "age_band": frozenset(AgeBand.values),
    "disability": None,
}
INPUT_FIELDS = frozenset({"value", "source", "as_of_date", "collection"})
COLLECTION_METHODS = frozenset({"registry", "declared", "imputed", "derived", "default"})
HUMAN_KINDS = frozenset(HumanInvolvement.values)


@dataclass(frozen=True)
class IngestResult:
    batch_id: uuid.UUID
    system: str
    created: list[dict[str, str]]
    not_reproducible: int


def system_for_agency(*, organisation: Organisation, system_code: str) -> AlgorithmicSystem:
    """The system if this agency operates it; NotFound otherwise (another agency's system looks absent)."""
    system = AlgorithmicSystem.objects.filter(code=system_code, operator=organisation).first()
    if system is None:
        raise NotFound(_("No system %(code)s operated by your agency.") % {"code": repr(system_code)})
    return system


def parse_aware_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _RecordChecker:
    """Checks one record and turns it into a row; collects every problem with its index and field."""

    def __init__(self, versions: dict[str, tuple[ModelVersion, CompiledModel]], now: dt.datetime) -> None:
        self.versions = versions
        self.now = now
        self.problems: list[Problem] = []

    def fail(self, index: int, field: str, message: str) -> None:
        self.problems.append(Problem(field=field, message=message, index=index))

    def check(self, index: int, record: Any) -> dict[str, Any] | None:
        if not isinstance(record, dict):
            self.fail(index, "", _("each decision must be a JSON object"))
            return None
        before = len(self.problems)
        for key in record.keys() - RECORD_FIELDS:
            self.fail(index, key, _("unknown field"))
        for key in REQUIRED_FIELDS:
            if key not in record:
                self.fail(index, key, _("this field is required"))
        if len(self.problems) > before:
            return None

        external_id = record["external_id"]
        if not isinstance(external_id, str) or not 1 <= len(external_id) <= 100:
            self.fail(index, "external_id", _("must be a string of 1 to 100 characters"))
        version_name = record["model_version"]
        version_entry = self.versions.get(version_name) if isinstance(version_name, str) else None
        if version_entry is None:
            self.fail(
                index,
                "model_version",
                _("unknown model version %(version)s for this system") % {"version": repr(version_name)},
            )
        iin = record["subject_iin"]
        problem = iin_problem(iin)
        if problem:
            self.fail(index, "subject_iin", problem)
        household = record.get("household_id", "")
        if household is None:
            household = ""
        if not isinstance(household, str) or len(household) > 64:
            self.fail(index, "household_id", _("must be a string of at most 64 characters"))

        group = record.get("group") or {}
        if not isinstance(group, dict):
            self.fail(index, "group", _("must be an object"))
            group = {}
        for key, value in group.items():
            if key not in GROUP_FIELDS:
                self.fail(index, f"group.{key}", _("unknown group attribute"))
            elif key == "disability":
                if value is not None and not isinstance(value, bool):
                    self.fail(index, "group.disability", _("must be true, false or null"))
            elif key == "region":
                if not isinstance(value, str) or len(value) > 64:
                    self.fail(index, "group.region", _("must be a string of at most 64 characters"))
            elif value not in GROUP_FIELDS[key]:  # type: ignore[operator]
                allowed = ", ".join(sorted(GROUP_FIELDS[key]))  # type: ignore[arg-type]
                self.fail(index, f"group.{key}", _("must be one of: %(allowed)s") % {"allowed": allowed})

        decided_at = parse_aware_datetime(record["decided_at"])
        if decided_at is None:
            self.fail(index, "decided_at", _("must be an ISO 8601 date-time with a time zone"))
        elif decided_at > self.now + dt.timedelta(minutes=5):
            self.fail(index, "decided_at", _("lies in the future"))
        notified = record["notified"]
        notified_at = None
        if not isinstance(notified, bool):
            self.fail(index, "notified", _("must be true or false"))
        elif notified:
            notified_at = parse_aware_datetime(record.get("notified_at"))
            if notified_at is None:
                self.fail(
                    index,
                    "notified_at",
                    _("required when notified is true: an ISO 8601 date-time with a zone"),
                )
            elif decided_at is not None and notified_at < decided_at:
                self.fail(index, "notified_at", _("is earlier than decided_at"))
        elif record.get("notified_at") is not None:
            self.fail(
                index, "notified_at", _("must be absent or null for a silent assessment (notified is false)")
            )

        score = record.get("score")
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
        ):
            self.fail(index, "score", _("must be a finite number or null"))

        human = record.get("human_involvement") or {"kind": "NONE"}
        if not isinstance(human, dict) or human.get("kind") not in HUMAN_KINDS:
            self.fail(
                index,
                "human_involvement.kind",
                _("must be one of: %(allowed)s") % {"allowed": ", ".join(sorted(HUMAN_KINDS))},
            )
            human = {"kind": "NONE"}
        elif human.keys() - {"kind", "role", "note"}:
            self.fail(index, "human_involvement", _("only kind, role and note are allowed"))
        elif human["kind"] != "NONE" and not isinstance(human.get("role"), str):
            self.fail(
                index, "human_involvement.role", _("name the role of the person who reviewed or decided")
            )
        supersedes = record.get("supersedes")
        if supersedes is not None and (not isinstance(supersedes, str) or not supersedes):
            self.fail(index, "supersedes", _("must be the external_id of an earlier decision of this system"))

        inputs = record["inputs"]
        values: dict[str, Any] = {}
        if not isinstance(inputs, dict):
            self.fail(index, "inputs", _("must be an object keyed by feature name"))
            inputs = {}
        for name, item in inputs.items():
            if not isinstance(item, dict) or "value" not in item:
                self.fail(
                    index, f"inputs.{name}", _("must be an object with value, source, as_of_date, collection")
                )
                continue
            extra = item.keys() - INPUT_FIELDS
            if extra:
                self.fail(
                    index, f"inputs.{name}", _("unknown keys: %(keys)s") % {"keys": ", ".join(sorted(extra))}
                )
            if not isinstance(item.get("source"), str) or not item["source"]:
                self.fail(index, f"inputs.{name}.source", _("name the source registry"))
            if not _is_date(item.get("as_of_date")):
                self.fail(index, f"inputs.{name}.as_of_date", _("must be a date YYYY-MM-DD"))
            if item.get("collection") not in COLLECTION_METHODS:
                allowed = ", ".join(sorted(COLLECTION_METHODS))
                self.fail(
                    index,
                    f"inputs.{name}.collection",
                    _("must be one of: %(allowed)s") % {"allowed": allowed},
                )
            values[name] = item["value"]

        if version_entry is None:
            return None
        version, compiled = version_entry
        for feature, message in compiled.validate_inputs(values):
            self.fail(index, f"inputs.{feature}", message)
        outcome = record["outcome"]
        if outcome not in compiled.outcome_codes:
            self.fail(
                index,
                "outcome",
                _("unknown outcome %(outcome)s for model version %(version)s")
                % {"outcome": repr(outcome), "version": version.version},
            )
        attributions = record.get("attributions")
        if version.kind == ModelKind.OPAQUE:
            if not isinstance(attributions, dict) or not attributions:
                self.fail(index, "attributions", _("required for an opaque model: a number per feature"))
            else:
                for name, weight in attributions.items():
                    if name not in compiled.feature_names:
                        self.fail(index, f"attributions.{name}", _("unknown feature"))
                    elif (
                        isinstance(weight, bool)
                        or not isinstance(weight, int | float)
                        or not math.isfinite(weight)
                    ):
                        self.fail(index, f"attributions.{name}", _("must be a finite number"))
        elif attributions is not None:
            self.fail(index, "attributions", _("only opaque model versions carry agency attributions"))
        if len(self.problems) > before:
            return None

        try:
            replay = compiled.score(values)
        except NotReplayable:
            reproducibility, replayed_score, replayed_outcome = Reproducibility.NOT_REPLAYABLE, None, ""
        else:
            replayed_score, replayed_outcome = replay.score, replay.outcome
            same = replay.outcome == outcome and scores_match(replay.score, score)
            reproducibility = Reproducibility.REPRODUCED if same else Reproducibility.MISMATCH

        return {
            "external_id": external_id,
            "version": version,
            "iin": iin,
            "household_id": household,
            "region": group.get("region", ""),
            "settlement": group.get("settlement", ""),
            "sex": group.get("sex", ""),
            "age_band": group.get("age_band", ""),
            "disability": group.get("disability"),
            "decided_at": decided_at,
            "notified": notified,
            "notified_at": notified_at,
            "outcome": outcome,
            "score": float(score) if score is not None else None,
            "inputs": inputs,
            "attributions": attributions,
            "human_involvement": human["kind"],
            "human_role": human.get("role") or "",
            "human_note": human.get("note") or "",
            "reproducibility": reproducibility,
            "replayed_score": replayed_score,
            "replayed_outcome": replayed_outcome,
            "supersedes": supersedes,
        }


def content_hash(
    row: dict[str, Any], *, system_code: str, iin_hash: str, supersedes_reference: str | None
) -> str:
    """SHA-256 over the canonical JSON of everything the decision says (the IIN only as its keyed hash)."""
    doc = {
        "system": system_code,
        "model_version": row["version"].version,
        "external_id": row["external_id"],
        "subject": iin_hash,
        "household_id": row["household_id"],
        "group": [row["region"], row["settlement"], row["sex"], row["age_band"], row["disability"]],
        "decided_at": row["decided_at"].isoformat(),
        "notified": row["notified"],
        "notified_at": row["notified_at"].isoformat() if row["notified_at"] else None,
        "outcome": row["outcome"],
        "score": row["score"],
        "inputs": row["inputs"],
        "attributions": row["attributions"],
        "human": [row["human_involvement"], row["human_role"], row["human_note"]],
        "supersedes": supersedes_reference,
    }
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


_COLUMNS = (
    "reference",
    "system_id",
    "model_version_id",
    "external_id",
    "subject_iin_hash",
    "subject_iin_encrypted",
    "household_id",
    "region",
    "settlement",
    "sex",
    "age_band",
    "disability",
    "decided_at",
    "notified",
    "notified_at",
    "outcome",
    "score",
    "inputs",
    "attributions",
    "human_involvement",
    "human_role",
    "human_note",
    "reproducibility",
    "replayed_score",
    "replayed_outcome",
    "supersedes_id",
    "content_hash",
    "batch_id",
    "ingested_at",
)


_EXTERNAL_ID = _COLUMNS.index("external_id")
DEADLOCK_DETECTED = "40P01"
DEADLOCK_ATTEMPTS = 3  # writes of one batch that PostgreSQL may abort as a deadlock before it is answered 422
DEADLOCK_BACKOFF_SECONDS = 0.05


def _copy_rows(rows: Iterable[tuple[Any, ...]]) -> None:
    table = Decision._meta.db_table
    # The raw psycopg cursor raises psycopg's own errors; Django's wrapper turns them into django.db errors
    # (a unique violation into IntegrityError), as for any query made through the ORM.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _orm_rows(rows: Iterable[tuple[Any, ...]]) -> None:
    objs = []
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        for key in ("inputs", "attributions"):
            values[key] = orjson.loads(values[key]) if values[key] is not None else None
        objs.append(Decision(**values))
    Decision.objects.bulk_create(objs, batch_size=500)


def _existing_external_ids(system: AlgorithmicSystem, external_ids: list[str]) -> list[str]:
    """Which of these external ids the system already has: one query, an array parameter on PostgreSQL."""
    if connection.vendor != "postgresql":
        query = Decision.objects.filter(system=system, external_id__in=external_ids)
        return list(query.values_list("external_id", flat=True))
    table = Decision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT external_id FROM {table} WHERE system_id = %s AND external_id = ANY(%s)",  # noqa: S608
            [system.pk, external_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _exists_message(external_id: str) -> str:
    return _("a decision with external_id %(external_id)s already exists for this system") % {
        "external_id": repr(external_id)
    }


def _is_deadlock(exc: OperationalError) -> bool:
    """PostgreSQL's deadlock_detected (SQLSTATE 40P01), raised by psycopg and wrapped by Django."""
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def _concurrent_problem() -> Problem:
    return Problem(
        "decisions", _("a concurrent request stored some of these decisions first; nothing was stored")
    )


def _stored_meanwhile(system: AlgorithmicSystem, rows: list[dict[str, Any]]) -> list[Problem]:
    """After a unique violation: what a concurrent request committed first, in the words of the sequential check.

    Read after our transaction rolled back, so the other request's rows are visible (READ COMMITTED).
    """
    index_of = {row["external_id"]: row["index"] for row in rows}
    problems = [
        Problem("external_id", _exists_message(ext), index=index_of[ext])
        for ext in _existing_external_ids(system, list(index_of))
    ]
    by_target = {row["supersedes"]: row["index"] for row in rows if row["supersedes"]}
    if by_target:
        taken = Decision.objects.filter(
            system=system, external_id__in=by_target, superseded_by__isnull=False
        ).values_list("external_id", flat=True)
        problems += [
            Problem("supersedes", _("that decision has already been superseded"), index=by_target[ext])
            for ext in taken
        ]
    return sorted(problems, key=lambda p: (p.index or 0, p.field))


def decisions_ingest(
    *, organisation: Organisation, system_code: str, records: Any, actor: str, now: dt.datetime | None = None
) -> IngestResult:
    """Validate, replay and store a batch of decisions for one system, all or nothing.

    Raises NotFound for a system the agency does not operate, ValidationFailed with every problem found
    (index, field, message) otherwise; in both cases nothing is written.
    """
    now = now or timezone.now()
    system = system_for_agency(organisation=organisation, system_code=system_code)
    if not isinstance(records, list) or not records:
        raise ValidationFailed([Problem("decisions", _("must be a non-empty list of decisions"))])
    limit = settings.INGEST_MAX_BATCH
    if len(records) > limit:
        raise ValidationFailed(
            [
                Problem(
                    "decisions",
                    _("a batch holds at most %(limit)d decisions; this one has %(count)d")
                    % {"limit": limit, "count": len(records)},
                )
            ],
            code="batch_too_large",
        )

    versions = {v.version: (v, compile_spec(v.spec)) for v in ModelVersion.objects.filter(system=system)}
    checker = _RecordChecker(versions, now)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        row = checker.check(index, record)
        if row is None:
            continue
        first = seen.setdefault(row["external_id"], index)
        if first != index:
            checker.fail(
                index,
                "external_id",
                _("repeats the external_id of decision %(index)d in this batch") % {"index": first},
            )
            continue
        rows.append(row | {"index": index})

    for ext in _existing_external_ids(system, [row["external_id"] for row in rows]):
        checker.fail(seen[ext], "external_id", _exists_message(ext))

    wanted = {row["supersedes"] for row in rows if row["supersedes"]}
    earlier = {
        ext: (pk, ref, iin_hash, has_successor)
        for ext, pk, ref, iin_hash, has_successor in Decision.objects.filter(
            system=system, external_id__in=wanted
        ).values_list("external_id", "pk", "reference", "subject_iin_hash", "superseded_by")
    }
    claimed: dict[str, int] = {}
    claimed_refs: list[str] = []

    out_rows = []
    created = []
    batch_id = uuid.uuid4()
    mismatches = 0
    for row in rows:
        iin_hash = crypto.lookup_hash(row["iin"])
        supersedes_pk = supersedes_ref = None
        if row["supersedes"]:
            target = earlier.get(row["supersedes"])
            if target is None:
                checker.fail(
                    row["index"], "supersedes", _("no earlier decision with this external_id in this system")
                )
                continue
            if target[3] is not None or row["supersedes"] in claimed:
                checker.fail(row["index"], "supersedes", _("that decision has already been superseded"))
                continue
            if target[2] != iin_hash:
                checker.fail(row["index"], "supersedes", _("a correction must concern the same person"))
                continue
            claimed[row["supersedes"]] = row["index"]
            supersedes_pk, supersedes_ref = target[0], target[1]
            claimed_refs.append(supersedes_ref)
        reference = new_reference()
        digest = content_hash(
            row, system_code=system.code, iin_hash=iin_hash, supersedes_reference=supersedes_ref
        )
        if row["reproducibility"] == Reproducibility.MISMATCH:
            mismatches += 1
        out_rows.append(
            (
                reference,
                system.pk,
                row["version"].pk,
                row["external_id"],
                iin_hash,
                crypto.encrypt(row["iin"]),
                row["household_id"],
                row["region"],
                row["settlement"],
                row["sex"],
                row["age_band"],
                row["disability"],
                row["decided_at"],
                row["notified"],
                row["notified_at"],
                row["outcome"],
                row["score"],
                orjson.dumps(row["inputs"]).decode(),
                orjson.dumps(row["attributions"]).decode() if row["attributions"] is not None else None,
                row["human_involvement"],
                row["human_role"],
                row["human_note"],
                row["reproducibility"],
                row["replayed_score"],
                row["replayed_outcome"],
                supersedes_pk,
                digest,
                batch_id,
                now,
            )
        )
        created.append(
            {
                "external_id": row["external_id"],
                "reference": reference,
                "reproducibility": row["reproducibility"],
            }
        )

    if checker.problems:
        checker.problems.sort(key=lambda p: p.index if p.index is not None else -1)
        raise ValidationFailed(checker.problems)

    batch_digest = hashlib.sha256("".join(r[26] for r in out_rows).encode()).hexdigest()
    # Written in external_id order, so that two batches sharing external ids take their unique-index entries in
    # the same order: the later one waits for the earlier and then fails with a unique violation, where opposite
    # orders would deadlock (the answer, the created list and the digest keep the request's order).
    written = sorted(out_rows, key=lambda r: str(r[_EXTERNAL_ID]))
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    _copy_rows(written)
                else:
                    _orm_rows(written)
                audit_record(
                    action="decision.batch.ingested",
                    actor=actor,
                    object_type="system",
                    object_id=system.code,
                    data={
                        "batch_id": str(batch_id),
                        "count": len(out_rows),
                        "not_reproducible": mismatches,
                        "content_digest": batch_digest,
                    },
                    now=now,
                )
                # A superseded decision's page says it was replaced by this correction.
                pages_changed(claimed_refs)
            break
        except OperationalError as exc:
            # Two batches correcting the same decisions in opposite orders (the supersedes index is not in
            # external_id order) can still deadlock, and PostgreSQL aborts one of them while the other is yet to
            # commit, so a re-check would not see it. Written again, this batch waits for that one to end: then
            # it stores, or fails with the unique violation below and hears the sequential answer.
            if not _is_deadlock(exc):
                raise
            if attempt == DEADLOCK_ATTEMPTS:
                raise ValidationFailed(_stored_meanwhile(system, rows) or [_concurrent_problem()]) from exc
            # A moment for the other batch, now unblocked, to take the entries it waited for: written again at
            # once, this one could take them first and deadlock again.
            time.sleep(DEADLOCK_BACKOFF_SECONDS * attempt)
        except IntegrityError as exc:
            # Another request stored one of these external_ids (or superseded the same decision) between our
            # check and our write. The transaction rolled back whole; answer as the check would have answered
            # had it come after the other request.
            raise ValidationFailed(_stored_meanwhile(system, rows) or [_concurrent_problem()]) from exc
    return IngestResult(batch_id=batch_id, system=system.code, created=created, not_reproducible=mismatches)
