"""Fixtures for the command tests: the incident fixtures (people, make_incident, incident_in, walk …)
plus an incident whose 附件4 recommendation is a firm Ⅱ (an outage of 30 h over 62.5 % of the
default service area's 32,000,000 m² in the demo set)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.incidents.conftest import authorised, incident_in, make_incident, people, walk  # noqa: F401

REASON = "测试：按预案研判决定"


@pytest.fixture
def firm_two(make_incident):  # noqa: F811  (the imported fixture, requested by name)
    """make an assessing incident recommended at a firm Ⅱ (附件4 Ⅱ(1), 24 h passed)."""

    def make(**fields):
        now = timezone.now()
        data = {
            "outage_started_at": now - timedelta(hours=30),
            "occurred_at": now - timedelta(hours=30),
            "reported_at": now - timedelta(hours=29),
            "affected_area_m2": 20_000_000,
        }
        data.update(fields)
        incident = make_incident(**data)
        from django.contrib.auth import get_user_model

        incident.start_assessment(get_user_model().objects.get(username="office"))
        incident.refresh_from_db()
        return incident

    return make


@pytest.fixture
def fresh():
    """A fresh user object (permissions are cached per user object, i.e. per request)."""
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.select_related("person").get(username=username)
