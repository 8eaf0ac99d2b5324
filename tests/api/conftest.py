"""Fixtures of the API tests: tokens issued by the office for a unit, a client that sends one."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Scope
from api.services import token_issue
from tests.incidents.conftest import incident_in, make_incident, people, walk  # noqa: F401

ALL_SCOPES = list(Scope.values)
COMPANY = "demo-heat-1"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def issue(demo, user_of):
    """issue("demo-heat-1", scopes=[...]) → (token, secret), issued by the office."""
    from orgchart.models import Unit

    def make(unit_code=COMPANY, scopes=None, days=30, name="调度系统"):
        unit = Unit.objects.get(code=unit_code)
        return token_issue(
            actor=user_of("office"),
            unit=unit,
            name=name,
            scopes=ALL_SCOPES if scopes is None else scopes,
            expires_at=timezone.now() + timedelta(days=days),
        )

    return make


@pytest.fixture
def api(issue):
    """api(unit_code, scopes) → an APIClient sending that unit's new token (``.token`` on it)."""

    def make(unit_code=COMPANY, scopes=None, secret=None):
        client = APIClient()
        token = None
        if secret is None:
            token, secret = issue(unit_code, scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        client.token = token
        return client

    return make


def report_body(**overrides):
    now = timezone.localtime()
    body = {
        "title": "接口测试：一次管网爆管停热",
        "category": "heat_source_pipeline",
        "facility": "main_network",
        "description": "调度系统自动上报",
        "county": None,
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "outage_started_at": (now - timedelta(hours=2)).isoformat(),
        "affected_area_m2": 150000,
        "affected_households": 1200,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
