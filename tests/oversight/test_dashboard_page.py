"""The dashboard page's structure, over known Tables (the selectors are replaced here; their numbers are tested
against real data in test_dashboard_numbers.py): every table accessible, intervals in words, small groups
flagged, exports and drill-downs carrying the same filters, bad input answered with a message."""

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import tinyhtml5
from django.test import Client

from oversight import selectors
from oversight.selectors import CaseRow, FilterChoices, Filters
from oversight.tables import Column, Interval, Table
from tests.appeals.conftest import World

RATE = Interval(successes=37, total=300, rate=37 / 300, low=0.0907, high=0.1654)


def regions_table(filters: Filters) -> Table:
    rows = [
        {"key": "Astana", "name": "Astana", "decisions": 300, "overturn": RATE, "small": False},
        {"key": "Abai", "name": "Abai", "decisions": 7, "overturn": RATE, "small": True},
    ]
    if filters.region:
        rows = [r for r in rows if r["name"] == filters.region]
    return Table(
        id="regions",
        title="Regions",
        columns=(
            Column("name", "Region", "text"),
            Column("decisions", "Decisions", "count"),
            Column("overturn", "Overturn rate", "interval"),
            Column("small", "Small group", "flag"),
        ),
        rows=tuple(rows),
        caption="Decisions by region",
        notes=("Groups under 30 are flagged, not compared.",),
    )


def empty_table(filters: Filters) -> Table:
    return Table(id="backlog", title="Backlog", columns=(Column("name", "Version", "text"),), rows=())


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []

    def dashboard_tables(filters: Filters, *, now: Any = None) -> list[Table]:
        seen.append(("dashboard", filters))
        return [regions_table(filters), empty_table(filters)]

    def table(filters: Filters, table_id: str, *, now: Any = None) -> Table | None:
        seen.append(("table", filters, table_id))
        return {"regions": regions_table, "backlog": empty_table}.get(table_id, lambda f: None)(filters)

    def drilldown_sample(filters: Filters, table_id: str, row_key: str, *, n: int = 20, seed: int = 0):
        seen.append(("sample", filters, table_id, row_key, n))
        if table_id != "regions" or row_key not in ("Astana", "Abai"):
            return None
        return [
            CaseRow(
                case="C-1a2b3c4d",
                system_code="dfc",
                version="1.0",
                month=dt.date(2026, 3, 1),
                region=row_key,
                outcome="NO_SUPPORT",
                notified=False,
                reproducibility="MISMATCH",
                appeal_state="DECIDED",
                appeal_outcome="OVERTURNED",
                grounds=("DATA_WRONG",),
                days_to_outcome=12,
            )
        ]

    monkeypatch.setattr(selectors, "dashboard_tables", dashboard_tables)
    monkeypatch.setattr(selectors, "table", table)
    monkeypatch.setattr(selectors, "drilldown_sample", drilldown_sample)
    monkeypatch.setattr(
        selectors,
        "filter_choices",
        lambda: FilterChoices(
            systems=(("dfc", "Family card"),), versions=((1, "dfc", "1.0"),), regions=("Abai", "Astana")
        ),
    )
    return seen


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.fixture
def ombudsman(world: World) -> Client:
    client = Client()
    client.force_login(world.ombudsman)
    return client


def soup(response: Any) -> ET.Element:
    """The page as an ElementTree without the XHTML namespace (tinyhtml5 is WeasyPrint's HTML parser)."""
    assert response.status_code == 200, response.content[:2000]
    root = tinyhtml5.parse(response.content.decode())
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def by_id(root: ET.Element, id_: str) -> ET.Element | None:
    return root.find(f".//*[@id='{id_}']")


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def test_every_table_is_an_accessible_table_with_its_chart_hidden_from_screen_readers(ombudsman, calls):
    page = soup(ombudsman.get("/en/oversight/"))
    section = by_id(page, "table-regions")
    assert text(section.find(".//h2")) == "Regions"
    table = section.find(".//table")
    assert "Decisions by region" in text(table.find("caption"))
    assert [th.get("scope") for th in table.findall("./thead/tr/th")] == ["col"] * 5
    body_rows = table.findall("./tbody/tr")
    assert [text(r.find("./th[@scope='row']")) for r in body_rows] == ["Astana", "Abai"]
    cells = [text(td) for td in body_rows[0].findall("./td")]
    assert cells[:2] == ["300", "12.3% (9.1–16.5%)"]
    svg = section.find(".//svg")
    assert svg.get("aria-hidden") == "true"
    assert "Groups under 30 are flagged, not compared." in text(section)
    # the empty table says so instead of drawing an empty grid
    assert by_id(page, "table-backlog").find(".//table") is None
    assert "No cases in this period." in text(by_id(page, "table-backlog"))


def test_a_small_group_is_flagged_visibly(ombudsman, calls):
    rows = by_id(soup(ombudsman.get("/en/oversight/")), "table-regions").findall(".//tbody/tr")
    assert by_class(rows[0], "govuk-tag") == []
    assert [text(t) for t in by_class(rows[1], "govuk-tag")] == ["Small group"]


