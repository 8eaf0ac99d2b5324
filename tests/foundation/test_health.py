from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from command.models import Heartbeat
from command.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cur:
        cur.execute("SHOW TimeZone")
        # Django talks to PostgreSQL in UTC and converts to Asia/Shanghai itself.
        assert cur.fetchone()[0] == "UTC"


def test_heartbeat_task_records_and_counts():
    heartbeat(source="beat")
    heartbeat(source="beat")
    row = Heartbeat.objects.get(source="beat")
    assert row.count == 2
    assert timezone.now() - row.last_seen < timedelta(seconds=5)


def test_healthz_ok_with_fresh_heartbeat(client):
    heartbeat(source="beat")
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True and body["broker"]["transport"] == "redis"
    assert body["heartbeat"]["ok"] is True and body["heartbeat"]["age_seconds"] < 5
    assert body["heartbeat"]["last_seen"].endswith("+08:00")  # Asia/Shanghai


def test_healthz_503_without_heartbeat(client):
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["heartbeat"]["ok"] is False


def test_healthz_503_with_stale_heartbeat(client, settings):
    Heartbeat.objects.create(
        source="beat", last_seen=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 1)
    )
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["heartbeat"]["age_seconds"] > settings.HEARTBEAT_MAX_AGE_SECONDS


def test_healthz_503_when_broker_down(client, settings):
    from config.celery import app

    heartbeat(source="beat")
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        resp = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert resp.status_code == 503
    body = resp.json()
    assert body["broker"]["ok"] is False and body["broker"]["error"]
    assert body["database"]["ok"] is True


def test_healthz_needs_no_login_and_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_favicon_is_served_not_a_404(client):
    """Every page links the icon, and a browser's own request for /favicon.ico finds it (issue 17 point 12)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
    login = client.get("/login/")
    assert b'rel="icon"' in login.content
