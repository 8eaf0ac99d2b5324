"""Fixtures for the hardening tests (issue 16): the incident and command fixtures, shared."""

from tests.command.conftest import firm_two, fresh  # noqa: F401
from tests.incidents.conftest import authorised, incident_in, make_incident, people, walk  # noqa: F401
