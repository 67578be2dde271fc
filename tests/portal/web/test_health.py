"""Liveness and readiness: what a load balancer and a supervisor see."""

from unittest import mock

import pytest
from django.test import override_settings

from portal.web import health


def test_liveness_answers_without_a_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_reports_each_check(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readiness_is_503_and_names_the_check_when_the_cache_loses_values(client) -> None:
    with mock.patch.object(health.cache, "get", return_value=None):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "failed", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readiness_is_503_while_a_migration_is_unapplied(client, monkeypatch) -> None:
    monkeypatch.setattr(health, "_migrations_checked", False)
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=[("app", "0001")]):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_readiness_is_503_when_the_broker_is_unreachable(client) -> None:
    original = health.app.conf.broker_url
    health.app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        health.app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed"


def test_probes_refuse_writes(client) -> None:
    assert client.post("/healthz").status_code == 405
