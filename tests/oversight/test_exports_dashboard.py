"""The downloads of the dashboard over generated data: the CSV and the JSON of every table, parsed back, give
exactly the Table the selectors return for the same filters; the monthly PDF prints the same tables, with
extractable Kazakh text; none of them is served to anyone but the ombudsman's office."""

import csv
import io
import json
import math
from urllib.parse import urlencode

import pypdf
import pytest
from django.test import Client
from django.utils import translation

from oversight import rollups, selectors
from oversight.selectors import Filters, Period
from oversight.tables import Interval
from portal.accounts.models import OrganisationKind, Role, User
from tests import factories

from .conftest import World, add_appeals, add_decisions

QUERIES = [
    {"period_from": "2025-01", "period_to": "2025-12"},
    {"period_from": "2025-04", "period_to": "2025-06", "region": "Almaty"},
    {"period_from": "2025-01", "period_to": "2025-12", "system": "sys-b-1"},
]
KAZAKH_LETTERS = set("әғқңөұүі")


@pytest.fixture
def data(world: World) -> World:
    decisions = add_decisions(world, 300)
    add_appeals(world, decisions, share=0.5)
    rollups.rollup_refresh(wait=True)
    return world


@pytest.fixture
def ombudsman(db: None) -> Client:
    office = factories.organisation(kind=OrganisationKind.OMBUDSMAN, code="ombudsman-office")
    user = User.objects.create_user(username="ombudsman-1", password="x-not-used-123", role=Role.OMBUDSMAN,
                                    organisation=office)  # fmt: skip
    client = Client()
    client.force_login(user)
    return client


def filters_for(query: dict[str, str]) -> Filters:
    return Filters(
        period=Period.parse(query["period_from"], query["period_to"]),
        system_code=query.get("system"),
        region=query.get("region"),
    )


def same_number(text: str, value: float | int | None) -> bool:
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    return float(text) == value if isinstance(value, float) else int(text) == value


@pytest.mark.parametrize("query", QUERIES, ids=["year", "quarter-region", "system"])
def test_the_csv_of_every_table_is_exactly_its_rows(data, ombudsman, query):
    for table_id in selectors.TABLE_IDS:
        check_csv(ombudsman, query, table_id)


def check_csv(ombudsman: Client, query: dict[str, str], table_id: str) -> None:
    response = ombudsman.get(f"/en/oversight/tables/{table_id}.csv?{urlencode(query)}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    name = f"oversight-{table_id}-{query['period_from']}-{query['period_to']}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    with translation.override("en"):
        table = selectors.table(filters_for(query), table_id)
    assert table is not None
    assert len(lines) == len(table.rows)
    for line, row in zip(lines, table.rows, strict=True):
        for column in table.columns:
            value = row.get(column.key)
            if isinstance(value, Interval):
                for part in ("rate", "low", "high", "successes", "total"):
                    key = column.key if part == "rate" else f"{column.key}_{part}"
                    assert same_number(line[key], getattr(value, part)), (column.key, part)
            elif column.kind == "text":
                assert line[column.key] == (
                    "'" + str(value) if str(value)[:1] in "=+-@" and value else str(value or "")
                )
            else:
                assert same_number(line[column.key], value), (column.key, value, line[column.key])


def test_the_json_of_every_table_is_exactly_its_rows(data, ombudsman):
    for table_id in selectors.TABLE_IDS:
        check_json(ombudsman, QUERIES[1], table_id)


def check_json(ombudsman: Client, query: dict[str, str], table_id: str) -> None:
    response = ombudsman.get(f"/ru/oversight/tables/{table_id}.json?{urlencode(query)}")
    assert response.status_code == 200
    document = json.loads(response.content)
    with translation.override("ru"):
        table = selectors.table(filters_for(query), table_id)
        assert document["title"] == str(table.title)
        assert [c["label"] for c in document["columns"]] == [str(c.label) for c in table.columns]
    assert document["id"] == table_id
    assert document["filters"] == query
    assert len(document["rows"]) == len(table.rows)
    for got, row in zip(document["rows"], table.rows, strict=True):
        for column in table.columns:
            value = row.get(column.key)
            if isinstance(value, Interval):
                assert got[column.key] == {"successes": value.successes, "total": value.total, "rate": value.rate,
                                           "low": value.low, "high": value.high}  # fmt: skip
            elif column.kind == "text":
                assert got[column.key] == str(value)
            elif isinstance(value, float) and not math.isfinite(value):
                assert got[column.key] is None
            else:
                assert got[column.key] == value


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_the_monthly_report_prints_the_months_tables_in_kazakh(data, ombudsman, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    response = ombudsman.get("/kk/oversight/report/?month=2025-03&region=Astana")
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="oversight-report-2025-03-kk.pdf"'
    text = " ".join(pdf_text(response.content).split())
    assert set(text.lower()) >= KAZAKH_LETTERS, KAZAKH_LETTERS - set(text.lower())
    assert "2025 ж." in text  # the month in Kazakh notation
    assert "Astana" in text
    catalog = pypdf.PdfReader(io.BytesIO(response.content)).trailer["/Root"]
    assert catalog["/Lang"] == "kk"
    # The numbers of the month: the systems table's decisions, as printed, equal the selectors' for March.
    filters = Filters(period=Period.parse("2025-03", "2025-03"), region="Astana")
    systems = selectors.table(filters, "systems")
    assert systems.rows
    for row in systems.rows:
        assert str(row["decisions"]) in text
    # the same report again comes from the cache, byte for byte
    assert ombudsman.get("/kk/oversight/report/?month=2025-03&region=Astana").content == response.content
    assert len(list((tmp_path / "pdf-cache" / "oversight").glob("*.pdf"))) == 1


def test_the_report_in_english_names_every_table(data, ombudsman, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    response = ombudsman.get("/en/oversight/report/?month=2025-06")
    text = " ".join(pdf_text(response.content).split())
    with translation.override("en"):
        for table in selectors.dashboard_tables(
            filters_for({"period_from": "2025-06", "period_to": "2025-06"})
        ):
            assert str(table.title) in text
    assert "June 2025" in text


def test_nobody_else_gets_a_download(data):
    for role in (Role.CITIZEN, Role.REVIEWER, Role.SUPERVISOR, Role.AGENCY_STAFF, Role.ADMIN):
        check_refused(role)


def check_refused(role: str) -> None:
    kind = {Role.REVIEWER: OrganisationKind.REVIEW_BODY, Role.SUPERVISOR: OrganisationKind.REVIEW_BODY}.get(
        role, OrganisationKind.AGENCY
    )
    org = None if role in (Role.CITIZEN, Role.ADMIN) else factories.organisation(kind=kind)
    user = User.objects.create_user(
        username=f"u-{role}", password="x-not-used-123", role=role, organisation=org
    )
    client = Client()
    client.force_login(user)
    for path in ("/en/oversight/tables/versions.csv", "/en/oversight/tables/versions.json",
                 "/en/oversight/report/?month=2025-03"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, (role, path)
        assert not response.content.startswith((b"%PDF", b"\xef\xbb\xbf"))
