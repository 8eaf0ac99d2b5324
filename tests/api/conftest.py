"""Fixtures of the API tests: tokens issued by the office for a unit, a client that sends one (the shared
fixtures are in tests/fixtures.py, the API helpers in tests/support/api.py)."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import token_issue
from orgchart.models import Unit
from tests.support.api import ALL_SCOPES, COMPANY


@pytest.fixture(autouse=True)
def _fresh_throttle():
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def issue(demo, user_of):
    """issue("demo-heat-1", scopes=[...]) → (token, secret), issued by the office."""

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