def test_exports_and_samples_carry_the_same_filters_as_the_page(ombudsman, calls):
    query = "?period_from=2026-01&period_to=2026-03&system=dfc&version=1&region=Astana"
    section = by_id(soup(ombudsman.get(f"/en/oversight/{query}")), "table-regions")
    expected = {
        "period_from": ["2026-01"],
        "period_to": ["2026-03"],
        "system": ["dfc"],
        "version": ["1"],
        "region": ["Astana"],
    }
    links = {text(a): a.get("href") for a in section.iter("a")}
    csv_url = links["Download CSV: Regions"]
    json_url = links["Download JSON: Regions"]
    sample_url = links["Sample: Astana"]
    assert urlsplit(csv_url).path == "/en/oversight/tables/regions.csv"
    assert urlsplit(json_url).path == "/en/oversight/tables/regions.json"
    assert urlsplit(sample_url).path == "/en/oversight/tables/regions/sample/"
    assert parse_qs(urlsplit(csv_url).query) == expected
    assert parse_qs(urlsplit(json_url).query) == expected
    assert parse_qs(urlsplit(sample_url).query) == {**expected, "row": ["Astana"]}
    # following them gives the same filters to the selectors
    page_filters = calls[0][1]
    ombudsman.get(csv_url)
    ombudsman.get(sample_url)
    assert ("table", page_filters, "regions") in calls
    assert ("sample", page_filters, "regions", "Astana", 20) in calls


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period_from=March", "Enter a month as a year and a month, for example 2026-03"),
        (
            "?period_from=2026-03&period_to=2026-01",
            "The end month must be the same as or after the start month",
        ),
        ("?system=%3Cscript%3E", "Choose a system from the list"),
        ("?version=-1", "Choose a model version from the list"),
        ("?region=" + "x" * 5000, "Choose a region from the list"),
        ("?period_to=9999-99", "Enter a month as a year and a month, for example 2026-03"),
    ],
)
def test_bad_filter_input_gets_the_page_with_a_clear_message(ombudsman, calls, query, message):
    page = soup(ombudsman.get(f"/en/oversight/{query}"))
    (summary,) = by_class(page, "govuk-error-summary")
    assert message in text(summary)
    assert text(page.find(".//title")).startswith("Error:")
    assert by_id(page, "table-regions") is not None  # still the figures, for the filters that were valid


def test_the_filter_form_keeps_what_was_typed(ombudsman, calls):
    page = soup(ombudsman.get("/en/oversight/?period_from=2026-01&period_to=2026-02&region=Abai"))
    assert by_id(page, "id_period_from").get("value") == "2026-01"
    assert by_id(page, "id_period_to").get("value") == "2026-02"
    assert [
        o.get("value") for o in by_id(page, "id_region").iter("option") if o.get("selected") is not None
    ] == ["Abai"]
    rows = by_id(page, "table-regions").findall(".//tbody/tr")
    assert [text(r.find("th")) for r in rows] == ["Abai"]


def test_the_sample_names_no_person_and_says_what_it_is(ombudsman, calls, world):
    page = soup(ombudsman.get("/en/oversight/tables/regions/sample/?row=Abai"))
    body = text(page)
    assert text(page.find(".//h1")) == "Sample of cases: Abai"
    assert "C-1a2b3c4d" in body
    assert "Not reproducible: the portal's recomputation differs" in body
    assert "The data about me is wrong" in body
    assert "The decision is overturned" in body


@pytest.mark.parametrize("query", ["?row=nowhere", "", "?row=%00"])
def test_a_sample_of_an_unknown_row_is_not_found(ombudsman, calls, query):
    assert ombudsman.get(f"/en/oversight/tables/regions/sample/{query}").status_code == 404
    assert ombudsman.get(f"/en/oversight/tables/nope/sample/{query}").status_code == 404


def test_an_unknown_table_has_no_export(ombudsman, calls):
    assert ombudsman.get("/en/oversight/tables/nope.csv").status_code == 404
    assert ombudsman.get("/en/oversight/tables/nope.json").status_code == 404


def test_a_bad_report_month_gets_a_page_with_the_error_not_a_pdf(ombudsman, calls):
    for query in ("?month=", "?month=soon", "?month=2099-01", "?month=2026-03&system=nope"):
        response = ombudsman.get(f"/en/oversight/report/{query}")
        page = soup(response)
        assert response["Content-Type"].startswith("text/html")
        assert by_class(page, "govuk-error-summary"), query
        assert by_id(page, "id_month") is not None
    assert "Choose a system from the list" in text(
        soup(ombudsman.get("/en/oversight/report/?month=2026-03&system=nope"))
    )
    # without any month (an address typed in): the form, no error yet
    page = soup(ombudsman.get("/en/oversight/report/"))
    assert not by_class(page, "govuk-error-summary") and by_id(page, "id_month") is not None


def test_panels_of_other_parts_are_left_out_until_their_tags_exist(ombudsman, calls, monkeypatch):
    from oversight import views

    monkeypatch.setattr(views, "PANELS", (("no_such_library", ("x",), "oversight/_panel_inquiries.html"),))
    assert ombudsman.get("/en/oversight/").status_code == 200


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_page_is_in_the_requested_language_with_its_number_notation(ombudsman, calls, lang):
    page = soup(ombudsman.get(f"/{lang}/oversight/"))
    assert page.get("lang") == lang
    cell = text(by_id(page, "table-regions").findall(".//tbody/tr")[0].findall("td")[1])
    assert cell == ("12.3% (9.1–16.5%)" if lang == "en" else "12,3% (9,1–16,5%)")
