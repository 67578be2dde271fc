"""Authorization of the endpoints added outside the apps' namespaces (probes, CSP reports, the SMS provider's
callback, the decree calendar's admin page) × every kind of actor × GET and POST.

Expected: the probes answer every browser alike (they reveal nothing) and refuse writes; CSP reports are
accepted from anyone with a browser and refuse reads; the SMS callback accepts no request without the
provider's signature, whoever is signed in, and changes nothing; the calendar's admin page is for the portal's
administrator alone. An agency's API token never opens any of them (401).
"""

import json
from typing import Any

import pytest
from django.test import Client

from portal.accounts.models import Organisation, OrganisationKind, Role, SmsDelivery, User
from tests import factories

ACTORS = ("anonymous", "citizen", "reviewer", "agency_staff", "ombudsman", "admin", "token")
REPORT = {
    "csp-report": {
        "document-uri": "https://x/en/",
        "violated-directive": "script-src",
        "blocked-uri": "inline",
    }
}


def client_for(actor: str) -> Client:
    client = Client()
    if actor == "anonymous":
        return client
    if actor == "token":
        org = factories.organisation(OrganisationKind.AGENCY, code="agency-x")
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {factories.token(org)}"
        return client
    org = None
    if actor in {"reviewer", "agency_staff", "ombudsman", "admin"}:
        kind = {
            "reviewer": OrganisationKind.REVIEW_BODY,
            "agency_staff": OrganisationKind.AGENCY,
            "ombudsman": OrganisationKind.OMBUDSMAN,
            "admin": OrganisationKind.REVIEW_BODY,
        }[actor]
        org = Organisation.objects.filter(kind=kind).first() or factories.organisation(kind)
    role = {"citizen": Role.CITIZEN, "reviewer": Role.REVIEWER, "agency_staff": Role.AGENCY_STAFF}.get(
        actor, Role.OMBUDSMAN if actor == "ombudsman" else Role.ADMIN
    )
    extra: dict[str, Any] = {"iin_hash": "c" * 64} if actor == "citizen" else {}
    if actor == "admin":
        extra.update(is_staff=True, is_superuser=True)  # the demo's portal.admin is both
    user = User.objects.create(username=f"u-{actor}", role=role, organisation=org, **extra)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_probes_answer_everyone_alike_and_refuse_writes(actor: str) -> None:
    client = client_for(actor)
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        if actor == "token":
            assert response.status_code == 401, path
            continue
        assert response.status_code == 200, (path, response.content)
        assert client.post(path).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_csp_reports_are_taken_from_any_browser_and_never_read(actor: str) -> None:
    client = client_for(actor)
    response = client.post("/csp-report/", json.dumps(REPORT), content_type="application/csp-report")
    assert response.status_code == (401 if actor == "token" else 204), response.content
    assert client.get("/csp-report/").status_code in {401, 405}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_the_sms_callback_takes_nothing_without_the_providers_signature(actor: str) -> None:
    SmsDelivery.objects.create(message_id="sms-1", provider_id="p-1")
    before = list(SmsDelivery.objects.values_list("pk", "status", "status_at"))
    client = client_for(actor)
    body = json.dumps({"message_id": "sms-1", "id": "p-1", "status": "delivered"})
    response = client.post("/sms/status/", body, content_type="application/json")
    assert response.status_code in {400, 401, 403}, (actor, response.status_code)
    assert client.get("/sms/status/").status_code in {401, 405}
    assert list(SmsDelivery.objects.values_list("pk", "status", "status_at")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_the_decree_calendar_admin_is_for_the_administrator_alone(actor: str) -> None:
    client = client_for(actor)
    response = client.get("/en/admin/appeals/calendardaychange/")
    if actor == "admin":
        assert response.status_code == 200, response.content[:300]
    elif actor == "token":
        assert response.status_code == 401
    else:
        assert response.status_code in {302, 404}
        if response.status_code == 302:
            assert "/login/" in response["Location"] or "sign-in" in response["Location"]
