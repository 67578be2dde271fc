"""The public open-data pages, downloads and API: no sign-in, 404 for an unknown system, the same numbers
everywhere, the suppression marked explicitly, the register entry's link and live overturn rate per version."""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from appeals.models import Appeal
from appeals.states import Outcome, State
from explanations.models import AlgorithmicSystem, Decision
from explanations.services.ingest import decisions_ingest
from explanations.services.model_versions import model_version_register
from oversight import rollups
from portal.accounts.models import Role, User
from portal.identifiers import new_reference
from tests import factories

LANGS = ("kk", "ru", "en")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def build_system(
    *,
    v1_decisions: int,
    v2_decisions: int,
    v1_decided: int,
    v1_overturned: int,
    v2_decided: int = 0,
    months: int = 1,
) -> AlgorithmicSystem:
    """Version 1.0 (from January 2026) and 2.0 (from February 2026), decisions in Astana spread over the
    version's first `months` months; `vN_decided` appeals decided on version N's decisions, the first
    `v1_overturned` of 1.0's overturned, none of 2.0's."""
    agency = factories.organisation()
    system = factories.system(agency)
    factories.model_version(system, "1.0")
    model_version_register(
        organisation=agency,
        system_code=system.code,
        payload=factories.version_payload("2.0", released_at="2026-02-01T00:00:00+05:00"),
        actor="test",
    )
    n = 0
    for version, count, first in (("1.0", v1_decisions, 1), ("2.0", v2_decisions, 2)):
        records = []
        for i in range(count):
            n += 1
            month = first + i % months
            records.append(
                factories.decision_record(
                    n,
                    version=version,
                    external_id=f"{system.code}-{n}",
                    decided_at=dt.datetime(2026, month, 10, 9, n % 60, tzinfo=dt.UTC).isoformat(),
                )
            )
        if records:
            decisions_ingest(organisation=agency, system_code=system.code, records=records, actor="test")
    citizen = User.objects.create_user(
        username=f"{system.code}-citizen", password="not-used-here-123", role=Role.CITIZEN
    )
    decided_on = [
        *Decision.objects.filter(system=system, model_version__version="1.0").order_by("id")[:v1_decided],
        *Decision.objects.filter(system=system, model_version__version="2.0").order_by("id")[:v2_decided],
    ]
    for i, decision in enumerate(decided_on):
        submitted = decision.decided_at + dt.timedelta(days=3)
        Appeal.objects.create(
            reference=new_reference(),
            decision=decision,
            appellant=citizen,
            state=State.DECIDED,
            created_at=submitted,
            submitted_at=submitted,
            due_date=(submitted + dt.timedelta(days=28)).date(),
            outcome=Outcome.OVERTURNED if i < v1_overturned else Outcome.DECISION_UPHELD,
            decided_at=submitted + dt.timedelta(days=10),
        )
    rollups.rollup_rebuild()
    return system


@pytest.fixture
def system(db: None) -> AlgorithmicSystem:
    return build_system(v1_decisions=30, v2_decisions=9, v1_decided=25, v1_overturned=12, v2_decided=5)


@pytest.mark.parametrize("lang", LANGS)
def test_the_open_data_pages_need_no_sign_in(client: Client, system: AlgorithmicSystem, lang: str) -> None:
    index = client.get(f"/{lang}/open-data/")
    page = client.get(f"/{lang}/open-data/{system.code}/")

    assert index.status_code == 200, index.content
    assert f'href="/{lang}/open-data/{system.code}/"' in index.content.decode()
    assert page.status_code == 200, page.content
    assert page.content.decode().count('data-measure="decisions"') > 3


