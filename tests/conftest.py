"""The suite's fixtures come from one plugin module, tests/fixtures.py; helpers from tests/support/."""

pytest_plugins = ["tests.fixtures"]
