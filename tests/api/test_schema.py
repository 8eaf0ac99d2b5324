"""Schemathesis over the OpenAPI schema (issue 19): every operation, positive and negative cases, with a
token holding every scope: no server error, every response conforms to the schema (status code, content
type, body), and data that violates the schema is refused. Kept small (``MAX_EXAMPLES`` per operation)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from tests.support.api import COMPANY

MAX_EXAMPLES = 6


@pytest.fixture(autouse=True)
def _one_connection():
    # Requests go through the real WSGI application in this thread, inside the test's transaction: keep
    # the connection open across them, as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema view touches no database: it is loaded at collection, one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    no_shrink=True,
    deterministic=True,
    database="none",
)


@pytest.fixture
def bearer(issue):
    _token, secret = issue(COMPANY)
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@pytest.mark.usefixtures("demo")
@settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_conforms(case, bearer):
    case.call_and_validate(
        headers=bearer,
        excluded_checks=[positive_data_acceptance],  # the form's rules refuse much
    )


def test_the_schema_and_the_api_pages_are_served(client):
    r = client.get("/api/schema/?format=json")
    assert r.status_code == 200 and "/api/v1/incidents/" in r.json()["paths"]
    assert "供热应急指挥平台 API" == r.json()["info"]["title"]
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html and "cdn" not in html.lower()
