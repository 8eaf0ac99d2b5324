"""Helpers of the test suite (plain functions and constants, imported by test modules and by the
fixtures plugin tests/fixtures.py). Nothing here is a test module or a fixture."""
