"""Open data over generated decisions and appeals: every published number equals a direct recomputation from
the generated records, every small number is hidden, and nothing personal ever leaves: no IIN, name,
reference, household id or free text, and no count from 1 to 9, in the page, the CSV, the JSON or the API."""

import csv
import datetime as dt
import io
import json
import math
import random
import re
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from appeals.models import Appeal
from appeals.states import Outcome, State
from explanations.models import AlgorithmicSystem, Decision
from explanations.services.ingest import decisions_ingest
from explanations.services.model_versions import model_version_register
from oversight import opendata, rollups
from portal.accounts.models import Role, User
from portal.identifiers import format_reference, new_reference
from tests import factories
from tests.oversight.test_open_data_suppression import determined

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)  # published: January to June 2026
REGIONS = ["Astana", "Almaty", "Shymkent", "Abai region", "Ulytau region", ""]
WEIGHTS = [40, 30, 15, 8, 2, 5]
MEASURES = opendata.COUNT_MEASURES


@dataclass
class Generated:
    system: AlgorithmicSystem
    iins: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    households: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    # One entry per decision: (version, local month "YYYY-MM", region, notified) and its appeal, if any.
    rows: list[dict[str, Any]] = field(default_factory=list)


def _local_month(moment: dt.datetime) -> str:
    local = moment.astimezone(ALMATY)
    return f"{local.year:04d}-{local.month:02d}"


def generate(seed: int, n: int = 260) -> Generated:
    """Decisions of two model versions over January to July 2026 (July is not complete on NOW), with appeals
    in every state that matters: open, decided upheld, decided overturned (whole or part), in time and late."""
    rng = random.Random(seed)
    agency = factories.organisation()
    system = factories.system(agency, code=f"open-data-{seed}")
    factories.model_version(system, "1.0")  # released 2026-01-01 (Almaty)
    model_version_register(
        organisation=agency,
        system_code=system.code,
        payload=factories.version_payload("2.0", released_at="2026-04-01T00:00:00+05:00"),
        actor="test",
    )
    g = Generated(system)
    citizens = []
    for i in range(6):
        name = f"Zhanar Testova{seed}x{i}"
        g.names.append(name)
        citizens.append(
            User.objects.create_user(
                username=f"od-{seed}-{i}", password="not-used-here-123", role=Role.CITIZEN, full_name=name
            )
        )
    records = {"1.0": [], "2.0": []}  # type: dict[str, list[dict[str, Any]]]
    start = dt.datetime(2026, 1, 1, tzinfo=ALMATY)
    span = (dt.datetime(2026, 7, 20, tzinfo=ALMATY) - start).total_seconds()
    for i in range(n):
        if i < 4:  # month boundaries in local time: 31 Jan 20:30 UTC is 1 Feb in Almaty
            decided_at = [
                dt.datetime(2026, 1, 31, 20, 30, tzinfo=dt.UTC),
                dt.datetime(2026, 1, 31, 18, 30, tzinfo=dt.UTC),
                dt.datetime(2026, 6, 30, 19, 30, tzinfo=dt.UTC),
                dt.datetime(2026, 6, 30, 18, 30, tzinfo=dt.UTC),
            ][i]
        else:
            decided_at = start + dt.timedelta(seconds=rng.random() * span)
        version = "2.0" if decided_at >= dt.datetime(2026, 4, 1, tzinfo=ALMATY) else "1.0"
        region = rng.choices(REGIONS, WEIGHTS)[0]
        notified = rng.random() < 0.6
        iin = factories.iin(
            10_000 * seed + i, born=f"{rng.randint(50, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 2)}"
        )
        household = f"HH{seed:02d}{i:05d}Q"
        g.iins.append(iin)
        g.households.append(household)
        record = factories.decision_record(
            10_000 * seed + i,
            version=version,
            subject_iin=iin,
            household_id=household,
            group={
                "region": region,
                "settlement": "URBAN",
                "sex": "F",
                "age_band": "30-44",
                "disability": False,
            }
            if region
            else {"settlement": "RURAL"},
            decided_at=decided_at.isoformat(),
            notified=notified,
            external_id=f"od-{seed}-{i}",
        )
        if notified:
            record["notified_at"] = (decided_at + dt.timedelta(hours=1)).isoformat()
        records[version].append(record)
        g.rows.append(
            {
                "external_id": record["external_id"],
                "version": version,
                "month": _local_month(decided_at),
                "region": region,
                "notified": notified,
                "decided_at": decided_at,
                "appeal": None,
            }
        )
    for batch in records.values():
        decisions_ingest(organisation=agency, system_code=system.code, records=batch, actor="test")
    decisions = {d.external_id: d for d in Decision.objects.filter(system=system)}
    for row in g.rows:
        decision = decisions[row["external_id"]]
        g.references.append(decision.reference)
        g.references.append(format_reference(decision.reference))
        if rng.random() >= 0.55:
            continue
        submitted_at = row["decided_at"] + dt.timedelta(days=rng.randint(1, 20))
        due = (submitted_at + dt.timedelta(days=28)).astimezone(ALMATY).date()
        state = rng.choice([State.SUBMITTED, State.IN_REVIEW, State.DECIDED, State.DECIDED, State.CLOSED])
        outcome: str = ""
        appeal_decided_at: dt.datetime | None = None
        if state in (State.DECIDED, State.CLOSED):
            outcome = rng.choice([Outcome.DECISION_UPHELD, Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED])
            appeal_decided_at = submitted_at + dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 23))
        statement = f"Private statement {seed}-{row['external_id']}: my neighbour Bolat knows"
        reference = new_reference()
        g.references += [reference, format_reference(reference)]
        g.texts.append(statement)
        Appeal.objects.create(
            reference=reference,
            decision=decision,
            appellant=rng.choice(citizens),
            state=state,
            statement=statement,
            created_at=submitted_at - dt.timedelta(hours=1),
            submitted_at=submitted_at,
            due_date=due,
            outcome=outcome,
            decided_at=appeal_decided_at,
        )
        row["appeal"] = {"outcome": outcome, "decided_at": appeal_decided_at, "due": due}
    rollups.rollup_rebuild()
    cache.clear()
    return g