@pytest.mark.parametrize(
    "url",
    [
        "/en/open-data/no-such-system/",
        "/kk/open-data/no-such-system/data.csv",
        "/ru/open-data/no-such-system/data.json",
        "/api/v1/open-data/systems/no-such-system/",
    ],
)
def test_an_unknown_system_is_not_found(client: Client, db: None, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 404


def test_the_api_is_public_and_an_agency_token_does_not_break_it(
    client: Client, system: AlgorithmicSystem
) -> None:
    token = factories.token(system.operator)

    anonymous = client.get(f"/api/v1/open-data/systems/{system.code}/")
    with_token = client.get(f"/api/v1/open-data/systems/{system.code}/", HTTP_AUTHORIZATION=f"Token {token}")
    with_bad_token = client.get("/api/v1/open-data/systems/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert anonymous.status_code == 200, anonymous.content
    assert with_token.status_code == 200, with_token.content
    assert with_bad_token.status_code == 200, with_bad_token.content
    assert anonymous.json()["versions"] == with_token.json()["versions"]
    assert anonymous["Access-Control-Allow-Origin"] == "*"  # readable from any web page
    listed = with_bad_token.json()
    assert system.code in [s["code"] for s in listed["systems"]]
    assert listed["licence"]["url"].startswith("https://creativecommons.org/")


def test_the_api_marks_suppression_and_carries_licence_and_generation_time(
    client: Client, system: AlgorithmicSystem
) -> None:
    document = client.get(f"/api/v1/open-data/systems/{system.code}/").json()

    assert document["licence"]["name"].startswith("Creative Commons")
    assert dt.datetime.fromisoformat(document["generated_at"]).tzinfo is not None
    assert document["suppression"]["threshold"] == 10
    v1, v2 = document["versions"]
    # 30 decisions, 25 appeals decided, 12 overturned on 1.0; 9 decisions on 2.0.
    assert v1["totals"]["decisions"] == {"value": 30, "suppressed": False}
    assert v1["totals"]["decided"] == {"value": 25, "suppressed": False}
    assert v1["totals"]["overturned"] == {"value": 12, "suppressed": False}
    assert v1["totals"]["overturn_rate"]["value"] == pytest.approx(12 / 25)
    assert v1["totals"]["overturn_rate"]["low"] < 12 / 25 < v1["totals"]["overturn_rate"]["high"]
    assert v1["totals"]["deadlines_kept"] == {"value": 25, "suppressed": False}
    assert v2["totals"]["decisions"] == {"value": None, "suppressed": True}
    assert v2["totals"]["decided"] == {"value": None, "suppressed": True}
    assert v2["totals"]["overturned"] == {"value": 0, "suppressed": False}  # a zero is about no one
    assert v2["totals"]["overturn_rate"] == {"value": None, "low": None, "high": None, "suppressed": True}
    assert document["system"]["register_url"].endswith(f"/en/register/{system.code}/")


def test_the_suppression_boundary_nine_hidden_ten_shown(client: Client, db: None) -> None:
    ten = build_system(v1_decisions=10, v2_decisions=9, v1_decided=10, v1_overturned=9)

    document = client.get(f"/api/v1/open-data/systems/{ten.code}/").json()

    v1, v2 = document["versions"]
    assert v1["totals"]["decisions"] == {"value": 10, "suppressed": False}
    assert v1["totals"]["decided"] == {"value": 10, "suppressed": False}
    assert v1["totals"]["overturned"] == {"value": None, "suppressed": True}
    # The rate's numerator is hidden, so the rate is too (10 x rate would give 9 back).
    assert v1["totals"]["overturn_rate"]["suppressed"] is True
    assert v2["totals"]["decisions"] == {"value": None, "suppressed": True}


def test_the_json_download_the_api_and_the_csv_carry_the_same_numbers(
    client: Client, system: AlgorithmicSystem
) -> None:
    api = client.get(f"/api/v1/open-data/systems/{system.code}/").json()
    download = client.get(f"/kk/open-data/{system.code}/data.json")
    csv_response = client.get(f"/ru/open-data/{system.code}/data.csv")

    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["versions"] == api["versions"]
    assert csv_response["Content-Type"].startswith("text/csv")
    assert f"open-data-{system.code}-" in csv_response["Content-Disposition"]
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("system,version,level,month,region,decisions,silent,appeals,decided")
    version_rows = [line.split(",") for line in lines[1:] if line.split(",")[2] == "version"]
    assert [(r[1], r[5], r[8], r[9]) for r in version_rows] == [
        ("1.0", "30", "25", "12"),
        ("2.0", "suppressed", "suppressed", "0"),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_register_entry_links_to_the_open_data_with_the_rate_per_version(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    html = client.get(f"/{lang}/register/{system.code}/").content.decode()

    assert f'href="/{lang}/open-data/{system.code}/"' in html
    assert 'id="open-data"' in html
    if lang == "en":
        assert "48.0% (" in html  # 12 of 25 overturned
        assert "Not published" in html  # version 2.0: 5 appeals decided
        assert "fewer than 10" not in html  # a hidden total may be 10 or more (hidden for a difference)


def test_the_openapi_schema_documents_the_public_endpoints_without_authentication(
    client: Client, db: None
) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    document = json.loads(schema) if schema.lstrip().startswith("{") else None
    if document is None:
        import yaml

        document = yaml.safe_load(schema)

    paths = document["paths"]
    listing = paths["/api/v1/open-data/systems/"]["get"]
    detail = paths["/api/v1/open-data/systems/{code}/"]["get"]
    # No security requirement: public (the agency endpoints carry [{"agencyToken": []}]).
    assert listing.get("security", []) in ([], [{}])
    assert detail.get("security", []) in ([], [{}])
    assert paths["/api/v1/systems/"]["get"]["security"] == [{"agencyToken": []}]
    assert detail["tags"] == ["open data"]
    assert "suppressed" in detail["description"]
    assert "404" in detail["responses"] and "200" in detail["responses"]


@pytest.mark.parametrize("url", ["/en/open-data/", "/api/v1/open-data/systems/"])
def test_writes_are_refused(client: Client, db: None, url: str) -> None:
    response = client.post(url, {})

    assert response.status_code == 405


def test_a_system_without_versions_has_an_empty_but_valid_page(client: Client, db: None) -> None:
    bare = factories.system()

    page = client.get(f"/en/open-data/{bare.code}/")
    api = client.get(f"/api/v1/open-data/systems/{bare.code}/").json()
    register = client.get(f"/en/register/{bare.code}/")

    assert page.status_code == 200
    assert api["versions"] == []
    assert register.status_code == 200


@pytest.mark.parametrize("region", ['=HYPERLINK("https://example.com")', "+1+1", "-2", "@SUM(A1)"])
def test_a_region_that_reads_as_a_formula_is_escaped_in_the_csv(
    client: Client, db: None, region: str
) -> None:
    agency = factories.organisation()
    system = factories.system(agency)
    factories.model_version(system, "1.0")
    records = [
        factories.decision_record(
            900 + i,
            version="1.0",
            external_id=f"{system.code}-f{i}",
            group={"region": region, "settlement": "URBAN"},
            decided_at=dt.datetime(2026, 1, 10, 9, i, tzinfo=dt.UTC).isoformat(),
        )
        for i in range(12)  # at least 10: the region is named, not pooled
    ]
    decisions_ingest(organisation=agency, system_code=system.code, records=records, actor="test")
    rollups.rollup_rebuild()

    response = client.get(f"/en/open-data/{system.code}/data.csv")

    assert response.status_code == 200, response.content
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    regions = {row["region"] for row in rows if row["level"] == "region"}
    assert f"'{region}" in regions
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
