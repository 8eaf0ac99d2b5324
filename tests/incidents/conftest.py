"""The incident tests' own fixture (the shared ones are in tests/fixtures.py)."""

import pytest


@pytest.fixture
def office(client, demo, user_of):
    """The test client logged in as the office (办公室工作人员), who registers reports."""
    client.force_login(user_of("office"))
    return client