# ----------------------------------------------------------------------------------------------------------
# The direct recomputation: from the generated rows, in plain Python, without the code under test.


def expected_cells(g: Generated) -> dict[tuple[str, str, str], dict[str, int]]:
    published = [r for r in g.rows if "2026-01" <= r["month"] <= "2026-06"]
    per_region = Counter(r["region"] for r in published)
    cells: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for r in published:
        region = r["region"] if r["region"] and per_region[r["region"]] >= 10 else ""
        cell = cells[(r["version"], r["month"], region)]
        cell["decisions"] += 1
        cell["silent"] += 0 if r["notified"] else 1
        appeal = r["appeal"]
        if appeal is None:
            continue
        cell["appeals"] += 1
        if appeal["decided_at"] is not None:
            cell["decided"] += 1
            cell["overturned"] += appeal["outcome"] in (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED)
            cell["deadlines_kept"] += appeal["decided_at"].astimezone(ALMATY).date() <= appeal["due"]
    return cells


def wilson_reference(k: int, n: int) -> tuple[float, float, float]:
    z = 1.96
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return p, max(0.0, centre - half), min(1.0, centre + half)


def published_nodes(data: opendata.SystemOpenData) -> list[tuple[tuple[str, ...], opendata.Figures]]:
    nodes: list[tuple[tuple[str, ...], opendata.Figures]] = []
    for v in data.versions:
        nodes.append(((v.version,), v.figures))
        for m in v.months:
            nodes.append(((v.version, m.month), m.figures))
            nodes.extend(((v.version, m.month, r.region or ""), r.figures) for r in m.regions)
    return nodes


