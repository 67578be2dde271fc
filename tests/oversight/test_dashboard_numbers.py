"""The dashboard over generated data: what the page shows is the selectors' Table, cell by cell; the filters
narrow the numbers (checked against a direct count of the generated decisions); every row's sample of cases
opens and names nobody."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import tinyhtml5
from django.test import Client

from appeals.models import Appeal
from explanations.models import Decision
from oversight import charts, rollups, selectors
from oversight.selectors import Filters, Period
from portal.accounts.models import OrganisationKind, Role, User
from tests import factories

from .conftest import World, add_appeals, add_decisions

ALMATY = ZoneInfo("Asia/Almaty")
YEAR_2025 = {"period_from": "2025-01", "period_to": "2025-12"}


def parse(response: Any) -> ET.Element:
    assert response.status_code == 200, response.content[:2000]
    root = tinyhtml5.parse(response.content.decode())
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def section(root: ET.Element, table_id: str) -> ET.Element:
    found = root.find(f".//*[@id='table-{table_id}']")
    assert found is not None, table_id
    return found


@pytest.fixture
def data(world: World) -> World:
    decisions = add_decisions(world, 400)
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
        model_version=int(query["version"]) if "version" in query else None,
        region=query.get("region"),
    )


def direct_decisions(query: dict[str, str]) -> int:
    """Decisions the filters select, counted straight from the decisions table (local months, Asia/Almaty)."""
    start = dt.datetime.combine(dt.date.fromisoformat(query["period_from"] + "-01"), dt.time.min, ALMATY)
    end_month = dt.date.fromisoformat(query["period_to"] + "-01")
    end = dt.datetime.combine(selectors.add_months(end_month, 1), dt.time.min, ALMATY)
    qs = Decision.objects.filter(decided_at__gte=start, decided_at__lt=end)
    if "system" in query:
        qs = qs.filter(system__code=query["system"])
    if "version" in query:
        qs = qs.filter(model_version_id=int(query["version"]))
    if "region" in query:
        qs = qs.filter(region=query["region"])
    return qs.count()


def shown_total(root: ET.Element) -> int:
    """The sum of the "Decisions" column of the systems table, read from the page."""
    table = section(root, "systems").find(".//table")
    headers = [text(th) for th in table.findall("./thead/tr/th")]
    column = headers.index("Decisions")
    total = 0
    for row in table.findall("./tbody/tr"):
        cells = [*row.findall("./th"), *row.findall("./td")]
        total += int(re.sub(r"\D", "", text(cells[column])))
    return total


def test_the_page_shows_every_table_cell_for_cell(data, ombudsman):
    root = parse(ombudsman.get(f"/en/oversight/?{urlencode(YEAR_2025)}"))
    tables = selectors.dashboard_tables(filters_for(YEAR_2025))
    assert [t.id for t in tables] == list(selectors.TABLE_IDS)
    for t in tables:
        shown = section(root, t.id)
        assert text(shown.find(".//h2")) == str(t.title)
        if not t.rows:
            assert shown.find(".//table") is None
            continue
        body = shown.findall(".//tbody/tr")
        assert len(body) == len(t.rows), t.id
        for tr, row in zip(body, t.rows, strict=True):
            cells = [*tr.findall("./th"), *tr.findall("./td")][: len(t.columns)]
            for cell, column in zip(cells, t.columns, strict=True):
                expected = charts.cell_text(column, row.get(column.key))
                if column.kind == "flag":
                    expected = str(column.label) if row.get(column.key) else "No"
                assert text(cell) == expected, (t.id, column.key)


@pytest.mark.parametrize(
    "narrower",
    [
        {"region": "Astana"},
        {"system": "sys-a-1"},
        {"system": "sys-b-1", "region": "Almaty"},
        {"period_from": "2025-03", "period_to": "2025-05"},
        "version",
    ],
)
def test_the_filters_narrow_the_numbers(data, ombudsman, narrower):
    if narrower == "version":
        narrower = {"system": "sys-a-1", "version": str(data.versions["A2"].pk)}
    query = {**YEAR_2025, **narrower}
    everything = shown_total(parse(ombudsman.get(f"/en/oversight/?{urlencode(YEAR_2025)}")))
    narrowed = shown_total(parse(ombudsman.get(f"/en/oversight/?{urlencode(query)}")))
    assert everything == direct_decisions(YEAR_2025) > 0
    assert narrowed == direct_decisions(query)
    assert 0 < narrowed < everything


def test_every_row_opens_a_sample_of_its_cases_that_names_nobody(data, ombudsman):
    references = list(Decision.objects.values_list("reference", flat=True)) + list(
        Appeal.objects.values_list("reference", flat=True)
    )
    names = list(User.objects.values_list("username", flat=True))
    root = parse(ombudsman.get(f"/en/oversight/?{urlencode(YEAR_2025)}"))
    links = [a.get("href") for a in root.iter("a") if "/sample/" in (a.get("href") or "")]
    per_table = {re.search(r"/tables/([a-z_]+)/", link).group(1) for link in links}
    assert per_table == {t for t in selectors.TABLE_IDS if selectors.table(filters_for(YEAR_2025), t).rows}
    opened = 0
    for link in links[:: max(1, len(links) // 25)]:  # a spread of rows over every table
        response = ombudsman.get(link)
        page = parse(response)
        body = response.content.decode()
        opened += 1
        for secret in (*references, *names):
            assert secret not in body, (link, secret)
        assert not re.search(r"\b\d{12}\b", body), link  # nothing shaped like an IIN
        assert page.find(".//h1") is not None
    assert opened >= 10