def expected_node(cells: dict[tuple[str, str, str], dict[str, int]], key: tuple[str, ...]) -> dict[str, int]:
    total = dict.fromkeys(MEASURES, 0)
    for cell_key, cell in cells.items():
        if cell_key[: len(key)] == key:
            for m in MEASURES:
                total[m] += cell[m]
    return total


@pytest.fixture(params=[1, 2, 3])
def generated(request: Any, db: None) -> Generated:
    return generate(request.param)


def test_every_published_number_equals_a_direct_recomputation(generated: Generated) -> None:
    cells = expected_cells(generated)

    data = opendata.build(generated.system, now=NOW)

    assert [v.version for v in data.versions] == ["1.0", "2.0"]
    assert (data.first_month, data.last_month) == ("2026-01", "2026-06")
    assert [m.month for m in data.versions[1].months] == ["2026-04", "2026-05", "2026-06"]
    shown = hidden = 0
    for key, figures in published_nodes(data):
        expected = expected_node(cells, key)
        for m in MEASURES:
            value = figures.counts[m]
            if value.suppressed:
                hidden += 1
                assert value.value is None
            else:
                shown += 1
                assert value.value == expected[m], (key, m)
            if 0 < expected[m] < opendata.THRESHOLD:
                assert value.suppressed, (key, m, expected[m])
        rate = figures.overturn_rate
        if figures.counts["decided"].suppressed or figures.counts["overturned"].suppressed:
            assert rate.suppressed and rate.value is None and rate.low is None
        elif expected["decided"] == 0:
            assert not rate.suppressed and rate.value is None  # nothing to divide: undefined, not hidden
        else:
            assert not rate.suppressed
            p, low, high = wilson_reference(expected["overturned"], expected["decided"])
            assert rate.value == pytest.approx(p)
            assert rate.low == pytest.approx(low, abs=1e-3)
            assert rate.high == pytest.approx(high, abs=1e-3)
    assert shown > 20 and hidden > 20  # the data exercise both sides of the boundary


def test_small_regions_are_pooled_and_every_combination_is_listed(generated: Generated) -> None:
    data = opendata.build(generated.system, now=NOW)

    published = [r for r in generated.rows if "2026-01" <= r["month"] <= "2026-06"]
    per_region = Counter(r["region"] for r in published)
    kept = sorted(r for r, n in per_region.items() if r and n >= 10)
    for version in data.versions:
        for month in version.months:
            assert [r.region for r in month.regions] == [*kept, None]
    assert "Ulytau region" not in kept  # the rare region is pooled, not named


def test_a_month_boundary_is_the_local_one(generated: Generated) -> None:
    # 31 Jan 20:30 UTC is 1 Feb 01:30 in Almaty, 30 Jun 19:30 UTC is 1 Jul (not published).
    cells = expected_cells(generated)
    data = opendata.build(generated.system, now=NOW)

    january = expected_node(cells, ("1.0", "2026-01"))["decisions"]
    shown = data.versions[0].months[0].figures.counts["decisions"]
    assert shown.suppressed or shown.value == january
    july = [r for r in generated.rows if r["month"] == "2026-07"]
    assert july, "the generated data include decisions of the month not yet complete"
    total = sum(expected_node(cells, (v,))["decisions"] for v in ("1.0", "2.0"))
    assert total == len(generated.rows) - len(july)


def test_no_hidden_count_or_difference_can_be_worked_out_from_the_published_figures(
    generated: Generated,
) -> None:
    data = opendata.build(generated.system, now=NOW)
    cells = expected_cells(generated)

    values: dict[Any, int] = {}
    hidden: set[Any] = set()
    groups: list[opendata.Group] = []
    subsets: list[tuple[Any, Any]] = []
    for key, figures in published_nodes(data):
        expected = expected_node(cells, key)
        for m in MEASURES:
            values[(key, m)] = expected[m]
            if figures.counts[m].suppressed:
                hidden.add((key, m))
        subsets += [((key, whole), (key, part)) for whole, part in opendata.SUBSETS]
    for m in MEASURES:
        for v in data.versions:
            months = tuple(((v.version, mo.month), m) for mo in v.months)
            groups.append(opendata.Group(((v.version,), m), months))
            for mo in v.months:
                parts = tuple(((v.version, mo.month, r.region or ""), m) for r in mo.regions)
                groups.append(opendata.Group(((v.version, mo.month), m), parts))
        assert any(k[1] == m for k in hidden), m

    assert determined(values, groups, hidden, subsets) == set()
    differences_shown = 0
    for whole, part in subsets:  # e.g. decided 12 and overturned 10 would say that 2 were not overturned
        if whole not in hidden and part not in hidden:
            differences_shown += 1
            assert not 0 < values[whole] - values[part] < opendata.THRESHOLD, (whole, part)
    assert differences_shown > 20


# ----------------------------------------------------------------------------------------------------------
# Nothing personal, and no small count, in any output.


class _Cells(HTMLParser):
    """The text of every table cell that carries a count (data-measure other than the rate)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._open: bool = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        measure = dict(attrs).get("data-measure")
        if tag == "td" and measure and measure != "overturn_rate":
            self._open = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.cells[-1] += data


def _as_int(text: str) -> int:
    return int(re.sub(r"[\s,.\u00a0\u202f]", "", text))


def _walk_counts(document: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in MEASURES:
                found.append(value["value"])
            else:
                found.extend(_walk_counts(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_walk_counts(item))
    return found


def _assert_nothing_personal(g: Generated, text: str, where: str) -> None:
    for secret in [*g.iins, *g.names, *g.references, *g.households, *g.texts]:
        assert secret not in text, f"{secret!r} leaked into {where}"
    assert "Bolat" not in text and "neighbour" not in text


def test_no_iin_name_reference_free_text_or_small_count_in_any_output(generated: Generated) -> None:
    client = Client()
    code = generated.system.code
    outputs: dict[str, str] = {}
    for lang in ("kk", "ru", "en"):
        for url in (f"/{lang}/open-data/", f"/{lang}/open-data/{code}/", f"/{lang}/register/{code}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            outputs[url] = response.content.decode()
    for url in (f"/en/open-data/{code}/data.csv", f"/en/open-data/{code}/data.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        outputs[url] = response.content.decode()
    for url in ("/api/v1/open-data/systems/", f"/api/v1/open-data/systems/{code}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        outputs[url] = response.content.decode()

    for where, text in outputs.items():
        _assert_nothing_personal(generated, text, where)

    # HTML: every count cell is "hidden" (in the page's language), 0, or a number of at least 10.
    pages = [u for u in outputs if u.endswith(f"/open-data/{code}/")]
    hidden_words = {"hidden"}
    for url in pages:
        parser = _Cells()
        parser.feed(outputs[url])
        assert parser.cells, url
        numbers = [c.strip() for c in parser.cells if re.fullmatch(r"[\d\s,.\u00a0\u202f]+", c.strip())]
        words = {c.strip() for c in parser.cells} - set(numbers)
        if url.startswith("/en/"):
            assert words <= hidden_words, words
        assert all(not 0 < _as_int(n) < 10 for n in numbers), url
    # CSV: every count column is "suppressed", 0, or a number of at least 10.
    reader = csv.DictReader(io.StringIO(outputs[f"/en/open-data/{code}/data.csv"]))
    rows = list(reader)
    assert rows
    for row in rows:
        for m in MEASURES:
            assert row[m] == "suppressed" or not 0 < int(row[m]) < 10, (row, m)
    # JSON download and API: the same document, every count null (suppressed), 0, or at least 10.
    download = json.loads(outputs[f"/en/open-data/{code}/data.json"])
    api = json.loads(outputs[f"/api/v1/open-data/systems/{code}/"])
    assert download["versions"] == api["versions"]
    counts = _walk_counts(api["versions"])
    assert counts and all(c is None or not 0 < c < 10 for c in counts)
    assert any(c is None for c in counts) and any(c is not None for c in counts)
